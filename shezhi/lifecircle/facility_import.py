"""Import of facilities (服务设施) from Excel, CSV or GeoJSON, in a declared coordinate system.

Each row names a facility, its location and what it is: an element code or name of the
standard, an Amap type (``大类;中类;小类``) or an OSM tag; names refine the match as in
:mod:`shezhi.lifecircle.matching`. Coordinates in GCJ-02 (Amap, Tencent) or BD-09 (Baidu)
are converted to WGS-84. A row is rejected, with its line and every reason in Chinese and
English, when a field is missing or malformed, the point lies outside China or outside every
community of the importer's area, or its category maps to no element. A dry run reports
all of it and writes nothing; applying writes every accepted row in one transaction, and
importing the same file again updates the same facilities instead of adding duplicates.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from shezhi.accounts.models import User
from shezhi.common import uploads
from shezhi.common.coords import CRS, out_of_china, to_wgs84
from shezhi.common.errors import Problem, RowError
from shezhi.lifecircle.matching import CategoryMatcher
from shezhi.places.locator import locate_points
from shezhi.places.models import Division, Source

#: Column keys and the headers (and aliases) they are recognised by.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "设施名称", "name"),
    "category": ("类别", "服务要素", "要素编码", "category", "element"),
    "type": ("类型", "高德类型", "type", "osm_tag", "tag"),
    "lon": ("经度", "lon", "lng", "longitude", "wgs_lng", "x"),
    "lat": ("纬度", "lat", "latitude", "wgs_lat", "y"),
    "floor_area_m2": ("建筑面积", "面积", "floor_area_m2", "area_m2"),
    "capacity": ("服务容量", "容量", "capacity"),
    "opening_hours": ("开放时间", "opening_hours"),
    "ref": ("编号", "来源编号", "id", "ref", "source_ref"),
}
_BY_HEADER = {alias.strip().lower(): key for key, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class Accepted:
    line: int
    ref: str
    values: dict[str, Any]


@dataclass
class FacilityImport:
    """What an import did (or, in a dry run, would do)."""

    rows: int = 0
    accepted: list[Accepted] = field(default_factory=list)
    #: The first rejected rows (``uploads.RowErrors``' cap); ``rejected_total`` counts them all.
    rejected: list[RowError] = field(default_factory=list)
    rejected_total: int = 0
    by_element: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    applied: bool = False


def _problem(code: str, zh: str, en: str, column: str | None = None) -> Problem:
    return Problem(code=code, zh=zh, en=en, field=column)


def _rows(path: Path, filename: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line, raw row keyed by column) from .xlsx, .csv or .geojson, through the upload pipeline."""
    lower = filename.lower()
    if lower.endswith((".geojson", ".json")):
        yield from _geojson_rows(path)
        return
    if not lower.endswith((".xlsx", ".csv")):
        raise uploads.file_rejected(
            "bad_file", "只支持 .xlsx、.csv 或 .geojson 文件", "only .xlsx, .csv or .geojson files"
        )
    yield from uploads.keyed_rows(
        path,
        filename,
        columns=_BY_HEADER,
        required=("name", "lon", "lat"),
        labels={k: v[0] for k, v in COLUMNS.items()},
    )


def _geojson_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, feature in uploads.geojson_features(path):
        props = {_BY_HEADER.get(str(k).strip().lower()): v for k, v in feature["properties"].items()}
        row = {k: v for k, v in props.items() if k}
        geometry = feature["geometry"] or {}
        coordinates = geometry.get("coordinates")
        kind = geometry.get("type")
        if kind == "Point":
            if isinstance(coordinates, list) and len(coordinates) >= 2:
                row["lon"], row["lat"] = coordinates[:2]  # judged by _number like any cell
        else:
            row["_geometry"] = uploads.shown(kind, 20) if kind else None
        yield n, row


def _number(value: Any) -> float | None:
    """A finite number, or None (NaN, infinity, lists, objects and text are not numbers)."""
    if value in (None, "") or isinstance(value, bool | list | dict):
        return None
    try:
        number = float(str(value).strip())
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def plan(*, actor: User, path: Path, filename: str, crs: str, elements: Sequence[Any]) -> FacilityImport:
    """Validate every row against the standard's ``elements``; nothing is written."""
    from shezhi.people.models import FacilityLevel

    matcher = CategoryMatcher.for_elements(elements)
    codes = {e.code: e.code for e in elements} | {e.name: e.code for e in elements}
    minutes = {e.code: e.level_minutes for e in elements}
    result = FacilityImport()
    declared = CRS(crs)
    pending: list[tuple[int, dict[str, Any], list[Problem]]] = []
    for line, raw in _rows(path, filename):
        result.rows += 1
        problems: list[Problem] = []
        name = str(raw.get("name") or "").strip()
        if not name:
            problems.append(_problem("required", "名称不能为空", "name is required", "name"))
        elif len(name) > 120:
            problems.append(
                _problem("too_long", "名称最多 120 个字符", "name has at most 120 characters", "name")
            )
        if raw.get("_geometry"):
            problems.append(
                _problem(
                    "not_point",
                    f"几何类型须为 Point，实为 {raw['_geometry']}",
                    "geometry must be a Point",
                    "geometry",
                )
            )
        lon, lat = _number(raw.get("lon")), _number(raw.get("lat"))
        if lon is None or lat is None:
            if not raw.get("_geometry"):
                problems.append(
                    _problem(
                        "bad_coordinates", "经纬度缺失或不是数字", "lon/lat missing or not numbers", "lon"
                    )
                )
        elif out_of_china(lon, lat):
            problems.append(
                _problem(
                    "outside_china",
                    f"坐标 ({lon}, {lat}) 不在中国境内",
                    f"({lon}, {lat}) is outside China",
                    "lon",
                )
            )
            lon = lat = None  # not placed: the reason above says why
        else:
            lon, lat = to_wgs84(lon, lat, declared)
        category = str(raw.get("category") or "").strip()
        source_type = str(raw.get("type") or "").strip()
        element = codes.get(category) or codes.get(category.lower())
        if element is None and source_type:
            element = (
                matcher.match_osm(dict([source_type.split("=", 1)]), name)
                if "=" in source_type and ";" not in source_type
                else matcher.match_amap(source_type, name)
            )
        if element is None and not category and not source_type:
            problems.append(
                _problem("no_category", "缺少类别或类型列的值", "no category or type given", "category")
            )
        elif element is None:
            problems.append(
                _problem(
                    "unknown_category",
                    f"类别“{uploads.shown(category or source_type)}”不对应配置标准中的任何服务要素",
                    f"“{uploads.shown(category or source_type)}” matches no service element of the standard",
                    "category",
                )
            )
        values: dict[str, Any] = {"name": name, "category": element, "lon": lon, "lat": lat}
        for key in ("floor_area_m2", "capacity"):
            if raw.get(key) not in (None, ""):
                number = _number(raw.get(key))
                if number is None or number < 0 or number > 10_000_000:
                    problems.append(
                        _problem(
                            "bad_number",
                            f"{COLUMNS[key][0]}须为 0 至 10,000,000 之间的数",
                            f"{key} must be between 0 and 10,000,000",
                            key,
                        )
                    )
                else:
                    values[key] = int(number) if key == "capacity" else number
        if raw.get("opening_hours"):
            values["opening_hours"] = str(raw["opening_hours"])[:80]
        ref = str(raw.get("ref") or "").strip()
        if len(ref) > 50:
            problems.append(
                _problem("too_long", "编号最多 50 个字符", "ref has at most 50 characters", "ref")
            )
        values["_ref"] = ref or hashlib.sha1(f"{name}|{element}|{lon}|{lat}".encode()).hexdigest()[:16]
        pending.append((line, values, problems))
    # Place every point with coordinates in one spatial query, then judge the rest.
    placeable = [i for i, (_l, v, _p) in enumerate(pending) if v["lon"] is not None and v["lat"] is not None]
    area = actor.area_prefix or ""
    placements = locate_points(
        [pending[i][1]["lon"] for i in placeable], [pending[i][1]["lat"] for i in placeable], within=area
    )
    placed = dict(zip(placeable, placements, strict=True))
    visible = set(Division.objects.visible_to(actor).values_list("pk", flat=True))
    level = {5: FacilityLevel.FIVE, 10: FacilityLevel.TEN, 15: FacilityLevel.FIFTEEN}
    seen: dict[str, int] = {}
    rejected = uploads.RowErrors()
    for i, (line, values, problems) in enumerate(pending):
        where = placed.get(i)
        if where is not None and (where.community_id is None or where.community_id not in visible):
            problems.append(
                _problem(
                    "outside_area",
                    "该点不在您辖区内的任何社区",
                    "the point lies in no community of your area",
                    "lon",
                )
            )
        ref = values.pop("_ref")
        if ref in seen:
            problems.append(
                _problem("duplicate", f"与第 {seen[ref]} 行重复", f"duplicates line {seen[ref]}", "ref")
            )
        seen.setdefault(ref, line)
        if problems:
            rejected.add(RowError(line=line, problems=problems))
            continue
        assert where is not None
        values.update(
            community_id=where.community_id, grid_id=where.grid_id, level=level[minutes[values["category"]]]
        )
        result.accepted.append(Accepted(line, ref, values))
        result.by_element[values["category"]] = result.by_element.get(values["category"], 0) + 1
    result.rejected, result.rejected_total = rejected.shown(), rejected.total
    return result


def apply(result: FacilityImport) -> FacilityImport:
    """Write the accepted rows of a plan in one transaction (update the same refs on re-import)."""
    from shezhi.people.models import Facility

    refs = [f"import:{a.ref}" for a in result.accepted]
    with transaction.atomic():
        existing = {
            f.source_ref: f for f in Facility.objects.filter(source=Source.IMPORTED, source_ref__in=refs)
        }
        new, changed = [], []
        for accepted, ref in zip(result.accepted, refs, strict=True):
            facility = existing.get(ref)
            if facility is None:
                new.append(Facility(source=Source.IMPORTED, source_ref=ref, **accepted.values))
                continue
            if any(getattr(facility, k) != v for k, v in accepted.values.items()):
                for k, v in accepted.values.items():
                    setattr(facility, k, v)
                changed.append(facility)
        Facility.objects.bulk_create(new, batch_size=2000)
        if changed:
            Facility.objects.bulk_update(
                changed, sorted({k for a in result.accepted for k in a.values}), batch_size=2000
            )
    result.created, result.updated, result.applied = len(new), len(changed), True
    return result
