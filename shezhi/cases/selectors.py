"""Reads of the cases part, always through the acting user's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from shezhi.accounts.models import User
from shezhi.cases.models import Case, CaseEvent, Category, EventKind, SlaState, Unit
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.cases.workflow import OPEN_STATES, State


def case_list(*, actor: User, filters: dict[str, Any] | None = None) -> QuerySet[Case]:
    """Visible cases, newest first; filters ``state``, ``category``, ``q``, ``sla``, ``open``."""
    filters = filters or {}
    qs = Case.objects.visible_to(actor).select_related("category", "grid", "division", "lead_unit")
    if not has_perm(actor, CasePermission.READ):
        qs = Case.objects.none()
    if state := filters.get("state"):
        qs = qs.filter(state=state)
    if filters.get("open"):
        qs = qs.filter(state__in=list(OPEN_STATES | {State.SUSPENDED}))
    if category := filters.get("category"):
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if sla := filters.get("sla"):
        qs = qs.filter(sla_state=sla)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(code__startswith=q) | Q(title__icontains=q) | Q(address__icontains=q))
    return qs.order_by("-opened_at", "-id")


def my_reports(*, actor: User) -> QuerySet[Case]:
    """Cases a resident reported themselves (their own, whatever the area rules say)."""
    if not actor.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(reporter=actor).select_related("category").order_by("-opened_at")


def triage_queue(*, actor: User) -> QuerySet[Case]:
    """Cases nobody could route, waiting for a desk to place them (待分拨)."""
    return case_list(actor=actor).filter(state=State.TRIAGE)


def supervision_list(*, actor: User) -> QuerySet[Case]:
    """Open cases warned, overdue or escalated (督办), worst first."""
    return (
        case_list(actor=actor)
        .filter(state__in=list(OPEN_STATES))
        .filter(Q(sla_state__in=[SlaState.WARNED, SlaState.OVERDUE]) | Q(escalation_level__gt=0))
        .order_by("-escalation_level", "deadline")
    )


def case_timeline(*, actor: User, case: Case) -> QuerySet[CaseEvent]:
    return (
        CaseEvent.objects.visible_to(actor)
        .filter(case=case)
        .select_related("actor", "unit")
        .order_by("created_at", "id")
    )


def reporter_timeline(*, case: Case) -> QuerySet[CaseEvent]:
    """What the resident who reported a case sees of its progress: steps, not who took them."""
    return case.events.filter(kind__in=[EventKind.CREATED, EventKind.TRANSITION, EventKind.RATED]).order_by(
        "created_at", "id"
    )


def case_get(*, actor: User, code: str) -> Case:
    """One visible case by number, or 404; a resident also sees the cases they reported."""
    if not has_perm(actor, CasePermission.READ):
        return _own_or_404(actor, code)
    return Case.objects.select_related(
        "category", "grid", "division", "lead_unit", "compound"
    ).get_visible_or_404(actor, code=code)


def _own_or_404(actor: User, code: str) -> Case:
    from django.http import Http404

    if not actor.is_authenticated:
        raise Http404
    case = Case.objects.filter(reporter=actor, code=code).select_related("category").first()
    if case is None:
        raise Http404
    return case


def units_for(*, actor: User) -> QuerySet[Unit]:
    """Units a desk may dispatch to: those in its area and above it (street, district)."""
    if actor.division is None and not actor.is_superuser:
        return Unit.objects.none()
    if actor.is_superuser:
        return Unit.objects.filter(active=True)
    code = actor.division.code  # type: ignore[union-attr]
    prefixes = {code[:6] + "000000", code[:9] + "000"}
    return Unit.objects.filter(active=True).filter(
        Q(division__code__startswith=actor.area_prefix) | Q(division__code__in=prefixes)
    )


def services() -> QuerySet[Category]:
    """Second-level categories offered to reporters (Open311 services)."""
    return (
        Category.objects.filter(active=True, parent__isnull=False).select_related("parent").order_by("order")
    )
