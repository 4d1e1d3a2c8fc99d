"""Import district, street and community boundaries from GeoJSON or a Shapefile.

A boundary file is what a district holds: a GeoJSON FeatureCollection or an ESRI Shapefile
(``.shp`` with its ``.dbf``/``.shx``, or all of them zipped), in WGS-84, GCJ-02 (Amap,
Tencent) or BD-09 (Baidu) longitude/latitude. Each feature names its division by the
official 统计用区划代码 in a ``code`` property (also ``区划代码``, ``QHDM``, ``XZQDM``,
``adcode``; a 6-digit district or 9-digit street code is padded to 12 digits).

Like the other importers, every feature is checked before anything is written, and every
rejected feature is reported with each reason: unknown code, ring not closed, self-
intersecting or invalid polygon, outside China, or lying outside its parent's boundary
(the parent from the same file, else a stored boundary that is not generated). Only a file
without rejections is written, in one transaction; boundaries are stored in WGS-84 with
``boundary_source=imported``.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from shezhi.accounts.roles import DivisionLevel
from shezhi.common import uploads
from shezhi.common.coords import CRS
from shezhi.common.errors import ImportRejected, Problem, RowError
from shezhi.places.geometry import to_wgs84_geometry
from shezhi.places.importers import ImportReport, _geometry_problems
from shezhi.places.models import Division, Source

CODE_KEYS = ("code", "区划代码", "qhdm", "xzqdm", "adcode", "division_code", "统计用区划代码")
#: How far (degrees, ≈ 50 m) a child may stray over its parent's line (digitising noise).
PARENT_TOLERANCE_DEG = 0.0005
#: Share of a child's area that may lie outside its parent before it is rejected.
OUTSIDE_SHARE = 0.02
_DEPTH = {
    DivisionLevel.PROVINCE: 0,
    DivisionLevel.CITY: 1,
    DivisionLevel.DISTRICT: 2,
    DivisionLevel.STREET: 3,
    DivisionLevel.COMMUNITY: 4,
}


def official_code(value: Any) -> str:
    """A 12-digit code from a property (6-digit districts and 9-digit streets padded)."""
    text = re.sub(r"\s", "", str(value or ""))
    if text.endswith(".0"):  # a number read from a .dbf
        text = text[:-2]
    if re.fullmatch(r"\d{6}|\d{9}", text):
        text = text.ljust(12, "0")
    return text


def _code_of(props: dict[str, Any]) -> str:
    lowered = {str(k).strip().lower(): v for k, v in props.items()}
    for key in CODE_KEYS:
        if lowered.get(key) not in (None, ""):
            return official_code(lowered[key])
    return ""


# --------------------------------------------------------------------------- reading


def _shapefile_features(shp: Any, dbf: Any, shx: Any, cpg: str | None, prj: str | None) -> list[Any]:
    import shapefile

    if prj and "PROJCS" in prj.upper():
        raise uploads.file_rejected(
            "projected_crs",
            "Shapefile 使用投影坐标系（.prj 含 PROJCS）；请导出为经纬度（WGS-84、GCJ-02 或 BD-09）",
            "the Shapefile is in a projected coordinate system (.prj has PROJCS);"
            " export it as longitude/latitude (WGS-84, GCJ-02 or BD-09)",
        )
    encodings = [cpg.strip()] if cpg and cpg.strip() else ["utf-8", "gb18030"]
    last: Exception | None = None
    for encoding in encodings:
        for f in (shp, dbf, shx):
            if f is not None:
                f.seek(0)
        try:
            reader = shapefile.Reader(shp=shp, dbf=dbf, shx=shx, encoding=encoding)
            fields = [f[0] for f in reader.fields[1:]]
            features = []
            for sr in reader.iterShapeRecords():
                geometry = sr.shape.__geo_interface__ if sr.shape.shapeType != 0 else None
                features.append(
                    {
                        "type": "Feature",
                        "properties": dict(zip(fields, list(sr.record), strict=False)),
                        "geometry": geometry,
                    }
                )
            return features
        except UnicodeDecodeError as exc:
            last = exc
        except (shapefile.ShapefileException, ValueError, struct_error()) as exc:
            raise uploads.file_rejected(
                "bad_shapefile",
                "Shapefile 无法读取（文件不全或已损坏）",
                f"the Shapefile cannot be read ({exc})",
            ) from exc
    raise uploads.file_rejected(
        "bad_encoding",
        "Shapefile 属性表的文字编码无法识别",
        f"the Shapefile's text encoding is unknown ({last})",
    )


def struct_error() -> type[Exception]:
    import struct

    return struct.error


def read_boundary_features(path: str | Path, filename: str | None = None) -> list[tuple[int, dict[str, Any]]]:
    """(feature number, GeoJSON feature) of a .geojson/.json, a .shp (with siblings) or a zipped Shapefile."""
    path = uploads.local_file(path)
    name = (filename or path.name).lower()
    if name.endswith((".geojson", ".json")):
        return list(uploads.geojson_features(path))
    if name.endswith(".shp"):
        siblings = {ext: path.with_suffix(ext) for ext in (".dbf", ".shx", ".cpg", ".prj")}
        if not siblings[".dbf"].exists():
            raise uploads.file_rejected(
                "shapefile_incomplete", "缺少同名 .dbf 属性文件", "the .dbf file beside the .shp is missing"
            )
        with path.open("rb") as shp, siblings[".dbf"].open("rb") as dbf:
            shx = siblings[".shx"].open("rb") if siblings[".shx"].exists() else None
            try:
                cpg = siblings[".cpg"].read_text(errors="replace") if siblings[".cpg"].exists() else None
                prj = siblings[".prj"].read_text(errors="replace") if siblings[".prj"].exists() else None
                features = _shapefile_features(shp, dbf, shx, cpg, prj)
            finally:
                if shx is not None:
                    shx.close()
        return list(enumerate(features, start=1))
    if name.endswith(".zip"):
        try:
            uploads.check_zip(path)
        except ImportRejected as exc:
            raise uploads.file_rejected(
                "bad_zip", "压缩包已损坏或解压后过大", "the zip is damaged or expands too far"
            ) from exc
        with zipfile.ZipFile(path) as zf:
            members = {Path(n).suffix.lower(): n for n in zf.namelist() if not n.endswith("/")}
            if ".shp" not in members or ".dbf" not in members:
                raise uploads.file_rejected(
                    "shapefile_incomplete",
                    "压缩包中须有 .shp 与 .dbf 文件",
                    "the zip must hold a .shp and a .dbf file",
                )

            def member(ext: str) -> io.BytesIO | None:
                return io.BytesIO(zf.read(members[ext])) if ext in members else None

            def text(ext: str) -> str | None:
                return zf.read(members[ext]).decode(errors="replace") if ext in members else None

            features = _shapefile_features(
                member(".shp"), member(".dbf"), member(".shx"), text(".cpg"), text(".prj")
            )
        return list(enumerate(features, start=1))
    raise uploads.file_rejected(
        "bad_file",
        "只支持 .geojson、.shp 或压缩的 Shapefile（.zip）",
        "only .geojson, .shp or a zipped Shapefile (.zip)",
    )


# --------------------------------------------------------------------------- importing


def boundaries_import(
    features: Iterable[tuple[int, dict[str, Any]]], *, crs: CRS | str = CRS.WGS84, dry_run: bool = False
) -> ImportReport:
    """Check every feature, then store all boundaries (or none) by official division code."""
    crs = CRS(crs)
    errors = uploads.RowErrors()
    good: list[tuple[int, Division, dict[str, Any], BaseGeometry]] = []
    seen: dict[str, int] = {}
    features = list(features)
    codes = {_code_of(f.get("properties") or {}) for _n, f in features}
    divisions = {d.code: d for d in Division.objects.filter(code__in=codes).select_related("parent")}
    for number, feature in features:
        props = feature.get("properties") or {}
        problems: list[Problem] = []
        code = _code_of(props)
        division = divisions.get(code)
        if not code:
            problems.append(
                Problem(
                    "code_missing", "缺少区划代码（code 属性）", "no division code (code property)", "code"
                )
            )
        elif division is None:
            problems.append(
                Problem(
                    "code_unknown",
                    f"区划代码 {uploads.shown(code)} 不是已载入的官方区划",
                    f"division code {uploads.shown(code)} matches no official division",
                    "code",
                )
            )
        elif code in seen:
            problems.append(
                Problem(
                    "code_duplicate",
                    f"区划代码 {code} 与第 {seen[code]} 个要素重复",
                    f"division code {code} repeats feature {seen[code]}",
                    "code",
                )
            )
        geometry_problems = _geometry_problems(feature.get("geometry"))
        problems += geometry_problems
        geom = None
        if not geometry_problems:
            # As the database gives it back (lists, not tuples), so unchanged boundaries compare equal.
            geometry = json.loads(json.dumps(to_wgs84_geometry(feature["geometry"], crs)))
            geom = shape(geometry)
        if problems or division is None or geom is None:
            errors.add(RowError(number, problems))
            continue
        seen[code] = number
        good.append((number, division, geometry, geom))

    # Outside its parent: the parent from this file, else a stored, non-generated boundary.
    in_file = {division.code: geom for _n, division, _g, geom in good}
    for number, division, _geometry, geom in good:
        parent = division.parent
        if parent is None:
            continue
        parent_geom = in_file.get(parent.code)
        if parent_geom is None and parent.boundary and parent.boundary_source != Source.GENERATED:
            parent_geom = shape(parent.boundary)
        if parent_geom is None:
            continue
        outside = geom.difference(parent_geom.buffer(PARENT_TOLERANCE_DEG)).area
        if geom.area > 0 and outside / geom.area > OUTSIDE_SHARE:
            errors.add(
                RowError(
                    number,
                    [
                        Problem(
                            "outside_parent",
                            f"{division.name}（{division.code}）有 {outside / geom.area:.0%} 的面积在上级"
                            f"“{parent.name}”的边界之外（坐标系是否声明正确？）",
                            f"{outside / geom.area:.0%} of {division.code} lies outside its parent"
                            f" {parent.code} (is the coordinate system declared right?)",
                            "geometry",
                        )
                    ],
                )
            )
    if errors:
        raise errors.rejected()

    report = ImportReport()
    good.sort(key=lambda item: _DEPTH.get(DivisionLevel(item[1].level), 9))
    with transaction.atomic():
        for _number, division, geometry, _geom in good:
            if division.boundary == geometry and division.boundary_source == Source.IMPORTED:
                report.unchanged += 1
                continue
            if division.boundary:
                report.updated += 1
            else:
                report.created += 1
            if not dry_run:
                Division.objects.filter(pk=division.pk).update(
                    boundary=geometry, boundary_source=Source.IMPORTED
                )
        if dry_run:
            transaction.set_rollback(True)
    return report


__all__ = ["ImportRejected", "boundaries_import", "official_code", "read_boundary_features"]
