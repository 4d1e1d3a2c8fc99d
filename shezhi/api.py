"""The HTTP API root: ``/api/v1/`` with its OpenAPI document and offline docs."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from shezhi import __version__
from shezhi.accounts.api import router as accounts_router
from shezhi.accounts.auth import api_auth
from shezhi.cases.api import router as cases_router
from shezhi.people.api import router as people_router
from shezhi.places.api import router as places_router

api = NinjaAPI(
    title="社智 shezhi API",
    version=f"v1 ({__version__})",
    description=(
        "社智平台接口。所有读取均按用户角色与辖区限定；其他辖区的对象返回 404。\n\n"
        "Every read is scoped to the caller's role and area; another area's object answers 404. "
        "Errors have one shape: `{code, message, message_en, details}`."
    ),
    auth=api_auth(),
    urls_namespace="api-v1",
)


def _error(
    request: HttpRequest, status: int, code: str, zh: str, en: str, details: object = None
) -> HttpResponse:
    return api.create_response(
        request,
        {"code": code, "message": zh, "message_en": en, "details": details},
        status=status,
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 404, "not_found", "对象不存在或无权访问", "not found")


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 401, "unauthorized", "请先登录或提供令牌", "log in or send a bearer token")


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, 403, "forbidden", "您的角色无权执行此操作", "your role may not do this")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 422, "invalid", "请求参数有误", "invalid request", exc.errors)


api.add_router("/", accounts_router)
api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", cases_router)
