"""The HTTP API root: ``/api/v1/`` with its OpenAPI document and offline docs.

Errors have one shape, ``{code, message, message_en, details}`` (:class:`ErrorOut`), made
by one handler per exception class below from :class:`~shezhi.common.errors.AppError` and
from the framework's own errors. The OpenAPI document declares, for every operation, the
4xx answers it can give (see :func:`declare_errors`).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from shezhi import __version__
from shezhi.accounts.api import router as accounts_router
from shezhi.accounts.auth import api_auth
from shezhi.cases.api import router as cases_router
from shezhi.common.api import SAFE_TEXT, ErrorOut, validation_problems
from shezhi.common.errors import AppError
from shezhi.common.middleware import too_large, too_many_fields
from shezhi.eldercare.api import router as eldercare_router
from shezhi.indicators.api import router as indicators_router
from shezhi.participation.api import router as participation_router
from shezhi.people.api import router as people_router
from shezhi.places.api import router as places_router

logger = logging.getLogger(__name__)

#: What each 4xx means, for the OpenAPI document.
ERROR_DESCRIPTIONS = {
    400: "请求有误（如含控制字符、JSON 格式错误）/ bad request (control characters, malformed body)",
    401: "未登录或令牌无效 / not logged in, or the token is not valid",
    403: "角色无权执行此操作 / the caller's role may not do this",
    404: "对象不存在或不在辖区内 / not found, or outside the caller's area",
    409: "与当前状态冲突 / conflicts with the object's current state",
    413: "请求内容过大 / request body too large",
    422: "参数或字段未通过校验 / a parameter or field failed validation",
    429: "请求过于频繁 / too many requests",
}


def declare_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 4xx every operation can answer to the document, each with :class:`ErrorOut`.

    Every operation may answer 400 (refused characters), 401 and 403 (role); one with
    parameters or a body also 404 (an object not found or not in the caller's area) and 422
    (validation), one with a body also 413 (too large).
    What an operation declares itself (409, …) is kept and given the same schema. String
    parameters get the control-character rule the middleware enforces on every request.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in error_schema.pop("$defs", {}).items():
        components.setdefault(name, definition)
    components["ErrorOut"] = error_schema
    ref = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                for option in [parameter.get("schema", {}), *parameter.get("schema", {}).get("anyOf", [])]:
                    if option.get("type") == "string" and "pattern" not in option:
                        option["pattern"] = SAFE_TEXT  # AppErrorMiddleware refuses the rest (400)
            codes = {400, 401, 403}
            if operation.get("parameters") or operation.get("requestBody"):
                codes |= {404, 422}
            if operation.get("requestBody"):
                codes.add(413)
            responses = operation["responses"]
            codes |= {int(c) for c in responses if str(c).isdigit() and str(c).startswith("4")}
            for status in sorted(codes):
                responses[str(status)] = {"description": ERROR_DESCRIPTIONS.get(status, "error"), **ref}
    return schema


class ShezhiAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return declare_errors(schema)


api = ShezhiAPI(
    title="社智 shezhi API",
    version=f"v1 ({__version__})",
    description=(
        "社智平台接口。所有读取均按用户角色与辖区限定；其他辖区的对象返回 404。\n\n"
        "Every read is scoped to the caller's role and area; another area's object answers 404. "
        "Errors have one shape: `{code, message, message_en, details}` (`ErrorOut`); every "
        "operation lists the 4xx it can answer. Text may not contain control characters other "
        "than tab and line breaks (400)."
    ),
    auth=api_auth(),
    urls_namespace="api-v1",
)


def _error(request: HttpRequest, error: AppError) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=error.status)


@api.exception_handler(AppError)
def app_error(request: HttpRequest, exc: AppError) -> HttpResponse:
    return _error(request, exc)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, AppError("对象不存在或无权访问", "not found", status=404, code="not_found"))


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request,
        AppError("请先登录或提供令牌", "log in or send a bearer token", status=401, code="unauthorized"),
    )


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(
        request, AppError("您的角色无权执行此操作", "your role may not do this", status=403, code="forbidden")
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own HTTP errors (authorization, throttling, malformed bodies)."""
    if exc.status_code == 403:
        return forbidden(request, exc)
    if exc.status_code == 429:
        error = AppError("请求过于频繁，请稍后再试", "too many requests", status=429, code="throttled")
    else:
        error = AppError("请求有误", str(exc) or "bad request", status=exc.status_code, code="bad_request")
    return _error(request, error)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    problems = validation_problems(exc.errors)
    lead = ("请求参数有误：", "invalid request: ")
    return _error(request, AppError.from_problems(problems, status=422, code="invalid", lead=lead))


@api.exception_handler(DjangoValidationError)
def invalid_value(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    messages = exc.messages
    return _error(
        request,
        AppError(
            "；".join(messages) or "输入有误",
            "; ".join(messages) or "invalid input",
            status=422,
            details=messages,
        ),
    )


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, too_large())


@api.exception_handler(TooManyFieldsSent)
def body_too_many_fields(request: HttpRequest, exc: Exception) -> HttpResponse:
    return _error(request, too_many_fields())


@api.exception_handler(DataError)
@api.exception_handler(OverflowError)
@api.exception_handler(ValueError)
def unstorable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A value the database or a conversion refused: the input's fault, but logged, since a
    schema constraint should have refused it first."""
    logger.warning("bad input reached %s %s: %r", request.method, request.path, exc)
    return _error(request, AppError("输入的值无法处理", "a value could not be processed", status=422))


@api.exception_handler(Exception)
def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return _error(
        request,
        AppError(
            "服务器出错，已记录，请稍后再试",
            "server error; it has been logged, please try again later",
            status=500,
            code="server_error",
        ),
    )


api.add_router("/", accounts_router)
api.add_router("/", places_router)
api.add_router("/", people_router)
api.add_router("/", cases_router)
api.add_router("/", eldercare_router)
api.add_router("/", participation_router)
api.add_router("/", indicators_router)
