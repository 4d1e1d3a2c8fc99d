"""Changes to places: the staff of a grid (一格一长一警), recorded in the account audit trail."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, QuerySet

from shezhi.accounts import management_rules
from shezhi.accounts.models import AccountAction, User
from shezhi.accounts.roles import Role
from shezhi.accounts.services import account_event
from shezhi.common.errors import AppError, Problem
from shezhi.places.models import Grid

#: A duty phone: a landline with area code, a mobile number or a short service number.
_PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{1,22}[0-9]$")

#: Roles a 网格长 may have: community and street staff, or a grid worker of the community.
LEADER_ROLES = (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.STREET_STAFF)


def can_edit_grid_staff(actor: User) -> bool:
    """The 市/区 account administrators assign grid staff (as they assign grid workers)."""
    return management_rules.can_manage(actor)


def leader_candidates(*, grid: Grid) -> QuerySet[User]:
    """Active staff who may lead ``grid``: their area contains the grid's community."""
    community = grid.community
    street_code = community.parent.code if community.parent_id else ""  # type: ignore[union-attr]
    return (
        User.objects.filter(is_active=True, is_superuser=False, role__in=LEADER_ROLES)
        .filter(Q(division=community) | Q(division__code=street_code, role=Role.STREET_STAFF))
        .order_by("role", "display_name", "username")
    )


@transaction.atomic
def grid_staff_assign(
    *,
    actor: User,
    grid: Grid,
    leader: User | None,
    police_officer: str,
    police_station: str,
    police_phone: str,
) -> dict[str, list[str]]:
    """Set a grid's 网格长 and 网格警; returns and records ``{field: [before, after]}``."""
    if not can_edit_grid_staff(actor):
        raise PermissionDenied("manage_users")
    if leader is not None and not leader_candidates(grid=grid).filter(pk=leader.pk).exists():
        raise AppError.from_problems(
            [
                Problem(
                    "leader_outside",
                    "网格长须为本社区（或所属街道）的在岗工作人员",
                    "the leader must be active staff of this community or its street",
                    "leader",
                )
            ]
        )
    phone = police_phone.strip()
    if phone and not _PHONE.match(phone):
        raise AppError.from_problems(
            [
                Problem(
                    "phone",
                    "值班电话格式不正确（如 028-84321110 或 110）",
                    "the duty phone is not a phone number",
                    "police_phone",
                )
            ]
        )
    before = {
        "leader": _person(grid.leader),
        "police_officer": grid.police_officer,
        "police_station": grid.police_station,
        "police_phone": grid.police_phone,
    }
    grid.leader = leader
    grid.police_officer = police_officer.strip()
    grid.police_station = police_station.strip()
    grid.police_phone = phone
    after = {
        "leader": _person(leader),
        "police_officer": grid.police_officer,
        "police_station": grid.police_station,
        "police_phone": grid.police_phone,
    }
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if not changes:
        return {}
    grid.save(update_fields=["leader", "police_officer", "police_station", "police_phone"])
    account_event(
        actor=actor,
        action=AccountAction.GRID_STAFF,
        target=leader,
        area_code=grid.community.code,
        subject=grid.code,
        changes=changes,
    )
    return changes


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return f"{user.display_name or user.username}（{user.username}）"
