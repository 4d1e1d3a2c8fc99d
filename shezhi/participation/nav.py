"""Navigation and 工作台 cards of participation."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shezhi.common.nav import NavItem, WorkCard
from shezhi.participation.models import VoteStatus
from shezhi.participation.permissions import ParticipationPermission as P
from shezhi.participation.permissions import has_perm


def nav_items(user: Any) -> list[NavItem]:
    if not has_perm(user, P.READ):
        return []
    url = reverse("participation:index")
    volunteer = reverse("participation:volunteer")
    if has_perm(user, P.TAKE_PART):
        return [
            # After 随手拍 (10), 我的诉求 (20) and 附近服务 (30): a resident's phone bar keeps those.
            NavItem("participation", _("小区议事"), url, order=35, phone=True, icon="vote"),
            NavItem("participation", _("志愿服务"), volunteer, order=45, phone=True, icon="heart"),
            NavItem("participation", _("机会清单"), reverse("participation:opportunities"), order=50),
            NavItem("participation", _("我的通知"), reverse("participation:notifications"), order=60),
        ]
    return [
        NavItem("participation", _("议事协商"), url, order=10),
        NavItem("participation", _("志愿服务"), volunteer, order=20),
        NavItem("participation", _("在职党员“1116”报告"), reverse("participation:report_1116"), order=30),
        NavItem("participation", _("机会清单"), reverse("participation:opportunities"), order=40),
    ]


def work_cards(user: Any) -> list[WorkCard]:
    from shezhi.participation.models import Participation
    from shezhi.participation.topics import vote_list

    if not has_perm(user, P.READ):
        return []
    url = reverse("participation:index")
    votes = vote_list(actor=user)
    if has_perm(user, P.MANAGE):
        due = votes.filter(status=VoteStatus.OPEN, closes_at__lte=timezone.now()).count()
        cards = [
            WorkCard(
                "participation", _("表决中"), url, votes.filter(status=VoteStatus.OPEN).count(), order=10
            )
        ]
        if due:
            cards.append(WorkCard("participation", _("已到截止时间待计票"), url, due, tone="warn", order=11))
        return cards
    if not has_perm(user, P.TAKE_PART):
        return []
    open_votes = votes.filter(status=VoteStatus.OPEN, closes_at__gt=timezone.now(), roll__voters=user)
    done = (
        Participation.objects.filter(vote__in=open_votes, entry__voters=user)
        .values("vote")
        .distinct()
        .count()
    )
    waiting = open_votes.distinct().count() - done
    cards = []
    if waiting > 0:
        cards.append(WorkCard("participation", _("待我表决"), url, waiting, tone="warn", order=10))
    from shezhi.participation.notify import unread

    notices = unread(user)
    if notices:
        cards.append(
            WorkCard(
                "participation", _("未读通知"), reverse("participation:notifications"), notices, order=20
            )
        )
    return cards
