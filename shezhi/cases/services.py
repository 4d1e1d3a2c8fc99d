"""Writes of the cases part: transitions, co-handling, extensions, rating, contact reads.

Intake lives in :mod:`shezhi.cases.intake` (re-exported here for callers of the services).

Every function takes a keyword-only ``actor`` and writes its timeline event in the same
``transaction.atomic()`` as the change; a rejected call raises before touching anything.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases import events, sla
from shezhi.cases.intake import (
    HTML_MARKUP,
    MAX_DESCRIPTION,
    MAX_PHOTO_BYTES,
    Intake,
    IntakeRejected,
    case_intake,
    intake_problems,
    text_problems,
)
from shezhi.cases.models import (
    Assignment,
    AssignmentRole,
    Case,
    Category,
    Satisfaction,
    SlaState,
    Unit,
)
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.cases.workflow import CLOCK_STATES, TRANSITIONS, State, WorkflowError, check
from shezhi.common.errors import Problem
from shezhi.places.models import Grid

__all__ = [
    "MAX_DESCRIPTION",
    "MAX_PHOTO_BYTES",
    "CaseNotFound",
    "Intake",
    "IntakeRejected",
    "assignment_report",
    "case_extension_decide",
    "case_extension_request",
    "case_intake",
    "case_publish",
    "case_reporter_reveal",
    "case_transition",
    "case_whistle",
    "intake_problems",
    "stars_satisfaction",
    "text_problems",
]


_DESK_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER})


class CaseNotFound(Exception):
    """The actor cannot see this case (answered like a case that does not exist)."""


def _dispatch(case: Case, unit: Unit, now: dt.datetime) -> None:
    case.assignments.filter(role=AssignmentRole.LEAD, active=True).update(active=False)
    Assignment.objects.create(case=case, unit=unit, role=AssignmentRole.LEAD)
    case.lead_unit = unit
    case.state = State.DISPATCHED
    case.dispatched_at = now
    case.signed_at = None
    due = sla.response_deadline(now, case.category)
    case.response_due = due.at
    case.deadline_note = due.note
    _set_deadline(case, due.at)


def _set_deadline(case: Case, deadline: dt.datetime | None) -> None:
    """A new deadline restarts the warning/overdue watch (escalation level is kept)."""
    case.deadline = deadline
    case.sla_state = SlaState.ON_TIME
    case.escalate_at = None


def _locked_visible(case: Case, actor: User, *, reporter_may: bool = False) -> Case:
    """The case row locked for update, if ``actor`` may see it (or reported it, when allowed)."""
    rows = Case.objects.filter(pk=case.pk, reporter=actor) if reporter_may else Case.objects.none()
    if not rows.exists():
        rows = Case.objects.visible_to(actor).filter(pk=case.pk)
    locked = rows.select_for_update().first()
    if locked is None:
        raise CaseNotFound(case.pk)
    return locked


def _ensure_handling_due(case: Case, now: dt.datetime) -> None:
    if case.handling_due is None and case.category is not None:
        due = sla.handling_deadline(case.opened_at, case.category)
        case.handling_due, case.deadline_note = due.at, due.note


def case_transition(
    *,
    case: Case,
    action: str,
    actor: User,
    note: str = "",
    unit: Unit | None = None,
    grid: Grid | None = None,
    category: Category | None = None,
    satisfaction: str = "",
    into: Case | None = None,
    stars: int | None = None,
) -> Case:
    """Move ``case`` by ``action`` (a name in :data:`TRANSITIONS`), writing its event row.

    A 回访 (``visit``) takes either a satisfaction grade or ``stars`` (1–5, the reporter's
    own rating), from which the grade follows: 4–5 满意, 3 基本满意, 1–2 不满意.
    """
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise WorkflowError(
            Problem("unknown_action", f"未知操作“{action}”", f"unknown action {action}", "action")
        )
    note = note.strip()
    with transaction.atomic():
        case = _locked_visible(case, actor, reporter_may=action == "visit")
        role = Role.CITY_ADMIN if actor.is_superuser else actor.role
        if action == "visit" and case.reporter_id == actor.pk:
            role = Role.COMMUNITY_WORKER  # the resident rates their own case
        check(transition, state=case.state, role=role, note=note, unit=unit)
        if HTML_MARKUP.search(note):
            raise WorkflowError(
                Problem("html", "说明不能包含 HTML 标记", "the note must not contain HTML", "note")
            )
        if unit is not None and not Unit.objects.filter(pk=unit.pk, active=True).exists():
            raise WorkflowError(Problem("unit_inactive", "承办单位已停用", "the unit is inactive", "unit"))
        now = timezone.now()
        before = case.state
        data: dict[str, Any] = {}
        if action == "route":
            if grid is None:
                raise WorkflowError(
                    Problem("grid_required", "分拨必须指定网格", "routing needs a grid", "grid")
                )
            if not Grid.objects.visible_to(actor).filter(pk=grid.pk).exists():
                raise WorkflowError(
                    Problem("grid_foreign", "只能分拨到本辖区网格", "grid outside your area", "grid")
                )
            case.grid, case.division = grid, grid.community
            if category is not None:
                case.category = category
            if case.category is None:
                raise WorkflowError(
                    Problem("category_required", "分拨必须指定分类", "routing needs a category", "category")
                )
            case.state = State.ACCEPTED
            _ensure_handling_due(case, now)
            data["grid"] = grid.code
        elif action in ("dispatch", "reassign"):
            _ensure_handling_due(case, now)
            _dispatch(case, unit, now)  # type: ignore[arg-type]
        elif action == "sign":
            case.state = State.SIGNED
            case.signed_at = now
            _ensure_handling_due(case, now)
            _set_deadline(case, case.handling_due)
        elif action == "start":
            case.state = State.IN_PROGRESS
        elif action == "reply":
            case.state = State.REPLIED
            case.replied_at = now
            _set_deadline(case, None)
        elif action == "approve":
            case.state = State.CLOSED
            case.closed_at = now
            _set_deadline(case, None)
        elif action == "reject":
            case.state = State.IN_PROGRESS
            case.replied_at = None
            _set_deadline(case, case.handling_due)
        elif action == "return":
            case.state = State.ACCEPTED
            case.assignments.filter(role=AssignmentRole.LEAD, active=True).update(active=False)
            data["unit"] = case.lead_unit.name if case.lead_unit else None
            case.lead_unit = None
            _set_deadline(case, None)
        elif action == "withdraw":
            case.state = State.WITHDRAWN
            case.closed_at = now
            _set_deadline(case, None)
        elif action == "suspend":
            case.resume_state = case.state
            case.state = State.SUSPENDED
            case.paused_at = now
            _set_deadline(case, None)
        elif action == "resume":
            paused = sla.working_hours_between(case.paused_at or now, now)
            case.state = case.resume_state or State.IN_PROGRESS
            case.resume_state = ""
            if case.handling_due is not None and paused > 0:
                case.handling_due = sla.add_working_hours(case.handling_due, paused).at
            case.paused_at = None
            _set_deadline(case, case.handling_due if case.state in CLOCK_STATES else None)
            data["paused_working_hours"] = round(paused, 2)
        elif action == "visit":
            if stars is not None:
                if not 1 <= stars <= 5:
                    raise WorkflowError(
                        Problem("stars_range", "请选择 1–5 颗星", "choose 1 to 5 stars", "stars")
                    )
                satisfaction = stars_satisfaction(stars)
                case.rating = stars
            if satisfaction not in Satisfaction.values:
                raise WorkflowError(
                    Problem(
                        "satisfaction_required",
                        "请选择满意度",
                        "choose a satisfaction rating",
                        "satisfaction",
                    )
                )
            case.state = State.VISITED
            case.satisfaction = satisfaction
            case.satisfaction_comment = note[:500]
        elif action == "reopen":
            if case.satisfaction != Satisfaction.DISSATISFIED:
                raise WorkflowError(
                    Problem(
                        "reopen_needs_dissatisfied",
                        "只有“不满意”的诉求可以重新办理",
                        "only a case rated dissatisfied can be reopened",
                        "satisfaction",
                    )
                )
            case.state = State.IN_PROGRESS
            case.closed_at = None
            case.replied_at = None
            due = sla.add_working_days(now, case.category.handle_days if case.category else 5)
            case.handling_due = due.at
            _set_deadline(case, due.at)
        elif action == "merge":
            if into is None or into.pk == case.pk:
                raise WorkflowError(
                    Problem("merge_target", "请指定合并到的工单", "name the case to merge into", "into")
                )
            if (
                not Case.objects.visible_to(actor)
                .filter(
                    pk=into.pk,
                    state__in=list(TRANSITIONS["merge"].sources | {State.IN_PROGRESS, State.REPLIED}),
                )
                .exists()
            ):
                raise WorkflowError(
                    Problem("merge_target", "合并目标不存在或已办结", "the target case is not open", "into")
                )
            case.state = State.MERGED
            case.merged_into = into
            case.closed_at = now
            _set_deadline(case, None)
            data["into"] = into.code
        case.updated_at = now
        case.save()
        events.case_event_transition(
            case=case, actor=actor, action=action, from_state=before, note=note, unit=unit, data=data
        )
        if action == "visit":
            events.case_event_rated(case=case, actor=actor)
        if action == "merge":
            events.case_event_merged(case=case, actor=actor, into=into)  # type: ignore[arg-type]
    return case


def stars_satisfaction(stars: int) -> str:
    """The satisfaction grade the KPIs count for a star rating."""
    if stars >= 4:
        return Satisfaction.SATISFIED
    return Satisfaction.BASIC if stars == 3 else Satisfaction.DISSATISFIED


def case_whistle(*, case: Case, actor: User, units: list[Unit], task: str, days: int) -> list[Assignment]:
    """街道吹哨、部门报到: call co-handling units in, each with its own deadline."""
    if actor.role not in (Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.CITY_ADMIN) and not actor.is_superuser:
        raise WorkflowError(
            Problem(
                "forbidden_transition",
                "只有街道及以上可以吹哨",
                "only street staff and above may whistle",
                "actor",
            )
        )
    if not units:
        raise WorkflowError(Problem("unit_required", "请选择报到单位", "choose at least one unit", "units"))
    if not task.strip() or HTML_MARKUP.search(task):
        raise WorkflowError(
            Problem("note_required", "请填写协办事项", "describe the co-handling task", "task")
        )
    if not 1 <= days <= 30:
        raise WorkflowError(Problem("days_range", "协办时限须为 1–30 个工作日", "days must be 1–30", "days"))
    with transaction.atomic():
        case = _locked_visible(case, actor)
        if case.state not in (State.SIGNED, State.IN_PROGRESS):
            raise WorkflowError(
                Problem(
                    "illegal_transition", "签收后办理中的诉求才能吹哨", "whistle only a signed case", "state"
                )
            )
        now = timezone.now()
        due = sla.add_working_days(now, days).at
        made = []
        for unit in units:
            made.append(
                Assignment.objects.create(
                    case=case, unit=unit, role=AssignmentRole.CO, task=task.strip(), due=due
                )
            )
            events.case_event_whistle(
                case=case, actor=actor, unit=unit, task=task.strip(), due=due.isoformat()
            )
        case.updated_at = now
        case.save(update_fields=["updated_at"])
    return made


def assignment_report(*, assignment: Assignment, actor: User, report: str) -> Assignment:
    """A co-handling unit reports back (报到反馈)."""
    report = report.strip()
    if not report or HTML_MARKUP.search(report):
        raise WorkflowError(Problem("note_required", "请填写办理反馈", "write the report", "report"))
    with transaction.atomic():
        case = _locked_visible(assignment.case, actor)
        assignment = Assignment.objects.select_for_update().get(pk=assignment.pk, case=case)
        if assignment.reported_at is not None:
            raise WorkflowError(
                Problem("already_reported", "该单位已反馈", "this unit already reported", "report")
            )
        assignment.report = report
        assignment.reported_at = timezone.now()
        assignment.save(update_fields=["report", "reported_at"])
        events.case_event_co_report(case=case, actor=actor, unit=assignment.unit, report=report)
    return assignment


def case_extension_request(*, case: Case, actor: User, days: int, reason: str) -> Case:
    """申请延期: the handler asks for more working days; a supervisor decides."""
    if not 1 <= days <= 30:
        raise WorkflowError(
            Problem("days_range", "延期须为 1–30 个工作日", "an extension is 1–30 working days", "days")
        )
    if not reason.strip() or HTML_MARKUP.search(reason):
        raise WorkflowError(Problem("note_required", "请填写延期理由", "give a reason", "reason"))
    with transaction.atomic():
        case = _locked_visible(case, actor)
        if case.state not in (State.SIGNED, State.IN_PROGRESS) or case.extension_requested_days:
            raise WorkflowError(
                Problem(
                    "illegal_transition",
                    "只有办理中且无待审批延期的诉求可以申请延期",
                    "only a case in progress without a pending request may ask for an extension",
                    "state",
                )
            )
        case.extension_requested_days = days
        case.extension_reason = reason.strip()[:200]
        case.updated_at = timezone.now()
        case.save()
        events.case_event_extension_requested(case=case, actor=actor, days=days, reason=case.extension_reason)
    return case


def case_extension_decide(*, case: Case, actor: User, approve: bool, note: str = "") -> Case:
    """Approve or refuse a pending extension; approval moves the handling deadline."""
    if actor.role not in (Role.STREET_STAFF, Role.DISTRICT_STAFF, Role.CITY_ADMIN) and not actor.is_superuser:
        raise WorkflowError(
            Problem(
                "forbidden_transition",
                "只有街道及以上可以审批延期",
                "only street staff and above decide",
                "actor",
            )
        )
    with transaction.atomic():
        case = _locked_visible(case, actor)
        days = case.extension_requested_days
        if not days:
            raise WorkflowError(
                Problem("no_request", "没有待审批的延期申请", "no pending extension", "state")
            )
        deadline = None
        if approve and case.handling_due is not None:
            case.handling_due = sla.add_working_days(case.handling_due, days).at
            deadline = case.handling_due.isoformat()
            if case.state in CLOCK_STATES:
                _set_deadline(case, case.handling_due)
        case.extension_requested_days = 0
        case.updated_at = timezone.now()
        case.save()
        events.case_event_extension_decided(
            case=case, actor=actor, approved=approve, days=days, note=note.strip(), deadline=deadline
        )
    return case


#: A reason must say something: at least this many characters.
MIN_REVEAL_REASON = 4


def case_reporter_reveal(*, case: Case, actor: User, reason: str) -> dict[str, str]:
    """The reporter's name and phone in clear, for the handler who calls back.

    Only the handling desk may, with a reason; the read goes to the platform's one access
    log (what the auditor reads) and onto the case's timeline, in one transaction.
    """
    from shezhi.common.pii import mask_name
    from shezhi.people.models import RevealField
    from shezhi.people.services import access_log_record

    if not has_perm(actor, CasePermission.REVEAL_REPORTER):
        raise WorkflowError(
            Problem("forbidden", "无权查看反映人信息", "you may not read reporter details", "actor")
        )
    if len((reason or "").strip()) < MIN_REVEAL_REASON:
        raise WorkflowError(
            Problem(
                "reason_required",
                f"请填写查看事由（至少 {MIN_REVEAL_REASON} 个字）",
                f"give a reason (at least {MIN_REVEAL_REASON} characters)",
                "reason",
            )
        )
    with transaction.atomic():
        case = _locked_visible(case, actor)
        access_log_record(
            actor=actor,
            field=RevealField.CASE_REPORTER,
            reason=reason,
            subject=mask_name(case.reporter_name),
            scope=case.code,
            division_code=case.division.code,
            grid_path=case.grid.path if case.grid_id else "",  # type: ignore[union-attr]
        )
        events.case_event_pii_read(case=case, actor=actor, fields=["reporter_name", "reporter_phone"])
    return {"name": case.reporter_name, "phone": case.reporter_phone}


def case_publish(*, case: Case, actor: User, public: bool) -> Case:
    """公开/取消公开: whether the case may be read anonymously (Open311); a desk decides."""
    if actor.role not in _DESK_ROLES and not actor.is_superuser:
        raise WorkflowError(
            Problem(
                "forbidden", "只有社区、街道及以上可以公开诉求", "only desk staff may publish a case", "actor"
            )
        )
    with transaction.atomic():
        case = _locked_visible(case, actor)
        case.public = public
        case.updated_at = timezone.now()
        case.save(update_fields=["public", "updated_at"])
        events.case_event_published(case=case, actor=actor, public=public)
    return case
