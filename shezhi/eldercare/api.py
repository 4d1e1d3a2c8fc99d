"""API operations of elderly services, scoped by ``visible_to``; another area's person is 404
and nothing is appended to the log. Errors in the one shape (``ErrorOut``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shezhi.common.api import ErrorOut, InputSchema, Lat, Lon, PageNumberPagination, paginate, text
from shezhi.eldercare import logbook, publishing, selectors, services
from shezhi.eldercare.models import CheckIn, Elder, LedgerRecord
from shezhi.eldercare.permissions import ElderPermission
from shezhi.places.models import Compound

router = Router(tags=["eldercare 高龄认证"])


class ElderOut(Schema):
    id: int
    name: str
    community_code: str
    grid_code: str | None
    status: str
    tier: str
    monthly_yuan: int
    cert_state: str
    cert_due: dt.date
    last_certified_on: dt.date | None
    commitment: str
    synthetic: bool

    @staticmethod
    def resolve_name(obj: Elder) -> str:
        return obj.resident.masked_name

    @staticmethod
    def resolve_community_code(obj: Elder) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Elder) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]


class RecordOut(Schema):
    id: int
    year: int
    index: int
    event: str
    entry: str

    @staticmethod
    def resolve_entry(obj: LedgerRecord) -> str:
        return obj.body_text


class CertificationOut(Schema):
    id: int
    year: int
    method: str
    certified_at: dt.datetime
    rule_version: str
    record: RecordOut


class SignalIn(InputSchema):
    kind: text(10)
    observed_at: dt.datetime
    source: text(40) = "api"
    ref: text(60) = ""


class SignalOut(Schema):
    id: int
    kind: str
    observed_at: dt.datetime
    weight: int
    record: RecordOut
    certified: bool = False


class CertifyIn(Schema):
    method: text(10)
    lon: Lon | None = None
    lat: Lat | None = None


class WorklistOut(Schema):
    due: list[ElderOut]
    overdue: list[ElderOut]
    suspended: list[ElderOut]


class RollRowOut(Schema):
    elder_id: int
    commitment: str
    tier: str
    monthly_yuan: int


class RollOut(Schema):
    month: str
    rows: list[RollRowOut]
    total_yuan: int
    entered: list[int]
    exited: list[int]
    suspended: list[int]
    reinstated: list[int]


class RollQuery(Schema):
    month: text(7) | None = None  # YYYY-MM


class CheckInIn(InputSchema):
    compound_id: int
    name: text(64, min_length=1)
    from_place: text(120, min_length=1)
    arrived_on: dt.date
    phone: text(20) = ""
    code: text(20) = ""


class CheckInOut(Schema):
    id: int
    compound: str
    name: str
    from_place: str
    arrived_on: dt.date
    signal: bool

    @staticmethod
    def resolve_compound(obj: CheckIn) -> str:
        return obj.compound.name

    @staticmethod
    def resolve_name(obj: CheckIn) -> str:
        return obj.masked_name

    @staticmethod
    def resolve_signal(obj: CheckIn) -> bool:
        return obj.elder_id is not None


class DecisionIn(InputSchema):
    upheld: bool
    note: text(300) = ""


class AppealIn(InputSchema):
    reason: text(300)


class AppealOut(Schema):
    id: int
    status: str
    reason: str


class LogStatusOut(Schema):
    year: int
    origin: str
    exists: bool
    size: int = 0
    root: str = ""
    frozen: bool = False
    witnesses: list[str] = []


@router.get(
    "/eldercare/elders", response=list[ElderOut], summary="高龄津贴对象 / people on the allowance roll"
)
@paginate(PageNumberPagination)
def elder_index(request: HttpRequest) -> Any:
    return selectors.elder_list(actor=request.user).order_by("pk")  # type: ignore[arg-type]


@router.get("/eldercare/elders/{elder_id}", response=ElderOut, summary="一位老人 / one person")
def elder_read(request: HttpRequest, elder_id: int) -> Any:
    return selectors.elder_get(actor=request.user, pk=elder_id)  # type: ignore[arg-type]


@router.get(
    "/eldercare/elders/{elder_id}/records",
    response=list[RecordOut],
    summary="认证历史与日志条目 / history in the log",
)
def elder_records(request: HttpRequest, elder_id: int) -> Any:
    elder = selectors.elder_get(actor=request.user, pk=elder_id)  # type: ignore[arg-type]
    return list(elder.records.order_by("year", "index"))


@router.post(
    "/eldercare/elders/{elder_id}/certifications",
    response={201: CertificationOut, 409: ErrorOut},
    summary="记录认证（上门须照片与定位）/ certify (a visit needs a photo and a location)",
)
def certification_create(
    request: HttpRequest,
    elder_id: int,
    payload: Form[CertifyIn],
    photo: UploadedFile | None = File(None),  # noqa: B008 - ninja's declaration
) -> Any:
    cert = services.certify(
        actor=request.user,
        elder_pk=elder_id,
        method=payload.method,
        photo=photo,
        lon=payload.lon,
        lat=payload.lat,  # type: ignore[arg-type]
    )
    return Status(201, cert)


@router.post(
    "/eldercare/elders/{elder_id}/signals",
    response={201: SignalOut, 409: ErrorOut},
    summary="记录无感认证信号 / record a sign of life",
)
def signal_create(request: HttpRequest, elder_id: int, payload: SignalIn) -> Any:
    signal = services.signal_record(
        actor=request.user,
        elder_pk=elder_id,
        kind=payload.kind,
        observed_at=payload.observed_at,  # type: ignore[arg-type]
        source=f"api:{payload.source}",
        ref=payload.ref,
    )
    signal.certified = signal.certifications.exists()  # type: ignore[attr-defined]
    return Status(201, signal)


@router.post(
    "/eldercare/elders/{elder_id}/appeals",
    response={201: AppealOut, 409: ErrorOut},
    summary="提交申诉 / appeal",
)
def appeal_create(request: HttpRequest, elder_id: int, payload: AppealIn) -> Any:
    return Status(201, services.appeal_file(actor=request.user, elder_pk=elder_id, reason=payload.reason))  # type: ignore[arg-type]


@router.post(
    "/eldercare/appeals/{appeal_id}/decision",
    response={200: AppealOut, 409: ErrorOut},
    summary="复核申诉 / decide an appeal",
)
def appeal_decision(request: HttpRequest, appeal_id: int, payload: DecisionIn) -> Any:
    return services.appeal_decide(
        actor=request.user, appeal_pk=appeal_id, upheld=payload.upheld, note=payload.note
    )  # type: ignore[arg-type]


@router.get("/eldercare/worklist", response=WorklistOut, summary="待认证、逾期、暂停 / the worklist")
def worklist(request: HttpRequest) -> Any:
    return selectors.worklist(actor=request.user, limit=100)  # type: ignore[arg-type]


@router.get("/eldercare/roll", response=RollOut, summary="月度发放名册 / the monthly roll")
def roll(request: HttpRequest, filters: Query[RollQuery]) -> Any:
    year, month = selectors.parse_month(filters.month)
    r = selectors.roll(actor=request.user, year=year, month=month)  # type: ignore[arg-type]
    return {
        "month": f"{year}-{month:02d}",
        "rows": [
            {
                "elder_id": row.elder.pk,
                "commitment": row.elder.commitment,
                "tier": row.tier,
                "monthly_yuan": row.monthly_yuan,
            }
            for row in r.rows
        ],
        "total_yuan": r.total_yuan,
        "entered": [e.pk for e in r.entered],
        "exited": [e.pk for e in r.exited],
        "suspended": [e.pk for e in r.suspended],
        "reinstated": [e.pk for e in r.reinstated],
    }


@router.get("/eldercare/checkins", response=list[CheckInOut], summary="社区报到名单 / arrivals")
@paginate(PageNumberPagination)
def checkin_index(request: HttpRequest) -> Any:
    return selectors.checkin_list(actor=request.user).order_by("-id")  # type: ignore[arg-type]


@router.post("/eldercare/checkins", response={201: CheckInOut}, summary="社区报到 / register an arrival")
def checkin_create(request: HttpRequest, payload: CheckInIn) -> Any:
    services.require(request.user, ElderPermission.CHECK_IN)  # type: ignore[arg-type]
    compound = Compound.objects.filter(pk=payload.compound_id).first()
    if compound is None:
        raise services.Refused(
            "unknown_compound",
            "小区不存在或不在本社区",
            "compound not found in your community",
            field="compound",
        )
    checkin = services.checkin_register(
        actor=request.user,
        compound=compound,
        name=payload.name,
        from_place=payload.from_place,  # type: ignore[arg-type]
        arrived_on=payload.arrived_on,
        phone=payload.phone,
        code=payload.code,
    )
    return Status(201, checkin)


@router.get("/eldercare/records/{record_id}/receipt", summary="离线证明（tlog-proof）/ the entry's receipt")
def record_receipt(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.record_get(actor=request.user, pk=record_id)  # type: ignore[arg-type]
    publishing.ensure_cosigned(record.year)
    return HttpResponse(
        logbook.receipt(record.year, record.index, bytes(record.body)),
        content_type="text/plain; charset=utf-8",
    )


@router.get("/eldercare/log", response=LogStatusOut, summary="本年度日志状态 / the year's log")
def log_status(request: HttpRequest) -> Any:
    services.require(request.user, ElderPermission.VIEW)  # type: ignore[arg-type]
    from django.utils import timezone

    s = publishing.status(timezone.localdate().year)
    return {**s, "witnesses": [w["name"] for w in s.get("witnesses", [])]}
