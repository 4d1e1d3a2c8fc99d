"""Recommended sites in words: the nearest named road(s), compound and community.

A planner cannot act on "路网节点 3562028090". A site on the walking network is described by
the named streets of the OSM extract that meet near it (``建设路与双林路交叉口附近``), the
nearest compound and the community it lies in; a planner's lot or an existing building keeps
its own name and gains the same context.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from shapely.ops import nearest_points

from shezhi.places.locator import locate_points
from shezhi.places.models import Compound, Division
from shezhi.places.osm import BUNDLED_PBF, read_places

#: A road further than this from a site does not describe it.
ROAD_RADIUS_M = 150.0
#: Two roads within this distance of a site make it a crossing (交叉口).
CROSSING_M = 40.0
#: Label prefix of candidates that are bare network nodes (see ``siting.network_nodes``).
NODE_PREFIX = "路网节点"
_M_PER_DEG = 111_320.0


@dataclass(frozen=True)
class SiteContext:
    road: str
    roads: tuple[str, ...]
    road_m: float | None
    compound: str
    compound_m: float | None
    community: str


@lru_cache(maxsize=2)
def _named_roads(path: Path = BUNDLED_PBF) -> tuple[shapely.STRtree, list[str], list[Any]]:
    """Named road lines of the extract in a spatial index (built once per process)."""
    rows = [(name, line) for _id, name, _rank, line in read_places(path).roads if name]
    names = [n for n, _ in rows]
    lines = [line for _, line in rows]
    return shapely.STRtree(lines), names, lines


def _metres(lon: float, lat: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon) * _M_PER_DEG * math.cos(math.radians(lat))
    dy = (lat2 - lat) * _M_PER_DEG
    return math.hypot(dx, dy)


def roads_near(lon: float, lat: float) -> list[tuple[str, float]]:
    """Distinct road names within :data:`ROAD_RADIUS_M` of a point, nearest first, with metres."""
    tree, names, lines = _named_roads()
    deg = ROAD_RADIUS_M / (_M_PER_DEG * math.cos(math.radians(lat)))
    point = shapely.Point(lon, lat)
    best: dict[str, float] = {}
    for idx in tree.query(point.buffer(deg)).tolist():
        nearest = nearest_points(lines[idx], point)[0]
        d = _metres(lon, lat, nearest.x, nearest.y)
        if d <= ROAD_RADIUS_M and d < best.get(names[idx], math.inf):
            best[names[idx]] = d
    return sorted(best.items(), key=lambda kv: kv[1])


def site_context(
    lon: float, lat: float, compounds: list[tuple[str, float, float]], community: str
) -> SiteContext:
    roads = roads_near(lon, lat)
    if compounds:
        lons = np.array([c[1] for c in compounds])
        lats = np.array([c[2] for c in compounds])
        d = np.hypot((lons - lon) * _M_PER_DEG * math.cos(math.radians(lat)), (lats - lat) * _M_PER_DEG)
        i = int(np.argmin(d))
        compound, compound_m = compounds[i][0], float(d[i])
    else:
        compound, compound_m = "", None
    return SiteContext(
        road=roads[0][0] if roads else "",
        roads=tuple(name for name, m in roads if m <= CROSSING_M)[:2],
        road_m=roads[0][1] if roads else None,
        compound=compound,
        compound_m=compound_m,
        community=community,
    )


def site_title(ctx: SiteContext) -> str:
    """``建设路与双林路交叉口附近`` / ``建设路旁`` / ``万科·金域蓝湾附近`` (the best words we have)."""
    if len(ctx.roads) == 2:
        return _("%(a)s与%(b)s交叉口附近") % {"a": ctx.roads[0], "b": ctx.roads[1]}
    if ctx.road:
        return _("%(road)s旁") % {"road": ctx.road}
    if ctx.compound:
        return _("%(compound)s附近") % {"compound": ctx.compound}
    return _("%(community)s内") % {"community": ctx.community} if ctx.community else _("未命名地点")


def describe_sites(sites: list[dict[str, Any]], *, area: Division) -> list[dict[str, Any]]:
    """The sites with ``title`` (in words), ``road``, ``compound`` (+ metres) and ``community``.

    The stored result is not changed; the description is made when it is shown.
    """
    if not sites:
        return []
    compounds = list(
        Compound.objects.filter(community__code__startswith=area.prefix).values_list("name", "lon", "lat")
    )
    placements = locate_points([s["lon"] for s in sites], [s["lat"] for s in sites], within=area.prefix)
    names = dict(
        Division.objects.filter(pk__in=[p.community_id for p in placements if p.community_id]).values_list(
            "pk", "name"
        )
    )
    out = []
    for site, placement in zip(sites, placements, strict=True):
        community = names.get(placement.community_id, "") if placement.community_id else ""
        ctx = site_context(site["lon"], site["lat"], compounds, community)
        label = str(site.get("label", ""))
        own_name = "" if label.startswith(NODE_PREFIX) else label
        out.append(
            {
                **site,
                "title": own_name or site_title(ctx),
                "road": ctx.road,
                "road_m": round(ctx.road_m) if ctx.road_m is not None else None,
                "compound": ctx.compound,
                "compound_m": round(ctx.compound_m) if ctx.compound_m is not None else None,
                "community": ctx.community,
            }
        )
    return out


def method_label(method: str) -> str:
    """The solver's method in words: 精确求解 or 启发式 (never ``milp``)."""
    if method == "milp":
        return _("精确求解")
    if method.startswith("greedy"):
        return _("启发式（贪心加交换）")
    return _("其他方法")
