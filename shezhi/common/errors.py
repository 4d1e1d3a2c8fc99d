"""Errors a user sees: the field, the row and the reason, in Chinese with an English counterpart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils import translation


@dataclass(frozen=True)
class Problem:
    """One reason something was rejected (问题): Chinese first, English counterpart."""

    code: str
    zh: str
    en: str
    field: str | None = None

    def __str__(self) -> str:
        where = f"[{self.field}] " if self.field else ""
        return f"{where}{self.zh} / {self.en}"

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.zh, "message_en": self.en}

    def text(self) -> str:
        """The reason in the language of the request (Chinese, or English under the switch)."""
        from django.utils.translation import get_language

        return self.en if (get_language() or "").startswith("en") else self.zh


@dataclass
class RowError:
    """A rejected input row (被拒绝的行) and every reason it was rejected."""

    line: int
    problems: list[Problem] = field(default_factory=list)
    raw: dict[str, Any] | None = None

    def __str__(self) -> str:
        reasons = "; ".join(str(p) for p in self.problems)
        return f"第 {self.line} 行 / line {self.line}: {reasons}"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "problems": [p.as_dict() for p in self.problems]}

    def text(self) -> str:
        """The line and its reasons in the language of the request."""
        from django.utils.translation import gettext

        reasons = "；".join(p.text() for p in self.problems)
        return gettext("第 %(line)s 行：%(reasons)s") % {"line": self.line, "reasons": reasons}


class ImportRejected(Exception):
    """An import with rejected rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            f"{len(errors)} 行被拒绝，未写入任何数据 / {len(errors)} rows rejected, nothing written"
        )


class AppError(Exception):
    """The platform's one application error (应用错误): what went wrong, for whom, and why.

    Raised by services and views; one handler per surface renders it (the HTTP API as
    ``{code, message, message_en, details}``, pages as a 4xx page in the user's language,
    Open311 in its own ``errors`` list). ``zh`` may be a ``gettext_lazy`` string whose
    msgid is the Chinese text; ``en`` defaults to its English translation.
    """

    def __init__(
        self,
        zh: Any,
        en: str | None = None,
        *,
        status: int = 400,
        code: str = "invalid",
        problems: list[Problem] | tuple[Problem, ...] = (),
        details: Any = None,
    ) -> None:
        self.zh = zh
        self._en = en
        self.status = status
        self.code = code
        self.problems = list(problems)
        self.details = details
        super().__init__(self.message_zh)

    @classmethod
    def from_problems(
        cls,
        problems: list[Problem] | tuple[Problem, ...],
        *,
        status: int = 422,
        code: str | None = None,
        lead: tuple[str, str] = ("", ""),
    ) -> AppError:
        """One error listing every problem (all fields, not just the first), after ``lead``."""
        problems = list(problems)
        return cls(
            lead[0] + "；".join(p.zh for p in problems),
            lead[1] + "; ".join(p.en for p in problems),
            status=status,
            code=code or (problems[0].code if problems else "invalid"),
            problems=problems,
        )

    @property
    def message_zh(self) -> str:
        with translation.override("zh-hans"):
            return str(self.zh)

    @property
    def message_en(self) -> str:
        if self._en is not None:
            return self._en
        with translation.override("en"):
            return str(self.zh)

    def message(self, language: str | None = None) -> str:
        """The message in ``language`` (default: the active one): English or Chinese."""
        language = language or translation.get_language() or "zh-hans"
        return self.message_en if language.startswith("en") else self.message_zh

    def problem_messages(self, language: str | None = None) -> list[str]:
        language = language or translation.get_language() or "zh-hans"
        english = language.startswith("en")
        return [(p.en if english else p.zh) for p in self.problems]

    def as_dict(self) -> dict[str, Any]:
        """The API's error body: ``{code, message, message_en, details}``."""
        details = self.details
        if details is None and self.problems:
            details = [p.as_dict() for p in self.problems]
        return {
            "code": self.code,
            "message": self.message_zh,
            "message_en": self.message_en,
            "details": details,
        }


def not_found() -> AppError:
    return AppError("对象不存在或无权访问", "not found", status=404, code="not_found")
