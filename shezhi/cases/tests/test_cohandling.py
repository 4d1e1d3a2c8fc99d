"""吹哨报到 (co-handling units with their own deadlines) and extensions with approval."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from shezhi.cases.models import EventKind, Unit
from shezhi.cases.services import (
    assignment_report,
    case_extension_decide,
    case_extension_request,
    case_transition,
    case_whistle,
)
from shezhi.cases.tests.helpers import report
from shezhi.cases.workflow import WorkflowError

TZ = ZoneInfo("Asia/Shanghai")


def test_a_street_whistles_and_departments_report_each_by_their_own_deadline(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False)
    case = report(world.alice, world.grid_a)
    case = case_transition(case=case, action="sign", actor=world.alice)
    units = list(Unit.objects.filter(division=world.street_x.parent, kind="department")[:2])
    with pytest.raises(WorkflowError):
        case_whistle(case=case, actor=world.alice, units=units, task="联合执法", days=2)
    made = case_whistle(case=case, actor=world.sam, units=units, task="联合执法", days=2)
    assert {a.unit for a in made} == set(units)
    assert all(a.due == dt.datetime(2026, 11, 4, 10, 0, tzinfo=TZ) for a in made)
    assert case.events.filter(kind=EventKind.WHISTLE, actor=world.sam).count() == 2
    assignment_report(assignment=made[0], actor=world.sam, report="已到场处置")
    made[0].refresh_from_db()
    assert made[0].reported_at is not None
    with pytest.raises(WorkflowError):
        assignment_report(assignment=made[0], actor=world.sam, report="再报一次")
    assert case.events.filter(kind=EventKind.CO_REPORT).count() == 1


def test_an_extension_needs_a_supervisor_and_moves_the_deadline(world, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False)
    case = report(world.alice, world.grid_a)
    case = case_transition(case=case, action="sign", actor=world.alice)
    due = case.handling_due
    case = case_extension_request(case=case, actor=world.alice, days=3, reason="需等待业主返回")
    with pytest.raises(WorkflowError):
        case_extension_decide(case=case, actor=world.alice, approve=True)
    with pytest.raises(WorkflowError):
        case_extension_request(case=case, actor=world.alice, days=2, reason="再申请")
    case = case_extension_decide(case=case, actor=world.sam, approve=True, note="同意")
    assert case.handling_due == due + dt.timedelta(days=3)
    assert case.deadline == case.handling_due
    assert case.extension_requested_days == 0
    decided = case.events.get(kind=EventKind.EXTENSION_DECIDED)
    assert decided.actor == world.sam
    assert decided.data["approved"] is True


def test_a_co_handling_unit_past_its_own_deadline_is_flagged_once(world, time_machine):
    from shezhi.cases import tasks

    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False)
    case = report(world.alice, world.grid_a)
    case = case_transition(case=case, action="sign", actor=world.alice)
    late, prompt = case_whistle(
        case=case,
        actor=world.sam,
        units=list(Unit.objects.filter(kind="department")[:2]),
        task="联合处置",
        days=1,
    )
    assignment_report(assignment=prompt, actor=world.sam, report="已处置")
    after = dt.datetime(2026, 11, 3, 10, 1, tzinfo=TZ)
    first, second = tasks.co_overdue_candidates(after), tasks.co_overdue_candidates(after)
    assert [a.pk for a in first] == [late.pk]
    one, two = tasks.ScanReport(), tasks.ScanReport()
    tasks.process_co_overdue(first, after, one)
    tasks.process_co_overdue(second, after, two)
    assert (one.co_overdue, two.co_overdue) == (1, 0)
    flagged = case.events.get(kind=EventKind.CO_OVERDUE)
    assert flagged.unit == late.unit
    assert tasks.co_overdue_candidates(after) == []
