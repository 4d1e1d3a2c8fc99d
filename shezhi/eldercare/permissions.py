"""Who may do what in elderly services. Grep-able enums, checked in services and views."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from shezhi.accounts.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shezhi.accounts.models import User


class ElderPermission(StrEnum):
    VIEW = "view"  # the roll, worklists and certification histories of one's area
    CERTIFY = "certify"  # record a visit or centre certification, a signal, an exit
    DECIDE = "decide"  # decide appeals, run the eligibility roll
    EXPORT = "export"  # the payment roll as Excel (masked; plain also needs people's export_plain)
    CHECKINS = "checkins"  # read the 社区报到 list
    CHECK_IN = "check_in"  # register an arrival (residents, grid and community workers)
    AUDIT = "audit"  # the auditor's log view and verification runs
    PUBLISH = "publish"  # publish (cosign) the checkpoint on demand


P = ElderPermission
_WORKER = frozenset({P.VIEW, P.CERTIFY, P.CHECKINS, P.CHECK_IN})
ROLE_PERMISSIONS: dict[Role, frozenset[ElderPermission]] = {
    Role.GRID_WORKER: _WORKER,
    Role.COMMUNITY_WORKER: _WORKER | {P.DECIDE, P.EXPORT},
    Role.STREET_STAFF: frozenset({P.VIEW, P.DECIDE, P.EXPORT, P.CHECKINS}),
    Role.DISTRICT_STAFF: frozenset({P.VIEW, P.AUDIT, P.PUBLISH}),
    Role.CITY_ADMIN: frozenset({P.VIEW, P.AUDIT, P.PUBLISH}),
    Role.AUDITOR: frozenset({P.VIEW, P.AUDIT}),
    Role.RESIDENT: frozenset({P.CHECK_IN}),
    Role.PARTNER: frozenset(),
    Role.PLANNER: frozenset(),
}


def has_perm(user: User | AnonymousUser | None, perm: ElderPermission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(user.role), frozenset())
