"""API operations of the people part. Personal fields are masked; a reveal is its own logged call."""

import datetime as dt
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.files import UploadedFile

from shezhi.common.api import ErrorOut, Finite, InputSchema, PageNumberPagination, paginate, text
from shezhi.common.errors import ImportRejected
from shezhi.common.pii import mask_name
from shezhi.people import importers, selectors, services
from shezhi.people.models import (
    AccessLog,
    Facility,
    Household,
    ImportBatch,
    Organisation,
    Relation,
    ResidenceStatus,
    Resident,
    RevealField,
)
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.places.models import Compound

router = Router(tags=["people 人口与单位"])


class ProblemOut(Schema):
    code: str
    field: str | None
    message: str
    message_en: str


def _invalid(exc: services.InvalidPeopleData) -> Status:
    return Status(exc.status, exc.as_dict())


class ResidentOut(Schema):
    id: int
    name: str
    id_number: str
    phone: str
    sex: str
    age: int
    birth_year: int
    relation: str
    tags: list[str]
    household_id: int
    compound: str
    address: str
    grid_code: str | None
    synthetic: bool

    @staticmethod
    def resolve_name(obj: Resident, context: Any) -> str:
        return obj.name if has_perm(context["request"].user, PeoplePermission.EDIT) else obj.masked_name

    @staticmethod
    def resolve_id_number(obj: Resident) -> str:
        return obj.masked_id_number

    @staticmethod
    def resolve_phone(obj: Resident) -> str:
        return obj.masked_phone

    @staticmethod
    def resolve_birth_year(obj: Resident) -> int:
        return obj.birth_date.year

    @staticmethod
    def resolve_tags(obj: Resident) -> list[str]:
        return obj.tag_list

    @staticmethod
    def resolve_compound(obj: Resident) -> str:
        return obj.household.compound.name

    @staticmethod
    def resolve_address(obj: Resident) -> str:
        return obj.household.address

    @staticmethod
    def resolve_grid_code(obj: Resident) -> str | None:
        return obj.household.grid.code if obj.household.grid_id else None  # type: ignore[union-attr]


class LookupIn(InputSchema):
    number: text(32)  # 完整身份证号或手机号 / a full ID or mobile number
    reason: text(200)  # 事由 / why


class ResidentFilter(Schema):
    q: text(64) | None = None  # 姓名、小区或房号 / name, compound or room
    tag: text(32) | None = None
    age_band: text(16) | None = None
    grid: text(41) | None = None
    sex: text(1) | None = None
    household: int | None = None


class ResidentIn(InputSchema):
    household_id: int
    name: text(64)
    id_number: text(32)
    phone: text(32) = ""
    relation: text(16) = Relation.HEAD
    tags: list[text(32)] = Field(default=[], max_length=20)
    note: text(200) = ""


class ResidentPatch(InputSchema):
    household_id: int | None = None
    name: text(64) | None = None
    id_number: text(32) | None = None
    phone: text(32) | None = None
    relation: text(16) | None = None
    tags: list[text(32)] | None = Field(default=None, max_length=20)
    note: text(200) | None = None


class RevealIn(InputSchema):
    field: RevealField
    reason: text(200)


class RevealOut(Schema):
    field: str
    value: str


class HouseholdOut(Schema):
    id: int
    compound_id: int
    compound: str
    building: str
    unit: str
    room: str
    status: str
    grid_code: str | None
    community_code: str
    synthetic: bool

    @staticmethod
    def resolve_compound(obj: Household) -> str:
        return obj.compound.name

    @staticmethod
    def resolve_grid_code(obj: Household) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_community_code(obj: Household) -> str:
        return obj.community.code


class HouseholdIn(InputSchema):
    compound_id: int
    building: text(30) = ""
    unit: text(20) = ""
    room: text(20)
    status: text(16) = ResidenceStatus.REGISTERED


class FacilityOut(Schema):
    id: int
    name: str
    category: str
    level: str
    community_code: str
    grid_code: str | None
    lon: float
    lat: float
    floor_area_m2: float | None
    capacity: int | None
    opening_hours: str
    operator: str | None
    synthetic: bool

    @staticmethod
    def resolve_community_code(obj: Facility) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Facility) -> str | None:
        return obj.grid.code if obj.grid_id else None  # type: ignore[union-attr]

    @staticmethod
    def resolve_operator(obj: Facility) -> str | None:
        return obj.operator.name if obj.operator_id else None  # type: ignore[union-attr]


class OrganisationOut(Schema):
    id: int
    name: str
    kind: str
    uscc: str | None
    community_code: str
    contact_name: str
    contact_phone: str
    synthetic: bool

    @staticmethod
    def resolve_community_code(obj: Organisation) -> str:
        return obj.community.code

    @staticmethod
    def resolve_contact_name(obj: Organisation, context: Any) -> str:
        keeper = has_perm(context["request"].user, PeoplePermission.EDIT)
        return obj.contact_name if keeper else mask_name(obj.contact_name)

    @staticmethod
    def resolve_contact_phone(obj: Organisation) -> str:
        return obj.masked_contact_phone


class AccessLogOut(Schema):
    id: int
    actor: str
    resident_id: int | None
    subject: str
    field: str
    reason: str
    rows: int
    division_code: str
    created_at: dt.datetime

    @staticmethod
    def resolve_actor(obj: AccessLog) -> str:
        return obj.actor.username


class AccessLogFilter(Schema):
    actor: text(150) | None = None
    field: text(16) | None = None
    area: text(41) | None = None
    since: dt.date | None = None
    until: dt.date | None = None


class ImportBatchOut(Schema):
    id: int
    filename: str
    status: str
    total_rows: int
    good_rows: int
    new_residents: int
    updated_residents: int
    unchanged_residents: int
    new_households: int
    errors: list[dict[str, Any]]


# ------------------------------------------------------------------------- residents


@router.get(
    "/residents",
    response=list[ResidentOut],
    summary="居民列表（脱敏）/ residents, masked",
    description="`q` searches names, compounds and rooms only; a number in it is refused (422): "
    "finding someone by ID number or phone is `POST /residents/lookup`.",
)
@paginate(PageNumberPagination)
def resident_list(request: HttpRequest, filters: Query[ResidentFilter]) -> Any:
    try:
        return selectors.resident_list(actor=request.user, filters=filters.dict())  # type: ignore[arg-type]
    except selectors.NumberSearchRefused as exc:
        raise ValidationError([{"loc": ["query", "q"], **exc.problem.as_dict()}]) from exc


@router.post(
    "/residents/lookup",
    response={200: list[ResidentOut], 422: ErrorOut, 429: ErrorOut},
    summary="按证件号或手机号查找（需事由，记录访问日志）/ find by ID number or phone, logged",
    description="The number travels in the body, never in a URL. Needs the reveal right; "
    "each lookup is written to the access log with its reason, and lookups are limited per hour.",
)
def resident_lookup(request: HttpRequest, payload: LookupIn) -> Any:
    try:
        return services.resident_lookup(
            actor=request.user,  # type: ignore[arg-type]
            number=payload.number,
            reason=payload.reason,
        )
    except services.InvalidPeopleData as exc:
        return _invalid(exc)


@router.get("/residents/{resident_id}", response=ResidentOut, summary="居民详情（脱敏）/ one resident")
def resident_detail(request: HttpRequest, resident_id: int) -> Any:
    return selectors.resident_get(actor=request.user, pk=resident_id)  # type: ignore[arg-type]


@router.post(
    "/residents",
    response={201: ResidentOut, 422: ErrorOut, 429: ErrorOut},
    summary="登记居民 / register a resident",
)
def resident_create(request: HttpRequest, payload: ResidentIn) -> Any:
    household = selectors.household_get(actor=request.user, pk=payload.household_id)  # type: ignore[arg-type]
    data = payload.dict(exclude={"household_id"})
    try:
        resident = services.resident_create(actor=request.user, household=household, **data)  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)
    return Status(201, resident)


@router.patch(
    "/residents/{resident_id}",
    response={200: ResidentOut, 422: ErrorOut, 429: ErrorOut},
    summary="修改居民 / change a resident",
)
def resident_update(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> Any:
    resident = selectors.resident_get(actor=request.user, pk=resident_id)  # type: ignore[arg-type]
    changes = payload.dict(exclude_unset=True, exclude={"household_id"})
    if payload.household_id is not None:
        changes["household"] = selectors.household_get(actor=request.user, pk=payload.household_id)  # type: ignore[arg-type]
    try:
        return services.resident_update(actor=request.user, resident=resident, **changes)  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)


@router.post(
    "/residents/{resident_id}/reveal",
    response={200: RevealOut, 422: ErrorOut},
    summary="查看完整字段（需事由，记录访问日志）/ reveal one field, logged",
)
def resident_reveal(request: HttpRequest, resident_id: int, payload: RevealIn) -> Any:
    resident = selectors.resident_get(actor=request.user, pk=resident_id)  # type: ignore[arg-type]
    try:
        value = services.resident_reveal(
            actor=request.user,  # type: ignore[arg-type]
            resident=resident,
            field=payload.field,
            reason=payload.reason,
        )
    except services.InvalidPeopleData as exc:
        return _invalid(exc)
    return {"field": payload.field, "value": value}


# ------------------------------------------------------------------------ households


@router.get("/households", response=list[HouseholdOut], summary="户列表 / households")
@paginate(PageNumberPagination)
def household_list(request: HttpRequest, q: text(100) | None = None, grid: text(41) | None = None) -> Any:
    return selectors.household_list(actor=request.user, filters={"q": q, "grid": grid})  # type: ignore[arg-type]


@router.get("/households/{household_id}", response=HouseholdOut, summary="户详情 / one household")
def household_detail(request: HttpRequest, household_id: int) -> Any:
    return selectors.household_get(actor=request.user, pk=household_id)  # type: ignore[arg-type]


@router.post(
    "/households", response={201: HouseholdOut, 422: ErrorOut}, summary="登记户 / register a household"
)
def household_create(request: HttpRequest, payload: HouseholdIn) -> Any:
    compound = Compound.objects.get_visible_or_404(request.user, pk=payload.compound_id)
    try:
        household = services.household_create(
            actor=request.user,  # type: ignore[arg-type]
            compound=compound,
            **payload.dict(exclude={"compound_id"}),
        )
    except services.InvalidPeopleData as exc:
        return _invalid(exc)
    return Status(201, household)


# -------------------------------------------------------------- facilities, organisations


@router.get("/facilities", response=list[FacilityOut], summary="服务设施 / facilities")
@paginate(PageNumberPagination)
def facility_list(request: HttpRequest, q: text(100) | None = None, category: text(40) | None = None) -> Any:
    return selectors.facility_list(actor=request.user, filters={"q": q, "category": category})  # type: ignore[arg-type]


@router.get("/organisations", response=list[OrganisationOut], summary="组织与单位 / organisations")
@paginate(PageNumberPagination)
def organisation_list(request: HttpRequest, q: text(100) | None = None, kind: text(24) | None = None) -> Any:
    return selectors.organisation_list(actor=request.user, filters={"q": q, "kind": kind})  # type: ignore[arg-type]


class OrganisationIn(InputSchema):
    name: text(120)
    kind: text(24)
    community_code: text(12) = ""
    grid_code: text(41) | None = None
    uscc: text(18) = ""
    address: text(200) = ""
    contact_name: text(64) = ""
    contact_phone: text(32) = ""


class FacilityIn(InputSchema):
    name: text(120)
    category: text(40)
    level: text(8)
    lon: Finite
    lat: Finite
    community_code: text(12) = ""
    grid_code: text(41) | None = None
    floor_area_m2: Annotated[Finite, Field(le=100_000_000)] | None = None
    capacity: Annotated[int, Field(le=2_147_483_647)] | None = None
    opening_hours: text(80) = ""
    operator_id: int | None = None


@router.post(
    "/organisations",
    response={201: OrganisationOut, 422: ErrorOut},
    summary="登记组织（校验统一社会信用代码）/ register an organisation",
)
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Any:
    try:
        org = services.organisation_create(actor=request.user, **payload.dict())  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)
    return Status(201, org)


@router.post(
    "/facilities", response={201: FacilityOut, 422: ErrorOut}, summary="登记服务设施 / register a facility"
)
def facility_create(request: HttpRequest, payload: FacilityIn) -> Any:
    try:
        facility = services.facility_create(actor=request.user, **payload.dict())  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)
    return Status(201, facility)


@router.put(
    "/facilities/{facility_id}",
    response={200: FacilityOut, 422: ErrorOut},
    summary="修改服务设施（整条替换）/ replace a facility's fields",
)
def facility_update(request: HttpRequest, facility_id: int, payload: FacilityIn) -> Any:
    facility = selectors.facility_get(actor=request.user, pk=facility_id)  # type: ignore[arg-type]
    try:
        return services.facility_update(actor=request.user, facility=facility, **payload.dict())  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)


@router.put(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, 422: ErrorOut},
    summary="修改组织（整条替换）/ replace an organisation's fields",
)
def organisation_update(request: HttpRequest, organisation_id: int, payload: OrganisationIn) -> Any:
    org = selectors.organisation_get(actor=request.user, pk=organisation_id)  # type: ignore[arg-type]
    try:
        return services.organisation_update(actor=request.user, organisation=org, **payload.dict())  # type: ignore[arg-type]
    except services.InvalidPeopleData as exc:
        return _invalid(exc)


# ------------------------------------------------------------------ access log, imports


@router.get("/access-log", response=list[AccessLogOut], summary="个人信息访问记录（审计员）/ access log")
@paginate(PageNumberPagination)
def access_log_list(request: HttpRequest, filters: Query[AccessLogFilter]) -> Any:
    return selectors.access_log_list(actor=request.user, filters=filters.dict())  # type: ignore[arg-type]


@router.post(
    "/imports",
    response={201: ImportBatchOut, 422: ErrorOut},
    summary="上传并预览导入（不写入）/ upload and dry-run an import",
)
def import_preview(request: HttpRequest, file: File[UploadedFile]) -> Any:
    try:
        batch = importers.resident_import_preview(
            actor=request.user,  # type: ignore[arg-type]
            upload=file,
            filename=file.name or "upload",
        )
    except ImportRejected as exc:
        return Status(
            422,
            {
                "code": "file_rejected",
                "message": "文件未被接受，未写入任何数据",
                "message_en": "file rejected, nothing written",
                "details": [e.as_dict() for e in exc.errors],
            },
        )
    return Status(201, batch)


@router.get("/imports/{batch_id}", response=ImportBatchOut, summary="导入批次 / an import batch")
def import_detail(request: HttpRequest, batch_id: int) -> Any:
    return selectors.import_batch_get(actor=request.user, pk=batch_id)  # type: ignore[arg-type]


@router.post(
    "/imports/{batch_id}/confirm",
    response={200: ImportBatchOut, 409: ErrorOut},
    summary="确认导入全部有效行 / apply the good rows",
)
def import_confirm(request: HttpRequest, batch_id: int) -> Any:
    batch: ImportBatch = selectors.import_batch_get(actor=request.user, pk=batch_id)  # type: ignore[arg-type]
    try:
        return importers.resident_import_confirm(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except importers.BatchClosed:
        return Status(
            409,
            {"code": "closed", "message": "该批次已处理", "message_en": "batch already applied or cancelled"},
        )
