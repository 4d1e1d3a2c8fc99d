"""Project-level pages: the home shell and the error pages (400, 403, 404, 500)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from shezhi.common.errors import AppError
from shezhi.common.middleware import render_error
from shezhi.places.models import Compound, Division, Grid


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "n_divisions": Division.objects.visible_to(user).count(),
            "n_grids": Grid.objects.visible_to(user).count(),
            "n_compounds": Compound.objects.visible_to(user).count(),
        },
    )


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
