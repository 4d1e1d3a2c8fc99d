"""Validation of people's data, shared by forms, the API and the importer.

Every function reports *every* problem (field, reason in Chinese and English), never only
the first, and accepts choices by code or by their Chinese label as people type them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language, override

from shezhi.common.errors import Problem
from shezhi.common.identifiers import IdentifierError, id_number_parse, mobile_validate
from shezhi.common.pii import blind_index
from shezhi.people.models import Relation, ResidentTag, TagSet

ID_KIND = "id"
PHONE_KIND = "phone"


def problem(code: str, field: str, zh: str, en: str) -> Problem:
    return Problem(code=code, zh=zh, en=en, field=field)


@lru_cache(maxsize=64)
def _accepted(choices: type[Any], language: str | None) -> tuple[dict[str, str], str]:
    """Codes and labels (in the active language and in Chinese) → code; the allowed labels."""
    accepted: dict[str, str] = {}
    for code, label in choices.choices:
        accepted[code] = code
        accepted[str(label)] = code
        with override("zh-hans"):
            accepted[str(label)] = code  # files keep Chinese labels whatever the user's language
    return accepted, "、".join(str(label) for _, label in choices.choices)


def parse_choice(
    value: str, choices: type[Any], field: str, zh_name: str, en_name: str
) -> tuple[str, Problem | None]:
    """A choice given by its code or its label (Chinese, or the active language)."""
    value = (value or "").strip()
    accepted, allowed = _accepted(choices, get_language())
    if value in accepted:
        return accepted[value], None
    return "", problem(
        "invalid_choice", field, f"{zh_name}「{value}」无效，应为：{allowed}", f"unknown {en_name} {value!r}"
    )


def parse_tags(value: str | Iterable[str]) -> tuple[list[str], Problem | None]:
    """Tags as codes or Chinese labels, separated by 、 , ， ; or spaces."""
    if isinstance(value, str):
        for sep in "、，,;；":
            value = value.replace(sep, " ")
        items = value.split()
    else:
        items = [v.strip() for v in value if v and v.strip()]
    accepted, allowed = _accepted(ResidentTag, get_language())
    codes, unknown = [], []
    for item in items:
        if item in accepted:
            codes.append(accepted[item])
        else:
            unknown.append(item)
    if unknown:
        return codes, problem(
            "invalid_tag",
            "tags",
            f"未知标签「{'、'.join(unknown)}」，可用：{allowed}",
            f"unknown tags {unknown}",
        )
    return codes, None


@dataclass
class CleanResident:
    name: str
    id_number: str
    id_index: str
    sex: str
    birth_date: dt.date
    phone: str
    phone_index: str
    relation: str
    tags: str


def resident_clean(
    *,
    name: str,
    id_number: str,
    phone: str = "",
    relation: str = Relation.HEAD,
    tags: str | Iterable[str] = "",
    today: dt.date | None = None,
) -> tuple[CleanResident | None, list[Problem]]:
    """Validate one resident's fields; every problem is reported, not only the first."""
    problems: list[Problem] = []
    name = (name or "").strip()
    if not name:
        problems.append(problem("required", "name", "姓名不能为空", "name is required"))
    elif len(name) > 64:
        problems.append(problem("too_long", "name", "姓名过长（最多 64 字）", "name too long (64 max)"))
    parsed = None
    try:
        parsed = id_number_parse(id_number, today=today or timezone.localdate())
    except IdentifierError as exc:
        problems.append(exc.problem)
    clean_phone = ""
    if phone and str(phone).strip():
        try:
            clean_phone = mobile_validate(str(phone))
        except IdentifierError as exc:
            problems.append(exc.problem)
    rel, p = parse_choice(relation or Relation.HEAD, Relation, "relation", "与户主关系", "relation")
    if p:
        problems.append(p)
    codes, p = parse_tags(tags or "")
    if p:
        problems.append(p)
    if problems or parsed is None:
        return None, problems
    return (
        CleanResident(
            name=name,
            id_number=parsed.value,
            id_index=blind_index(parsed.value, kind=ID_KIND),
            sex=parsed.sex,
            birth_date=parsed.birth_date,
            phone=clean_phone,
            phone_index=blind_index(clean_phone, kind=PHONE_KIND) if clean_phone else "",
            relation=rel,
            tags=TagSet.encode(codes),
        ),
        [],
    )
