"""Recommended sites (选址推荐) for one service element: maximal covering on the walking network.

Demand is the households of the run's compounds that no existing facility of the element
reaches within its radius; candidates are the planner's lots, existing public service
buildings that could host the service (复合利用), or every network node of the area. The
MCLP is solved exactly (HiGHS) up to :data:`EXACT_LIMIT` candidates, beyond that by greedy
addition with swaps, whose gap to the LP bound is reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shezhi.engine.metrics import Accessibility
from shezhi.engine.network import WalkNetwork
from shezhi.engine.siting import mclp, mclp_greedy
from shezhi.engine.snap import Snapped
from shezhi.lifecircle.analysis import MAX_SNAP_M, Facilities, Inputs, Rule, evaluate_element

#: Largest candidate set solved exactly; larger ones go to greedy+swap with a reported gap.
EXACT_LIMIT = 20000
#: Categories of existing facilities whose buildings may host another service.
PUBLIC_HOSTS = ("service_station", "street_service_centre", "culture_centre", "culture_station")


@dataclass(frozen=True)
class Candidates:
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    labels: list[str]

    def __len__(self) -> int:
        return len(self.labels)


def network_nodes(net: WalkNetwork, inputs: Inputs, margin_deg: float = 0.005) -> Candidates:
    """Every intersection of the largest component inside the compounds' bounding box (plus a margin)."""
    inside = (
        (net.node_lon >= inputs.lon.min() - margin_deg)
        & (net.node_lon <= inputs.lon.max() + margin_deg)
        & (net.node_lat >= inputs.lat.min() - margin_deg)
        & (net.node_lat <= inputs.lat.max() + margin_deg)
        & (net.component == 0)
    )
    idx = np.flatnonzero(inside)
    return Candidates(net.node_lon[idx], net.node_lat[idx], [f"路网节点 {int(net.node_id[i])}" for i in idx])


def recommend(
    net: WalkNetwork, inputs: Inputs, origins: Snapped, rule: Rule, candidates: Candidates, *, p: int
) -> dict[str, Any]:
    """The ``p`` candidates that newly cover the most households, with before/after coverage."""
    if len(candidates) == 0:
        raise ValueError("没有候选地点 / no candidate sites")
    p = min(p, len(candidates))
    radius = inputs.radius(rule)
    hh = inputs.households
    existing = evaluate_element(
        net, origins, inputs, rule, inputs.facilities.get(rule.code, Facilities.empty())
    )
    covered_before = existing.distance <= radius
    snapped = net.snap(
        candidates.lon,
        candidates.lat,
        max_distance=MAX_SNAP_M,
        allow_far=True,
        check_crs=False,
        what="candidates",
    )
    usable = np.flatnonzero(~snapped.far)
    if usable.size == 0:
        raise ValueError("候选地点都离步行路网超过 500 米 / every candidate is over 500 m from the network")
    sub = _take(snapped, usable)
    pairs = Accessibility(net, origins, speed_mps=inputs.speed_mps).pairs(
        sub, cutoff_m=radius, what="candidates"
    )
    weights = np.where(covered_before, 0.0, hh)
    if len(usable) <= EXACT_LIMIT:
        siting = mclp(pairs, weights, p=p, radius=radius)
    else:
        siting = mclp_greedy(pairs, weights, p=p, radius=radius)
    chosen = usable[siting.sites]
    keep = np.isin(pairs.facility, siting.sites) & (pairs.distance <= radius)
    newly = np.zeros(len(hh), dtype=bool)
    newly[pairs.origin[keep]] = True
    newly &= ~covered_before
    sites = []
    for local, cand in zip(siting.sites.tolist(), chosen.tolist(), strict=True):
        mine = pairs.origin[(pairs.facility == local) & (pairs.distance <= radius)]
        mine = mine[~covered_before[mine]]
        sites.append(
            {
                "label": candidates.labels[cand],
                "lon": float(candidates.lon[cand]),
                "lat": float(candidates.lat[cand]),
                "households": float(hh[mine].sum()),
                "compounds": [int(inputs.compound_ids[i]) for i in mine],
            }
        )
    total = float(hh.sum())
    return {
        "element": rule.code,
        "element_name": rule.name,
        "radius_m": round(radius),
        "p": p,
        "candidates": len(candidates),
        "candidates_on_network": int(usable.size),
        "method": siting.method,
        "gap": siting.gap,
        "households_newly_covered": float(hh[newly].sum()),
        "coverage_before": float(hh[covered_before].sum()) / total if total else 0.0,
        "coverage_after": float(hh[covered_before | newly].sum()) / total if total else 0.0,
        "sites": sorted(sites, key=lambda s: -s["households"]),
    }


def _take(s: Snapped, idx: NDArray[np.int64]) -> Snapped:
    return Snapped(
        lon=s.lon[idx],
        lat=s.lat[idx],
        edge=s.edge[idx],
        u=s.u[idx],
        v=s.v[idx],
        pos=s.pos[idx],
        to_u=s.to_u[idx],
        to_v=s.to_v[idx],
        access=s.access[idx],
        far=s.far[idx],
    )
