"""Account administration pages (账号管理) for the 市级管理员 and the district's administrator,
and the account audit trail for the 审计员. The Django admin is for superusers only."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shezhi.accounts import management_rules as rules
from shezhi.accounts import selectors, services
from shezhi.accounts.forms import UserAssignmentForm, UserCreateForm, UserFilterForm
from shezhi.accounts.models import AccountAction
from shezhi.common.errors import AppError


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not rules.can_manage(actor):
        raise PermissionDenied("manage_users")
    form = UserFilterForm(request.GET or None, actor=actor)  # type: ignore[arg-type]
    filters = {k: request.GET.get(k, "") for k in ("q", "role", "active")}
    users = selectors.user_list(actor=actor, filters=filters)  # type: ignore[arg-type]
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "accounts/user_list.html",
        {"form": form, "page": page, "total": page.paginator.count, "query": query},
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def user_new(request: HttpRequest) -> HttpResponse:
    actor = request.user
    if not rules.can_manage(actor):
        raise PermissionDenied("manage_users")
    form = UserCreateForm(request.POST or None, actor=actor)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=actor,  # type: ignore[arg-type]
                username=data["username"],
                display_name=data["display_name"],
                role=data["role"],
                division=data["division"],
                grid=data["grid"],
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            return render(
                request,
                "accounts/user_password.html",
                {"account": user, "password": password, "created": True},
            )
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


@login_required
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    initial: dict[str, Any] = {
        "display_name": user.display_name,
        "role": user.role,
        "division": user.division.code if user.division else "",
        "grid": user.grid.code if user.grid else "",
    }
    form = UserAssignmentForm(request.POST or None, initial=initial, actor=actor)  # type: ignore[arg-type]
    own = user.pk == actor.pk
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            changes = services.user_update(
                actor=actor,  # type: ignore[arg-type]
                user=user,
                role=data["role"],
                division=data["division"],
                grid=data["grid"],
                display_name=data["display_name"],
            )
        except AppError as exc:
            form.add_app_error(exc)
        else:
            if changes:
                messages.success(request, _("账号 %(name)s 已更新") % {"name": user.username})
            else:
                messages.info(request, _("没有修改任何内容"))
            return redirect("accounts:user", pk=user.pk)
    events = selectors.events_of(actor=actor, user=user)[:50]  # type: ignore[arg-type]
    return render(
        request,
        "accounts/user_detail.html",
        {"account": user, "form": form, "events": events, "own": own},
    )


@never_cache
@login_required
@require_POST
def user_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    try:
        password = services.user_reset_password(actor=actor, user=user)  # type: ignore[arg-type]
    except AppError as exc:
        messages.error(request, exc.message())
        return redirect("accounts:user", pk=user.pk)
    return render(request, "accounts/user_password.html", {"account": user, "password": password})


@login_required
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = selectors.managed_user_get(actor=actor, pk=pk)  # type: ignore[arg-type]
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor, user=user, active=active)  # type: ignore[arg-type]
    except AppError as exc:
        messages.error(request, exc.message())
    else:
        if active:
            messages.success(request, _("账号 %(name)s 已启用") % {"name": user.username})
        else:
            messages.success(request, _("账号 %(name)s 已停用，其接口令牌已吊销") % {"name": user.username})
    return redirect("accounts:user", pk=user.pk)


@login_required
def account_audit(request: HttpRequest) -> HttpResponse:
    """The 审计员's record of every account change in their area: who, when, what."""
    filters = {k: request.GET.get(k, "") for k in ("actor", "target", "action")}
    events = selectors.account_events(actor=request.user, filters=filters)  # type: ignore[arg-type]
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "accounts/account_audit.html",
        {"page": page, "filters": filters, "actions": AccountAction.choices, "query": query},
    )
