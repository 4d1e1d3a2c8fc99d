"""Who may do what with accounts (least privilege). Grep-able enums, checked in views."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from shezhi.accounts.roles import STAFF_ROLES, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shezhi.accounts.models import User


class AccountPermission(StrEnum):
    MANAGE_OWN_TOKENS = "manage_own_tokens"  # list, create and revoke one's own API tokens
    READ_LOGIN_RECORD = "read_login_record"  # failed logins and lockouts (the 审计员)
    MANAGE_USERS = "manage_users"  # create, change, reset, deactivate accounts in one's area
    READ_ACCOUNT_AUDIT = "read_account_audit"  # the record of every account change (the 审计员)


P = AccountPermission
#: Staff use the API; residents and partners reach the platform through its pages and Open311.
ROLE_PERMISSIONS: dict[Role, frozenset[AccountPermission]] = {
    **{role: frozenset({P.MANAGE_OWN_TOKENS}) for role in STAFF_ROLES},
    Role.AUDITOR: frozenset({P.MANAGE_OWN_TOKENS, P.READ_LOGIN_RECORD, P.READ_ACCOUNT_AUDIT}),
    Role.CITY_ADMIN: frozenset({P.MANAGE_OWN_TOKENS, P.MANAGE_USERS}),
    Role.DISTRICT_STAFF: frozenset({P.MANAGE_OWN_TOKENS, P.MANAGE_USERS}),
}


def has_perm(user: User | AnonymousUser | None, perm: AccountPermission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(user.role), frozenset())
