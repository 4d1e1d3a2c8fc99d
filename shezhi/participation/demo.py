"""Synthetic demo data (合成): units and owners in the demo resident's compound, a topic and an open vote."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.participation import rulesets, topics, votes
from shezhi.participation.models import Owner, RuleSet, Topic, Unit, Vote, VoteStatus
from shezhi.places.models import Compound

#: Ten units of a synthetic building: three large, seven small (950 m² in all).
DEMO_AREAS = [
    ("1栋", f"{n}01", Decimal(a)) for n, a in enumerate([200, 200, 200, 50, 50, 50, 50, 50, 50, 50], 1)
]
TOPIC_TITLE = "（合成）加装电梯与维修资金使用"


def seed_units(compound: Compound, *, first_owner: User | None = None) -> list[Unit]:
    """Ten units with synthetic owners; ``first_owner`` owns the first unit (idempotent)."""
    units = []
    for n, (building, room, area) in enumerate(DEMO_AREAS, start=1):
        unit, created = Unit.objects.get_or_create(
            compound=compound,
            building=building,
            room=room,
            defaults={"floor_area": area, "area_source": "合成数据"},
        )
        if created:
            owner = Owner.objects.create(compound=compound, name=f"合成业主{n:02d}")
            unit.owners.add(owner)
        units.append(unit)
    if first_owner is not None:
        Owner.objects.filter(pk__in=units[0].owners.values("pk")).update(user=first_owner)
    return units


@transaction.atomic
def seed(*, resident: User, desk: User) -> dict[str, Any]:
    """The demo resident's compound gets units, a topic and an open vote; a neighbour compound too."""
    rulesets.install()
    compounds = Compound.objects.filter(community=resident.division).order_by("pk")
    home, neighbour = compounds[0], compounds[1] if compounds.count() > 1 else None
    seed_units(home, first_owner=resident)
    made = {"compound": home.name, "votes": 0}
    for compound in [c for c in (home, neighbour) if c is not None]:
        if compound != home:
            seed_units(compound)
        topic = Topic.objects.filter(compound=compound, title=TOPIC_TITLE).first()
        if topic is None:
            topic = topics.topic_raise(
                actor=desk,
                title=TOPIC_TITLE,
                body="合成演示议题：1栋加装电梯，并使用专项维修资金更换老旧供水管。请各位业主参与议事并表决。",
                compound=compound,
                synthetic=True,
            )
            topics.comment_add(
                topic=topic, actor=desk, body="已收集业主意见 12 条，拟提交业主大会表决。", official=True
            )
            topics.topic_advance(topic=topic, actor=desk, minutes="（合成）议事会纪要：同意提交表决。")
        if not Vote.objects.filter(topic=topic).exclude(status=VoteStatus.CLOSED).exists():
            vote = votes.vote_draft(
                topic=topic,
                actor=desk,
                title="（合成）业主共同决定：加装电梯与维修资金",
                rule_set=RuleSet.objects.filter(code="civil-code-278").latest("version"),
                closes_at=timezone.now() + dt.timedelta(days=14),
                quorum="",
                questions=[
                    {"text": "同意续聘现物业服务企业", "style": "single", "matter": "ordinary",
                     "options": ["同意", "反对"], "abstain": True, "max": "1"},
                    {"text": "同意使用专项维修资金更换供水管（第278条第(六)项）", "style": "single",
                     "matter": "special", "options": ["同意", "反对"], "abstain": True, "max": "1"},
                ],
            )  # fmt: skip
            Vote.objects.filter(pk=vote.pk).update(synthetic=True)
            vote.refresh_from_db()
            votes.vote_open(vote=vote, actor=desk)
            made["votes"] += 1
    _seed_extras(resident=resident, desk=desk)
    return made


def _seed_extras(*, resident: User, desk: User) -> None:
    """A satisfaction survey and a volunteer activity next week in the resident's community."""
    from shezhi.participation import volunteers
    from shezhi.participation.models import Activity, Survey, SurveyQuestion

    community = resident.division
    if not Survey.objects.filter(division=community, title="（合成）小区环境满意度测评").exists():
        survey = Survey.objects.create(
            title="（合成）小区环境满意度测评",
            division=community,
            anonymous=True,
            satisfaction=True,
            closes_at=timezone.now() + dt.timedelta(days=30),
            created_by=desk,
            synthetic=True,
        )
        SurveyQuestion.objects.create(survey=survey, order=1, text="您对小区环境卫生满意吗", kind="rating")
        SurveyQuestion.objects.create(
            survey=survey, order=2, text="是否使用过社区食堂", kind="single", options=["是", "否"]
        )
        SurveyQuestion.objects.create(
            survey=survey,
            order=3,
            text="您对社区食堂最关心的是",
            kind="multi",
            options=["价格", "口味", "卫生"],
            show_if={"question": 2, "equals": "是"},
            required=False,
        )
    if not Activity.objects.filter(community=community, title="（合成）周末楼道清扫").exists():
        start = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(days=7)
        volunteers.activity_create(
            actor=desk,
            title="（合成）周末楼道清扫",
            community=community,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=3),
            place="1栋",
            synthetic=True,
        )


def demo_desk(resident: User) -> User:
    desk = User.objects.filter(role=Role.COMMUNITY_WORKER, division=resident.division, is_active=True).first()
    if desk is None:
        raise LookupError("no community worker in the demo resident's community (run demo_accounts)")
    return desk
