"""Who may administer which account: area and role rules, checked once for pages and API.

An account manager (市级管理员 for the city, 区级工作人员 for the district) sees and changes
only accounts whose area lies inside their own, never a superuser, never their own role or
area, and gives no role above their own (:func:`~shezhi.accounts.roles.manageable_roles`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.models import User
from shezhi.accounts.permissions import AccountPermission, has_perm
from shezhi.accounts.roles import ROLE_LEVEL, Role, manageable_roles
from shezhi.common.errors import AppError, Problem

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser


def can_manage(actor: User | AnonymousUser | None) -> bool:
    return has_perm(actor, AccountPermission.MANAGE_USERS)


def assignable_roles(actor: User) -> list[Role]:
    """The roles this actor may give (a superuser: every role)."""
    if actor.is_superuser:
        return list(Role)
    return manageable_roles(Role(actor.role))


def managed_users(actor: User | AnonymousUser | None) -> QuerySet[User]:
    """The accounts this actor administers: inside their area, no superuser, roles they may give."""
    if not can_manage(actor):
        return User.objects.none()
    assert isinstance(actor, User)
    qs = User.objects.filter(is_superuser=False).select_related("division", "grid")
    if actor.is_superuser:
        return qs
    prefix = actor.area_prefix
    if prefix is None:
        return User.objects.none()
    return qs.filter(division__code__startswith=prefix, role__in=assignable_roles(actor))


def _problem(field: str, zh: Any, en: str, code: str = "invalid", status: int = 422) -> AppError:
    """An error about one form field; ``zh`` a lazy msgid (so pages show it in the user's language)."""
    with translation.override("zh-hans"):
        zh_text = str(zh)
    return AppError(zh_text, en, status=status, code=code, problems=[Problem(code, zh_text, en, field)])


def check_assignment(*, actor: User, role: str, division: Any, grid: Any) -> Any:
    """Check that ``actor`` may give ``role`` in ``division`` (and ``grid``); the division to store.

    A grid worker's division is their grid's community. Raises :class:`AppError` (403 for a
    role above the actor's, 422 naming the field otherwise).
    """
    try:
        role_enum = Role(role)
    except ValueError:
        raise _problem("role", _("未知角色"), "unknown role") from None
    if role_enum not in assignable_roles(actor):
        raise _problem("role", _("您不能授予该角色"), "you may not give this role", "role_above_own", 403)
    if role_enum == Role.GRID_WORKER:
        if grid is None:
            raise _problem("grid", _("网格员必须指定网格"), "a grid worker needs a grid", "grid_required")
        division = grid.community
    elif grid is not None and role_enum not in (Role.COMMUNITY_WORKER, Role.RESIDENT):
        grid = None
    if division is None:
        raise _problem("division", _("请选择所属区划"), "choose the division", "division_required")
    expected = ROLE_LEVEL[role_enum]
    if division.level != expected:
        with translation.override("zh-hans"):
            zh = _("该角色的区划必须是%(level)s级") % {"level": expected.label}
        raise _problem(
            "division", zh, f"this role's division must be at the {expected.value} level", "division_level"
        )
    if grid is not None and grid.community_id != division.pk:
        raise _problem(
            "grid", _("网格不在所选社区内"), "the grid is not in the chosen community", "grid_outside"
        )
    prefix = actor.area_prefix
    if not actor.is_superuser and (prefix is None or not division.code.startswith(prefix)):
        raise _problem(
            "division", _("所选区划不在您的辖区内"), "the division is outside your area", "outside_area"
        )
    return division, grid


def check_target(*, actor: User, target: User) -> None:
    """An actor never changes their own role, area or status here (no self-lockout, no self-promotion)."""
    if target.pk == actor.pk:
        raise AppError(
            _("不能在此修改自己的账号；请使用“修改密码”页面"),
            "you cannot change your own account here",
            status=403,
            code="own_account",
        )


def user_search(qs: QuerySet[User], q: str) -> QuerySet[User]:
    q = q.strip()
    if not q:
        return qs
    return qs.filter(
        Q(username__icontains=q)
        | Q(display_name__icontains=q)
        | Q(division__name__icontains=q)
        | Q(grid__name__icontains=q)
        | Q(grid__code__startswith=q)
    )
