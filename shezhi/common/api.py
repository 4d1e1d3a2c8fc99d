"""Building blocks of the HTTP API shared by every app: the error schema, bounded pagination,
and input types that carry the server's rules into the OpenAPI document.

Every rule the server enforces on an input is declared here as a schema constraint (length,
range, pattern), so the published document and the server agree: a client, or a fuzzer,
reading the document knows what will be refused before it sends it.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from ninja.conf import settings as ninja_settings
from ninja.pagination import PageNumberPagination as NinjaPageNumberPagination
from ninja.pagination import paginate
from pydantic import ConfigDict, StringConstraints

from shezhi.common.errors import Problem

__all__ = [
    "MAX_PAGE",
    "SAFE_TEXT",
    "ErrorOut",
    "Finite",
    "InputSchema",
    "Lat",
    "Lon",
    "PageNumberPagination",
    "ProblemOut",
    "paginate",
    "text",
    "validation_problems",
]

#: No control characters but tab, line feed and carriage return (XML 1.0's rule; NUL is
#: refused by PostgreSQL). The middleware refuses them everywhere; the schemas say so too.
SAFE_TEXT = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F]*$"

#: The last page a list serves: 100 000 pages of at most 100 rows (10 million rows).
MAX_PAGE = 100_000


def text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of at most ``max_length`` characters without control characters."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=SAFE_TEXT)]


#: A finite number (JSON's ``NaN``, ``Infinity`` and ``1e999`` are refused).
Finite = Annotated[float, Field(allow_inf_nan=False)]
#: Longitude and latitude (WGS-84 or the declared CRS), finite and on the globe.
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]


class InputSchema(Schema):
    """A request body: a field the operation does not define is refused (422), as documented."""

    model_config = ConfigDict(extra="forbid")


class ProblemOut(Schema):
    """One reason something was refused (a field, a row)."""

    code: str
    field: str | None = None
    message: str
    message_en: str


class ErrorOut(Schema):
    """The one error shape of the API: a code, the reason in Chinese and English, details."""

    code: str = Field(..., description="机器可读的错误码 / machine-readable error code")
    message: str = Field(..., description="原因（中文）/ the reason, in Chinese")
    message_en: str = Field(..., description="the reason, in English")
    details: Any = Field(
        None, description="逐项原因（字段、行）/ per-field or per-row problems, when there are any"
    )


class PageNumberPagination(NinjaPageNumberPagination):
    """Ninja's page-number pagination with the page number bounded (a huge page is a 422)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description=f"页码 / page number, 1…{MAX_PAGE}")
        page_size: int | None = Field(
            None,
            ge=1,
            le=ninja_settings.PAGINATION_MAX_PER_PAGE_SIZE,
            description="每页条数 / rows per page",
        )


#: Pydantic's error types in words for people: (Chinese, English), formatted with ``ctx``.
_REASONS: dict[str, tuple[str, str]] = {
    "missing": ("必填", "is required"),
    "string_too_long": ("最多 {max_length} 个字符", "has at most {max_length} characters"),
    "string_too_short": ("至少 {min_length} 个字符", "has at least {min_length} characters"),
    "string_pattern_mismatch": ("含有不允许的控制字符", "contains a control character"),
    "string_type": ("须为文本", "must be text"),
    "less_than_equal": ("不能大于 {le}", "must be at most {le}"),
    "less_than": ("须小于 {lt}", "must be less than {lt}"),
    "greater_than_equal": ("不能小于 {ge}", "must be at least {ge}"),
    "greater_than": ("须大于 {gt}", "must be greater than {gt}"),
    "int_parsing": ("须为整数", "must be an integer"),
    "int_type": ("须为整数", "must be an integer"),
    "int_from_float": ("须为整数", "must be an integer"),
    "float_parsing": ("须为数字", "must be a number"),
    "float_type": ("须为数字", "must be a number"),
    "finite_number": ("须为有限的数字", "must be a finite number"),
    "bool_parsing": ("须为 true 或 false", "must be true or false"),
    "bool_type": ("须为 true 或 false", "must be true or false"),
    "date_parsing": ("须为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_from_datetime_parsing": ("须为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "date_type": ("须为日期（YYYY-MM-DD）", "must be a date (YYYY-MM-DD)"),
    "datetime_parsing": ("须为日期时间（ISO 8601）", "must be a date and time (ISO 8601)"),
    "datetime_type": ("须为日期时间（ISO 8601）", "must be a date and time (ISO 8601)"),
    "enum": ("不是允许的取值", "is not one of the allowed values"),
    "literal_error": ("不是允许的取值", "is not one of the allowed values"),
    "list_type": ("须为列表", "must be a list"),
    "dict_type": ("须为对象", "must be an object"),
    "model_type": ("须为对象", "must be an object"),
    "model_attributes_type": ("须为对象", "must be an object"),
    "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
    "extra_forbidden": ("不是此操作的字段", "is not a field of this operation"),
}


def validation_problems(errors: list[Any]) -> list[Problem]:
    """Ninja's (pydantic's) validation errors as field problems in Chinese and English."""
    problems = []
    for error in errors:
        if not isinstance(error, dict):
            problems.append(Problem("invalid", "格式不正确", str(error)))
            continue
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload", "query", "path")]
        field = ".".join(loc) or None
        kind = str(error.get("type", "invalid"))
        zh, en = _REASONS.get(kind, ("格式不正确", str(error.get("msg", "is not valid"))))
        ctx = {k: v for k, v in (error.get("ctx") or {}).items() if isinstance(v, int | float | str)}
        try:
            zh, en = zh.format(**ctx), en.format(**ctx)
        except (KeyError, IndexError, ValueError):
            pass
        label = f"“{field}”" if field else ""
        problems.append(Problem(kind, f"{label}{zh}", f"{field or 'input'} {en}", field))
    return problems
