"""Roles (角色) and what area each one is bound to. Grep-able enums, no magic strings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", _("市级管理员")
    DISTRICT_STAFF = "district_staff", _("区级工作人员")
    STREET_STAFF = "street_staff", _("街道工作人员")
    COMMUNITY_WORKER = "community_worker", _("社区工作者")
    GRID_WORKER = "grid_worker", _("网格员")
    PLANNER = "planner", _("规划师")
    RESIDENT = "resident", _("居民")
    PARTNER = "partner", _("社会组织/合作伙伴")
    AUDITOR = "auditor", _("审计员")


class DivisionLevel(models.TextChoices):
    """Levels of the 统计用区划代码 tree and how many leading digits identify each."""

    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区(市)县")
    STREET = "street", _("镇(街道)")
    COMMUNITY = "community", _("社区/村")


#: Significant leading digits of a 12-digit code at each level (2 province, 2 city,
#: 2 district, 3 street, 3 community).
PREFIX_LENGTH = {
    DivisionLevel.PROVINCE: 2,
    DivisionLevel.CITY: 4,
    DivisionLevel.DISTRICT: 6,
    DivisionLevel.STREET: 9,
    DivisionLevel.COMMUNITY: 12,
}

#: The division level a staff role's area must be at.
ROLE_LEVEL = {
    Role.CITY_ADMIN: DivisionLevel.CITY,
    Role.AUDITOR: DivisionLevel.CITY,
    Role.DISTRICT_STAFF: DivisionLevel.DISTRICT,
    Role.STREET_STAFF: DivisionLevel.STREET,
    Role.COMMUNITY_WORKER: DivisionLevel.COMMUNITY,
    Role.GRID_WORKER: DivisionLevel.COMMUNITY,
    Role.PLANNER: DivisionLevel.DISTRICT,
    Role.RESIDENT: DivisionLevel.COMMUNITY,
    Role.PARTNER: DivisionLevel.COMMUNITY,
}

#: Roles that work inside the administrative area they are bound to.
STAFF_ROLES = frozenset(
    {
        Role.CITY_ADMIN,
        Role.DISTRICT_STAFF,
        Role.STREET_STAFF,
        Role.COMMUNITY_WORKER,
        Role.GRID_WORKER,
        Role.PLANNER,
        Role.AUDITOR,
    }
)

#: Depth of each division level (the city above the district above the street…).
LEVEL_DEPTH = {
    DivisionLevel.PROVINCE: 0,
    DivisionLevel.CITY: 1,
    DivisionLevel.DISTRICT: 2,
    DivisionLevel.STREET: 3,
    DivisionLevel.COMMUNITY: 4,
}

#: Roles that administer accounts in their area: the 市级管理员 for the city, the 区级工作人员
#: as the district's administrator.
ACCOUNT_MANAGER_ROLES = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF})

#: Roles only a city administrator may give (city-wide powers).
CITY_ONLY_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR})


def manageable_roles(role: Role) -> list[Role]:
    """The roles an account manager of ``role`` may give: none above their own area's level,
    and the city-wide roles (市级管理员, 审计员) only by a city administrator."""
    if role not in ACCOUNT_MANAGER_ROLES:
        return []
    own_depth = LEVEL_DEPTH[ROLE_LEVEL[role]]
    return [
        r
        for r in Role
        if LEVEL_DEPTH[ROLE_LEVEL[r]] >= own_depth and (role == Role.CITY_ADMIN or r not in CITY_ONLY_ROLES)
    ]
