"""The life-circle part in the navigation and on the 工作台 (planners and leaders)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from shezhi.accounts.roles import STAFF_ROLES, Role
from shezhi.common.nav import NavItem, WorkCard
from shezhi.lifecircle import figures, selectors, services
from shezhi.lifecircle.models import RunStatus, Walker


def nav_items(user: Any) -> list[NavItem]:
    items: list[NavItem] = []
    if services.may_analyse(user):
        items += [
            NavItem("lifecircle", _("生活圈评估"), reverse("lifecircle:runs"), order=10),
            NavItem("lifecircle", _("设施导入"), reverse("lifecircle:facility_import"), order=30),
        ]
    if user.is_superuser or user.role in STAFF_ROLES:
        items.append(NavItem("lifecircle", _("配置标准"), reverse("lifecircle:standard"), order=20))
    if not user.is_superuser and user.role in (Role.RESIDENT, Role.PARTNER):
        items.append(
            NavItem(
                "lifecircle", _("附近服务"), reverse("home") + "#nearby", order=30, phone=True, icon="pin"
            )
        )
    return items


def work_cards(user: Any) -> list[WorkCard]:
    if not services.may_analyse(user):
        return []
    runs = selectors.run_list(actor=user)
    cards: list[WorkCard] = []
    running = runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).count()
    if running:
        cards.append(
            WorkCard("lifecircle", _("评估进行中"), reverse("lifecircle:runs"), count=running, order=5)
        )
    # The adults' evaluation is the picture; the elderly view is one click further.
    done = runs.filter(status=RunStatus.DONE).order_by("-finished_at")
    latest = done.filter(walker=Walker.ADULT).first() or done.first()
    if latest is None:
        cards.append(
            WorkCard(
                "lifecircle",
                _("发起生活圈评估"),
                reverse("lifecircle:runs"),
                tone="action" if user.role == Role.PLANNER else "info",
                hint=_("辖区内还没有完成的评估"),
                order=10,
            )
        )
        return cards
    fig = figures.scope_figures(actor=user, run=latest)
    coverage = next((i for i in fig.indicators if i.key == "coverage"), None)
    cards.append(
        WorkCard(
            "lifecircle",
            _("生活圈覆盖"),
            reverse("lifecircle:run", args=[latest.pk]),
            hint=_("%(area)s：基础保障型要素户数覆盖率 %(v)s%%")
            % {"area": latest.area.name, "v": coverage.value if coverage else "—"},
            order=10,
        )
    )
    cards.append(
        WorkCard(
            "lifecircle",
            _("短板清单"),
            reverse("lifecircle:run_gaps", args=[latest.pk]),
            count=fig.gaps,
            tone="warn" if fig.gaps else "ok",
            hint=_("%(area)s 评估 #%(n)s") % {"area": latest.area.name, "n": latest.pk},
            order=12,
        )
    )
    if user.role == Role.PLANNER or user.is_superuser:
        cards.append(
            WorkCard(
                "lifecircle",
                _("生活圈评估"),
                reverse("lifecircle:runs"),
                count=runs.count(),
                hint=_("发起新评估、情景推演、选址推荐"),
                order=14,
            )
        )
    return cards
