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
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.intake import Intake, IntakeRejected, case_intake
from shezhi.cases.models import Case, Category, Channel, Open311Client
from shezhi.cases.selectors import services as service_list
from shezhi.cases.workflow import FINISHED_STATES, state_label
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
_ATTRIBUTE_KEY = re.compile(r"^attribute\[(?P<code>[\w-]+)\](?:\[\])?$")


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


def _xml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


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
            jurisdiction = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id")
            if jurisdiction and jurisdiction != settings.OPEN311_JURISDICTION:
                raise Open311Error(404, "jurisdiction_id not found / 未知的辖区")
            return view(request, fmt, **kwargs)
        except Open311Error as exc:
            return _errors(fmt, exc.status, exc.description)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


# ------------------------------------------------------------------------- identity


def _client(request: HttpRequest) -> Open311Client | None:
    raw = request.POST.get("api_key") if request.method == "POST" else request.GET.get("api_key")
    return Open311Client.authenticate(raw)


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
        if request.GET.get("api_key"):
            raise Open311Error(403, "api_key is invalid / 接入密钥无效")
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
        "status_notes": f"{state_label(handling.state)} / {handling.state}"
        + ("；与另一诉求合并办理 / merged with another request" if handling is not case else ""),
        "service_name": case.category.name if case.category else None,
        "service_code": case.category.code if case.category else None,
        "description": case.description,
        "agency_responsible": handling.lead_unit.name if handling.lead_unit else None,
        "service_notice": None,
        "requested_datetime": _iso(case.opened_at),
        "updated_datetime": _iso(case.updated_at),
        "expected_datetime": _iso(handling.handling_due),
        "address": case.address or None,
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


def _float(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError as exc:
        raise Open311Error(400, f"{name} is not a number / {name} 不是数字") from exc


def _attributes(request: HttpRequest) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in request.POST:
        match = _ATTRIBUTE_KEY.match(key)
        if match:
            items = [v for v in request.POST.getlist(key) if v != ""]
            values[match.group("code")] = (
                items if key.endswith("[]") or len(items) > 1 else (items or [""])[0]
            )
    return values


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
    lat, lon = _float(request, "lat"), _float(request, "long")
    address = request.POST.get("address_string", "").strip()
    compound = None
    if address_id := request.POST.get("address_id", "").strip():
        compound = (
            Compound.objects.visible_to(client.user).filter(pk=address_id).first()
            if address_id.isdigit()
            else None
        )
        if compound is None:
            raise Open311Error(400, "address_id not found / 未知的地址编号")
    if (lat is None or lon is None) and not address and compound is None:
        raise Open311Error(
            400, "a location is required: lat & long, address_string or address_id / 必须提供位置"
        )
    name = (request.POST.get("last_name", "") + request.POST.get("first_name", "")).strip()
    media_url = request.POST.get("media_url", "").strip()
    attributes = _attributes(request)
    if media_url:
        if not re.match(r"^https?://\S+$", media_url) or len(media_url) > 500:
            raise Open311Error(400, "media_url must be an http(s) URL / media_url 须为网址")
        attributes["media_url"] = media_url
    try:
        case = case_intake(
            intake=Intake(
                channel=Channel.OPEN311,
                description=request.POST.get("description", ""),
                category=category,
                lon=lon,
                lat=lat,
                address=address,
                compound=compound,
                reporter_name=name,
                reporter_phone=request.POST.get("phone", ""),
                attributes=attributes,
                source_ref=request.POST.get("device_id", "")[:40],
                require_grid=True,
                within_actor_area=True,
            ),
            actor=client.user,
            actor_label=f"Open311: {client.name}",
        )
    except IntakeRejected as exc:
        raise Open311Error(
            403 if exc.status == 403 else 400, "; ".join(f"{p.field}: {p.en} / {p.zh}" for p in exc.problems)
        ) from exc
    return _render(
        fmt,
        "service_requests",
        [
            {
                "service_request_id": case.code,
                "token": str(case.open311_token),
                "service_notice": f"已受理，工单编号 {case.code} / accepted",
                "account_id": None,
            }
        ],
    )


def _parse_date(request: HttpRequest, name: str) -> dt.datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    moment = parse_datetime(raw.replace(" ", "+"))
    if moment is None:
        raise Open311Error(400, f"{name} is not an ISO 8601 datetime / {name} 格式错误")
    if timezone.is_naive(moment):
        raise Open311Error(400, f"{name} needs a timezone (Z or ±hh:mm) / {name} 须带时区")
    return moment


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    cases = _readable(request)
    ids = [i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()]
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
    if codes := [c.strip() for c in request.GET.get("service_code", "").split(",") if c.strip()]:
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
    ]


app_name = "open311"
urlpatterns = _patterns()
