"""The life-circle evaluation of an area, computed with the engine.

Three steps, kept apart so that the numerical part can be tested and reused (what-if)
without the database:

* :func:`gather` reads the inputs: compounds of the area (origins, weighted by households),
  facilities of every element of the standard in and around the area, the rules;
* :func:`evaluate` computes, per compound and element, the walk to the nearest facility
  and the facilities within the element's radius, then per community the household
  coverage, service space per 100 households, residents per facility and the 2SFCA supply
  ratio, and from them the gap list (短板清单);
* :func:`store` writes a run's results.

Radii are the standard's (GB 50180-2018) for an adult walking 1.1 m/s; the elderly view
walks 0.8 m/s, so each circle shrinks to 0.8/1.1 of its radius.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shezhi.engine.errors import EngineError
from shezhi.engine.metrics import Accessibility
from shezhi.engine.network import WalkNetwork
from shezhi.engine.snap import Snapped
from shezhi.engine.supply import two_step_fca
from shezhi.lifecircle.models import (
    REFERENCE_SPEED_MPS,
    ElementKind,
    GapKind,
    ServiceElement,
    walking_radius_m,
)

#: Residents per household where only households are known (成都 七普 平均家庭户规模约 2.5 人; 估算).
PERSONS_PER_HOUSEHOLD = 2.5
#: Origins and facilities farther than this from every walkable edge are reported, not used.
MAX_SNAP_M = 500.0
#: Walks are searched up to this multiple of an element's radius (for the map's colours).
SEARCH_FACTOR = 2.0
#: Metres per degree of latitude (and of longitude at the equator), for the search margin.
METRES_PER_DEGREE = 111_320.0

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Rule:
    """An element's rules, detached from the database."""

    code: str
    name: str
    circle: str
    kind: str
    level_minutes: int
    radius_m: float
    space_per_100_households_m2: float | None = None
    residents_per_facility: int | None = None

    @classmethod
    def of(cls, e: ServiceElement) -> Rule:
        return cls(
            code=e.code,
            name=e.name,
            circle=e.circle,
            kind=e.kind,
            level_minutes=e.level_minutes,
            radius_m=float(e.radius_m),
            space_per_100_households_m2=e.space_per_100_households_m2,
            residents_per_facility=e.residents_per_facility,
        )

    @property
    def required(self) -> bool:
        return self.kind == ElementKind.BASIC


@dataclass
class Facilities:
    """The facilities of one element as arrays."""

    ids: NDArray[np.int64]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    community: NDArray[np.int64]  # -1 when outside every community
    floor_area: NDArray[np.float64]  # NaN when unknown
    capacity: NDArray[np.float64]  # NaN when unknown

    @classmethod
    def empty(cls) -> Facilities:
        z = np.zeros(0)
        return cls(z.astype(np.int64), z, z, z.astype(np.int64), z, z)

    def plus(self, lon: float, lat: float, community: int = -1) -> Facilities:
        """These facilities and one hypothetical more (id -1)."""
        return Facilities(
            np.append(self.ids, -1),
            np.append(self.lon, lon),
            np.append(self.lat, lat),
            np.append(self.community, community),
            np.append(self.floor_area, np.nan),
            np.append(self.capacity, np.nan),
        )

    def __len__(self) -> int:
        return int(self.ids.shape[0])


@dataclass
class Inputs:
    compound_ids: NDArray[np.int64]
    community: NDArray[np.int64]
    grid: NDArray[np.int64]  # -1 when in no grid
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    households: NDArray[np.float64]
    rules: list[Rule]
    facilities: dict[str, Facilities]
    speed_mps: float = REFERENCE_SPEED_MPS
    #: Every community of the area, with compounds or not (None: those of the compounds).
    all_communities: list[int] | None = None

    @property
    def residents(self) -> NDArray[np.float64]:
        return self.households * PERSONS_PER_HOUSEHOLD

    def radius(self, rule: Rule) -> float:
        """The element's radius for this run's walker."""
        return walking_radius_m(rule.radius_m, self.speed_mps)


@dataclass
class ElementResult:
    distance: NDArray[np.float64]  # per origin, inf beyond the search
    within: NDArray[np.int64]  # facilities within the radius, per origin
    access: NDArray[np.float64]  # 2SFCA supply per resident, per origin
    on_network: int


@dataclass
class Evaluation:
    compounds: dict[int, dict[str, Any]]
    communities: dict[int, dict[str, Any]]
    gaps: list[dict[str, Any]]
    summary: dict[str, Any]
    origins_off_network: list[int] = field(default_factory=list)


# --------------------------------------------------------------------------- numerics


def snap_origins(net: WalkNetwork, inputs: Inputs) -> Snapped:
    # Stored coordinates are WGS-84 by construction (converted when imported), so the
    # engine's wrong-CRS heuristic, meant for raw input, is not applied here.
    return net.snap(
        inputs.lon, inputs.lat, max_distance=MAX_SNAP_M, allow_far=True, what="compounds", check_crs=False
    )


def evaluate_element(
    net: WalkNetwork, origins: Snapped, inputs: Inputs, rule: Rule, facilities: Facilities
) -> ElementResult:
    """Walks from every origin to one element's facilities."""
    n = len(origins)
    radius = inputs.radius(rule)
    if len(facilities) == 0:
        return ElementResult(np.full(n, np.inf), np.zeros(n, np.int64), np.zeros(n), 0)
    snapped = net.snap(
        facilities.lon,
        facilities.lat,
        max_distance=MAX_SNAP_M,
        allow_far=True,
        what=rule.name,
        check_crs=False,
    )
    on = int((~snapped.far).sum())
    if on == 0:
        return ElementResult(np.full(n, np.inf), np.zeros(n, np.int64), np.zeros(n), 0)
    acc = Accessibility(net, origins, speed_mps=inputs.speed_mps)
    nearest = acc.nearest(snapped, k=1, cutoff_m=radius * SEARCH_FACTOR, what=rule.name)
    pairs = acc.pairs(snapped, cutoff_m=radius, what=rule.name)
    within = pairs.counts([radius])[:, 0]
    supply = np.where(np.isfinite(facilities.capacity), facilities.capacity, facilities.floor_area)
    supply = np.where(np.isfinite(supply), supply, 1.0)  # unknown size: one unit of service
    try:
        access = two_step_fca(pairs, inputs.residents, supply).access
    except EngineError:
        access = np.zeros(n)
    return ElementResult(nearest.distance[:, 0], within, access, on)


def _community_values(
    inputs: Inputs, rule: Rule, result: ElementResult, members: dict[int, NDArray[np.int64]]
) -> dict[int, dict[str, Any]]:
    """Per community: the figures every surface aggregates (:mod:`shezhi.lifecircle.figures`).

    ``facilities`` and ``floor_area_m2`` count the facilities located in the community only
    (never the nearby ones that also serve it, which belong to their own community);
    ``mean_walk_m`` is the household-weighted mean walk to the nearest facility, a walk
    beyond the search counted as twice the radius, so that communities aggregate exactly
    by households.
    """
    radius = inputs.radius(rule)
    facilities = inputs.facilities.get(rule.code, Facilities.empty())
    out: dict[int, dict[str, Any]] = {}
    for community, idx in members.items():
        hh = inputs.households[idx]
        total = float(hh.sum())
        ok = result.distance[idx] <= radius
        covered = float(hh[ok].sum())
        here = facilities.community == community
        area = float(np.nansum(facilities.floor_area[here])) if here.any() else 0.0
        residents = float(inputs.residents[idx].sum())
        count = int(here.sum())
        weights = inputs.residents[idx]
        walks = np.minimum(result.distance[idx], radius * SEARCH_FACTOR)
        out[community] = {
            "households": total,
            "covered": covered,
            "coverage": covered / total if total else 0.0,
            "facilities": count,
            "facilities_area_unknown": int(np.isnan(facilities.floor_area[here]).sum()),
            "floor_area_m2": area,
            "per_100_households_m2": area / total * 100 if total else None,
            "residents_per_facility": residents / count if count else None,
            "access_2sfca": float(np.average(result.access[idx], weights=weights)) if weights.sum() else 0.0,
            "mean_walk_m": float(np.average(walks, weights=hh)) if total else None,
        }
    return out


def _gaps(rule: Rule, values: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    if not rule.required:
        return []
    gaps = []
    for community, v in values.items():
        if v["households"] <= 0:
            continue
        uncovered = round(v["households"] - v["covered"])
        base = {
            "community_id": community,
            "element": rule.code,
            "element_name": rule.name,
            "circle": rule.circle,
            "uncovered_households": uncovered,
            "coverage": v["coverage"],
        }
        if v["covered"] == 0:
            gaps.append(
                {
                    **base,
                    "kind": GapKind.MISSING,
                    "detail": f"{rule.radius_m:.0f} 米步行范围内没有{rule.name} / none within walking range",
                }
            )
        elif uncovered > 0:
            gaps.append(
                {
                    **base,
                    "kind": GapKind.UNCOVERED,
                    "detail": f"{uncovered} 户步行 {rule.level_minutes} 分钟到不了{rule.name} / "
                    f"{uncovered} households beyond {rule.level_minutes} minutes",
                }
            )
        need = rule.space_per_100_households_m2
        have = v["per_100_households_m2"]
        if need and (have or 0) < need:
            gaps.append(
                {
                    **base,
                    "uncovered_households": round(v["households"]),
                    "kind": GapKind.UNDER_SPACE,
                    "detail": f"每百户 {have or 0:.1f} 平方米，低于 {need:g} 平方米 / "
                    f"{have or 0:.1f} m² per 100 households, below {need:g}",
                }
            )
        limit = rule.residents_per_facility
        per = v["residents_per_facility"]
        if limit and per is not None and per > limit:
            gaps.append(
                {
                    **base,
                    "kind": GapKind.UNDER_COUNT,
                    "detail": f"每处服务 {per:.0f} 人，超过 {limit} 人 / "
                    f"{per:.0f} residents per facility, over {limit}",
                }
            )
    return gaps


def members_by_community(inputs: Inputs) -> dict[int, NDArray[np.int64]]:
    """Compound indices per community; every community of the area, even one without compounds."""
    groups: dict[int, list[int]] = {c: [] for c in inputs.all_communities or []}
    for i, c in enumerate(inputs.community.tolist()):
        groups.setdefault(c, []).append(i)
    return {c: np.asarray(ix, dtype=np.int64) for c, ix in groups.items()}


def evaluate(net: WalkNetwork, inputs: Inputs, progress: Progress | None = None) -> Evaluation:
    """Every element for every compound and community of ``inputs``."""
    report = progress or (lambda _pct, _stage: None)
    report(15, "snap")
    origins = snap_origins(net, inputs)
    off = np.flatnonzero(origins.far)
    members = members_by_community(inputs)
    compounds: dict[int, dict[str, Any]] = {int(c): {} for c in inputs.compound_ids}
    communities: dict[int, dict[str, Any]] = {c: {} for c in members}
    gaps: list[dict[str, Any]] = []
    per_element: dict[str, Any] = {}
    for i, rule in enumerate(inputs.rules):
        report(20 + int(70 * i / max(len(inputs.rules), 1)), f"element:{rule.code}")
        facilities = inputs.facilities.get(rule.code, Facilities.empty())
        result = evaluate_element(net, origins, inputs, rule, facilities)
        radius = inputs.radius(rule)
        for j, cid in enumerate(inputs.compound_ids.tolist()):
            d = float(result.distance[j])
            compounds[cid][rule.code] = {
                "d": round(d, 1) if np.isfinite(d) else None,
                "n": int(result.within[j]),
                "ok": bool(d <= radius),
            }
        values = _community_values(inputs, rule, result, members)
        for community, v in values.items():
            communities[community][rule.code] = v
        gaps += _gaps(rule, values)
        # Run-level facts about the inputs only. The figures (coverage, walks, space) are
        # aggregated from the community values by shezhi.lifecircle.figures, for every surface.
        per_element[rule.code] = {
            "name": rule.name,
            "radius_m": round(radius),
            "facilities_considered": len(facilities),  # in the area and nearby
            "facilities_on_network": result.on_network,
        }
    gaps.sort(key=lambda g: (-g["uncovered_households"], g["element"], g["community_id"]))
    for rank, gap in enumerate(gaps, start=1):
        gap["rank"] = rank
    report(92, "summary")
    summary = {
        "compounds": len(inputs.compound_ids),
        "compounds_off_network": int(off.size),
        "households": float(inputs.households.sum()),
        "communities": len(members),
        "communities_with_compounds": sum(1 for ix in members.values() if ix.size),
        "network": {"nodes": net.n_nodes, "edges": net.n_edges},
        "speed_mps": inputs.speed_mps,
        "elements": per_element,
        "gaps": len(gaps),
    }
    return Evaluation(compounds, communities, gaps, summary, [int(inputs.compound_ids[i]) for i in off])


def _with_one_more(
    net: WalkNetwork,
    inputs: Inputs,
    origins: Snapped,
    rule: Rule,
    before: ElementResult,
    lon: float,
    lat: float,
) -> ElementResult:
    """``before`` with one more facility at (lon, lat), walked from the compounds it can reach."""
    reach = inputs.radius(rule) * SEARCH_FACTOR
    dy = (inputs.lat - lat) * METRES_PER_DEGREE
    dx = (inputs.lon - lon) * METRES_PER_DEGREE * np.cos(np.radians(lat))
    near = np.flatnonzero(np.hypot(dx, dy) <= reach * 1.01)
    after = ElementResult(
        before.distance.copy(), before.within.copy(), before.access.copy(), before.on_network + 1
    )
    if near.size == 0:
        return after
    sub_origins = Snapped(**{f.name: getattr(origins, f.name)[near] for f in dataclass_fields(Snapped)})
    sub_inputs = replace(
        inputs,
        compound_ids=inputs.compound_ids[near],
        community=inputs.community[near],
        grid=inputs.grid[near],
        lon=inputs.lon[near],
        lat=inputs.lat[near],
        households=inputs.households[near],
    )
    new = evaluate_element(net, sub_origins, sub_inputs, rule, Facilities.empty().plus(lon, lat))
    after.distance[near] = np.minimum(before.distance[near], new.distance)
    after.within[near] = before.within[near] + new.within
    after.access[near] = before.access[near] + new.access
    return after


def what_if(
    net: WalkNetwork,
    inputs: Inputs,
    origins: Snapped,
    rule: Rule,
    lon: float,
    lat: float,
    communities: Sequence[int] | None = None,
    before: ElementResult | None = None,
) -> dict[str, Any]:
    """Coverage of one element before and after adding a facility at (lon, lat).

    ``before`` (the element's walks without the new facility, as :func:`evaluate_element`
    gives them) may be passed in from a cache. Only compounds within the search reach of
    the new facility, as the crow flies, can change (a walk is never shorter than the
    straight line), so the new facility is walked to from those alone and merged: the
    nearest walk is the shorter one, the count within the radius gains one, and the 2SFCA
    ratio adds the new facility's (supply over the demand within its radius: the other
    facilities' ratios do not change). This equals recomputing the whole area.
    """
    facilities = inputs.facilities.get(rule.code, Facilities.empty())
    members = members_by_community(inputs)
    if communities is not None:
        members = {c: ix for c, ix in members.items() if c in set(communities)}
    if before is None:
        before = evaluate_element(net, origins, inputs, rule, facilities)
    after = _with_one_more(net, inputs, origins, rule, before, lon, lat)
    radius = inputs.radius(rule)
    hh = inputs.households
    gained = (after.distance <= radius) & ~(before.distance <= radius)
    vb = _community_values(inputs, rule, before, members)
    va = _community_values(inputs, rule, after, members)
    total = float(hh.sum())
    return {
        "element": rule.code,
        "radius_m": round(radius),
        "coverage_before": float(hh[before.distance <= radius].sum()) / total if total else 0.0,
        "coverage_after": float(hh[after.distance <= radius].sum()) / total if total else 0.0,
        "households_gained": float(hh[gained].sum()),
        "compounds_gained": [int(inputs.compound_ids[i]) for i in np.flatnonzero(gained)],
        "gaps_before": len(_gaps(rule, vb)),
        "gaps_after": len(_gaps(rule, va)),
        "communities": {
            c: {"before": vb[c]["coverage"], "after": va[c]["coverage"]}
            for c in members
            if vb[c]["households"]
        },
    }


# --------------------------------------------------------------------------- database


def gather(
    *, area_prefix: str, elements: Sequence[ServiceElement], speed_mps: float, compounds: Any = None
) -> Inputs:
    """Compounds of the area and the facilities that serve them.

    The compounds in use (not retired by a newer OSM extract), or, given ``compounds`` (a
    queryset of compound ids), exactly those: an earlier run's what-if walks from the
    compounds that run evaluated.
    """
    from shezhi.accounts.roles import DivisionLevel
    from shezhi.people.models import Facility
    from shezhi.places.models import Compound, Division

    chosen = Compound.objects.filter(community__code__startswith=area_prefix)
    chosen = (
        chosen.filter(pk__in=compounds) if compounds is not None else chosen.filter(retired_at__isnull=True)
    )
    rows = list(
        chosen.order_by("pk").values_list("pk", "community_id", "grid_id", "lon", "lat", "households")
    )
    arr = np.array(
        [(pk, c, g if g is not None else -1, lon, lat, hh or 0) for pk, c, g, lon, lat, hh in rows],
        dtype=np.float64,
    ).reshape(-1, 6)
    inputs = Inputs(
        compound_ids=arr[:, 0].astype(np.int64),
        community=arr[:, 1].astype(np.int64),
        grid=arr[:, 2].astype(np.int64),
        lon=arr[:, 3],
        lat=arr[:, 4],
        households=arr[:, 5],
        rules=[Rule.of(e) for e in elements],
        facilities={},
        speed_mps=speed_mps,
        all_communities=list(
            Division.objects.filter(code__startswith=area_prefix, level=DivisionLevel.COMMUNITY)
            .order_by("pk")
            .values_list("pk", flat=True)
        ),
    )
    if len(rows) == 0:
        return inputs
    # Every facility a compound could reach within the search (twice the largest radius)
    # is read, so a street's own run and the street's part of its district's run walk to
    # the same facilities and agree.
    reach_m = max((inputs.radius(r) for r in inputs.rules), default=0.0) * SEARCH_FACTOR * 1.1
    margin_lat = reach_m / METRES_PER_DEGREE
    margin_lon = margin_lat / max(np.cos(np.radians(np.abs(inputs.lat).max())), 0.1)
    west, east = inputs.lon.min() - margin_lon, inputs.lon.max() + margin_lon
    south, north = inputs.lat.min() - margin_lat, inputs.lat.max() + margin_lat
    by_code: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Facility.objects.filter(
            category__in=[r.code for r in inputs.rules],
            lon__gte=west,
            lon__lte=east,
            lat__gte=south,
            lat__lte=north,
        )
        .order_by("pk")
        .values_list("category", "pk", "lon", "lat", "community_id", "floor_area_m2", "capacity")
    ):
        by_code[row[0]].append(row[1:])
    for code, items in by_code.items():
        f = np.array(
            [
                (
                    pk,
                    lon,
                    lat,
                    c if c is not None else -1,
                    a if a is not None else np.nan,
                    cap if cap is not None else np.nan,
                )
                for pk, lon, lat, c, a, cap in items
            ],
            dtype=np.float64,
        )
        inputs.facilities[code] = Facilities(
            f[:, 0].astype(np.int64), f[:, 1], f[:, 2], f[:, 3].astype(np.int64), f[:, 4], f[:, 5]
        )
    return inputs
