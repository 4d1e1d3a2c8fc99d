"""Reads of the life-circle part."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel
from shezhi.lifecircle.models import (
    AnalysisRun,
    CommunityResult,
    CompoundResult,
    Gap,
    RunStatus,
    ServiceElement,
    StandardVersion,
)
from shezhi.places.models import Division


def standard_current() -> StandardVersion | None:
    """The newest version of the configuration standard."""
    return StandardVersion.objects.order_by("-number").first()


def element_list(*, version: StandardVersion) -> QuerySet[ServiceElement]:
    return version.elements.order_by("level_minutes", "circle", "code")


def run_list(*, actor: User) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.visible_to(actor).select_related("area", "standard", "created_by")


def run_areas(*, actor: User) -> QuerySet[Division]:
    """Areas the actor may evaluate: their own division and the streets/communities below."""
    return Division.objects.visible_to(actor).filter(
        level__in=[DivisionLevel.CITY, DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY]
    )


def latest_done_run(*, actor: User) -> AnalysisRun | None:
    return run_list(actor=actor).filter(status=RunStatus.DONE).order_by("-finished_at").first()


def gap_list(*, actor: User, run: AnalysisRun, filters: dict[str, str] | None = None) -> QuerySet[Gap]:
    filters = filters or {}
    qs = Gap.objects.visible_to(actor).filter(run=run).select_related("community")
    if filters.get("circle"):
        qs = qs.filter(circle=filters["circle"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("element"):
        qs = qs.filter(element=filters["element"])
    if community := (filters.get("community") or "").strip():
        # A community by its name (any part of it) or its code.
        qs = qs.filter(Q(community__code=community) | Q(community__name__icontains=community))
    return qs.order_by("rank")


def compound_results(*, actor: User, run: AnalysisRun) -> QuerySet[CompoundResult]:
    return (
        CompoundResult.objects.visible_to(actor)
        .filter(run=run)
        .select_related("compound", "community")
        .order_by("compound_id")
    )


def community_results(*, actor: User, run: AnalysisRun) -> QuerySet[CommunityResult]:
    return CommunityResult.objects.visible_to(actor).filter(run=run).select_related("community")
