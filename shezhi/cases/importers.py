"""12345 hotline work-order import (Excel/CSV): every rejected row reported, all or nothing.

Columns (Chinese headers; the 问政 export's names are accepted as aliases):

=============  ======================  ===========================================
column         aliases                 meaning
=============  ======================  ===========================================
工单编号        留言编号                 the hotline's own number (unique)
来电时间        留言时间                 when the call came in (Asia/Shanghai unless given)
诉求内容        留言详情                 the request text (≤ 4,000 characters, no HTML)
标题            留言主题                 optional title
分类            一级分类, 分类编码        category code or name (first or second level)
地址                                    address (matched against compound names)
经度 / 纬度                              optional point; 坐标系 wgs84 | gcj02 | bd09
来电人 / 联系电话                         optional reporter (sealed at rest)
=============  ======================  ===========================================

Rows are read by :mod:`shezhi.common.uploads` (limits, bombs, malformed files).
A row whose place cannot be resolved is not an error: the case goes to the triage queue
of the importing desk's area. A first-level category is refined to the second-level
type whose keywords occur in the text, if any.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from shezhi.accounts.models import User
from shezhi.cases.intake import Intake, IntakeRejected, case_intake, intake_problems
from shezhi.cases.models import Case, Category, Channel
from shezhi.common import uploads
from shezhi.common.errors import Problem, RowError

ALIASES = {
    "工单编号": "ref",
    "留言编号": "ref",
    "来电时间": "time",
    "留言时间": "time",
    "诉求内容": "text",
    "留言详情": "text",
    "标题": "title",
    "留言主题": "title",
    "分类": "category",
    "一级分类": "category",
    "分类编码": "category",
    "地址": "address",
    "经度": "lon",
    "纬度": "lat",
    "坐标系": "crs",
    "来电人": "name",
    "联系电话": "phone",
}


@dataclass
class HotlineReport:
    created: int = 0
    routed: int = 0
    triage: int = 0
    codes: list[str] = field(default_factory=list)


Rows = Iterable[tuple[int, dict[str, str]]]


def read_file(path: Path | str, filename: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {key: text}) of a stored .xlsx, .csv or .csv.gz, through the upload pipeline."""
    return uploads.keyed_rows(path, filename, columns=ALIASES, required=("ref",), labels={"ref": "工单编号"})


def read_rows(name: str, data: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of a file given as bytes (tests, scripts)."""
    stored = uploads.store_bytes(data, name)
    try:
        return list(read_file(stored.path, name))
    finally:
        stored.discard()


def read_path(path: Path | str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a file named on the command line (held to the upload limits)."""
    p = uploads.local_file(path)
    return list(read_file(p, p.name))


def _categories() -> tuple[dict[str, Category], list[Category]]:
    cats = list(Category.objects.filter(active=True).select_related("parent"))
    by_key = {c.code: c for c in cats} | {c.name: c for c in cats}
    return by_key, cats


def _refine(category: Category, text: str, cats: list[Category]) -> Category:
    if category.parent_id is not None:
        return category
    best, hits = category, 0
    for child in (c for c in cats if c.parent_id == category.pk):
        n = sum(1 for k in child.keywords.split(",") if k and k in text)
        if n > hits:
            best, hits = child, n
    return best


def _time(raw: str) -> dt.datetime | None:
    value = parse_datetime(raw.replace("/", "-").replace("T", " ").strip())
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value


def _float(raw: str | None) -> float | None:
    if raw in (None, ""):
        return None
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(raw)
    return value


def hotline_import(rows: Rows, *, actor: User, dry_run: bool = False) -> HotlineReport:
    """Import work orders; raises ImportRejected listing every bad row, writing nothing."""
    by_key, cats = _categories()
    errors = uploads.RowErrors()
    intakes: list[tuple[int, Intake]] = []
    seen: set[str] = set()
    for line, row in rows:
        problems: list[Problem] = []
        ref = row.get("ref", "")
        if not ref:
            problems.append(
                Problem("required", "缺少工单编号", "the work-order number is missing", "工单编号")
            )
        elif ref in seen or Case.objects.filter(channel=Channel.HOTLINE, source_ref=ref).exists():
            problems.append(
                Problem(
                    "duplicate",
                    f"工单编号 {uploads.shown(ref)} 重复",
                    f"work order {uploads.shown(ref)} is a duplicate",
                    "工单编号",
                )
            )
        seen.add(ref)
        opened = _time(row.get("time", "")) if row.get("time") else None
        if opened is None:
            problems.append(
                Problem("time", "来电时间缺失或格式错误", "the call time is missing or invalid", "来电时间")
            )
        category = by_key.get(row.get("category", ""))
        if row.get("category") and category is None:
            problems.append(
                Problem(
                    "category",
                    f"未知分类“{uploads.shown(row['category'])}”",
                    f"unknown category {uploads.shown(row['category'])}",
                    "分类",
                )
            )
        try:
            lon, lat = _float(row.get("lon")), _float(row.get("lat"))
        except (ValueError, OverflowError):
            lon = lat = None
            problems.append(
                Problem("coord_nan", "经纬度不是数字", "longitude/latitude is not a number", "经度")
            )
        text = row.get("text", "")
        intake = Intake(
            channel=Channel.HOTLINE,
            description=text,
            title=row.get("title", "")[:120],
            category=_refine(category, text, cats) if category else None,
            lon=lon,
            lat=lat,
            crs=row.get("crs", "wgs84") or "wgs84",
            address=row.get("address", ""),
            reporter_name=row.get("name", ""),
            reporter_phone=row.get("phone", ""),
            source_ref=ref[:40],
            opened_at=opened,
            check_attributes=False,
        )
        try:
            _validate_only(intake)
        except IntakeRejected as exc:
            problems += exc.problems
        if problems:
            errors.add(RowError(line, problems))
        else:
            intakes.append((line, intake))
    if errors:
        raise errors.rejected()
    report = HotlineReport()
    if dry_run:
        report.created = len(intakes)
        return report
    with transaction.atomic():
        for _line, intake in intakes:
            case = case_intake(intake=intake, actor=actor, actor_label="12345 导入 / hotline import")
            report.created += 1
            report.codes.append(case.code)
            if case.state == "triage":
                report.triage += 1
            else:
                report.routed += 1
    return report


def _validate_only(intake: Intake) -> None:
    """Run the intake's own checks without placing or storing anything."""
    problems, _phone, _lon, _lat = intake_problems(intake)
    if problems:
        raise IntakeRejected(problems)


def read_upload(upload: BinaryIO, name: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded file; the stored copy is deleted once read."""
    stored = uploads.store(upload, name)
    try:
        return list(read_file(stored.path, name))
    finally:
        stored.discard()
