"""附近服务: how far a resident walks to each service, from the latest finished evaluation.

A resident's account names their community, not their compound or household, so the walk
is the community's household-weighted average that the evaluation stored
(:class:`~shezhi.lifecircle.models.CommunityResult`, the same row the run page, PDF and
Excel read) and the share of its households within the element's walking radius. These are
aggregates of a public service map — no one's personal data — so the resident reads the row
of their own community although the run itself is staff-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shezhi.lifecircle.models import AnalysisRun, CommunityResult, RunStatus, Walker

#: The services a resident asks about first (health, elderly care, food, children, transport).
FIRST = (
    "health_station",
    "elderly_daycare",
    "market",
    "convenience",
    "pharmacy",
    "canteen",
    "kindergarten",
    "primary_school",
    "bus_stop",
    "park",
)


@dataclass(frozen=True)
class NearbyService:
    code: str
    name: str
    #: Household-weighted average walk to the nearest, in whole minutes.
    minutes: int
    #: The walking radius of the standard, in minutes (5, 10 or 15).
    radius_minutes: int
    #: Share of the community's households within that radius (0–1).
    coverage: float
    #: True when the average is at the cap (twice the radius): mostly none within reach.
    beyond: bool

    @property
    def coverage_percent(self) -> int:
        return round(self.coverage * 100)


@dataclass(frozen=True)
class Nearby:
    community: Any
    run: AnalysisRun
    services: list[NearbyService]


def nearby_services(*, user: Any, limit: int = 10) -> Nearby | None:
    """The walks of ``user``'s community to the main services, or None if nothing evaluated it."""
    community = getattr(user, "division", None)
    if community is None or not getattr(user, "is_authenticated", False):
        return None
    row = (
        CommunityResult.objects.filter(
            community=community, run__status=RunStatus.DONE, run__walker=Walker.ADULT
        )
        .select_related("run__standard", "community")
        .order_by("-run__finished_at", "-run_id")
        .first()
    )
    if row is None or not row.households:
        return None
    run = row.run
    elements = {e.code: e for e in run.standard.elements.all()}
    order = [c for c in FIRST if c in elements] + sorted(c for c in elements if c not in FIRST)
    services: list[NearbyService] = []
    for code in order:
        value = row.values.get(code) or {}
        walk = value.get("mean_walk_m")
        if walk is None:
            continue
        element = elements[code]
        radius = run.radius_m(element)
        services.append(
            NearbyService(
                code=code,
                name=element.name,
                minutes=max(1, round(walk / run.speed_mps / 60)),
                radius_minutes=element.level_minutes,
                coverage=float(value.get("coverage") or 0.0),
                beyond=walk >= 2 * radius - 1,
            )
        )
        if len(services) >= limit:
            break
    return Nearby(community=row.community, run=run, services=services)
