"""Pages of volunteering: activities, sign-up and geotagged check-in/out, hours, 1116, certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shezhi.common.errors import AppError
from shezhi.participation import volunteers as vs
from shezhi.participation.certificate import certificate_pdf
from shezhi.participation.models import Volunteer
from shezhi.participation.permissions import ParticipationPermission as P
from shezhi.participation.permissions import has_perm


def _aware(raw: str) -> dt.datetime | None:
    try:
        value = parse_datetime(raw) if raw else None
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _float(raw: str | None) -> float | None:
    try:
        value = float(raw) if raw else None
    except ValueError:
        return None
    return value if value is None or value == value else None  # NaN is no position


@login_required
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not has_perm(user, P.READ):
        raise PermissionDenied
    manager = has_perm(user, P.MANAGE)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "register":
                vs.volunteer_self_register(actor=user)
            elif manager and request.POST.get("action") == "activity":
                starts, ends = (
                    _aware(request.POST.get("starts_at", "")),
                    _aware(request.POST.get("ends_at", "")),
                )
                if starts is None or ends is None:
                    raise AppError(_("请填写开始和结束时间"), "enter the start and end", status=422)
                capacity = request.POST.get("capacity", "20")
                vs.activity_create(
                    actor=user,
                    title=request.POST.get("title", ""),
                    community=user.division,
                    starts_at=starts,
                    ends_at=ends,
                    place=request.POST.get("place", ""),
                    capacity=int(capacity) if capacity.isdigit() else 0,
                )
            else:
                raise AppError(_("未知操作"), "unknown action", status=400)
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:volunteer")
    me = vs.my_volunteer(user)
    year = timezone.localdate().year
    context = {
        "activities": vs.activity_list(actor=user).order_by("-starts_at")[:50],
        "manager": manager,
        "me": me,
        "my_services": me.services.select_related("activity").order_by("-activity__starts_at") if me else [],
        "year": year,
        "my_hours": sum((s.hours for s in vs.hours_in_year(me, year)), Decimal(0)) if me else 0,
        "error": error,
        "can_create": manager and user.division is not None and user.division.level == "community",
    }
    return render(
        request, "participation/volunteer_index.html", context, status=error.status if error else 200
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    activity = vs.activity_list(actor=user).filter(pk=pk).first()
    if activity is None:
        raise Http404
    manager = has_perm(user, P.MANAGE)
    error = None
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "signup":
                me = vs.my_volunteer(user) or vs.volunteer_self_register(actor=user)
                vs.service_signup(activity=activity, volunteer=me)
            else:
                service_id = request.POST.get("service", "")
                if not service_id.isdigit():
                    raise AppError(_("未知操作"), "unknown action", status=400)
                service = vs.service_of(actor=user, pk=int(service_id))
                if service.activity_id != activity.pk:
                    raise Http404
                lon, lat = _float(request.POST.get("lon")), _float(request.POST.get("lat"))
                if action in ("accept", "reject"):
                    vs.service_accept(service=service, actor=user, accept=action == "accept")
                elif action == "check_in":
                    vs.service_check_in(service=service, at=timezone.now(), lon=lon, lat=lat)
                elif action == "check_out":
                    vs.service_check_out(service=service, at=timezone.now(), lon=lon, lat=lat)
                elif action == "verify":
                    raw = request.POST.get("hours", "").strip()
                    try:
                        hours = Decimal(raw) if raw else None
                    except InvalidOperation:
                        raise AppError(_("时长须为数字"), "hours must be a number", status=422) from None
                    vs.service_verify(service=service, actor=user, hours=hours)
                else:
                    raise AppError(_("未知操作"), "unknown action", status=400)
        except AppError as exc:
            error = exc
        else:
            return redirect("participation:activity", pk=activity.pk)
    me = vs.my_volunteer(user)
    context = {
        "activity": activity,
        "manager": manager,
        "services": activity.services.select_related("volunteer", "verified_by") if manager else [],
        "mine": activity.services.filter(volunteer=me).first() if me else None,
        "error": error,
    }
    return render(
        request, "participation/activity_detail.html", context, status=error.status if error else 200
    )


def _year(request: HttpRequest) -> int:
    raw = request.GET.get("year", "")
    year = int(raw) if raw.isdigit() else timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


@login_required
@require_http_methods(["GET"])
def report_1116(request: HttpRequest) -> HttpResponse:
    if not has_perm(request.user, P.READ) or has_perm(request.user, P.TAKE_PART):  # staff only
        raise PermissionDenied
    year = _year(request)
    units = vs.report_1116(actor=request.user, year=year)
    return render(
        request,
        "participation/report_1116.html",
        {"units": units, "year": year, "threshold": vs.RULE_1116_HOURS},
    )


@login_required
@require_http_methods(["GET"])
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    volunteer = (
        Volunteer.objects.visible_to(user).filter(pk=pk).first() if not has_perm(user, P.TAKE_PART) else None
    )
    if volunteer is None:
        volunteer = Volunteer.objects.filter(pk=pk, user=user).first() if user.is_authenticated else None
    if volunteer is None:
        raise Http404
    year = _year(request)
    pdf = certificate_pdf(volunteer, vs.hours_in_year(volunteer, year), year, volunteer.community.name)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="volunteer-hours-{volunteer.pk}-{year}.pdf"'
    return response
