"""Pages of the cases part that report: KPIs (with Excel export), hotspots, hotline import."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shezhi.accounts.roles import Role
from shezhi.cases import hotspots, kpis
from shezhi.cases.forms import HotlineImportForm
from shezhi.cases.importers import HotlineReport, hotline_import, read_upload
from shezhi.common.errors import ImportRejected

FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2099, 12, 31)
_IMPORT_ROLES = {Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER}


def _period(request: HttpRequest) -> tuple[dt.datetime, dt.datetime, str, str]:
    """The [start, end) period from ``from``/``to`` dates (default: the last 30 days)."""
    today = timezone.localdate()
    try:
        end_day = dt.date.fromisoformat(request.GET.get("to", "")) if request.GET.get("to") else today
        start_day = (
            dt.date.fromisoformat(request.GET.get("from", ""))
            if request.GET.get("from")
            else end_day - dt.timedelta(days=29)
        )
    except (ValueError, OverflowError):  # not a date, or a far-off one with no day before it
        end_day, start_day = today, today - dt.timedelta(days=29)
    # Far-off dates (year 1, year 9999) have no neighbours to compute with; no case is there.
    end_day, start_day = (min(max(d, FIRST_DAY), LAST_DAY) for d in (end_day, start_day))
    if start_day > end_day:
        start_day, end_day = end_day, start_day
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(start_day, dt.time.min, tz)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time.min, tz)
    return start, end, start_day.isoformat(), end_day.isoformat()


@login_required
@require_GET
def kpi_page(request: HttpRequest) -> HttpResponse:
    """KPIs per unit with their formulas; ``?export=xlsx`` downloads the same table."""
    if request.GET.get("export") == "xlsx":
        return kpi_export(request)
    start, end, start_s, end_s = _period(request)
    rows = kpis.unit_kpis(actor=request.user, start=start, end=end)  # type: ignore[arg-type]
    monthly = kpis.monthly_counts(actor=request.user)  # type: ignore[arg-type]
    chart = {
        "units": [r.unit for r in rows[:-1]][:15],
        "response": [r.response_rate for r in rows[:-1]][:15],
        "resolution": [r.resolution_rate for r in rows[:-1]][:15],
        "satisfaction": [r.satisfaction_rate for r in rows[:-1]][:15],
        "months": [m for m, _a, _c in monthly],
        "accepted": [a for _m, a, _c in monthly],
        "closed": [c for _m, _a, c in monthly],
    }
    return render(
        request,
        "cases/kpis.html",
        {
            "rows": rows,
            "formulas": kpis.FORMULAS,
            "start": start_s,
            "end": end_s,
            "chart": chart,
            "pct": kpis.pct,
        },
    )


def kpi_export(request: HttpRequest) -> HttpResponse:
    start, end, start_s, end_s = _period(request)
    rows = kpis.unit_kpis(actor=request.user, start=start, end=end)  # type: ignore[arg-type]
    response = HttpResponse(
        kpis.kpi_workbook(rows, start=start, end=end - dt.timedelta(days=1)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="kpis-{start_s}-{end_s}.xlsx"'
    return response


@login_required
@require_GET
def hotspot_page(request: HttpRequest) -> HttpResponse:
    start, end, start_s, end_s = _period(request)
    spots = hotspots.compound_rates(actor=request.user, start=start, end=end)  # type: ignore[arg-type]
    return render(
        request,
        "cases/hotspots.html",
        {"spots": spots, "top": hotspots.top_share(spots), "start": start_s, "end": end_s},
    )


@login_required
@require_GET
def hotspot_layer(request: HttpRequest) -> JsonResponse:
    """The compounds with cases as GeoJSON points, the top 5% flagged (a map layer)."""
    start, end, _s, _e = _period(request)
    spots = hotspots.compound_rates(actor=request.user, start=start, end=end)  # type: ignore[arg-type]
    top = {s.compound.pk for s in hotspots.top_share(spots)}
    features: list[dict[str, Any]] = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.compound.lon, s.compound.lat]},
            "properties": {
                "name": s.compound.name,
                "cases": s.cases,
                "households": s.households,
                "estimated": s.estimated,
                "per_thousand": s.per_thousand,
                "top": s.compound.pk in top,
            },
        }
        for s in spots
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features}, json_dumps_params={"ensure_ascii": False}
    )


@login_required
def hotline_import_page(request: HttpRequest) -> HttpResponse:
    """Upload a 12345 work-order file; every rejected row is listed, nothing written then."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    user = request.user
    allowed = user.is_superuser or user.role in _IMPORT_ROLES  # type: ignore[union-attr]
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"form": form, "allowed": allowed}
    status = 200
    if request.method == "POST" and allowed and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_upload(upload, upload.name)
            report: HotlineReport = hotline_import(
                rows,
                actor=user,
                dry_run=form.cleaned_data["dry_run"],  # type: ignore[arg-type]
            )
        except ImportRejected as exc:
            context["errors"] = exc.errors  # capped by the upload pipeline
            context["error_count"] = getattr(exc, "total", len(exc.errors))
            status = 400
        else:
            context["report"] = report
            context["dry_run"] = form.cleaned_data["dry_run"]
    return render(request, "cases/import.html", context, status=status)
