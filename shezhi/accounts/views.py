"""Account pages: one's own API tokens, and the login record for the 审计员.

The password-change pages are Django's own (``PasswordChangeView``) with the templates in
``shezhi/templates/registration/``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shezhi.accounts import selectors, services
from shezhi.accounts.forms import LoginFailureFilterForm, TokenCreateForm


def lockout(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The page of a locked-out login (django-axes' AXES_LOCKOUT_CALLABLE), in the user's language."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/lockout.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; a one-time password set by an administrator is done with."""

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    """List one's own API tokens and create one; a new token's key is shown on this response only."""
    user = request.user
    rows = selectors.tokens_of(user=user)  # type: ignore[arg-type]
    form = TokenCreateForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_issue(
                user=user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            form.add_error("days", exc)
        else:
            created = {"token": token, "raw": raw}
            form = TokenCreateForm()
    return render(request, "accounts/tokens.html", {"tokens": rows, "form": form, "created": created})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = selectors.own_token_get(user=request.user, pk=pk)  # type: ignore[arg-type]
    services.token_revoke(token=token)
    messages.success(request, _("令牌 %(name)s 已吊销") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
def login_failures(request: HttpRequest) -> HttpResponse:
    """The 审计员 page of failed logins and the username+address pairs now counted or locked."""
    form = LoginFailureFilterForm(request.GET or None)
    username = form.cleaned_data["username"] if form.is_valid() else ""
    rows = selectors.login_failures(actor=request.user, username=username)  # type: ignore[arg-type]
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/login_failures.html",
        {
            "form": form,
            "page": page,
            "lockouts": selectors.lockouts(actor=request.user)[:50],  # type: ignore[arg-type]
        },
    )
