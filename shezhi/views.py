"""Project-level pages: the home shell and the error pages (400, 403, 404, 500)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import STAFF_ROLES, Role
from shezhi.common.errors import AppError
from shezhi.common.middleware import render_error
from shezhi.common.nav import PARTS, WorkCard, work_cards
from shezhi.context_processors import PART_LABELS
from shezhi.lifecircle.nearby import nearby_services
from shezhi.places.models import Compound, Division, Grid

#: The 工作台 puts the day's cases first, then the other parts in the navigation's order.
HOME_FIRST = ("cases",)


def _home_rank(card: WorkCard) -> tuple[int, int]:
    part = (
        HOME_FIRST.index(card.part)
        if card.part in HOME_FIRST
        else len(HOME_FIRST) + (PARTS.index(card.part) if card.part in PARTS else len(PARTS))
    )
    return part, card.order


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The 工作台: each app's to-do cards for this role, in the user's own area."""
    user = request.user
    cards = work_cards(user)
    staff = user.is_superuser or user.role in STAFF_ROLES  # type: ignore[union-attr]
    public = not user.is_superuser and user.role in (Role.RESIDENT, Role.PARTNER)  # type: ignore[union-attr]
    groups: dict[str, list[WorkCard]] = {}
    for card in sorted((c for c in cards if c.tone != "action"), key=_home_rank):
        groups.setdefault(card.part, []).append(card)
    # Parts with something counted come before parts that only offer a link (an auditor's
    # anomalies before the KPI page).
    ordered = sorted(groups.items(), key=lambda kv: all(c.count is None for c in kv[1]))
    context: dict[str, Any] = {
        # Calls to action (随手拍, 巡查上报) first, as big buttons; then the counted to-dos.
        "actions": [c for c in cards if c.tone == "action"],
        "groups": [(PART_LABELS.get(part, part), group) for part, group in ordered],
        "show_nearby": public,
        "nearby": nearby_services(user=user) if public else None,
        "overview": {
            "divisions": Division.objects.visible_to(user).count(),
            "grids": Grid.objects.visible_to(user).count(),
            "compounds": Compound.objects.visible_to(user).count(),
        }
        if staff
        else None,
    }
    return render(request, "home.html", context)


# ------------------------------------------------------------------ error pages (handler4xx/500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(request, AppError(_("请求有误"), "bad request", status=400, code="bad_request"))


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(
        request,
        AppError(_("您的角色无权执行此操作"), "your role may not do this", status=403, code="forbidden"),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error(
        request, AppError(_("页面不存在或无权访问"), "not found", status=404, code="not_found")
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return render_error(
        request,
        AppError(
            _("服务器出错，已记录，请稍后再试"),
            "server error; it has been logged, please try again later",
            status=500,
            code="server_error",
        ),
    )
