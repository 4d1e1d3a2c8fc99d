"""Polygon checks and conversions for boundaries stored as GeoJSON (WGS-84)."""

from __future__ import annotations

import math
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from shezhi.common.coords import CRS, out_of_china, to_wgs84
from shezhi.common.errors import Problem

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres by a local equirectangular projection (city-scale accuracy)."""
    if geom.is_empty:
        return 0.0
    lat0 = geom.centroid.y
    scale = _M_PER_DEG_LAT * _M_PER_DEG_LON_EQ * math.cos(math.radians(lat0))
    return float(geom.area * scale)


def _rings(geometry: dict[str, Any]) -> list[list[Any]]:
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return list(coords)
    if kind == "MultiPolygon" and isinstance(coords, list):
        return [ring for poly in coords if isinstance(poly, list) for ring in poly]
    return []


def polygon_problems(geometry: Any) -> list[Problem]:
    """Every reason this GeoJSON geometry is not an acceptable boundary; [] if it is."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        return [
            Problem(
                "geometry_type",
                "边界必须是 Polygon 或 MultiPolygon",
                "boundary must be a Polygon or MultiPolygon",
                "geometry",
            )
        ]
    rings = _rings(geometry)
    if not rings:
        return [Problem("geometry_empty", "边界没有坐标", "boundary has no coordinates", "geometry")]
    problems: list[Problem] = []
    for ring in rings:
        if (
            not isinstance(ring, list)
            or len(ring) < 4
            or any(not isinstance(p, list | tuple) or len(p) < 2 for p in ring)
        ):
            problems.append(
                Problem(
                    "ring_short",
                    "边界环至少需要 4 个坐标点",
                    "a boundary ring needs at least 4 positions",
                    "geometry",
                )
            )
            return problems
        if list(ring[0][:2]) != list(ring[-1][:2]):
            problems.append(
                Problem(
                    "ring_open",
                    "边界环未闭合（首尾坐标不同）",
                    "boundary ring does not close (first and last positions differ)",
                    "geometry",
                )
            )
            return problems
        for p in ring:
            try:
                lon, lat = float(p[0]), float(p[1])
            except (TypeError, ValueError):
                problems.append(
                    Problem("coord_nan", "坐标不是数字", "coordinate is not a number", "geometry")
                )
                return problems
            if out_of_china(lon, lat):
                problems.append(
                    Problem(
                        "coord_outside_china",
                        f"坐标 ({lon}, {lat}) 不在中国境内（请检查经纬度顺序）",
                        f"coordinate ({lon}, {lat}) lies outside China (check lon/lat order)",
                        "geometry",
                    )
                )
                return problems
    geom = shape(geometry)
    if not geom.is_valid:
        reason = explain_validity(geom)
        problems.append(
            Problem(
                "geometry_invalid",
                f"边界自相交或无效：{reason}",
                f"boundary is self-intersecting or invalid: {reason}",
                "geometry",
            )
        )
    elif geom.is_empty or geom.area == 0:
        problems.append(Problem("geometry_empty", "边界面积为零", "boundary has zero area", "geometry"))
    return problems


def to_wgs84_geometry(geometry: dict[str, Any], crs: CRS | str) -> dict[str, Any]:
    """The same GeoJSON geometry with every position converted from ``crs`` to WGS-84."""
    crs = CRS(crs)
    if crs is CRS.WGS84:
        return geometry
    geom = shapely.transform(
        shape(geometry),
        lambda xy: _convert_array(xy, crs),
    )
    return dict(mapping(geom))


def _convert_array(xy: Any, crs: CRS) -> Any:
    import numpy as np

    out = np.empty_like(xy)
    for i, (lon, lat) in enumerate(xy):
        out[i] = to_wgs84(float(lon), float(lat), crs)
    return out


def as_geojson(geom: BaseGeometry, precision: int = 6) -> dict[str, Any]:
    """GeoJSON dict of a shapely geometry, rounded to ~0.1 m to keep pages light."""
    return dict(mapping(shapely.set_precision(geom, 10**-precision)))
