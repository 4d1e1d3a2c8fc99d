"""Navigation of the places part: the OSM data page, for those who load extracts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import Role
from shezhi.common.nav import NavItem


def nav_items(user: Any) -> list[NavItem]:
    if user.is_superuser or user.role in (Role.CITY_ADMIN, Role.DISTRICT_STAFF):
        return [NavItem("lifecircle", _("OSM 数据"), reverse("lifecircle:extracts"), order=80)]
    return []
