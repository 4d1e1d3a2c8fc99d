"""A user whose password an administrator reset sets their own before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from shezhi.common.errors import AppError

#: Paths a user who must change their password may still reach.
_OPEN = ("/accounts/password/", "/accounts/logout/", "/accounts/login/", "/i18n/", "/static/", "/healthz")


class MustChangePasswordMiddleware:
    """Send a user with ``must_change_password`` to the password-change page (API: 403)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_OPEN)
        ):
            if request.path.startswith("/api/"):
                error = AppError(
                    "请先修改密码",
                    "set your own password first",
                    status=403,
                    code="password_change_required",
                )
                return JsonResponse(error.as_dict(), status=403)
            return redirect(reverse("accounts:password_change"))
        return self.get_response(request)
