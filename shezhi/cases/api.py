"""API operations of the cases part (/api/v1/cases…): list, read, timeline, intake, actions.

Errors use the platform's one shape ``{code, message, message_en, details}``; a rejected
intake or action lists every problem in ``details`` and changes nothing.
"""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from shezhi.cases import selectors
from shezhi.cases.models import Case, CaseEvent, Category, Channel
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.cases.services import CaseNotFound, Intake, IntakeRejected, case_intake, case_transition
from shezhi.cases.workflow import WorkflowError, state_label
from shezhi.common.api import ErrorOut, InputSchema, Lat, Lon, PageNumberPagination, paginate, text
from shezhi.common.errors import AppError, Problem
from shezhi.common.pii import redact_free_text
from shezhi.places.models import Grid

router = Router(tags=["cases 接诉即办"])


class CaseOut(Schema):
    code: str
    title: str
    channel: str
    state: str
    state_label: str
    category_code: str | None
    division_code: str
    grid_code: str | None
    lead_unit: str | None
    lon: float | None
    lat: float | None
    opened_at: dt.datetime
    response_due: dt.datetime | None
    handling_due: dt.datetime | None
    deadline: dt.datetime | None
    sla_state: str
    escalation_level: int
    reporter: str

    @staticmethod
    def resolve_state_label(obj: Case) -> str:
        return state_label(obj.state)

    @staticmethod
    def resolve_category_code(obj: Case) -> str | None:
        return obj.category.code if obj.category_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_division_code(obj: Case) -> str:
        return obj.division.code

    @staticmethod
    def resolve_grid_code(obj: Case) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_lead_unit(obj: Case) -> str | None:
        return obj.lead_unit.name if obj.lead_unit_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_reporter(obj: Case) -> str:
        return obj.reporter_masked

    @staticmethod
    def resolve_title(obj: Case, context: Any) -> str:
        return _free_text(obj, obj.title, context)


def _free_text(case: Case, text: str, context: Any) -> str:
    """Free text as typed for the handling desk (and the reporter), numbers masked for others."""
    user = context["request"].user if context else None
    if has_perm(user, CasePermission.HANDLE) or (user is not None and case.reporter_id == user.pk):
        return text
    return redact_free_text(text)


class CaseDetailOut(CaseOut):
    description: str
    address: str
    attributes: dict[str, Any]
    satisfaction: str

    @staticmethod
    def resolve_description(obj: Case, context: Any) -> str:
        return _free_text(obj, obj.description, context)


class EventOut(Schema):
    kind: str
    action: str
    from_state: str
    to_state: str
    actor: str
    unit: str | None
    note: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str:
        return obj.actor_label or (str(obj.actor) if obj.actor_id else "")

    @staticmethod
    def resolve_unit(obj: CaseEvent) -> str | None:
        return obj.unit.name if obj.unit_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_note(obj: CaseEvent, context: Any) -> str:
        return _free_text(obj.case, obj.note, context)


class CaseFilter(Schema):
    state: text(16) | None = None
    category: text(16) | None = None
    sla: text(16) | None = None
    q: text(100) | None = None


class CaseIn(InputSchema):
    service_code: text(16)
    description: text(4000)
    title: text(120) = ""
    lon: Lon | None = None
    lat: Lat | None = None
    crs: text(8) = "wgs84"
    address: text(200) = ""
    attributes: dict[text(40), Any] = Field(default={}, max_length=40)
    reporter_name: text(64) = ""
    reporter_phone: text(32) = ""


class ActionIn(InputSchema):
    action: text(32)
    note: text(2000) = ""
    unit_id: int | None = None
    grid_code: text(41) | None = None
    satisfaction: text(16) = ""
    into: text(20) | None = None


def _problems(problems: list[Problem]) -> dict[str, Any]:
    return AppError.from_problems(problems).as_dict()


def _case(request: HttpRequest, code: str) -> Case:
    return selectors.case_get(actor=request.user, code=code)  # type: ignore[arg-type]


@router.get("/cases", response=list[CaseOut], summary="诉求列表 / cases")
@paginate(PageNumberPagination)
def case_list(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    return selectors.case_list(actor=request.user, filters=filters.dict())  # type: ignore[arg-type]


@router.get("/cases/{code}", response=CaseDetailOut, summary="诉求详情 / one case")
def case_detail(request: HttpRequest, code: str) -> Any:
    return _case(request, code)


@router.get("/cases/{code}/events", response=list[EventOut], summary="办理进程 / timeline")
def case_events(request: HttpRequest, code: str) -> Any:
    case = _case(request, code)
    return list(selectors.case_timeline(actor=request.user, case=case))  # type: ignore[arg-type]


@router.post(
    "/cases", response={201: CaseDetailOut, 400: ErrorOut, 403: ErrorOut}, summary="登记诉求 / report"
)
def case_create(request: HttpRequest, payload: CaseIn) -> Any:
    category = selectors.services().filter(code=payload.service_code).first()
    if category is None:
        return Status(
            400,
            _problems([Problem("unknown_service", "未知的事项分类", "unknown service_code", "service_code")]),
        )
    user = request.user
    try:
        case = case_intake(
            intake=Intake(
                channel=Channel.RESIDENT if user.role == "resident" else Channel.DESK,  # type: ignore[union-attr]
                description=payload.description,
                title=payload.title,
                category=category,
                lon=payload.lon,
                lat=payload.lat,
                crs=payload.crs,
                address=payload.address,
                attributes=payload.attributes,
                reporter_name=payload.reporter_name,
                reporter_phone=payload.reporter_phone,
                reporter=user if user.role == "resident" else None,  # type: ignore[union-attr,arg-type]
                require_grid=payload.lon is not None,
                # Staff file cases only where they work; residents may report anywhere.
                within_actor_area=user.role != "resident",  # type: ignore[union-attr]
            ),
            actor=user,  # type: ignore[arg-type]
        )
    except IntakeRejected as exc:
        return Status(exc.status, _problems(exc.problems))
    return Status(201, case)


@router.post(
    "/cases/{code}/actions",
    response={200: CaseDetailOut, 400: ErrorOut},
    summary="流转操作 / take an action (sign, reply, approve, …)",
)
def case_action(request: HttpRequest, code: str, payload: ActionIn) -> Any:
    case = _case(request, code)
    user = request.user
    unit = selectors.units_for(actor=user).filter(pk=payload.unit_id).first() if payload.unit_id else None  # type: ignore[arg-type]
    grid = Grid.objects.visible_to(user).filter(code=payload.grid_code).first() if payload.grid_code else None
    into = Case.objects.visible_to(user).filter(code=payload.into).first() if payload.into else None
    try:
        case = case_transition(
            case=case,
            action=payload.action,
            actor=user,  # type: ignore[arg-type]
            note=payload.note,
            unit=unit,
            grid=grid,
            satisfaction=payload.satisfaction,
            into=into,
        )
    except WorkflowError as exc:
        return Status(400, _problems([exc.problem]))
    except CaseNotFound as exc:
        from django.http import Http404

        raise Http404 from exc
    return Status(200, case)


class CategoryOut(Schema):
    code: str
    name: str
    group: str
    response_hours: int
    handle_days: int
    urgent: bool

    @staticmethod
    def resolve_group(obj: Category) -> str:
        return obj.parent.name if obj.parent else ""


@router.get("/case-categories", response=list[CategoryOut], summary="事项分类 / request types")
@paginate(PageNumberPagination)
def category_list(request: HttpRequest) -> Any:
    return selectors.services()
