"""Reads of accounts data: one's own tokens, the login record and account audit for auditors,
the accounts an administrator manages."""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404
from django.utils import timezone

from shezhi.accounts import management_rules as rules
from shezhi.accounts.models import AccountEvent, ApiToken, User
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


def user_list(*, actor: User, filters: dict[str, str] | None = None) -> QuerySet[User]:
    """Accounts the actor administers (their area, roles they may give), filtered."""
    if not rules.can_manage(actor):
        raise PermissionDenied("manage_users")
    f = filters or {}
    qs = rules.user_search(rules.managed_users(actor), f.get("q") or "")
    if role := f.get("role"):
        qs = qs.filter(role=role)
    if (active := f.get("active")) in ("0", "1"):
        qs = qs.filter(is_active=active == "1")
    return qs.order_by("division__code", "role", "username")


def managed_user_get(*, actor: User, pk: int) -> User:
    """One account the actor administers; any other (another area, a superuser) answers 404."""
    user = rules.managed_users(actor).filter(pk=pk).first()
    if user is None:
        raise Http404
    return user


def account_events(*, actor: User, filters: dict[str, str] | None = None) -> QuerySet[AccountEvent]:
    """The account audit trail: every change for the 审计员 (their area), one account's for its manager."""
    f = filters or {}
    if has_perm(actor, AccountPermission.READ_ACCOUNT_AUDIT):
        qs = AccountEvent.objects.all()
        if not actor.is_superuser:
            prefix = actor.area_prefix
            if prefix is None:
                return AccountEvent.objects.none()
            qs = qs.filter(area_code__startswith=prefix)
    else:
        raise PermissionDenied("read_account_audit")
    if who := (f.get("actor") or "").strip():
        qs = qs.filter(actor_name=who)
    if target := (f.get("target") or "").strip():
        qs = qs.filter(target_name=target)
    if action := f.get("action"):
        qs = qs.filter(action=action)
    return qs


def events_of(*, actor: User, user: User) -> QuerySet[AccountEvent]:
    """The changes recorded for one account the actor administers (shown on its page)."""
    managed_user_get(actor=actor, pk=user.pk)
    return AccountEvent.objects.filter(target=user)
