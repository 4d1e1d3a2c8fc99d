"""Who may do what with people's data (least privilege). Grep-able enums, checked in services."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from shezhi.accounts.roles import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shezhi.accounts.models import User


class PeoplePermission(StrEnum):
    VIEW = "view"  # read lists and records, personal fields masked
    EDIT = "edit"  # create and change households and residents
    REVEAL = "reveal"  # see one masked field in full, with a reason (logged)
    IMPORT = "import"  # upload Excel/CSV files
    EXPORT_PLAIN = "export_plain"  # export without masking (logged)
    READ_ACCESS_LOG = "read_access_log"  # the 审计员 page


P = PeoplePermission
_KEEPERS = frozenset({P.VIEW, P.EDIT, P.REVEAL, P.IMPORT, P.EXPORT_PLAIN})
#: Grid and community workers collect and keep the data of their area; offices above them
#: read it masked; auditors read it masked and read the access log.
ROLE_PERMISSIONS: dict[Role, frozenset[PeoplePermission]] = {
    Role.GRID_WORKER: _KEEPERS,
    Role.COMMUNITY_WORKER: _KEEPERS,
    Role.STREET_STAFF: frozenset({P.VIEW}),
    Role.DISTRICT_STAFF: frozenset({P.VIEW}),
    Role.CITY_ADMIN: frozenset({P.VIEW}),
    Role.AUDITOR: frozenset({P.VIEW, P.READ_ACCESS_LOG}),
    Role.RESIDENT: frozenset(),
    Role.PARTNER: frozenset(),
}


def has_perm(user: User | AnonymousUser | None, perm: PeoplePermission) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return perm in ROLE_PERMISSIONS.get(Role(user.role), frozenset())
