"""Routing: where a case lies (grid → community → street → district) and who handles it.

By location, a point is looked up in an STRtree of every grid boundary (GeoJSON in
WGS-84); the most specific grid containing it wins (微网格 over 一般网格 over 专属网格 over
总网格). Points in GCJ-02 or BD-09 are converted first. Without a point, the address is
matched against compound names in the intake's area. By category, the
:class:`~shezhi.cases.models.RoutingRule` matrix names the unit. What cannot be placed
goes to the triage queue (待分拨) of the intake's area, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from shapely.geometry import Point, shape

from shezhi.accounts.roles import DivisionLevel
from shezhi.cases.address import parse_address
from shezhi.cases.models import Category, RoutingRule, Unit
from shezhi.common.coords import CRS, to_wgs84
from shezhi.places.locator import GRID_INDEX
from shezhi.places.models import Compound, Division, Grid


@dataclass
class Placement:
    """Where a case lies, as far as routing could tell."""

    division: Division
    grid: Grid | None = None
    compound: Compound | None = None
    lon: float | None = None
    lat: float | None = None
    routed: bool = False
    note: str = ""


def to_wgs(lon: float, lat: float, crs: str | CRS = CRS.WGS84) -> tuple[float, float]:
    return to_wgs84(float(lon), float(lat), CRS(crs))


def locate_point(lon: float, lat: float) -> Grid | None:
    """The most specific grid containing this WGS-84 point."""
    pk = GRID_INDEX.grid_at(lon, lat)
    return Grid.objects.select_related("community").get(pk=pk) if pk is not None else None


def _compound_at(lon: float, lat: float, community: Division) -> Compound | None:
    """The compound of ``community`` whose boundary contains the point."""
    point = Point(lon, lat)
    for compound in Compound.objects.filter(community=community).exclude(boundary=None):
        try:
            if shape(compound.boundary).covers(point):
                return compound
        except (TypeError, ValueError, AttributeError, KeyError):
            continue
    return None


def _compound_by_address(address: str, area: Division | None) -> Compound | None:
    """The compound whose name occurs in the address (longest name first), in ``area``."""
    address = address.strip()
    if not address:
        return None
    qs = Compound.objects.select_related("grid", "community").exclude(name="")
    if area is not None:
        qs = qs.filter(community__code__startswith=area.prefix)
    best: Compound | None = None
    for compound in qs.only("id", "name", "grid", "community", "lon", "lat"):
        if len(compound.name) >= 2 and compound.name in address:
            if best is None or len(compound.name) > len(best.name):
                best = compound
    return best


def place(
    *,
    intake_area: Division,
    lon: float | None = None,
    lat: float | None = None,
    address: str = "",
    compound: Compound | None = None,
) -> Placement:
    """Place a case by point, else by compound, else by address; else triage in ``intake_area``."""
    if lon is not None and lat is not None:
        grid = locate_point(lon, lat)
        if grid is not None:
            found = _compound_at(lon, lat, grid.community) or (
                _compound_by_address(address, grid.community) if address else None
            )
            return Placement(grid.community, grid, found, lon, lat, True, "按坐标落入网格 / by point in grid")
        return Placement(
            intake_area, None, None, lon, lat, False, "坐标不在任何网格内 / point outside every grid"
        )
    parsed = parse_address(address, near=intake_area) if compound is None and address.strip() else None
    if compound is None and parsed is not None:
        # Only the part after the administrative prefix names a compound, and only one of
        # the area that prefix names ("锦江区…" never matches a compound called 锦江 elsewhere).
        area = parsed.deepest or intake_area
        compound = _compound_by_address(parsed.rest if parsed.divisions else address, area)
    if compound is not None:
        grid = compound.grid
        return Placement(
            compound.community,
            grid,
            compound,
            compound.lon,
            compound.lat,
            True,
            f"按小区“{compound.name}”定位 / by compound name",
        )
    area = intake_area
    if parsed is not None and parsed.deepest is not None:
        deepest = parsed.deepest
        if deepest.level in (DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY):
            area = deepest
        note = (
            f"地址解析为“{parsed.label}”，未匹配到小区，待人工分拨"
            f" / address read as {deepest.code}, no compound matched"
        )
    else:
        note = "地址无法匹配小区，待人工分拨 / address not matched"
    return Placement(area, None, None, None, None, False, note)


def unit_for(category: Category | None, division: Division) -> Unit | None:
    """The responsible unit from the category × area matrix; most specific cell wins."""
    rule = rule_for(category, division)
    return rule.unit if rule is not None else None


def rule_for(category: Category | None, division: Division) -> RoutingRule | None:
    """The matrix cell (派单规则) that names the unit for this category here; most specific wins."""
    if category is None:
        return None
    categories = [category.pk] + ([category.parent_id] if category.parent_id else [])
    code = division.code
    # The division itself and every division above it (community, street, district, city, province).
    enclosing = {code, code[:9] + "000", code[:6] + "000000", code[:4] + "00000000", code[:2] + "0000000000"}
    candidates = (
        RoutingRule.objects.select_related("unit", "division")
        .filter(unit__active=True, division__code__in=enclosing)
        .filter(Q(category_id__in=categories) | Q(category__isnull=True))
    )
    best: tuple[tuple[int, int], RoutingRule] | None = None
    for rule in candidates:
        if not division.code.startswith(rule.division.prefix):
            continue
        specificity = (
            2 if rule.category_id == category.pk else 1 if rule.category_id else 0,
            len(rule.division.prefix),
        )
        if best is None or specificity > best[0]:
            best = (specificity, rule)
    return best[1] if best else None


def rule_explained(rule: RoutingRule) -> str:
    """Why the matrix names this unit: "分类 × 区域 → 单位", in the request's language."""
    from django.utils.translation import gettext

    category = rule.category.name if rule.category_id else gettext("任何分类")  # type: ignore[union-attr]
    return gettext("派单规则：%(category)s × %(area)s → %(unit)s") % {
        "category": category,
        "area": rule.division.name,
        "unit": rule.unit.name,
    }


def escalation_target(division: Division, level: int) -> Division | None:
    """The division supervising a case at escalation ``level`` (1 street, 2 district)."""
    code = division.code
    if level == 1:
        target = code[:9] + "000"
    elif level == 2:
        target = code[:6] + "000000"
    else:
        return None
    return Division.objects.filter(code=target).first()
