"""The SLA worker: warns, marks overdue and escalates exactly once, even with two workers racing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.management import call_command

from shezhi.cases import tasks
from shezhi.cases.models import Case, EventKind, SlaState
from shezhi.cases.tasks import ScanReport
from shezhi.cases.tests.helpers import report

TZ = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TZ)


def _count(case: Case, kind: str) -> int:
    return case.events.filter(kind=kind).count()


def test_warning_then_overdue_then_street_then_district(world, time_machine):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)  # Monday
    case = report(world.alice, world.grid_a)  # dispatched, must be signed by 11:00
    assert case.deadline == at(2026, 11, 2, 11, 0)
    tasks.scan(at(2026, 11, 2, 9, 30))  # within 4 h of the deadline: warn
    case.refresh_from_db()
    assert case.sla_state == SlaState.WARNED
    assert _count(case, EventKind.SLA_WARNING) == 1
    tasks.scan(at(2026, 11, 2, 11, 1))
    case.refresh_from_db()
    assert case.sla_state == SlaState.OVERDUE
    assert case.escalation_level == 1
    assert case.escalated_to == world.street_x
    assert case.escalate_at == at(2026, 11, 3, 11, 1)  # 7 working hours later
    tasks.scan(at(2026, 11, 3, 11, 2))
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert case.escalated_to == world.street_x.parent
    assert case.escalate_at is None
    for _ in range(3):
        tasks.scan(at(2026, 11, 9, 12, 0))
    assert _count(case, EventKind.SLA_OVERDUE) == 1
    assert _count(case, EventKind.ESCALATED) == 2
    assert list(case.events.filter(kind=EventKind.ESCALATED).values_list("data__level", flat=True)) == [1, 2]


def test_two_workers_with_the_same_snapshot_escalate_once(world, time_machine):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    case = report(world.alice, world.grid_a)
    now = at(2026, 11, 2, 12, 0)
    # Both workers read the due cases before either writes (the race window).
    first, second = tasks.overdue_candidates(now), tasks.overdue_candidates(now)
    assert [c.pk for c in first] == [c.pk for c in second] == [case.pk]
    one, two = ScanReport(), ScanReport()
    tasks.process_overdue(first, now, one)
    tasks.process_overdue(second, now, two)
    assert (one.overdue, two.overdue) == (1, 0)
    assert _count(case, EventKind.SLA_OVERDUE) == 1
    assert _count(case, EventKind.ESCALATED) == 1
    later = at(2026, 11, 4, 9, 0)
    first, second = tasks.escalation_candidates(later), tasks.escalation_candidates(later)
    tasks.process_escalations(first, later, one)
    tasks.process_escalations(second, later, two)
    assert _count(case, EventKind.ESCALATED) == 2
    case.refresh_from_db()
    assert case.escalation_level == 2


def test_signing_stops_the_response_clock_and_starts_the_handling_one(world, time_machine):
    from shezhi.cases.services import case_transition

    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    case = report(world.alice, world.grid_a)
    time_machine.move_to(at(2026, 11, 2, 10, 0), tick=False)
    case = case_transition(case=case, action="sign", actor=world.alice)
    assert tasks.scan(at(2026, 11, 2, 11, 30)).as_dict() == {
        "warned": 0,
        "overdue": 0,
        "escalated": 0,
        "co_overdue": 0,
    }
    assert case.deadline == at(2026, 11, 9, 9, 0)


def test_the_task_runs_on_the_worker(world, time_machine):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    case = report(world.alice, world.grid_a)
    time_machine.move_to(at(2026, 11, 2, 12, 0), tick=False)
    result = tasks.sla_scan.call()
    assert result["overdue"] == 1
    call_command("cases_clock", "--once")
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="shezhi.cases.tasks.sla_scan").count() == 1
    call_command("cases_clock", "--once")  # one waiting scan is enough
    assert DBTaskResult.objects.filter(task_path="shezhi.cases.tasks.sla_scan").count() == 1
    case.refresh_from_db()
    assert case.sla_state == SlaState.OVERDUE
