"""Importers for the division tree (CSV) and grid boundaries (GeoJSON).

Each importer validates the whole input first and reports *every* rejected row with its
line and reasons (Chinese and English). Only when no row is rejected does it write, in
one transaction; so a bad file changes nothing already stored. Re-importing the same
file is idempotent (rows are matched by code).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely.errors import ShapelyError
from shapely.geometry import shape

from shezhi.accounts.roles import PREFIX_LENGTH, DivisionLevel
from shezhi.common import uploads
from shezhi.common.coords import CRS
from shezhi.common.errors import Problem, RowError
from shezhi.places.geometry import area_m2, polygon_problems, to_wgs84_geometry
from shezhi.places.models import Division, Grid, GridKind, Source

#: Level names accepted in division files (the 国家统计局 tree calls communities "village").
_LEVEL_ALIASES = {
    "province": DivisionLevel.PROVINCE,
    "city": DivisionLevel.CITY,
    "district": DivisionLevel.DISTRICT,
    "county": DivisionLevel.DISTRICT,
    "street": DivisionLevel.STREET,
    "town": DivisionLevel.STREET,
    "village": DivisionLevel.COMMUNITY,
    "community": DivisionLevel.COMMUNITY,
    "省": DivisionLevel.PROVINCE,
    "市": DivisionLevel.CITY,
    "区县": DivisionLevel.DISTRICT,
    "街道": DivisionLevel.STREET,
    "社区": DivisionLevel.COMMUNITY,
}
_PARENT_LEVEL = {
    DivisionLevel.CITY: DivisionLevel.PROVINCE,
    DivisionLevel.DISTRICT: DivisionLevel.CITY,
    DivisionLevel.STREET: DivisionLevel.DISTRICT,
    DivisionLevel.COMMUNITY: DivisionLevel.STREET,
}
_CODE_RE = re.compile(r"^\d{12}$")
_GRID_CODE_RE = re.compile(r"^\d{12}(-[0-9A-Z]{1,4})+$")


@dataclass
class ImportReport:
    """What an import did (or would do, in a dry run)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _level_of_code(code: str) -> DivisionLevel | None:
    """The level a 12-digit code's zero padding implies."""
    if code[2:] == "0" * 10:
        return DivisionLevel.PROVINCE
    if code[4:] == "0" * 8:
        return DivisionLevel.CITY
    if code[6:] == "0" * 6:
        return DivisionLevel.DISTRICT
    if code[9:] == "000":
        return DivisionLevel.STREET
    return DivisionLevel.COMMUNITY


_DIVISION_COLUMNS = {
    "code": "code",
    "区划代码": "code",
    "name": "name",
    "名称": "name",
    "level": "level",
    "级别": "level",
    "parent_code": "parent_code",
    "上级代码": "parent_code",
}


def read_csv_rows(source: str | Path | bytes) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a division CSV (file or bytes), through the upload pipeline."""
    if isinstance(source, bytes):
        stored = uploads.store_bytes(source, "divisions.csv")
        try:
            return _division_rows(stored.path, "divisions.csv")
        finally:
            stored.discard()
    path = uploads.local_file(source)
    return _division_rows(path, path.name)


def _division_rows(path: Path, filename: str) -> list[tuple[int, dict[str, str]]]:
    return list(
        uploads.keyed_rows(path, filename, columns=_DIVISION_COLUMNS, required=("code", "name", "level"))
    )


def divisions_import(rows: Iterable[tuple[int, dict[str, str]]], *, dry_run: bool = False) -> ImportReport:
    """Validate and upsert division rows (``code,name,level,parent_code``).

    Raises :class:`ImportRejected` listing every bad row; nothing is written then.
    """
    rows = list(rows)
    existing = {d.code: d for d in Division.objects.all()}
    in_file: dict[str, tuple[int, DivisionLevel]] = {}
    errors = uploads.RowErrors()
    parsed: list[tuple[str, str, DivisionLevel, str, int, dict[str, str]]] = []

    for line, row in rows:
        problems: list[Problem] = []
        code, name = row.get("code", ""), row.get("name", "")
        parent_code = row.get("parent_code", "")
        level = _LEVEL_ALIASES.get(row.get("level", "").lower())
        if not _CODE_RE.match(code):
            problems.append(
                Problem(
                    "code_malformed",
                    f"区划代码“{uploads.shown(code)}”不是 12 位数字",
                    f"division code '{uploads.shown(code)}' is not 12 digits",
                    "code",
                )
            )
        elif code in in_file:
            problems.append(
                Problem(
                    "code_duplicate",
                    f"区划代码 {code} 与第 {in_file[code][0]} 行重复",
                    f"division code {code} repeats line {in_file[code][0]}",
                    "code",
                )
            )
        if not name:
            problems.append(Problem("name_missing", "名称为空", "name is empty", "name"))
        problems += _too_long(row, {"name": 64})
        if level is None:
            problems.append(
                Problem(
                    "level_unknown",
                    f"级别“{uploads.shown(row.get('level', ''))}”无法识别",
                    f"unknown level '{uploads.shown(row.get('level', ''))}'",
                    "level",
                )
            )
        elif _CODE_RE.match(code) and _level_of_code(code) != level:
            problems.append(
                Problem(
                    "level_mismatch",
                    f"区划代码 {code} 与级别“{level.label}”不符",
                    f"code {code} does not match level '{level.value}'",
                    "level",
                )
            )
        if problems:
            errors.add(RowError(line, problems))
            continue
        assert level is not None
        in_file[code] = (line, level)
        parsed.append((code, name, level, parent_code, line, row))

    # Parents are checked once every code in the file is known (files need not be sorted).
    for code, _name, level, parent_code, line, _row in parsed:
        problems = []
        if level == DivisionLevel.PROVINCE:
            if parent_code:
                problems.append(
                    Problem(
                        "parent_unexpected", "省级区划不应有上级", "a province has no parent", "parent_code"
                    )
                )
        else:
            parent_level = (
                in_file[parent_code][1]
                if parent_code in in_file
                else DivisionLevel(existing[parent_code].level)
                if parent_code in existing
                else None
            )
            if parent_level is None:
                problems.append(
                    Problem(
                        "parent_missing",
                        f"上级区划 {uploads.shown(parent_code) or '（空）'} 不存在",
                        f"parent division {uploads.shown(parent_code) or '(empty)'} not found",
                        "parent_code",
                    )
                )
            elif parent_level != _PARENT_LEVEL[level] or not code.startswith(
                parent_code[: PREFIX_LENGTH[parent_level]]
            ):
                problems.append(
                    Problem(
                        "parent_mismatch",
                        f"上级 {uploads.shown(parent_code)} 不是 {code} 的上一级区划",
                        f"{uploads.shown(parent_code)} is not the level above {code}",
                        "parent_code",
                    )
                )
        if problems:
            errors.add(RowError(line, problems))

    if errors:
        raise errors.rejected()

    report = ImportReport()
    order = list(DivisionLevel)
    parsed.sort(key=lambda r: (order.index(r[2]), r[0]))
    with transaction.atomic():
        by_code = dict(existing)
        for code, name, level, parent_code, _line, _row in parsed:
            parent = by_code.get(parent_code) if parent_code else None
            current = by_code.get(code)
            if current is None:
                report.created += 1
                if not dry_run:
                    by_code[code] = Division.objects.create(code=code, name=name, level=level, parent=parent)
                else:
                    by_code[code] = Division(code=code, name=name, level=level)
            elif (current.name, current.level, current.parent_id) != (
                name,
                level,
                parent.pk if parent else None,
            ):
                report.updated += 1
                if not dry_run:
                    current.name, current.level, current.parent = name, level, parent
                    current.save(update_fields=["name", "level", "parent"])
            else:
                report.unchanged += 1
    return report


def read_geojson_features(source: str | Path | bytes) -> list[tuple[int, dict[str, Any]]]:
    """(feature number, feature) pairs of a GeoJSON FeatureCollection, through the upload pipeline."""
    if not isinstance(source, bytes):
        source = uploads.local_file(source)
    return list(uploads.geojson_features(source))


def _geometry_problems(geometry: Any) -> list[Problem]:
    """:func:`polygon_problems`, with any shape it cannot even read reported as a row problem."""
    try:
        return polygon_problems(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError, ShapelyError) as exc:
        return [
            Problem(
                "geometry_invalid",
                "边界几何无法解析",
                f"the boundary geometry cannot be read ({type(exc).__name__})",
                "geometry",
            )
        ]


def _too_long(props: dict[str, Any], limits: dict[str, int]) -> list[Problem]:
    return [
        Problem("too_long", f"“{key}”最多 {n} 个字符", f"{key} has at most {n} characters", key)
        for key, n in limits.items()
        if len(str(props.get(key) or "")) > n
    ]


def grids_import(
    features: Iterable[tuple[int, dict[str, Any]]],
    *,
    crs: CRS | str = CRS.WGS84,
    source: Source = Source.IMPORTED,
    dry_run: bool = False,
) -> ImportReport:
    """Validate and upsert grids from GeoJSON features.

    Properties: ``code``, ``name``, ``kind`` (total/general/micro/dedicated or the
    Chinese names), ``community_code``, optional ``parent_code``, ``police_officer``,
    ``police_station``, ``note``. Boundaries are converted from ``crs`` to WGS-84.
    """
    features = list(features)
    kinds = {k.value: k for k in GridKind} | {str(k.label): k for k in GridKind}
    communities = {d.code: d for d in Division.objects.filter(level=DivisionLevel.COMMUNITY)}
    existing = {g.code: g for g in Grid.objects.all()}
    in_file: dict[str, int] = {}
    errors = uploads.RowErrors()
    good: list[dict[str, Any]] = []

    for number, feature in features:
        props = feature.get("properties") or {}
        problems: list[Problem] = []
        code = str(props.get("code") or "").strip()
        community_code = str(props.get("community_code") or "").strip()
        parent_code = str(props.get("parent_code") or "").strip()
        kind = kinds.get(str(props.get("kind") or "").strip())
        name = str(props.get("name") or "").strip()
        if not _GRID_CODE_RE.match(code) or len(code) > 40:
            problems.append(
                Problem(
                    "code_malformed",
                    f"网格编码“{uploads.shown(code)}”格式错误"
                    "（应为社区代码-序号，如 510108002001-01，最长 40 字符）",
                    f"grid code '{uploads.shown(code)}' is malformed"
                    " (community code-sequence, e.g. 510108002001-01, at most 40 characters)",
                    "code",
                )
            )
        elif code in in_file:
            problems.append(
                Problem(
                    "code_duplicate",
                    f"网格编码 {code} 与第 {in_file[code]} 个要素重复",
                    f"grid code {code} repeats feature {in_file[code]}",
                    "code",
                )
            )
        if not name:
            problems.append(Problem("name_missing", "名称为空", "name is empty", "name"))
        problems += _too_long(props, {"name": 80, "police_officer": 64, "police_station": 64, "note": 200})
        if props.get("source") and props.get("source") not in Source.values:
            problems.append(
                Problem(
                    "source_unknown",
                    f"来源“{uploads.shown(props.get('source'))}”无法识别",
                    f"unknown source '{uploads.shown(props.get('source'))}'",
                    "source",
                )
            )
        if kind is None:
            problems.append(
                Problem(
                    "kind_unknown",
                    f"网格类型“{uploads.shown(props.get('kind', ''))}”无法识别",
                    f"unknown grid kind '{uploads.shown(props.get('kind', ''))}'",
                    "kind",
                )
            )
        if community_code not in communities:
            problems.append(
                Problem(
                    "community_missing",
                    f"社区 {uploads.shown(community_code) or '（空）'} 不存在",
                    f"community {uploads.shown(community_code) or '(empty)'} not found",
                    "community_code",
                )
            )
        elif code and not code.startswith(community_code + "-"):
            problems.append(
                Problem(
                    "code_community_mismatch",
                    f"网格编码 {uploads.shown(code)} 不以所属社区代码 {community_code} 开头",
                    f"grid code {uploads.shown(code)} does not start with community code {community_code}",
                    "code",
                )
            )
        if parent_code and not code.startswith(parent_code + "-"):
            problems.append(
                Problem(
                    "parent_mismatch",
                    f"网格编码 {uploads.shown(code)} 不以上级网格编码 {uploads.shown(parent_code)} 开头",
                    f"grid code {uploads.shown(code)}"
                    f" does not start with parent code {uploads.shown(parent_code)}",
                    "parent_code",
                )
            )
        problems.extend(_geometry_problems(feature.get("geometry")))
        if problems:
            errors.add(RowError(number, problems))
            continue
        in_file[code] = number
        good.append(
            {
                "number": number,
                "code": code,
                "name": name,
                "kind": kind,
                "community_code": community_code,
                "parent_code": parent_code,
                "geometry": feature["geometry"],
                "props": props,
            }
        )

    for item in good:
        parent_code = item["parent_code"]
        if parent_code and parent_code not in in_file and parent_code not in existing:
            errors.add(
                RowError(
                    item["number"],
                    [
                        Problem(
                            "parent_missing",
                            f"上级网格 {uploads.shown(parent_code)} 不存在",
                            f"parent grid {uploads.shown(parent_code)} not found",
                            "parent_code",
                        )
                    ],
                )
            )
    if errors:
        raise errors.rejected()

    report = ImportReport()
    # Parents before children: a parent's code is a prefix of its children's.
    good.sort(key=lambda it: it["code"].count("-"))
    with transaction.atomic():
        by_code = dict(existing)
        for item in good:
            geometry = to_wgs84_geometry(item["geometry"], crs)
            geom = shape(geometry)
            centroid = geom.representative_point()
            values = {
                "name": item["name"],
                "kind": item["kind"],
                "community": communities[item["community_code"]],
                "parent": by_code.get(item["parent_code"]) if item["parent_code"] else None,
                "boundary": geometry,
                "centroid_lon": centroid.x,
                "centroid_lat": centroid.y,
                "area_m2": area_m2(geom),
                "police_officer": str(item["props"].get("police_officer") or ""),
                "police_station": str(item["props"].get("police_station") or ""),
                "note": str(item["props"].get("note") or ""),
                "source": item["props"].get("source") or source,
            }
            if item["code"] in by_code:
                report.updated += 1
                if not dry_run:
                    grid = by_code[item["code"]]
                    for key, value in values.items():
                        setattr(grid, key, value)
                    grid.save()
            else:
                report.created += 1
                if not dry_run:
                    by_code[item["code"]] = Grid.objects.create(code=item["code"], **values)
        if dry_run:
            transaction.set_rollback(True)
    return report
