"""Changes to accounts: API tokens issued, revoked; accounts administered (every change recorded)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shezhi.accounts import management_rules as rules
from shezhi.accounts.models import AccountAction, AccountEvent, ApiToken, User
from shezhi.accounts.passwords import random_password
from shezhi.accounts.roles import Role
from shezhi.common.errors import AppError, Problem


def token_issue(*, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for the user; the raw key is returned once and never stored."""
    return ApiToken.issue(user=user, name=name.strip()[:64] or "api", days=days)


def token_revoke(*, token: ApiToken, reason: str = "") -> None:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoke_reason = (reason or _("已手动吊销"))[:64]
        token.save(update_fields=["revoked_at", "revoke_reason"])


@transaction.atomic
def revoke_all_tokens(*, user: User, reason: str) -> int:
    """Revoke every token of the user still unrevoked (password change, account closed)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoke_reason=reason[:64]
    )


# --- Account administration (账号管理) -------------------------------------------------------


def _label(value: Any) -> str:
    """A value as the audit record keeps it: a division or grid by name and code."""
    if value is None:
        return ""
    code = getattr(value, "code", None)
    if code is not None:
        return f"{value.name}（{code}）"
    return str(value)


def account_event(
    *,
    actor: User,
    action: AccountAction,
    target: User | None = None,
    area_code: str = "",
    subject: str = "",
    changes: dict[str, Any] | None = None,
) -> AccountEvent:
    """Record one account change (the only constructor of :class:`AccountEvent`)."""
    if not area_code and target is not None and target.division is not None:
        area_code = target.division.code
    return AccountEvent.objects.create(
        actor=actor,
        actor_name=actor.username,
        target=target,
        target_name=target.username if target is not None else "",
        area_code=area_code,
        subject=subject,
        action=action,
        changes=changes or {},
    )


def _role_label(role: str) -> str:
    """A role as the audit record keeps it: its code (shown in the reader's language)."""
    return str(Role(role).value)


@transaction.atomic
def user_create(
    *,
    actor: User,
    username: str,
    display_name: str,
    role: str,
    division: Any,
    grid: Any = None,
) -> tuple[User, str]:
    """A new account in the actor's area; its one-time password is returned once, never stored.

    The user must set their own password at first login.
    """
    if not rules.can_manage(actor):
        raise PermissionDenied("manage_users")
    division, grid = rules.check_assignment(actor=actor, role=role, division=division, grid=grid)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise AppError(
            "用户名已被占用",
            "the username is taken",
            status=409,
            code="username_taken",
            problems=[Problem("username_taken", "用户名已被占用", "the username is taken", "username")],
        )
    user = User(username=username, display_name=display_name.strip(), role=role, division=division, grid=grid)
    password = random_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.save()
    account_event(
        actor=actor,
        action=AccountAction.CREATED,
        target=user,
        changes={
            "role": ["", _role_label(role)],
            "division": ["", _label(division)],
            "grid": ["", _label(grid)],
            "display_name": ["", user.display_name],
        },
    )
    return user, password


@transaction.atomic
def user_update(
    *, actor: User, user: User, role: str, division: Any, grid: Any = None, display_name: str | None = None
) -> dict[str, list[str]]:
    """Change an account's role, area, grid or name; returns ``{field: [before, after]}``."""
    rules.check_target(actor=actor, target=user)
    division, grid = rules.check_assignment(actor=actor, role=role, division=division, grid=grid)
    before = {
        "role": _role_label(user.role),
        "division": _label(user.division),
        "grid": _label(user.grid),
        "display_name": user.display_name,
    }
    user.role = role
    user.division = division
    user.grid = grid
    if display_name is not None:
        user.display_name = display_name.strip()
    after = {
        "role": _role_label(user.role),
        "division": _label(user.division),
        "grid": _label(user.grid),
        "display_name": user.display_name,
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return {}
    user.save(update_fields=["role", "division", "grid", "display_name"])
    if "role" in changes or "division" in changes or "grid" in changes:
        # Powers follow the role and the area: tokens issued under the old ones end now.
        revoke_all_tokens(user=user, reason="角色或辖区已变更")
    account_event(actor=actor, action=AccountAction.CHANGED, target=user, changes=changes)
    return changes


@transaction.atomic
def user_reset_password(*, actor: User, user: User) -> str:
    """A new one-time password (returned once); the user must change it at next login.

    The old password and every API token stop working at once.
    """
    rules.check_target(actor=actor, target=user)
    password = random_password(user)
    user.set_password(password)
    user.must_change_password = True
    user.save()
    account_event(actor=actor, action=AccountAction.PASSWORD_RESET, target=user)
    return password


@transaction.atomic
def user_set_active(*, actor: User, user: User, active: bool) -> bool:
    """Deactivate or reactivate an account; True if it changed. A deactivated account's tokens die."""
    rules.check_target(actor=actor, target=user)
    if user.is_active == active:
        return False
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        revoke_all_tokens(user=user, reason="账号已停用")
    account_event(
        actor=actor,
        action=AccountAction.REACTIVATED if active else AccountAction.DEACTIVATED,
        target=user,
    )
    return True
