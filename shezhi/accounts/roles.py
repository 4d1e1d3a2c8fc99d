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
