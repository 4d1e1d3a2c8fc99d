"""Links and workbench cards of the indicators part (shezhi/common/nav.py)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import Role
from shezhi.common.nav import NavItem, WorkCard
from shezhi.indicators import services

#: Whose home is the dashboard.
LEADERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.PLANNER, Role.AUDITOR})


def nav_items(user: Any) -> list[NavItem]:
    if not services.can_read(user):
        return []
    return [
        NavItem("indicators", _("评价驾驶舱"), "/indicators/", order=10, phone=user.role in LEADERS),
        NavItem("indicators", _("指标目录"), "/indicators/catalogue/", order=20),
    ]


def work_cards(user: Any) -> list[WorkCard]:
    cards = []
    if getattr(user, "role", None) in LEADERS or user.is_superuser:
        cards.append(
            WorkCard("indicators", _("评价驾驶舱"), "/indicators/", hint=_("指标进展、百强榜单与趋势"))
        )
    return cards
