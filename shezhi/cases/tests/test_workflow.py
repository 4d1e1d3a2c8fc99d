"""Guarded transitions: legal moves write one event row with the actor, illegal ones change nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from shezhi.cases import events
from shezhi.cases.models import Case, CaseEvent, EventKind, Unit
from shezhi.cases.services import case_transition
from shezhi.cases.tests.helpers import report
from shezhi.cases.workflow import TRANSITIONS, State, WorkflowError


def _snapshot(case: Case) -> tuple:
    case.refresh_from_db()
    return (case.state, case.deadline, case.lead_unit_id, case.events.count())


def test_the_full_path_writes_an_event_per_transition_with_its_actor(world):
    case = report(world.alice, world.grid_a)
    assert case.state == State.DISPATCHED  # the matrix sends 矛盾纠纷 to the community
    assert case.lead_unit.division == world.grid_a.community
    path = [
        ("sign", world.alice, ""),
        ("start", world.alice, ""),
        ("reply", world.alice, "已上门调解，双方达成协议"),
        ("approve", world.carol, ""),
        ("visit", world.carol, "电话回访，居民满意"),
    ]
    for action, actor, note in path:
        before = case.events.filter(kind=EventKind.TRANSITION).count()
        state_before = case.state
        case = case_transition(case=case, action=action, actor=actor, note=note, satisfaction="satisfied")
        transitions = case.events.filter(kind=EventKind.TRANSITION).order_by("-id")
        assert transitions.count() == before + 1
        last = transitions.first()
        assert (last.action, last.actor, last.from_state, last.to_state) == (
            action,
            actor,
            state_before,
            case.state,
        )
    assert case.state == State.VISITED
    assert case.satisfaction == "satisfied"
    assert case.events.filter(kind=EventKind.RATED).count() == 1


@pytest.mark.parametrize(
    ("action", "who"),
    [("approve", "alice"), ("start", "alice"), ("visit", "carol"), ("resume", "sam")],
)
def test_illegal_moves_are_rejected_in_both_languages_and_change_nothing(world, action, who):
    case = report(world.alice, world.grid_a)
    before = _snapshot(case)
    with pytest.raises(WorkflowError) as info:
        case_transition(case=case, action=action, actor=getattr(world, who), note="x")
    problem = info.value.problem
    assert problem.code in {"illegal_transition", "forbidden_transition"}
    assert "不能" in problem.zh
    assert "cannot" in problem.en or "may not" in problem.en
    assert _snapshot(case) == before


def test_a_grid_worker_may_not_approve_their_own_reply(world):
    case = report(world.alice, world.grid_a)
    for action in ("sign", "start"):
        case = case_transition(case=case, action=action, actor=world.alice)
    case = case_transition(case=case, action="reply", actor=world.alice, note="已处理")
    before = _snapshot(case)
    with pytest.raises(WorkflowError) as info:
        case_transition(case=case, action="approve", actor=world.alice)
    assert info.value.problem.code == "forbidden_transition"
    assert _snapshot(case) == before


def test_return_and_reassign_need_a_reason(world):
    case = report(world.alice, world.grid_a)
    before = _snapshot(case)
    with pytest.raises(WorkflowError) as info:
        case_transition(case=case, action="return", actor=world.alice, note="  ")
    assert info.value.problem.code == "note_required"
    assert info.value.problem.field == "note"
    assert _snapshot(case) == before
    case = case_transition(case=case, action="return", actor=world.alice, note="不属于本社区职责")
    assert case.state == State.ACCEPTED
    assert case.lead_unit is None
    other = Unit.objects.filter(division=world.street_x).first()
    case = case_transition(case=case, action="dispatch", actor=world.sam, unit=other)
    assert case.state == State.DISPATCHED
    assert case.lead_unit == other
    assert case.assignments.filter(active=True, role="lead").get().unit == other


def test_a_foreign_actor_cannot_touch_the_case(world):
    from shezhi.cases.services import CaseNotFound

    case = report(world.alice, world.grid_a)
    before = _snapshot(case)
    for outsider in (world.bob, world.tina):
        with pytest.raises(CaseNotFound):
            case_transition(case=case, action="sign", actor=outsider)
    assert _snapshot(case) == before


def test_the_event_row_and_the_state_change_commit_together(world, monkeypatch):
    case = report(world.alice, world.grid_a)
    before = _snapshot(case)

    def boom(**kwargs):
        raise RuntimeError("event store down")

    monkeypatch.setattr(events, "case_event_transition", boom)
    with pytest.raises(RuntimeError), transaction.atomic():
        case_transition(case=case, action="sign", actor=world.alice)
    assert _snapshot(case) == before


def test_suspend_freezes_the_clock_and_resume_extends_the_deadline(world, time_machine):
    import datetime as dt
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=tz), tick=False)  # Monday
    case = report(world.alice, world.grid_a)
    case = case_transition(case=case, action="sign", actor=world.alice)
    due = case.handling_due
    case = case_transition(case=case, action="suspend", actor=world.sam, note="等待业主返回")
    assert case.deadline is None
    time_machine.move_to(dt.datetime(2026, 11, 3, 10, 0, tzinfo=tz), tick=False)  # one working day later
    case = case_transition(case=case, action="resume", actor=world.sam)
    assert case.state == State.SIGNED
    # 7 working hours paused (10:00 Mon → 10:00 Tue) move the deadline by one working day.
    assert case.handling_due == due + dt.timedelta(days=1)
    assert case.deadline == case.handling_due


def test_reopen_only_after_dissatisfied(world):
    case = report(world.alice, world.grid_a)
    for action, actor, note in [
        ("sign", world.alice, ""),
        ("start", world.alice, ""),
        ("reply", world.alice, "已处理"),
        ("approve", world.carol, ""),
    ]:
        case = case_transition(case=case, action=action, actor=actor, note=note)
    case = case_transition(
        case=case, action="visit", actor=world.carol, satisfaction="dissatisfied", note="仍漏水"
    )
    case = case_transition(case=case, action="reopen", actor=world.carol, note="居民不满意，重新办理")
    assert case.state == State.IN_PROGRESS
    assert case.closed_at is None


def test_every_transition_is_reachable_from_some_state():
    assert all(t.sources for t in TRANSITIONS.values())
    assert CaseEvent.objects.model is CaseEvent
