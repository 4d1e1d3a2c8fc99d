"""API authentication (browser session with CSRF, or a bearer token) and the client address.

Neither API path can be used to guess passwords: the API takes no password at all, and a
bearer token is 256 random bits looked up by its SHA-256 (so no comparison of the secret
leaks timing, and guessing one is hopeless). Password guessing is possible only at the
login form and the admin's, and django-axes throttles both (settings: AXES_*).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from shezhi.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sz_…``: a live token from the 接口令牌 page or ``manage.py issue_token``."""

    openapi_description = "令牌认证 / bearer token from the API tokens page or `manage.py issue_token`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
        return user


def api_auth() -> list[Any]:
    return [TokenAuth(), SessionAuth()]


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address for login throttling (django-axes' AXES_CLIENT_IP_CALLABLE).

    ``REMOTE_ADDR``, unless ``SHEZHI_BEHIND_PROXY=1``: then the last address of
    ``X-Forwarded-For``, the one the (trusted) proxy itself appended. Earlier entries are
    whatever the client claimed and are never used.
    """
    if getattr(settings, "BEHIND_PROXY", False):
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
        if forwarded and _is_address(forwarded[-1]):
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
