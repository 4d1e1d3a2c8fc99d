"""Bad input stops at the door; an :class:`AppError` becomes the right answer for its surface.

:class:`AppErrorMiddleware` (in ``MIDDLEWARE`` after ``LocaleMiddleware``)

* refuses, with a 400, a request whose path, query, form fields or JSON body carries a
  character no field may hold: NUL (PostgreSQL refuses it), the other C0 control characters
  but tab, line feed and carriage return (they break the XML feeds), lone surrogates and the
  non-characters U+FFFE/U+FFFF;
* answers a body declared larger than any upload (``SHEZHI_UPLOAD_MAX_UPLOAD_BYTES`` plus
  1 MB) with a 413 before reading it, an oversized one (``DATA_UPLOAD_MAX_MEMORY_SIZE``)
  with a 413 and too many fields with a 400, a malformed multipart body with a 400,
  before any view reads it (a view that must change ``request.upload_handlers`` cannot:
  the fields are read here, as ``CsrfViewMiddleware`` reads them for every protected POST);
* renders an :class:`AppError` raised by a page view as a 4xx page in the user's language,
  and a value the database refuses (``DataError``, ``OverflowError``) as a 400, logged.

Each answer has the shape of the surface asked: the API's ``{code, message, message_en,
details}`` under ``/api/`` and for JSON answers, GeoReport v2's ``errors`` list under
``/open311/``, a page everywhere else.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DataError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from shezhi.common import uploads
from shezhi.common.errors import AppError

logger = logging.getLogger(__name__)

#: Characters no text field may hold (see the module docstring).
BAD_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
JSON_TYPES = ("application/json", "application/geo+json")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def bad_character() -> AppError:
    return AppError(
        _("输入中含有不允许的控制字符"),
        "the input contains a control character that is not allowed",
        status=400,
        code="bad_character",
    )


def too_large() -> AppError:
    return AppError(_("请求内容过大"), "the request body is too large", status=413, code="too_large")


def malformed() -> AppError:
    return AppError(_("请求内容格式有误"), "the request body is malformed", status=400, code="malformed")


def unstorable() -> AppError:
    return AppError(
        _("输入的值超出范围，无法保存"), "a value is out of range and cannot be stored", status=400
    )


def too_many_fields() -> AppError:
    return AppError(_("请求字段过多"), "too many fields in the request", status=400, code="too_many_fields")


def _strings(value: Any) -> Iterator[str]:
    """Every string (keys too) in a decoded JSON document, without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def _is_json(request: HttpRequest) -> bool:
    content_type = (request.content_type or "").lower()
    return content_type in JSON_TYPES or content_type.endswith("+json")


#: What a multipart body may carry beyond its largest file (boundaries, headers, fields).
BODY_OVERHEAD_BYTES = 1024 * 1024


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def input_problem(request: HttpRequest) -> AppError | None:
    """Why this request's input is refused before any view sees it, or ``None``."""
    if BAD_CHARACTER.search(request.path):
        return bad_character()
    if _declared_length(request) > uploads.limit("MAX_UPLOAD_BYTES") + BODY_OVERHEAD_BYTES:
        # Refused before Django spools a single byte of it to disk: no view would take it.
        return too_large()
    try:
        for key, values in request.GET.lists():
            if BAD_CHARACTER.search(key) or any(BAD_CHARACTER.search(v) for v in values):
                return bad_character()
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return None
        if request.content_type in FORM_TYPES:
            for key, values in request.POST.lists():
                if BAD_CHARACTER.search(key) or any(BAD_CHARACTER.search(v) for v in values):
                    return bad_character()
        elif _is_json(request) and request.body:
            try:
                document = json.loads(request.body)
            except RecursionError:
                return malformed()  # nested deeper than any reader of it could follow
            except ValueError:
                return None  # malformed JSON is the view's to refuse, with its own reason
            if any(BAD_CHARACTER.search(s) for s in _strings(document)):
                return bad_character()
    except RequestDataTooBig:
        return too_large()
    except TooManyFieldsSent:
        return too_many_fields()
    except MultiPartParserError:
        return malformed()
    return None


# ------------------------------------------------------------------------ rendering


def _wants_json(request: HttpRequest) -> bool:
    path = request.path
    if path.startswith("/api/") or path.endswith((".json", ".geojson")):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _open311(request: HttpRequest, error: AppError) -> HttpResponse:
    """GeoReport v2's error list, in the format the path asks for."""
    description = f"{error.message_en} / {error.message_zh}"
    if request.path.endswith(".xml"):
        root = ET.Element("errors")
        item = ET.SubElement(root, "error")
        ET.SubElement(item, "code").text = str(error.status)
        ET.SubElement(item, "description").text = description
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")
        return HttpResponse(body, status=error.status, content_type="text/xml; charset=utf-8")
    return JsonResponse(
        [{"code": error.status, "description": description}],
        status=error.status,
        safe=False,
        json_dumps_params={"ensure_ascii": False},
    )


def render_page(request: HttpRequest, error: AppError) -> HttpResponse:
    """A 4xx page in the user's language (Chinese, English under the switch)."""
    context = {
        "status": error.status,
        "message": error.message(),
        "problems": error.problem_messages(),
        "code": error.code,
    }
    try:
        body = render_to_string("errors/error.html", context, request=request)
    except Exception:  # the page chrome needs the database; the reason must still get out
        logger.exception("error page could not be rendered")
        body = f"{error.status} {error.message()}"
        return HttpResponse(body, status=error.status, content_type="text/plain; charset=utf-8")
    return HttpResponse(body, status=error.status)


def render_error(request: HttpRequest, error: AppError) -> HttpResponse:
    """The answer to ``error`` in the shape of the surface ``request`` addressed."""
    if request.path.startswith("/open311/"):
        return _open311(request, error)
    if _wants_json(request):
        return JsonResponse(error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False})
    return render_page(request, error)


class AppErrorMiddleware:
    """Refuse unstorable input up front; render :class:`AppError` for pages (see module doc)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # GeoReport v2 checks every field itself and names it in the spec's error list
        # (cases/open311.py refuses the same characters, sizes and bodies), so it is let in.
        problem = None if request.path.startswith("/open311/") else input_problem(request)
        if problem is not None:
            return render_error(request, problem)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, AppError):
            return render_error(request, exception)
        if isinstance(exception, RequestDataTooBig):
            return render_error(request, too_large())
        if isinstance(exception, TooManyFieldsSent):
            return render_error(request, too_many_fields())
        if isinstance(exception, DataError | OverflowError):
            # A value the database cannot hold: the input's fault, though a form or schema
            # should have refused it first, so it is logged.
            logger.warning("unstorable input on %s %s", request.method, request.path, exc_info=exception)
            return render_error(request, unstorable())
        return None
