"""Intake pages: 随手拍 (resident), 巡查上报 (grid worker, with 自行处置), 窗口登记 (desk).

One form for the three, one service behind it: every error of the service comes back
next to the field it is about, worded with the field's label, in the user's language;
what was typed stays in the form. A double-tapped submit finds the case the first tap
made (the form's token).
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shezhi.accounts.roles import Role
from shezhi.cases.forms import IntakeForm
from shezhi.cases.models import Case, Channel
from shezhi.cases.services import Intake, IntakeRejected, case_intake
from shezhi.cases.workflow import WorkflowError
from shezhi.common.errors import Problem

_DESK_ROLES = {Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER}
_LIMIT = re.compile(r"最多 (\d+) 个字符")


def form_message(problem: Problem, label: str) -> str:
    """The service's reason, worded with the form's own label for the field."""
    code = problem.code
    values = {"label": label}
    if code in ("required", "attribute_required"):
        return _("请填写“%(label)s”") % values
    if code == "too_long":
        match = _LIMIT.search(problem.zh)
        if match:
            return _("“%(label)s”最多 %(limit)s 个字") % {**values, "limit": match.group(1)}
        return _("“%(label)s”太长了") % values
    if code == "html":
        return _("“%(label)s”不能包含 HTML 标记") % values
    if code == "control_character":
        return _("“%(label)s”含有不可见的控制字符") % values
    if code == "attribute_number":
        return _("“%(label)s”须填写数字") % values
    if code == "attribute_datetime":
        return _("“%(label)s”须为有效的日期和时间") % values
    if code in ("attribute_value", "attribute_many", "attribute_type", "attribute_format"):
        return _("“%(label)s”的取值无效，请重新选择或填写") % values
    return problem.text()


def _label(form: IntakeForm, name: str) -> str:
    if name == "lat":
        return _("位置")
    return str(form.fields[name].label or name)


def _photo_note(request: HttpRequest) -> str:
    """What happened to the photo when the form comes back with errors."""
    if request.FILES.get("photo"):
        return _("出于安全原因，浏览器不会保留已选的照片：请重新选择照片后再提交，其他内容已保留。")
    return ""


def _home_area(user: Any) -> Any:
    """The boundary the pin map opens on: the grid worker's grid, else the user's own area."""
    if getattr(user, "grid", None) is not None and user.grid.boundary:
        return user.grid.boundary
    division = getattr(user, "division", None)
    if division is not None and division.boundary and division.level in ("community", "street"):
        return division.boundary
    return None


def _intake_page(request: HttpRequest, *, channel: str, template: str, mode: str) -> HttpResponse:
    user = request.user
    form = IntakeForm(request.POST or None, request.FILES or None, mode=mode)
    general: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        category = data["category"]
        self_note = (data.get("self_handled_note") or "").strip() if data.get("self_handle") else ""
        try:
            with transaction.atomic():
                case = case_intake(
                    intake=Intake(
                        channel=channel,
                        description=data["description"],
                        category=category,
                        lon=data.get("lon"),
                        lat=data.get("lat"),
                        address=data.get("address") or "",
                        photo=data.get("photo"),
                        reporter_name=data.get("reporter_name") or "",
                        reporter_phone=data.get("reporter_phone") or "",
                        reporter=user if user.role == Role.RESIDENT else None,  # type: ignore[union-attr]
                        attributes=form.attributes_for(category),
                        within_actor_area=user.role != Role.RESIDENT,  # type: ignore[union-attr]
                        token=data.get("token"),
                        self_handled_note=self_note,
                    ),
                    actor=user,  # type: ignore[arg-type]
                )
        except (IntakeRejected, WorkflowError) as exc:
            for problem in exc.problems:
                name = form.field_for_problem(problem.field, category)
                if name is None:
                    general.append(problem.text())
                else:
                    form.add_error(name, form_message(problem, _label(form, name)))
        else:
            return _accepted(request, case)
    return render(
        request,
        template,
        {
            "form": form,
            "general": general,
            "channel": channel,
            "mode": mode,
            "photo_note": _photo_note(request) if request.method == "POST" else "",
            "pin_area": _home_area(user),
        },
    )


def _accepted(request: HttpRequest, case: Case) -> HttpResponse:
    if case.self_handled:
        messages.success(request, _("已自行处置并办结，工单编号 %(code)s") % {"code": case.code})
    elif case.state == "triage":
        messages.success(
            request,
            _("已受理，工单编号 %(code)s。地址暂未定位到小区，已转人工分拨，不影响办理。")
            % {"code": case.code},
        )
    else:
        messages.success(request, _("已受理，工单编号 %(code)s") % {"code": case.code})
    return redirect("cases:case", code=case.code)


@login_required
def resident_new(request: HttpRequest) -> HttpResponse:
    """居民随手拍: the phone-width intake page with a map pin."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _intake_page(request, channel=Channel.RESIDENT, template="cases/intake.html", mode="resident")


@login_required
def patrol_new(request: HttpRequest) -> HttpResponse:
    """网格员巡查上报: the same form, with 自行处置 (report and close in one step)."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    if request.user.role != Role.GRID_WORKER:  # type: ignore[union-attr]
        return render(request, "cases/patrol_only.html")
    return _intake_page(request, channel=Channel.PATROL, template="cases/patrol.html", mode="patrol")


@login_required
def desk_new(request: HttpRequest) -> HttpResponse:
    """窗口登记: a desk records a request made in person or by phone."""
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    user: Any = request.user
    if not (user.is_superuser or user.role in _DESK_ROLES):
        return render(request, "cases/desk_only.html", status=403)
    return _intake_page(request, channel=Channel.DESK, template="cases/desk_intake.html", mode="desk")
