"""API authentication: browser session (with CSRF) or a bearer token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from shezhi.accounts.models import ApiToken


class TokenAuth(HttpBearer):
    """``Authorization: Bearer sz_…`` with a token issued by ``manage.py issue_token``."""

    openapi_description = "令牌认证 / bearer token issued by `manage.py issue_token`"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            request.user = user
        return user


def api_auth() -> list[Any]:
    return [TokenAuth(), SessionAuth()]
