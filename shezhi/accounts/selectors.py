"""Reads of accounts data: one's own tokens, the login record for auditors."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from shezhi.accounts.models import ApiToken, User
from shezhi.accounts.permissions import AccountPermission, has_perm


def tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (nobody lists another's)."""
    if not has_perm(user, AccountPermission.MANAGE_OWN_TOKENS):
        raise PermissionDenied("manage_own_tokens")
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def own_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; another user's token answers 404, like a missing one."""
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404
    return token


def login_failures(*, actor: User, username: str = "") -> QuerySet[Any]:
    """Failed logins (username, address, browser, time), newest first, for the 审计员."""
    if not has_perm(actor, AccountPermission.READ_LOGIN_RECORD):
        raise PermissionDenied("read_login_record")
    qs = AccessFailureLog.objects.order_by("-attempt_time")
    if username:
        qs = qs.filter(username=username)
    return qs


def lockouts(*, actor: User) -> QuerySet[Any]:
    """Username+address pairs with failures counted, each with ``locked`` (at the limit, cooling off)."""
    if not has_perm(actor, AccountPermission.READ_LOGIN_RECORD):
        raise PermissionDenied("read_login_record")
    cooling = timezone.now() - settings.AXES_COOLOFF_TIME
    locked = Q(failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=cooling)
    return AccessAttempt.objects.annotate(
        locked=Case(When(locked, then=Value(True)), default=Value(False), output_field=BooleanField())
    ).order_by("-attempt_time")
