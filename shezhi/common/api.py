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
from pydantic import StringConstraints

__all__ = [
    "MAX_PAGE",
    "SAFE_TEXT",
    "Area",
    "Count",
    "ErrorOut",
    "Lat",
    "Lon",
    "PageNumberPagination",
    "ProblemOut",
    "paginate",
    "text",
]

#: No control characters but tab, line feed and carriage return (XML 1.0's rule; NUL is
#: refused by PostgreSQL). The middleware refuses them everywhere; the schemas say so too.
SAFE_TEXT = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F]*$"

#: The last page a list serves: 100 000 pages of at most 100 rows (10 million rows).
MAX_PAGE = 100_000


def text(max_length: int, *, min_length: int = 0) -> Any:
    """A string of at most ``max_length`` characters without control characters."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=SAFE_TEXT)]


#: Longitude and latitude (WGS-84 or the declared CRS), finite and on the globe.
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
#: A count stored in a PositiveIntegerField (PostgreSQL ``integer``).
Count = Annotated[int, Field(ge=0, le=2_147_483_647)]
#: An area in square metres: finite, not negative, at most 100 km².
Area = Annotated[float, Field(ge=0, le=100_000_000, allow_inf_nan=False)]


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
