"""Reads of the indicators part, always through the viewer's area (``visible_to``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from shezhi.accounts.models import User
from shezhi.indicators import progress, services
from shezhi.indicators.models import (
    ComputationRun,
    Indicator,
    IndicatorValue,
    Ranking,
    RankingEntry,
    RunStatus,
    Scenario,
)
from shezhi.places.models import Division


def home_area(user: User, code: str | None = None) -> Division | None:
    """The area a dashboard shows: ``code`` if the user may see it, else the user's own."""
    visible = Division.objects.visible_to(user)
    if code:
        return visible.filter(code=code).first()
    if user.division_id and visible.filter(pk=user.division_id).exists():
        return user.division
    return visible.order_by("code").first()


def ancestors(area: Division) -> list[Division]:
    out, node = [], area
    while node is not None:
        out.append(node)
        node = node.parent
    return out


def rankings_for(user: User) -> Any:
    """Rankings of the user's area, of an area above it, or of areas inside it."""
    if not services.can_read(user):
        return Ranking.objects.none()
    if user.is_superuser:
        return Ranking.objects.all()
    area = user.grid.community if getattr(user, "grid", None) else user.division
    if area is None:
        return Ranking.objects.none()
    return Ranking.objects.filter(
        Q(area__in=[a.pk for a in ancestors(area)]) | Q(area__code__startswith=area.prefix)
    )


def latest_period(area: Division) -> str | None:
    run = (
        ComputationRun.objects.filter(status=RunStatus.DONE, area__code__in=[a.code for a in ancestors(area)])
        .order_by("-period", "-pk")
        .first()
    )
    return run.period if run else None


@dataclass
class Row:
    indicator: Indicator
    value: IndicatorValue | None
    status: progress.Status | None
    trend: list[tuple[str, float | None, int]]


def dashboard_rows(user: User, area: Division, period: str) -> dict[str, list[Row]]:
    """Per scenario: each active indicator's latest value for ``area``, status and trend."""
    values = {
        v.indicator_id: v
        for v in IndicatorValue.objects.visible_to(user)
        .filter(area=area, period=period, run__status=RunStatus.DONE)
        .select_related("indicator", "formula")
        .order_by("run_id")
    }  # the latest run wins
    trends: dict[int, dict[str, tuple[str, float | None, int]]] = {}
    for ind_id, p, value, pk in (
        IndicatorValue.objects.visible_to(user)
        .filter(area=area, run__status=RunStatus.DONE)
        .order_by("period", "run_id")
        .values_list("indicator_id", "period", "value", "pk")
    ):
        trends.setdefault(ind_id, {})[p] = (p, value, pk)
    out: dict[str, list[Row]] = {s.value: [] for s in Scenario}
    for ind in Indicator.objects.filter(active=True):
        v = values.get(ind.pk)
        out[ind.scenario].append(
            Row(ind, v, services.status_for(v) if v else None, list(trends.get(ind.pk, {}).values()))
        )
    return out


def published_ranking(user: User, area: Division) -> Ranking | None:
    return (
        rankings_for(user)
        .filter(published_at__isnull=False, area__in=[a.pk for a in ancestors(area)])
        .order_by("-period", "-published_at")
        .first()
    )


def ranking_entries(user: User, ranking: Ranking) -> Any:
    return (
        RankingEntry.objects.visible_to(user).filter(ranking=ranking).select_related("area").order_by("rank")
    )
