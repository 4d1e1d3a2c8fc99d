"""Links and to-do cards of elderly services, by role (see shezhi/common/nav.py)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shezhi.common.nav import NavItem, WorkCard
from shezhi.eldercare.permissions import ElderPermission, has_perm


def nav_items(user: Any) -> list[NavItem]:
    items = []
    if has_perm(user, ElderPermission.VIEW):
        items.append(NavItem("eldercare", _("高龄认证"), reverse("eldercare:worklist"), 10, phone=True))
        items.append(NavItem("eldercare", _("津贴名册"), reverse("eldercare:roll"), 20))
    if has_perm(user, ElderPermission.CHECKINS):
        items.append(NavItem("eldercare", _("社区报到名单"), reverse("eldercare:checkins"), 30))
    if has_perm(user, ElderPermission.CHECK_IN) and user.role == "resident":
        items.append(NavItem("eldercare", _("社区报到"), reverse("eldercare:checkin"), 40, phone=True))
        items.append(NavItem("eldercare", _("高龄认证查询"), reverse("eldercare:resident"), 50))
    if has_perm(user, ElderPermission.AUDIT):
        items.append(NavItem("eldercare", _("透明日志审计"), reverse("eldercare:audit"), 60))
    return items


def work_cards(user: Any) -> list[WorkCard]:
    if not has_perm(user, ElderPermission.CERTIFY) and not has_perm(user, ElderPermission.DECIDE):
        return []
    from shezhi.eldercare.selectors import worklist_counts

    counts = worklist_counts(user)
    url = reverse("eldercare:worklist")
    return [
        WorkCard(
            "eldercare",
            _("高龄认证：待认证"),
            url + "#due",
            counts["due"],
            "warn" if counts["due"] else "ok",
            order=10,
        ),
        WorkCard(
            "eldercare",
            _("高龄认证：已逾期"),
            url + "#overdue",
            counts["overdue"],
            "danger" if counts["overdue"] else "ok",
            order=11,
        ),
        WorkCard(
            "eldercare",
            _("高龄津贴：已暂停"),
            url + "#suspended",
            counts["suspended"],
            "danger" if counts["suspended"] else "ok",
            order=12,
        ),
    ]
