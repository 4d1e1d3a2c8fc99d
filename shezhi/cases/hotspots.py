"""Complaint hotspots: cases per compound per 1,000 households, and the top 5% (矛盾纠纷集中化解).

Rate = 诉求件数 ÷ 户数 × 1000 over a period. Compounds without a household count are
listed apart (no rate can be computed honestly); estimated household counts are flagged.
The top list is the highest-rate ⌈5%⌉ of compounds that had at least one case.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Count

from shezhi.accounts.models import User
from shezhi.cases.models import Case
from shezhi.cases.workflow import State
from shezhi.places.models import Compound

TOP_SHARE = 0.05


@dataclass(frozen=True)
class Hotspot:
    compound: Compound
    cases: int
    households: int | None
    estimated: bool

    @property
    def per_thousand(self) -> float | None:
        if not self.households:
            return None
        return round(self.cases / self.households * 1000, 2)


def compound_rates(*, actor: User, start: dt.datetime, end: dt.datetime) -> list[Hotspot]:
    """Every visible compound with at least one case in the period, highest rate first."""
    counts = dict(
        Case.objects.visible_to(actor)
        .filter(opened_at__gte=start, opened_at__lt=end, compound__isnull=False)
        .exclude(state__in=[State.MERGED, State.WITHDRAWN])
        .values_list("compound")
        .annotate(n=Count("id"))
        .values_list("compound", "n")
    )
    compounds = Compound.objects.visible_to(actor).filter(pk__in=list(counts))
    spots = [Hotspot(c, counts[c.pk], c.households, c.households_estimated) for c in compounds]
    spots.sort(key=lambda s: (s.per_thousand is None, -(s.per_thousand or 0), -s.cases, s.compound.name))
    return spots


def top_share(spots: list[Hotspot], share: float = TOP_SHARE) -> list[Hotspot]:
    """The top ``share`` of compounds by rate (at least one when any has a rate)."""
    rated = [s for s in spots if s.per_thousand is not None]
    if not rated:
        return []
    return rated[: max(1, math.ceil(len(rated) * share))]
