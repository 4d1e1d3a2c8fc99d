"""Who may do what in participation. Grep-able enums, checked in services and views."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from shezhi.accounts.roles import Role


class ParticipationPermission(StrEnum):
    READ = "read"  # read topics, votes and published results of one's area
    TAKE_PART = "take_part"  # comment, raise a topic, vote online (if on the roll)
    MANAGE = "manage"  # the desk: topics, stages, minutes, official answers, votes, paper ballots


P = ParticipationPermission
#: The residents' committee (community workers) runs the desk; street staff run street-wide
#: topics; grid workers help residents (read); offices above read; residents take part.
ROLE_PERMISSIONS: dict[Role, frozenset[ParticipationPermission]] = {
    Role.COMMUNITY_WORKER: frozenset({P.READ, P.MANAGE}),
    Role.STREET_STAFF: frozenset({P.READ, P.MANAGE}),
    Role.GRID_WORKER: frozenset({P.READ}),
    Role.DISTRICT_STAFF: frozenset({P.READ}),
    Role.CITY_ADMIN: frozenset({P.READ}),
    Role.AUDITOR: frozenset({P.READ}),
    Role.PLANNER: frozenset(),
    Role.RESIDENT: frozenset({P.READ, P.TAKE_PART}),
    Role.PARTNER: frozenset({P.READ, P.TAKE_PART}),
}


def has_perm(user: Any, perm: ParticipationPermission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(user.role), frozenset())
