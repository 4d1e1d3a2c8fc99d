"""Intake (登记受理): validate what a channel hands in, place it, route it, store it with its events.

Every channel — the resident page, grid patrol, 12345 import, Open311, the API — builds an
:class:`Intake` and calls :func:`case_intake`; a rejected intake raises
:class:`IntakeRejected` listing every problem, before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shezhi.accounts.models import User
from shezhi.cases import events, routing, sla
from shezhi.cases.models import Assignment, AssignmentRole, AttributeType, Case, Category
from shezhi.cases.workflow import State
from shezhi.common import images
from shezhi.common.errors import AppError, Problem
from shezhi.common.identifiers import IdentifierError, mobile_validate
from shezhi.common.images import photo_clean
from shezhi.common.pii import blind_index
from shezhi.places.models import Compound, Division

MAX_DESCRIPTION = 4000
MAX_PHOTO_BYTES = images.MAX_BYTES
#: Markup, not prose: a tag name followed by attributes or the tag's end, or a comment.
#: (Real messages quote names in ASCII brackets, "<A4区某某KTV噪音扰民>", which is not HTML.)
HTML_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?\s*>|<!--")
#: Characters no text field may hold: C0 controls but tab, newline and carriage return
#: (NUL is refused by PostgreSQL, the others make XML output ill-formed), lone surrogates
#: and the two non-characters XML forbids.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class IntakeRejected(AppError):
    """A case that cannot be taken in; ``problems`` say why. Nothing was stored."""

    def __init__(self, problems: list[Problem], status: int = 400) -> None:
        error = AppError.from_problems(problems, status=status)
        super().__init__(error.zh, error.message_en, status=status, code=error.code, problems=problems)


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
    photo: UploadedFile | ContentFile | None = None
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
    #: Open311 GeoReport v2 makes ``description`` optional; every other channel asks for it.
    require_description: bool = True
    #: A public photo URL handed in by an Open311 client, kept with the attributes.
    media_url: str = ""
    #: The form's one-time token: submitting the same form twice returns the first case.
    token: uuid.UUID | None = None
    #: 自行处置: what the grid worker did on the spot; the case is closed as it is stored.
    self_handled_note: str = ""


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
    if HTML_MARKUP.search(value):
        problems.append(
            Problem("html", f"“{name}”不能包含 HTML 标记", f"{name} must not contain HTML markup", name)
        )
    if CONTROL_CHARACTERS.search(value):
        problems.append(
            Problem(
                "control_character",
                f"“{name}”含有不可见的控制字符",
                f"{name} contains a control character",
                name,
            )
        )
    return problems


def _photo_problems(intake: Intake) -> list[Problem]:
    """Refuse anything but a real JPEG/PNG/WebP within the limits; keep the re-encoded copy."""
    if intake.photo is None:
        return []
    photo, problems = photo_clean(intake.photo)
    if photo is not None:
        intake.photo = photo  # what is stored: re-encoded, no EXIF, a generated name
    return problems


#: How long an attribute answer may be, by datatype; a list holds at most MAX_ATTRIBUTE_ITEMS.
ATTRIBUTE_LIMITS = {"string": 200, "text": 2000, "number": 32, "datetime": 40}
MAX_ATTRIBUTE_ITEMS = 50
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")


def _attribute_problem(code: str, name: str, zh: str, en: str) -> Problem:
    return Problem(code, f"附加项“{name}”{zh}", f"attribute {name} {en}", f"attribute[{name}]")


def _attribute_value_problems(attr: Any, value: Any) -> list[Problem]:
    """What is wrong with one answer to ``attr``, by its Open311 datatype."""
    name, kind = attr.code, attr.datatype
    items = value if isinstance(value, list) else [value]
    if kind != AttributeType.MULTI and len(items) != 1:
        return [_attribute_problem("attribute_many", name, "只能填一个值", "takes one value")]
    if len(items) > MAX_ATTRIBUTE_ITEMS:
        return [_attribute_problem("attribute_many", name, "取值过多", "has too many values")]
    if kind == AttributeType.NUMBER and isinstance(value, int | float) and not isinstance(value, bool):
        value = items = [repr(value)]
    if not all(isinstance(i, str) for i in items):
        return [_attribute_problem("attribute_type", name, "须为文本", "must be text")]
    if kind in (AttributeType.SINGLE, AttributeType.MULTI):
        keys = {str(v.get("key")) for v in attr.values}
        if not set(items) <= keys or len(set(items)) != len(items):
            return [_attribute_problem("attribute_value", name, "的取值无效", "has a value not in its list")]
        return []
    text = items[0]
    limit = ATTRIBUTE_LIMITS.get(kind, 200)
    if kind in (AttributeType.STRING, AttributeType.TEXT):
        return text_problems(f"attribute[{name}]", text, limit)
    if len(text) > limit or CONTROL_CHARACTERS.search(text):
        return [_attribute_problem("attribute_format", name, "格式错误", "is malformed")]
    if kind == AttributeType.NUMBER:
        # float() also takes "nan", "1_000" and non-ASCII digits: only plain decimals pass.
        if not _NUMBER.match(text.strip()) or not math.isfinite(float(text)):
            return [_attribute_problem("attribute_number", name, "须为数字", "must be a number")]
    elif kind == AttributeType.DATETIME:
        try:
            moment = parse_datetime(text.strip())
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None or not 1900 <= moment.year <= 2999:
            return [
                _attribute_problem(
                    "attribute_datetime",
                    name,
                    "须为带时区的 ISO 8601 时间",
                    "must be an ISO 8601 datetime with its UTC offset",
                )
            ]
    return []


def _attribute_problems(category: Category | None, values: dict[str, Any]) -> list[Problem]:
    """Answers to the category's questions: only its own questions, each by its datatype."""
    asked = {a.code: a for a in category.attributes.all()} if category is not None else {}
    problems = []
    for code in values:
        attr = asked.get(code)
        if attr is None or not attr.variable:
            shown = str(code)[:40]
            problems.append(
                Problem(
                    "attribute_unknown",
                    f"该事项分类没有附加项“{shown}”",
                    f"this service has no attribute {shown}",
                    f"attribute[{shown}]",
                )
            )
    for attr in asked.values():
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
        if attr.variable:
            problems += _attribute_value_problems(attr, value)
    return problems


def _untitled(category: Category | None) -> str:
    """The title of a case handed in without a description (Open311 allows that)."""
    return category.name if category is not None else "未填写描述"


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
    problems += text_problems(
        "description", intake.description, MAX_DESCRIPTION, required=intake.require_description
    )
    problems += text_problems("title", intake.title, 120)
    problems += text_problems("address", intake.address, 200)
    problems += text_problems("reporter_name", intake.reporter_name, 40)
    phone = ""
    if intake.reporter_phone.strip():
        try:
            phone = mobile_validate(intake.reporter_phone, field="reporter_phone")
        except IdentifierError as exc:
            problems.append(exc.problem)
    problems += _photo_problems(intake)
    if intake.check_attributes:
        problems += _attribute_problems(intake.category, intake.attributes)
    if intake.self_handled_note:
        problems += text_problems("self_handled_note", intake.self_handled_note, 2000, required=True)
        if intake.photo is None:
            problems.append(
                Problem(
                    "photo_required",
                    "自行处置须上传现场照片",
                    "a case closed on the spot needs a photo",
                    "photo",
                )
            )
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
        else:
            if not in_china(lon, lat):
                problems.append(
                    Problem(
                        "outside_china",
                        "所选位置不在中国境内，请在地图上重新选点",
                        "the location is outside China; pick the place on the map again",
                        "lat",
                    )
                )
    return problems, phone, lon, lat


#: China's extent (with its islands), WGS-84: a point outside is a slip of the finger.
CHINA_BOUNDS = (73.4, 3.3, 135.1, 53.6)


def in_china(lon: float, lat: float) -> bool:
    """Whether a WGS-84 point lies within China's bounding box (a coarse, cheap check)."""
    west, south, east, north = CHINA_BOUNDS
    return math.isfinite(lon) and math.isfinite(lat) and west <= lon <= east and south <= lat <= north


def _earlier(intake: Intake, actor: User | None) -> Case | None:
    """The case this very form already made (a double-tapped submit, a reload)."""
    if intake.token is None:
        return None
    return Case.objects.filter(intake_token=intake.token, created_by=actor).first()


def case_intake(*, intake: Intake, actor: User | None, actor_label: str = "") -> Case:
    """Validate, place, route and store a new case with its first events.

    A form's token makes this idempotent: the second submit of one form returns the case
    the first one made (the unique column settles two racing requests).
    """
    earlier = _earlier(intake, actor)
    if earlier is not None:
        return earlier
    if intake.token is not None and Case.objects.filter(intake_token=intake.token).exists():
        intake.token = None  # someone else's token: never reveal or reuse their case
    try:
        return _case_intake(intake=intake, actor=actor, actor_label=actor_label)
    except IntegrityError:
        earlier = _earlier(intake, actor)
        if earlier is None:
            raise
        return earlier


def _case_intake(*, intake: Intake, actor: User | None, actor_label: str) -> Case:
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
    # A case closed on the spot (自行处置) is not dispatched anywhere first.
    routed_unit = routing.unit_for(intake.category, placement.division) if placement.routed else None
    unit = None if intake.self_handled_note else routed_unit
    first_state = State.ACCEPTED if placement.routed else State.TRIAGE
    case = Case(
        code=f"T{uuid.uuid4().hex[:18]}",
        channel=intake.channel,
        source_ref=intake.source_ref,
        category=intake.category,
        title=(intake.title.strip() or description[:30] or _untitled(intake.category)),
        description=description,
        attributes=(
            {**intake.attributes, "media_url": intake.media_url} if intake.media_url else intake.attributes
        ),
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
        intake_token=intake.token,
    )
    if intake.photo is not None:
        case.photo = intake.photo
    # One read of the office's calendar for both deadlines (opened_at may lie in the past).
    cal = sla.WorkCalendar.around(timezone.localdate(min(opened, now)), timezone.localdate(now))
    if case.category is not None and placement.routed:
        due = sla.handling_deadline(opened, case.category, cal)
        case.handling_due, case.deadline_note = due.at, due.note
    if unit is not None:
        # Dispatched by the matrix at once: the row is stored in its dispatched state.
        response = sla.response_deadline(now, case.category, cal)
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
        else:
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
        if intake.self_handled_note:
            _self_close(case, actor, intake.self_handled_note.strip(), now, fallback=routed_unit)
    return case


def _self_close(case: Case, actor: User | None, note: str, now: dt.datetime, fallback: Any = None) -> None:
    """自行处置: the grid worker fixed it on the spot; the case is closed by its reporter-handler."""
    from shezhi.cases.models import Unit, UnitKind
    from shezhi.cases.workflow import TRANSITIONS, check

    role = actor.role if actor is not None else ""
    check(TRANSITIONS["self_close"], state=case.state, role=role, note=note)
    before = case.state
    own_unit = (
        Unit.objects.filter(division=case.division, kind=UnitKind.COMMUNITY, active=True)
        .order_by("pk")
        .first()
        if case.grid_id
        else None
    ) or fallback
    if own_unit is not None and own_unit != case.lead_unit:
        case.assignments.filter(role=AssignmentRole.LEAD, active=True).update(active=False)
        Assignment.objects.create(
            case=case, unit=own_unit, role=AssignmentRole.LEAD, reported_at=now, report=note
        )
        case.lead_unit = own_unit
    case.state = State.CLOSED
    case.self_handled = True
    case.signed_at = case.signed_at or now
    case.replied_at = now
    case.closed_at = now
    case.deadline = None
    case.escalate_at = None
    case.save()
    events.case_event_transition(
        case=case, actor=actor, action="self_close", from_state=before, note=note, unit=case.lead_unit
    )
