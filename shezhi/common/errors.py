"""Errors a user sees: the field, the row and the reason, in Chinese with an English counterpart."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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


class ImportRejected(Exception):
    """An import with rejected rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__(
            f"{len(errors)} 行被拒绝，未写入任何数据 / {len(errors)} rows rejected, nothing written"
        )
