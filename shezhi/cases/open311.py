"""Open311 GeoReport v2, as published (http://wiki.open311.org/GeoReport_v2), under /open311/v2/.

Resources: ``discovery``, ``services``, ``services/{service_code}``, ``requests`` (GET
and POST), ``requests/{service_request_id}`` and ``tokens/{token}``, each in ``.json``
and ``.xml``. Errors are the spec's ``errors`` list (``code``, ``description``) with HTTP
400, 403 or 404. Datetimes are ISO 8601 with their UTC offset.

Who sees what: a call carrying a valid ``api_key`` reads as the key's account, a browser
session as its user, each through the platform's area scope; without either, only cases
published as public are listed. POST needs a valid ``api_key`` and places the request
inside the key's area. Our fine-grained states map to ``open``/``closed`` with the
state in ``status_notes``; ``agency_responsible`` is the lead unit.

The key travels in the POST body (the spec) or in an ``X-Api-Key`` /
``Authorization: Bearer`` header, never in the URL: a query-string ``api_key`` is refused,
since URLs land in access logs. ``description`` is optional, as the spec has it. A POST
repeating one accepted within :data:`DUPLICATE_WINDOW` (same key, same fields) answers
with the first request's ``service_request_id`` and ``token`` and stores nothing.
Free text in every answer passes through :func:`redact_free_text`; no answer carries
the reporter's name, phone or e-mail.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.intake import CONTROL_CHARACTERS, Intake, IntakeRejected, case_intake
from shezhi.cases.models import Case, Category, Channel, Open311Client, Open311Submission
from shezhi.cases.selectors import services as service_list
from shezhi.cases.workflow import FINISHED_STATES, state_label
from shezhi.common.pii import redact_free_text
from shezhi.places.models import Compound

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_SPAN = dt.timedelta(days=90)
DEFAULT_LIMIT = 1000
FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
#: Element name of the items of each list, for the XML form.
_ITEM = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}
_ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[A-Za-z0-9_-]{1,40})\](?P<many>\[\])?$")
#: A POST body larger than this is refused before it is read (413).
MAX_BODY_BYTES: int = getattr(settings, "OPEN311_MAX_BODY_BYTES", 64 * 1024)
#: A form field longer than this is refused whatever it is (the longest, description, is 4000).
MAX_FIELD_CHARS = 4000
#: service_request_id and service_code lists: at most this many items.
MAX_LIST_ITEMS = 100
#: A POST identical to one accepted this recently returns that request (see _fingerprint).
DUPLICATE_WINDOW = dt.timedelta(minutes=10)
#: Dates outside these years are refused (far-off dates overflow on timezone arithmetic).
YEARS = (1900, 2999)
_FORM_TYPES = {"application/x-www-form-urlencoded", "multipart/form-data"}
_DECIMAL = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$")
_SENSITIVE = ("api_key", "phone", "email", "first_name", "last_name")


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status = status
        self.description = description
        super().__init__(description)


# ------------------------------------------------------------------------- rendering


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(microsecond=0).isoformat()


def _clean(value: Any) -> Any:
    """``value`` without characters XML cannot carry, whatever was stored by other channels."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else CONTROL_CHARACTERS.sub("", str(value))


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    element = ET.SubElement(parent, tag)
    if isinstance(value, dict):
        for key, item in value.items():
            _append(element, key, item)
    elif isinstance(value, list):
        for item in value:
            _append(element, _ITEM.get(tag, "item"), item)
    else:
        element.text = _xml_value(value)


def _render(fmt: str, root: str, payload: Any, status: int = 200) -> HttpResponse:
    payload = _clean(payload)
    if fmt == "json":
        return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    element = ET.Element(root)
    if isinstance(payload, list):
        for item in payload:
            _append(element, _ITEM.get(root, "item"), item)
    else:
        for key, value in payload.items():
            _append(element, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(element, encoding="utf-8")
    return HttpResponse(body, status=status, content_type=FORMATS["xml"])


def _errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    return _render(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status)


def _endpoint(view: Any) -> Any:
    """Wrap a view: answer Open311Error with the spec's error list, in the asked format."""

    def wrapped(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            _check_input(request, kwargs)
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
                raise Open311Error(404, "jurisdiction_id not found / 未知的辖区")
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _errors(fmt, exc.status, exc.description)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(sensitive_post_parameters(*_SENSITIVE)(wrapped))


def _check_input(request: HttpRequest, kwargs: dict[str, Any]) -> None:
    """Refuse, in the spec's error format, what must not reach a view (or Django's 500 page).

    A key in the URL; a body too large, of the wrong media type or unreadable; files; too
    many fields; any name or value with a control character (NUL breaks PostgreSQL, the
    others the XML feed) or longer than any field can be.
    """
    for value in kwargs.values():
        if isinstance(value, str) and (CONTROL_CHARACTERS.search(value) or len(value) > 200):
            raise Open311Error(404, "not found / 未找到")
    try:
        query = request.GET
        if "api_key" in query:
            raise Open311Error(
                400,
                "api_key must not be sent in the URL (URLs are logged): send it in the X-Api-Key "
                "header, or in the POST body / 接入密钥不得放在网址中（网址会被记入日志），"
                "请放在 X-Api-Key 请求头或 POST 表单中",
            )
        form = None
        if request.method == "POST":
            _check_body(request)
            form = request.POST
            if request.FILES:
                raise Open311Error(
                    400, "files are not accepted: give media_url / 不接收文件上传，请提供 media_url"
                )
    except RequestDataTooBig as exc:
        raise _too_large() from exc
    except (TooManyFieldsSent, TooManyFilesSent) as exc:
        raise Open311Error(413, "too many fields / 参数过多") from exc
    except MultiPartParserError as exc:
        raise Open311Error(400, "the request body is malformed / 请求体格式错误") from exc
    for params in (query, form):
        for name in params or ():
            values = params.getlist(name)
            if CONTROL_CHARACTERS.search(name) or any(CONTROL_CHARACTERS.search(v) for v in values):
                shown = CONTROL_CHARACTERS.sub("?", name)[:40]
                raise Open311Error(
                    400,
                    f"{shown} contains a control character / {shown} 含有不可见的控制字符",
                )
            if len(name) > 60 or any(len(v) > MAX_FIELD_CHARS for v in values):
                shown = name[:40]
                raise Open311Error(400, f"{shown} is too long / {shown} 过长")


def _check_body(request: HttpRequest) -> None:
    """A POST body must be a form, and small: refused before Django reads it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0:
        raise Open311Error(400, "Content-Length is malformed / Content-Length 格式错误")
    if length > MAX_BODY_BYTES:
        raise _too_large()
    if length and request.content_type not in _FORM_TYPES:
        raise Open311Error(
            415,
            "POST a form (application/x-www-form-urlencoded or multipart/form-data) / 请以表单格式提交",
        )


def _too_large() -> Open311Error:
    kib = min(MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or MAX_BODY_BYTES) // 1024
    return Open311Error(413, f"the request body is over {kib} KiB / 请求体超过 {kib} KiB")


# ------------------------------------------------------------------------- identity


@sensitive_variables("raw", "authorization")
def _client(request: HttpRequest) -> Open311Client | None:
    """The client whose key the call carries (header, or POST body); None without a key.

    A key that is given but matches no active client is a 403, never an anonymous call.
    """
    raw = request.headers.get("X-Api-Key", "").strip()
    authorization = request.headers.get("Authorization", "")
    if not raw and authorization[:7].lower() == "bearer ":
        raw = authorization[7:].strip()
    if not raw and request.method == "POST":
        raw = request.POST.get("api_key", "").strip()
    if not raw:
        return None
    client = Open311Client.authenticate(raw) if len(raw) <= 200 else None
    if client is None:
        raise Open311Error(403, "api_key is invalid / 接入密钥无效")
    return client


def _reader(request: HttpRequest) -> User | None:
    client = _client(request)
    if client is not None:
        return client.user
    if request.user.is_authenticated:
        return request.user  # type: ignore[return-value]
    return None


def _readable(request: HttpRequest) -> QuerySet[Case]:
    """Cases this caller may read through Open311 (see the module docstring)."""
    base = Case.objects.select_related("category", "lead_unit", "merged_into", "merged_into__lead_unit")
    user = _reader(request)
    if user is None:
        return base.filter(public=True)
    if user.role == Role.RESIDENT and not user.is_superuser:
        return base.filter(reporter=user)
    return base.filter(pk__in=Case.objects.visible_to(user).values("pk"))


# ------------------------------------------------------------------------- resources


def _service(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description or (category.name_en or category.name),
        "metadata": category.attributes.exists(),
        "type": "realtime",
        "keywords": category.keywords.replace("，", ",").replace(",", ", "),
        "group": category.parent.name if category.parent else "",
    }


def _request(case: Case, request: HttpRequest) -> dict[str, Any]:
    # A merged duplicate shares its target's handling: report the target's progress.
    handling = case.merged_into if case.merged_into_id else case
    closed = handling.state in FINISHED_STATES
    media = case.attributes.get("media_url") or (
        request.build_absolute_uri(reverse("cases:photo", args=[case.code])) if case.photo else None
    )
    return {
        "service_request_id": case.code,
        "status": "closed" if closed else "open",
        "status_notes": redact_free_text(
            f"{state_label(handling.state)} / {handling.state}"
            + ("；与另一诉求合并办理 / merged with another request" if handling is not case else "")
        ),
        "service_name": case.category.name if case.category else None,
        "service_code": case.category.code if case.category else None,
        # Residents type phones and ID numbers into their text: never published as typed.
        "description": redact_free_text(case.description),
        "agency_responsible": handling.lead_unit.name if handling.lead_unit else None,
        "service_notice": None,
        "requested_datetime": _iso(case.opened_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(handling.handling_due),
        "address": redact_free_text(case.address) or None,
        "address_id": case.compound_id,
        "zipcode": None,
        "lat": case.lat,
        "long": case.lon,
        "media_url": media,
    }


def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Service discovery: where the GeoReport v2 endpoint is and which formats it speaks."""
    changeset = _iso(_changeset())
    base = request.build_absolute_uri("/open311/v2/")
    return _render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": settings.OPEN311_CONTACT,
            "key_service": "向平台管理员申请接入密钥 / ask the platform administrator for an api_key",
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base,
                    "changeset": changeset,
                    "type": "production",
                    "formats": [FORMATS["xml"].split(";")[0], FORMATS["json"].split(";")[0]],
                }
            ],
        },
    )


def _changeset() -> dt.datetime:
    from django.db.migrations.recorder import MigrationRecorder

    applied = MigrationRecorder.Migration.objects.filter(app="cases").order_by("-applied").first()
    return applied.applied if applied else timezone.now()


def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services: every request type offered."""
    return _render(fmt, "services", [_service(c) for c in service_list().prefetch_related("attributes")])


def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    """GET services/{service_code}: the extra questions (attributes) of one service."""
    category = service_list().filter(code=service_code).first()
    if category is None:
        raise Open311Error(404, "service_code not found / 未知的事项分类")
    attributes = [
        {
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": a.order,
            "description": a.description,
            "values": [{"key": v.get("key"), "name": v.get("name")} for v in a.values],
        }
        for a in category.attributes.all()
    ]
    return _render(fmt, "service_definition", {"service_code": category.code, "attributes": attributes})


def _coordinate(request: HttpRequest, name: str, bound: float) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    # float() also reads "nan", "inf", "1_0" and non-ASCII digits: only plain decimals pass.
    if len(raw) > 40 or not _DECIMAL.match(raw):
        raise Open311Error(400, f"{name} is not a number / {name} 不是数字")
    value = float(raw)
    if not (math.isfinite(value) and -bound <= value <= bound):
        raise Open311Error(400, f"{name} is out of range (±{bound:g}) / {name} 超出范围")
    return value


def _address(client: Open311Client, raw: str) -> Compound | None:
    if not raw:
        return None
    # str.isdigit() is true for "²" and int() reads "٣": only ASCII digits, within a bigint.
    compound = (
        Compound.objects.visible_to(client.user).filter(pk=int(raw)).first()
        if re.fullmatch(r"[0-9]{1,18}", raw)
        else None
    )
    if compound is None:
        raise Open311Error(400, "address_id not found / 未知的地址编号")
    return compound


def _attributes(request: HttpRequest) -> dict[str, Any]:
    """``attribute[code]`` and ``attribute[code][]`` answers; a malformed name is refused.

    Which codes the service asks and what each answer may be is checked by the intake.
    """
    answers: dict[str, list[str]] = {}
    many: set[str] = set()
    for key in request.POST:
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if match is None:
            shown = key[:60]
            raise Open311Error(400, f"{shown} is not attribute[code] / {shown} 不是附加项参数")
        code = match.group("code")
        items = answers.setdefault(code, [])
        items += [v for v in request.POST.getlist(key) if v != ""]
        if match.group("many") or len(items) > 1:
            many.add(code)
    return {code: items if code in many else (items or [""])[0] for code, items in answers.items()}


def _fingerprint(client: Open311Client, intake: Intake, compound: Compound | None, extra: list[str]) -> str:
    """What makes two POSTs the same submission: the key and every field it sent.

    Same client (api_key), same device_id/account_id/e-mail/name/phone, same service, same
    point (to 1e-6 degree), address_string and address_id, same description (whitespace
    folded), media_url and attribute answers.
    """
    point = None if intake.lat is None or intake.lon is None else [round(intake.lat, 6), round(intake.lon, 6)]
    canonical = [
        client.pk,
        intake.category.code if intake.category else "",
        point,
        " ".join(intake.address.split()),
        compound.pk if compound else None,
        " ".join(intake.description.split()),
        intake.media_url,
        intake.attributes,
        intake.reporter_name.strip(),
        intake.reporter_phone.strip(),
        *extra,
    ]
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _bucket(moment: dt.datetime) -> int:
    return int(moment.timestamp() // DUPLICATE_WINDOW.total_seconds())


def _recent(fingerprint: str, now: dt.datetime) -> Case | None:
    """The case of an accepted submission with this fingerprint in the last window."""
    found = (
        Open311Submission.objects.filter(
            fingerprint=fingerprint,
            bucket__in=[_bucket(now), _bucket(now) - 1],
            created_at__gte=now - DUPLICATE_WINDOW,
            case__isnull=False,
        )
        .select_related("case")
        .order_by("-created_at")
        .first()
    )
    return found.case if found else None


def _submit(client: Open311Client, intake: Intake, fingerprint: str) -> tuple[Case, bool]:
    """Store ``intake`` unless the same submission was accepted within the window.

    The (fingerprint, bucket) row is claimed before the case is stored, in one
    transaction: of two identical POSTs racing each other, the second waits for the first
    (PostgreSQL's unique index, SQLite's write lock) and then reads its case.
    """
    now = timezone.now()
    if (existing := _recent(fingerprint, now)) is not None:
        return existing, False
    try:
        with transaction.atomic():
            claim = Open311Submission.objects.create(
                client=client, fingerprint=fingerprint, bucket=_bucket(now), created_at=now
            )
            case = case_intake(intake=intake, actor=client.user, actor_label=f"Open311: {client.name}")
            Open311Submission.objects.filter(pk=claim.pk).update(case=case)
            Open311Submission.objects.filter(created_at__lt=now - dt.timedelta(days=1)).delete()
    except IntegrityError:
        if (existing := _recent(fingerprint, now)) is not None:
            return existing, False
        raise Open311Error(
            409, "an identical request is being stored: retry / 相同诉求正在提交，请稍后重试"
        ) from None
    return case, True


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    client = _client(request)
    if client is None:
        raise Open311Error(403, "api_key is missing or invalid / 缺少或无效的接入密钥")
    code = request.POST.get("service_code", "").strip()
    if not code:
        raise Open311Error(400, "service_code is required / 必须提供 service_code")
    category = service_list().filter(code=code).first()
    if category is None:
        raise Open311Error(400, "service_code not found / 未知的事项分类")
    lat, lon = _coordinate(request, "lat", 90), _coordinate(request, "long", 180)
    address = request.POST.get("address_string", "").strip()
    compound = _address(client, request.POST.get("address_id", "").strip())
    if (lat is None or lon is None) and not address and compound is None:
        raise Open311Error(
            400, "a location is required: lat & long, address_string or address_id / 必须提供位置"
        )
    name = (request.POST.get("last_name", "") + request.POST.get("first_name", "")).strip()
    media_url = request.POST.get("media_url", "").strip()
    if media_url and (not re.match(r"^https?://\S+$", media_url) or len(media_url) > 500):
        raise Open311Error(400, "media_url must be an http(s) URL / media_url 须为网址")
    device_id = request.POST.get("device_id", "").strip()
    if len(device_id) > 40:
        raise Open311Error(400, "device_id has at most 40 characters / device_id 最多 40 个字符")
    intake = Intake(
        channel=Channel.OPEN311,
        description=request.POST.get("description", ""),
        category=category,
        lon=lon,
        lat=lat,
        address=address,
        compound=compound,
        reporter_name=name,
        reporter_phone=request.POST.get("phone", ""),
        attributes=_attributes(request),
        media_url=media_url,
        source_ref=device_id,
        # A point outside every grid is refused; an address no one can place goes to 待分拨.
        require_grid=lat is not None,
        within_actor_area=True,
        require_description=False,
    )
    extra = [request.POST.get(f, "").strip() for f in ("device_id", "account_id", "email")]
    try:
        case, created = _submit(client, intake, _fingerprint(client, intake, compound, extra))
    except IntakeRejected as exc:
        raise Open311Error(
            403 if exc.status == 403 else 400, "; ".join(f"{p.field}: {p.en} / {p.zh}" for p in exc.problems)
        ) from exc
    notice = (
        f"已受理，工单编号 {case.code} / accepted"
        if created
        else f"重复提交，返回已受理的工单 {case.code} / a duplicate of an accepted request"
    )
    return _render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": case.code,
                "token": str(case.open311_token),
                "service_notice": notice,
                "account_id": None,
            }
        ],
    )


def _parse_date(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+")) if len(raw) <= 40 else None
    except ValueError:  # well-formed but impossible: month 13, offset +99:00
        moment = None
    if moment is None:
        raise Open311Error(400, f"{name} is not an ISO 8601 datetime / {name} 格式错误")
    if timezone.is_naive(moment):
        raise Open311Error(400, f"{name} needs a timezone (Z or ±hh:mm) / {name} 须带时区")
    if not YEARS[0] <= moment.year <= YEARS[1]:
        raise Open311Error(
            400,
            f"{name} must lie in the years {YEARS[0]}–{YEARS[1]} / {name} 须在 {YEARS[0]}–{YEARS[1]} 年之间",
        )
    return moment


def _list(request: HttpRequest, name: str) -> list[str]:
    items = [i.strip() for i in request.GET.get(name, "").split(",") if i.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise Open311Error(
            400, f"{name} lists at most {MAX_LIST_ITEMS} items / {name} 最多 {MAX_LIST_ITEMS} 项"
        )
    return items


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    cases = _readable(request)
    ids = _list(request, "service_request_id")
    if ids:
        # The spec: with service_request_id every other parameter is ignored.
        found = cases.filter(code__in=ids)
        return _render(fmt, "service_requests", [_request(c, request) for c in found])
    start, end = _parse_date(request, "start_date"), _parse_date(request, "end_date")
    if start and end and end < start:
        raise Open311Error(400, "end_date is before start_date / 结束时间早于开始时间")
    if start and end and end - start > DEFAULT_SPAN:
        raise Open311Error(400, "the date range is over 90 days / 查询时间跨度不能超过 90 天")
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - DEFAULT_SPAN  # type: ignore[operator]
    if end is None:
        end = start + DEFAULT_SPAN
    cases = cases.filter(opened_at__gte=start, opened_at__lte=end)
    if codes := _list(request, "service_code"):
        cases = cases.filter(category__code__in=codes)
    if statuses := {s.strip() for s in request.GET.get("status", "").split(",") if s.strip()}:
        if not statuses <= {"open", "closed"}:
            raise Open311Error(400, "status is open or closed / status 只能为 open 或 closed")
        if statuses == {"open"}:
            cases = cases.exclude(state__in=list(FINISHED_STATES))
        elif statuses == {"closed"}:
            cases = cases.filter(state__in=list(FINISHED_STATES))
    found = cases.order_by("-opened_at", "-id")[:DEFAULT_LIMIT]
    return _render(fmt, "service_requests", [_request(c, request) for c in found])


def requests_view(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET requests (query) and POST requests (create)."""
    if request.method == "POST":
        return _post_request(request, fmt)
    if request.method != "GET":
        raise Open311Error(400, "use GET or POST / 仅支持 GET 与 POST")
    return _get_requests(request, fmt)


def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    """GET requests/{service_request_id}."""
    case = _readable(request).filter(code=service_request_id).first()
    if case is None:
        raise Open311Error(404, "service_request_id not found / 未找到该诉求")
    return _render(fmt, "service_requests", [_request(case, request)])


def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """GET tokens/{token}: the service_request_id a POST's token stands for."""
    import uuid

    try:
        key = uuid.UUID(token)
    except ValueError as exc:
        raise Open311Error(404, "token not found / 未找到该令牌") from exc
    case = Case.objects.filter(open311_token=key).only("code").first()
    if case is None:
        raise Open311Error(404, "token not found / 未找到该令牌")
    return _render(fmt, "service_requests", [{"service_request_id": case.code, "token": token}])


def _patterns() -> list[Any]:
    views = [
        ("discovery", discovery, "discovery"),
        ("services", services, "services"),
        ("services/<str:service_code>", service_definition, "service"),
        ("requests", requests_view, "requests"),
        ("requests/<str:service_request_id>", request_detail, "request"),
        ("tokens/<str:token>", token_detail, "token"),
    ]
    return [
        path(f"{route}.{fmt}", _endpoint(view), {"fmt": fmt}, name=f"{name}-{fmt}")
        for route, view, name in views
        for fmt in FORMATS
    ] + [re_path(r"^(?P<rest>[\s\S]*)\Z", not_found)]


def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other path under /open311/v2/: the spec's 404, in JSON if the path asks for it."""
    return _errors("json" if rest.endswith(".json") else "xml", 404, "not found / 未找到")


app_name = "open311"
urlpatterns = _patterns()
