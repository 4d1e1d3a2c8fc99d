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

A row whose place cannot be resolved is not an error: the case goes to the triage queue
of the importing desk's area. A first-level category is refined to the second-level
type whose keywords occur in the text, if any.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils.dateparse import parse_datetime

from shezhi.accounts.models import User
from shezhi.cases.intake import Intake, IntakeRejected, case_intake, intake_problems
from shezhi.cases.models import Case, Category, Channel
from shezhi.common.errors import ImportRejected, Problem, RowError

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


def read_rows(name: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of an uploaded .xlsx, .csv or .csv.gz as dicts keyed by header."""
    lower = name.lower()
    if lower.endswith(".gz"):
        data = gzip.decompress(data)
        lower = lower[:-3]
    if lower.endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h or "").strip() for h in next(rows, [])]
        return [dict(zip(header, r, strict=False)) for r in rows if any(v not in (None, "") for v in r)]
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportRejected(
            [RowError(1, [Problem("encoding", "文件编码无法识别", "unknown encoding", "file")])]
        )
    return list(csv.DictReader(io.StringIO(text)))


def read_path(path: Path | str) -> list[dict[str, Any]]:
    p = Path(path)
    return read_rows(p.name, p.read_bytes())


def _normalise(row: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in row.items():
        target = ALIASES.get(str(key or "").strip())
        if target and value not in (None, ""):
            out[target] = value.isoformat() if isinstance(value, dt.datetime) else str(value).strip()
    return out


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
    return float(raw) if raw not in (None, "") else None


def hotline_import(rows: Iterable[dict[str, Any]], *, actor: User, dry_run: bool = False) -> HotlineReport:
    """Import work orders; raises ImportRejected listing every bad row, writing nothing."""
    by_key, cats = _categories()
    errors: list[RowError] = []
    intakes: list[tuple[int, Intake]] = []
    seen: set[str] = set()
    for line, raw in enumerate(rows, start=2):
        row = _normalise(raw)
        problems: list[Problem] = []
        ref = row.get("ref", "")
        if not ref:
            problems.append(
                Problem("required", "缺少工单编号", "the work-order number is missing", "工单编号")
            )
        elif ref in seen or Case.objects.filter(channel=Channel.HOTLINE, source_ref=ref).exists():
            problems.append(
                Problem("duplicate", f"工单编号 {ref} 重复", f"work order {ref} is a duplicate", "工单编号")
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
                    "category", f"未知分类“{row['category']}”", f"unknown category {row['category']}", "分类"
                )
            )
        try:
            lon, lat = _float(row.get("lon")), _float(row.get("lat"))
        except ValueError:
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
            errors.append(RowError(line, problems, raw=dict(raw)))
        else:
            intakes.append((line, intake))
    if errors:
        raise ImportRejected(errors)
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


def read_upload(upload: BinaryIO, name: str) -> list[dict[str, Any]]:
    return read_rows(name, upload.read())
