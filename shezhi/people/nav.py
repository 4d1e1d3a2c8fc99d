"""The people part in the navigation: residents, households, facilities, imports, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import Role
from shezhi.common.nav import NavItem, WorkCard
from shezhi.people.models import AccessLog, ImportBatch, ImportStatus, Resident, RevealField
from shezhi.people.permissions import PeoplePermission, has_perm
from shezhi.people.services import LOOKUPS_PER_HOUR


def nav_items(user: Any) -> list[NavItem]:
    items: list[NavItem] = []
    if has_perm(user, PeoplePermission.VIEW):
        phone = user.role == Role.GRID_WORKER
        items += [
            NavItem("base", _("居民"), reverse("people:residents"), order=20, phone=phone, icon="people"),
            NavItem("base", _("户"), reverse("people:households"), order=22),
            NavItem("base", _("服务设施"), reverse("people:facilities"), order=24),
            NavItem("base", _("社会组织"), reverse("people:organisations"), order=26),
        ]
    if has_perm(user, PeoplePermission.IMPORT):
        items.append(NavItem("base", _("居民导入"), reverse("people:import"), order=28))
    if has_perm(user, PeoplePermission.READ_ACCESS_LOG):
        items.append(NavItem("base", _("访问记录"), reverse("people:access_log"), order=30))
    return items


#: Reveals by one user within a day above which the auditor is asked to look.
MANY_REVEALS_PER_DAY = 20


def _access_log_url(**query: str) -> str:
    return f"{reverse('people:access_log')}?{urlencode(query)}"


def _auditor_cards(user: Any) -> list[WorkCard]:
    now = timezone.now()
    log = AccessLog.objects.visible_to(user)
    week_start = (timezone.localdate() - dt.timedelta(days=6)).isoformat()
    cards = [
        WorkCard(
            "base",
            _("近 7 天个人信息访问"),
            _access_log_url(since=week_start),
            count=log.filter(created_at__date__gte=week_start).count(),
            hint=_("查看明文、按证件号查找、导出，均有事由"),
            order=60,
        )
    ]
    day = log.filter(created_at__gte=now - dt.timedelta(hours=24))
    heavy = (
        day.values("actor__username")
        .annotate(n=Count("id"))
        .filter(n__gte=MANY_REVEALS_PER_DAY)
        .order_by("-n")[:3]
    )
    for row in heavy:
        cards.append(
            WorkCard(
                "base",
                _("异常：%(user)s 24 小时内访问 %(n)d 次") % {"user": row["actor__username"], "n": row["n"]},
                _access_log_url(actor=row["actor__username"]),
                count=row["n"],
                tone="danger",
                hint=_("单人一天访问超过 %(n)d 次") % {"n": MANY_REVEALS_PER_DAY},
                order=61,
            )
        )
    limit = int(getattr(settings, "PEOPLE_LOOKUPS_PER_HOUR", LOOKUPS_PER_HOUR))
    throttled = (
        log.filter(
            created_at__gte=now - dt.timedelta(hours=1),
            field__in=[RevealField.LOOKUP, RevealField.REGISTRATION_CONFLICT],
        )
        .values("actor__username")
        .annotate(n=Count("id"))
        .filter(n__gte=limit)
        .order_by("-n")[:3]
    )
    for row in throttled:
        cards.append(
            WorkCard(
                "base",
                _("异常：%(user)s 按证件号查找达到上限") % {"user": row["actor__username"]},
                _access_log_url(actor=row["actor__username"], field=RevealField.LOOKUP),
                count=row["n"],
                tone="danger",
                hint=_("一小时内查找 %(limit)d 次即被限制") % {"limit": limit},
                order=62,
            )
        )
    return cards


def work_cards(user: Any) -> list[WorkCard]:
    cards: list[WorkCard] = []
    if has_perm(user, PeoplePermission.READ_ACCESS_LOG):
        cards += _auditor_cards(user)
    if has_perm(user, PeoplePermission.IMPORT):
        pending = ImportBatch.objects.visible_to(user).filter(actor=user, status=ImportStatus.PREVIEWED)
        first = pending.order_by("-created_at").first()
        if first is not None:
            cards.append(
                WorkCard(
                    "base",
                    _("待确认的居民导入"),
                    reverse("people:import_batch", args=[first.pk]),
                    count=pending.count(),
                    tone="warn",
                    order=40,
                )
            )
    if has_perm(user, PeoplePermission.EDIT) and user.role == Role.GRID_WORKER:
        cards.append(
            WorkCard(
                "base",
                _("查找本网格居民"),
                reverse("people:residents"),
                count=Resident.objects.visible_to(user).count(),
                hint=_("按姓名、楼栋、标签查找"),
                order=42,
            )
        )
    return cards
