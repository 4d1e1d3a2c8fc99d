"""The places part in the navigation: division tree, grids and the map, for staff; the OSM
data page for those who load extracts."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import STAFF_ROLES, Role
from shezhi.common.nav import NavItem


def nav_items(user: Any) -> list[NavItem]:
    # Residents and partners see only their own community of the division tree: nothing to
    # browse, so no link.
    if not (user.is_superuser or user.role in STAFF_ROLES):
        return []
    items = []
    if user.is_superuser or user.role in (Role.CITY_ADMIN, Role.DISTRICT_STAFF):
        # Loading OSM extracts and boundaries (lifecircle/extract_views.py).
        items.append(NavItem("lifecircle", _("OSM 数据"), reverse("lifecircle:extracts"), order=80))
    items += [
        NavItem("base", _("区划树"), reverse("places:divisions"), order=10),
        NavItem("base", _("网格"), reverse("places:grids"), order=12),
        NavItem("base", _("地图"), reverse("places:map"), order=14),
    ]
    if user.role == Role.GRID_WORKER and user.grid_id:
        items.append(
            NavItem(
                "base",
                _("我的网格"),
                reverse("places:grid", args=[user.grid.code]),
                order=5,
                phone=True,
                icon="grid",
            )
        )
    return items
