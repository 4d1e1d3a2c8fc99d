"""The SLA worker: warn before deadlines, mark overdue, escalate community → street → district.

It also flags co-handling units (街道吹哨、部门报到) that pass their own deadline unreported.

Healthchecks' pattern: candidates come from the indexed ``deadline``/``escalate_at``
columns; each is then claimed with a compare-and-swap ``UPDATE … WHERE id = … AND
<old state>``, and only the worker whose update changed exactly one row writes the event.
Two workers scanning at once therefore warn, mark and escalate each case exactly once.

``sla_scan`` runs as a Django task on the platform's task backend; ``manage.py
cases_clock`` (the ``clock`` process of the Procfile) enqueues it every minute.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from shezhi.cases import events, routing, sla
from shezhi.cases.models import Assignment, AssignmentRole, Case, SlaState
from shezhi.cases.workflow import CLOCK_STATES

#: The levels an overdue case climbs: 0 community (handled where it is), 1 street, 2 district.
MAX_ESCALATION = 2


@dataclass
class ScanReport:
    warned: int = 0
    overdue: int = 0
    escalated: int = 0
    co_overdue: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "warned": self.warned,
            "overdue": self.overdue,
            "escalated": self.escalated,
            "co_overdue": self.co_overdue,
        }


def _clock() -> dict[str, object]:
    return {"state__in": list(CLOCK_STATES)}


def warn_candidates(now: dt.datetime) -> list[Case]:
    return list(
        Case.objects.filter(**_clock(), sla_state=SlaState.ON_TIME, deadline__lte=now + sla.warn_before())
        .exclude(deadline__lte=now)
        .select_related("division")
    )


def overdue_candidates(now: dt.datetime) -> list[Case]:
    return list(
        Case.objects.filter(
            **_clock(), sla_state__in=[SlaState.ON_TIME, SlaState.WARNED], deadline__lte=now
        ).select_related("division")
    )


def escalation_candidates(now: dt.datetime) -> list[Case]:
    return list(
        Case.objects.filter(
            **_clock(), sla_state=SlaState.OVERDUE, escalation_level__lt=MAX_ESCALATION, escalate_at__lte=now
        ).select_related("division")
    )


def _escalate(case: Case, level: int, now: dt.datetime) -> None:
    target = routing.escalation_target(case.division, level)
    next_at = sla.add_working_hours(now, sla.escalation_interval()).at if level < MAX_ESCALATION else None
    Case.objects.filter(pk=case.pk).update(escalated_to=target, escalate_at=next_at)
    events.case_event_escalated(
        case=case,
        level=level,
        to_division=target.code if target else "",
        to_name=target.name if target else "上级",
    )


def process_warnings(cases: list[Case], now: dt.datetime, report: ScanReport) -> None:
    for case in cases:
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case.pk, sla_state=SlaState.ON_TIME, deadline=case.deadline
            ).update(sla_state=SlaState.WARNED)
            if claimed == 1:
                events.case_event_sla_warning(case=case, deadline=case.deadline.isoformat())  # type: ignore[union-attr]
                report.warned += 1


def process_overdue(cases: list[Case], now: dt.datetime, report: ScanReport) -> None:
    for case in cases:
        with transaction.atomic():
            level = min(case.escalation_level + 1, MAX_ESCALATION)
            claimed = Case.objects.filter(
                pk=case.pk,
                sla_state=case.sla_state,
                deadline=case.deadline,
                escalation_level=case.escalation_level,
            ).update(sla_state=SlaState.OVERDUE, escalation_level=level)
            if claimed != 1:
                continue
            events.case_event_sla_overdue(case=case, deadline=case.deadline.isoformat())  # type: ignore[union-attr]
            report.overdue += 1
            if level > case.escalation_level:
                _escalate(case, level, now)
                report.escalated += 1


def process_escalations(cases: list[Case], now: dt.datetime, report: ScanReport) -> None:
    for case in cases:
        with transaction.atomic():
            claimed = Case.objects.filter(
                pk=case.pk, sla_state=SlaState.OVERDUE, escalation_level=case.escalation_level
            ).update(escalation_level=F("escalation_level") + 1)
            if claimed != 1:
                continue
            _escalate(case, case.escalation_level + 1, now)
            report.escalated += 1


def co_overdue_candidates(now: dt.datetime) -> list[Assignment]:
    """Co-handling units (报到单位) past their own deadline without a report."""
    return list(
        Assignment.objects.filter(
            role=AssignmentRole.CO,
            active=True,
            reported_at__isnull=True,
            overdue_at__isnull=True,
            due__lte=now,
            case__state__in=list(CLOCK_STATES),
        ).select_related("case", "unit")
    )


def process_co_overdue(assignments: list[Assignment], now: dt.datetime, report: ScanReport) -> None:
    for assignment in assignments:
        with transaction.atomic():
            claimed = Assignment.objects.filter(
                pk=assignment.pk, overdue_at__isnull=True, reported_at__isnull=True
            ).update(overdue_at=now)
            if claimed == 1:
                events.case_event_co_overdue(
                    case=assignment.case,
                    unit=assignment.unit,
                    due=assignment.due.isoformat(),  # type: ignore[union-attr]
                )
                report.co_overdue += 1


def scan(now: dt.datetime | None = None) -> ScanReport:
    """One pass over due cases; safe to run in several workers at once."""
    now = now or timezone.now()
    report = ScanReport()
    process_overdue(overdue_candidates(now), now, report)
    process_escalations(escalation_candidates(now), now, report)
    process_warnings(warn_candidates(now), now, report)
    process_co_overdue(co_overdue_candidates(now), now, report)
    return report


@task()
def sla_scan() -> dict[str, int]:
    """The periodic SLA pass, run by the task worker."""
    return scan().as_dict()
