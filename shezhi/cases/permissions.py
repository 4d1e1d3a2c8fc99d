"""Who may do what with requests and events (least privilege). Grep-able enums, checked in
selectors and services; residents read only the cases they reported (``selectors.my_reports``)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from shezhi.accounts.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shezhi.accounts.models import User


class CasePermission(StrEnum):
    READ = "read"  # lists and pages of single cases in one's area (free text masked)
    HANDLE = "handle"  # the handling desk: actions, free text as typed
    REVEAL_REPORTER = "reveal_reporter"  # the reporter's name and phone, with a reason (logged)
    READ_STATS = "read_stats"  # KPIs and hotspots: aggregates, no single case


P = CasePermission
_DESK = frozenset({P.READ, P.HANDLE, P.REVEAL_REPORTER, P.READ_STATS})
#: Desks and grid workers handle cases; planners need aggregates, not people; auditors check
#: the work without reading anyone's contact details.
ROLE_PERMISSIONS: dict[Role, frozenset[CasePermission]] = {
    Role.CITY_ADMIN: _DESK,
    Role.DISTRICT_STAFF: _DESK,
    Role.STREET_STAFF: _DESK,
    Role.COMMUNITY_WORKER: _DESK,
    Role.GRID_WORKER: _DESK,
    Role.PLANNER: frozenset({P.READ_STATS}),
    Role.AUDITOR: frozenset({P.READ, P.READ_STATS}),
    Role.RESIDENT: frozenset(),
    Role.PARTNER: frozenset(),
}


def has_perm(user: User | AnonymousUser | None, perm: CasePermission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(user.role), frozenset())
