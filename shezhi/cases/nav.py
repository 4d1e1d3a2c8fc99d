"""The cases part in the navigation and on the 工作台.

Every to-do card counts with the very selector and filters of the list it links to
(``selectors.case_list``/``triage_queue``), so the number on the card is the number of rows
the desk finds when it follows the link, in its own area.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import Role
from shezhi.cases import selectors
from shezhi.cases.models import Case, CaseEvent, Channel, EventKind, SlaState
from shezhi.cases.permissions import CasePermission, has_perm
from shezhi.cases.workflow import OPEN_STATES, State
from shezhi.common.nav import NavItem, WorkCard

_DESKS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF, Role.STREET_STAFF, Role.COMMUNITY_WORKER})
_LEADERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_STAFF})
_IMPORTERS = _DESKS


def _is_desk(user: Any) -> bool:
    return bool(user.is_superuser or user.role in _DESKS)


def _handles(user: Any) -> bool:
    """Desks and grid workers: the workbench list (cases:index) is theirs."""
    return _is_desk(user) or user.role == Role.GRID_WORKER


def _reports(user: Any) -> bool:
    """Residents report through 随手拍 and follow their own reports (我的诉求)."""
    return not user.is_superuser and user.role == Role.RESIDENT


def nav_items(user: Any) -> list[NavItem]:
    index = reverse("cases:index")
    if _reports(user):
        return [
            NavItem("cases", _("随手拍"), reverse("cases:new"), order=10, phone=True, icon="camera"),
            NavItem("cases", _("我的诉求"), index, order=20, phone=True, icon="list"),
        ]
    items: list[NavItem] = []
    grid_worker = user.role == Role.GRID_WORKER and not user.is_superuser
    if _handles(user):
        items.append(NavItem("cases", _("诉求工单"), index, order=10, phone=grid_worker, icon="list"))
    if _is_desk(user):
        items += [
            NavItem("cases", _("待分拨"), f"{index}?view=triage", order=12),
            NavItem("cases", _("督办"), f"{index}?view=supervision", order=14),
        ]
    if grid_worker:
        items.append(
            NavItem("cases", _("巡查上报"), reverse("cases:patrol"), order=16, phone=True, icon="camera")
        )
    if user.is_superuser or user.role in _IMPORTERS:
        items.append(NavItem("cases", _("12345 导入"), reverse("cases:import"), order=30))
    if has_perm(user, CasePermission.READ_STATS):
        items += [
            NavItem("cases", _("考核指标"), reverse("cases:kpis"), order=40),
            NavItem("cases", _("热点小区"), reverse("cases:hotspots"), order=42),
        ]
    return items


def _list_url(**query: str) -> str:
    return f"{reverse('cases:index')}?{urlencode(query)}" if query else reverse("cases:index")


def _count(user: Any, *, view: str = "open", **filters: str) -> int:
    """Rows of the case list at ``?view=…&<filters>``, exactly as ``views.case_index`` lists them."""
    if view == "triage":
        return selectors.triage_queue(actor=user).count()
    if view == "supervision":
        return selectors.supervision_list(actor=user).count()
    return selectors.case_list(actor=user, filters={**filters, "open": view == "open"}).count()


def _card(
    user: Any,
    title: Any,
    *,
    order: int,
    hint: Any = "",
    danger: bool = False,
    warn: bool = False,
    **query: str,
) -> WorkCard:
    view = query.get("view", "open")
    filters = {k: v for k, v in query.items() if k != "view"}
    n = _count(user, view=view, **filters)
    tone = "ok" if n == 0 else "danger" if danger else "warn" if warn else "info"
    return WorkCard("cases", title, _list_url(**query), count=n, tone=tone, hint=hint, order=order)


def _desk_cards(user: Any) -> list[WorkCard]:
    return [
        _card(user, _("待分拨"), order=10, view="triage", warn=True, hint=_("无法自动分拨，需人工定位")),
        _card(user, _("待派单"), order=12, state=State.ACCEPTED, hint=_("已受理，尚未派给承办单位")),
        _card(user, _("待签收"), order=14, state=State.DISPATCHED, hint=_("已派单，承办单位尚未签收")),
        _card(user, _("待办理"), order=16, state=State.SIGNED, hint=_("已签收，尚未开始办理")),
        _card(user, _("办理中"), order=18, state=State.IN_PROGRESS),
        _card(user, _("待审核"), order=20, state=State.REPLIED, warn=True, hint=_("已回单，等待审核办结")),
        _card(user, _("即将超期"), order=22, sla=SlaState.WARNED, warn=True, hint=_("临期预警")),
        _card(user, _("已超期"), order=24, sla=SlaState.OVERDUE, danger=True),
        _card(user, _("待回访"), order=26, view="all", state=State.CLOSED, hint=_("已办结，尚未回访")),
    ]


def _grid_worker_cards(user: Any) -> list[WorkCard]:
    week_ago = timezone.now() - dt.timedelta(days=7)
    reported = (
        CaseEvent.objects.filter(actor=user, kind=EventKind.CREATED, case__channel=Channel.PATROL)
        .filter(created_at__gte=week_ago)
        .count()
    )
    return [
        WorkCard(
            "cases",
            _("巡查上报"),
            reverse("cases:patrol"),
            tone="action",
            hint=_("本周已上报 %(n)d 件") % {"n": reported},
            order=1,
        ),
        _card(user, _("待签收"), order=10, state=State.DISPATCHED, hint=_("派到本网格的任务")),
        _card(user, _("待办理"), order=12, state=State.SIGNED, hint=_("已签收，尚未开始办理")),
        _card(user, _("办理中"), order=14, state=State.IN_PROGRESS),
        _card(user, _("已超期"), order=16, sla=SlaState.OVERDUE, danger=True),
        _card(user, _("待回访"), order=18, view="all", state=State.CLOSED, hint=_("已办结，尚未回访")),
        _card(user, _("本网格在办工单"), order=20, hint=_("本网格全部未办结的诉求")),
    ]


def _resident_cards(user: Any) -> list[WorkCard]:
    mine = selectors.my_reports(actor=user)
    open_n = mine.filter(state__in=list(OPEN_STATES | {State.SUSPENDED})).count()
    to_rate = mine.filter(state=State.CLOSED, satisfaction="").count()
    cards = [
        WorkCard(
            "cases",
            _("随手拍"),
            reverse("cases:new"),
            tone="action",
            hint=_("拍照、定位，反映身边的问题"),
            order=1,
        ),
        WorkCard(
            "cases",
            _("我的诉求"),
            reverse("cases:index"),
            count=open_n,
            tone="info",
            hint=_("处理中的诉求；共反映 %(n)d 件") % {"n": mine.count()},
            order=10,
        ),
    ]
    if to_rate:
        cards.append(
            WorkCard("cases", _("待评价"), reverse("cases:index"), count=to_rate, tone="warn", order=12)
        )
    return cards


def _leader_cards(user: Any) -> list[WorkCard]:
    """The district/city picture: everything open, and this month's intake."""
    visible = Case.objects.visible_to(user)
    start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return [
        _card(user, _("在办工单"), order=2, hint=_("辖区内全部未办结的诉求")),
        WorkCard(
            "cases",
            _("本月受理"),
            reverse("cases:kpis"),
            count=visible.filter(opened_at__gte=start).count(),
            hint=_("按承办单位的响应率、办结率、满意率见考核指标"),
            order=4,
        ),
    ]


def work_cards(user: Any) -> list[WorkCard]:
    if _reports(user):
        return _resident_cards(user)
    if user.role == Role.GRID_WORKER and not user.is_superuser:
        return _grid_worker_cards(user)
    if _is_desk(user):
        cards = _desk_cards(user)
        if user.is_superuser or user.role in _LEADERS:
            cards = _leader_cards(user) + cards
        return cards
    if has_perm(user, CasePermission.READ_STATS):  # planners and auditors: aggregates only
        return [
            WorkCard(
                "cases",
                _("接诉即办考核指标"),
                reverse("cases:kpis"),
                hint=_("辖区内各承办单位的响应率、办结率、满意率"),
                order=50,
            )
        ]
    return []
