"""Writes of the cases part: intake, routing, transitions, co-handling, extensions, rating.

Every function takes a keyword-only ``actor`` and writes its timeline event in the same
``transaction.atomic()`` as the change; a rejected call raises before touching anything.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases import events, routing, sla
from shezhi.cases.models import (
    Assignment,
    AssignmentRole,
    AttributeType,
    Case,
    Category,
    Satisfaction,
    SlaState,
    Unit,
)
from shezhi.cases.workflow import CLOCK_STATES, TRANSITIONS, State, WorkflowError, check
from shezhi.common.errors import Problem
from shezhi.common.identifiers import IdentifierError, mobile_validate
from shezhi.common.pii import blind_index
from shezhi.places.models import Compound, Division, Grid

MAX_DESCRIPTION = 4000
MAX_PHOTO_BYTES = 5 * 1024 * 1024
#: Markup, not prose: a tag name followed by attributes or the tag's end, or a comment.
#: (Real messages quote names in ASCII brackets, "<A4区某某KTV噪音扰民>", which is not HTML.)
_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?\s*>|<!--")


class IntakeRejected(Exception):
    """A case that cannot be taken in; ``problems`` say why. Nothing was stored."""

    def __init__(self, problems: list[Problem], status: int = 400) -> None:
        self.problems = problems
        self.status = status
        super().__init__("; ".join(str(p) for p in problems))


class CaseNotFound(Exception):
    """The actor cannot see this case (answered like a case that does not exist)."""


@dataclass
class Intake:
    """What a channel hands in: everything but the actor."""

    channel: str
    description: str
    category: Category | None = None
    title: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str = ""
    compound: Compound | None = None
    photo: UploadedFile | None = None
    reporter_name: str = ""
    reporter_phone: str = ""
    reporter: User | None = None
    attributes: dict[str, Any] = field(default_factory=dict)
    source_ref: str = ""
    opened_at: dt.datetime | None = None
    public: bool = False
    #: A point outside every grid is an error (resident page, Open311), not a triage case.
    require_grid: bool = False
    #: The case must lie inside the actor's own area (an Open311 client's jurisdiction).
    within_actor_area: bool = False
    #: Required category questions apply to reporters, not to orders handed over by 12345.
    check_attributes: bool = True


def text_problems(name: str, value: str, limit: int, *, required: bool = False) -> list[Problem]:
    problems = []
    if required and not value.strip():
        problems.append(Problem("required", f"“{name}”不能为空", f"{name} is required", name))
    if len(value) > limit:
        problems.append(
            Problem(
                "too_long",
                f"“{name}”最多 {limit} 个字符（现有 {len(value)} 个）",
                f"{name} has at most {limit} characters (got {len(value)})",
                name,
            )
        )
    if _HTML.search(value):
        problems.append(
            Problem("html", f"“{name}”不能包含 HTML 标记", f"{name} must not contain HTML markup", name)
        )
    return problems


def _photo_problems(photo: UploadedFile | None) -> list[Problem]:
    if photo is None:
        return []
    if photo.size and photo.size > MAX_PHOTO_BYTES:
        return [
            Problem(
                "photo_too_large",
                f"照片不能超过 {MAX_PHOTO_BYTES // 1024 // 1024} MB",
                f"the photo must be at most {MAX_PHOTO_BYTES // 1024 // 1024} MB",
                "photo",
            )
        ]
    from PIL import Image, UnidentifiedImageError

    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image.verify()
            kind = image.format
        photo.seek(0)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return [Problem("photo_not_image", "照片不是有效的图片文件", "the photo is not an image", "photo")]
    if kind not in {"JPEG", "PNG", "WEBP", "GIF"}:
        return [
            Problem(
                "photo_format",
                "照片须为 JPEG/PNG/WEBP/GIF 格式",
                "the photo must be JPEG/PNG/WEBP/GIF",
                "photo",
            )
        ]
    return []


def _attribute_problems(category: Category | None, values: dict[str, Any]) -> list[Problem]:
    if category is None:
        return []
    problems = []
    for attr in category.attributes.all():
        value = values.get(attr.code)
        if value in (None, "", []):
            if attr.required and attr.variable:
                problems.append(
                    Problem(
                        "attribute_required",
                        f"附加项“{attr.description}”必填",
                        f"attribute {attr.code} is required",
                        f"attribute[{attr.code}]",
                    )
                )
            continue
        keys = {str(v.get("key")) for v in attr.values}
        chosen = value if isinstance(value, list) else [value]
        if (
            attr.datatype in (AttributeType.SINGLE, AttributeType.MULTI)
            and not {str(c) for c in chosen} <= keys
        ):
            problems.append(
                Problem(
                    "attribute_value",
                    f"附加项“{attr.description}”的取值无效",
                    f"attribute {attr.code} has a value not in its list",
                    f"attribute[{attr.code}]",
                )
            )
        if attr.datatype == AttributeType.NUMBER:
            try:
                float(str(value))
            except ValueError:
                problems.append(
                    Problem(
                        "attribute_number",
                        f"附加项“{attr.description}”须为数字",
                        f"attribute {attr.code} must be a number",
                        f"attribute[{attr.code}]",
                    )
                )
    return problems


def _new_code(opened: dt.datetime, pk: int) -> str:
    return f"{timezone.localtime(opened):%Y%m%d}{pk:07d}"


def _intake_area(actor: User | None) -> Division:
    if actor is not None and actor.grid_id:
        return actor.grid.community  # type: ignore[union-attr]
    if actor is not None and actor.division_id:
        return actor.division  # type: ignore[return-value]
    raise IntakeRejected(
        [Problem("no_area", "登记人没有所属区划", "the intake account has no area", "actor")], status=403
    )


def intake_problems(intake: Intake) -> tuple[list[Problem], str, float | None, float | None]:
    """Every reason ``intake`` cannot be taken in, the normalised phone and the WGS-84 point."""
    problems: list[Problem] = []
    problems += text_problems("description", intake.description, MAX_DESCRIPTION, required=True)
    problems += text_problems("title", intake.title, 120)
    problems += text_problems("address", intake.address, 200)
    problems += text_problems("reporter_name", intake.reporter_name, 40)
    phone = ""
    if intake.reporter_phone.strip():
        try:
            phone = mobile_validate(intake.reporter_phone, field="reporter_phone")
        except IdentifierError as exc:
            problems.append(exc.problem)
    problems += _photo_problems(intake.photo)
    if intake.check_attributes:
        problems += _attribute_problems(intake.category, intake.attributes)
    lon, lat = intake.lon, intake.lat
    if (lon is None) != (lat is None):
        problems.append(
            Problem("point_half", "经度和纬度须同时提供", "give both longitude and latitude", "lat")
        )
    elif lon is not None and lat is not None:
        try:
            lon, lat = routing.to_wgs(lon, lat, intake.crs)
        except ValueError:
            problems.append(Problem("crs", "坐标系无效", "unknown coordinate system", "crs"))
    return problems, phone, lon, lat


def case_intake(*, intake: Intake, actor: User | None, actor_label: str = "") -> Case:
    """Validate, place, route and store a new case with its first events."""
    problems, phone, lon, lat = intake_problems(intake)
    if problems:
        raise IntakeRejected(problems)
    area = _intake_area(actor)
    placement = routing.place(
        intake_area=area, lon=lon, lat=lat, address=intake.address, compound=intake.compound
    )
    if intake.require_grid and not placement.routed:
        field_name = "lat" if lon is not None else "address"
        raise IntakeRejected(
            [
                Problem(
                    "outside_area",
                    "位置不在本平台任何网格内，请重新选点或填写地址"
                    if lon is not None
                    else "地址无法匹配到小区，请在地图上选点",
                    "the location is outside every grid"
                    if lon is not None
                    else "the address matches no compound",
                    field_name,
                )
            ]
        )
    if intake.within_actor_area and actor is not None and not actor.is_superuser:
        prefix = actor.area_prefix or "-"
        if not placement.division.code.startswith(prefix):
            raise IntakeRejected(
                [
                    Problem(
                        "outside_jurisdiction",
                        "位置不在本接入方的辖区内",
                        "the location is outside this client's area",
                        "lat" if lon is not None else "address_string",
                    )
                ]
            )
    now = timezone.now()
    opened = intake.opened_at or now
    description = intake.description.strip()
    unit = routing.unit_for(intake.category, placement.division) if placement.routed else None
    first_state = State.ACCEPTED if placement.routed else State.TRIAGE
    case = Case(
        code=f"T{uuid.uuid4().hex[:18]}",
        channel=intake.channel,
        source_ref=intake.source_ref,
        category=intake.category,
        title=(intake.title.strip() or description[:30]),
        description=description,
        attributes=intake.attributes,
        address=intake.address.strip(),
        lon=placement.lon,
        lat=placement.lat,
        division=placement.division,
        grid=placement.grid,
        compound=placement.compound,
        routing_note=placement.note,
        reporter=intake.reporter,
        reporter_name=intake.reporter_name.strip(),
        reporter_phone=phone,
        reporter_phone_index=blind_index(phone, kind="phone") if phone else "",
        created_by=actor,
        state=first_state,
        public=intake.public,
        opened_at=opened,
        updated_at=now,
    )
    if intake.photo is not None:
        case.photo = intake.photo
    if case.category is not None and placement.routed:
        due = sla.handling_deadline(opened, case.category)
        case.handling_due, case.deadline_note = due.at, due.note
    if unit is not None:
        # Dispatched by the matrix at once: the row is stored in its dispatched state.
        response = sla.response_deadline(now, case.category)
        case.state, case.lead_unit, case.dispatched_at = State.DISPATCHED, unit, now
        case.response_due, case.deadline = response.at, response.at
        case.deadline_note = case.deadline_note or response.note
    with transaction.atomic():
        case.save()
        case.code = _new_code(opened, case.pk)
        Case.objects.filter(pk=case.pk).update(code=case.code)
        events.case_event_created(case=case, actor=actor, actor_label=actor_label, to_state=first_state)
        if not placement.routed:
            events.case_event_triaged(case=case, actor=actor, note=placement.note)
            return case
        events.case_event_routed(case=case, actor=actor, note=placement.note, unit=unit)
        if unit is not None:
            Assignment.objects.create(case=case, unit=unit, role=AssignmentRole.LEAD)
            events.case_event_transition(
                case=case,
                actor=None,
                actor_label="派单规则 / routing matrix",
                action="dispatch",
                from_state=State.ACCEPTED,
                unit=unit,
                note="按派单规则自动派单 / dispatched by the routing matrix",
            )
    return case


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
) -> Case:
    """Move ``case`` by ``action`` (a name in :data:`TRANSITIONS`), writing its event row."""
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
        if _HTML.search(note):
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
    if not task.strip() or _HTML.search(task):
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
    if not report or _HTML.search(report):
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
    if not reason.strip() or _HTML.search(reason):
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


def case_reporter_reveal(*, case: Case, actor: User) -> dict[str, str]:
    """The reporter's name and phone in clear, for the handler who calls back; the read is logged."""
    if actor.role in (Role.RESIDENT, Role.PARTNER, Role.AUDITOR) and not actor.is_superuser:
        raise WorkflowError(
            Problem("forbidden", "无权查看反映人信息", "you may not read reporter details", "actor")
        )
    with transaction.atomic():
        case = _locked_visible(case, actor)
        events.case_event_pii_read(case=case, actor=actor, fields=["reporter_name", "reporter_phone"])
    return {"name": case.reporter_name, "phone": case.reporter_phone}
