"""A compound of 10 units with known areas and one owner account each (D is jointly owned)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.participation.models import (
    Matter,
    Option,
    Owner,
    Question,
    RuleSet,
    ScopeLevel,
    Topic,
    Unit,
    Vote,
)
from shezhi.places.models import Compound

AREAS = {"A": 200, "B": 200, "C": 200, **dict.fromkeys("DEFGHIJ", 50)}


@dataclass
class Estate:
    compound: Compound
    owners: dict[str, User]  # unit letter -> owner account
    joint: User  # D's second owner
    units: dict[str, Unit]


def make_estate(compound: Compound, prefix: str = "o") -> Estate:
    owners, units = {}, {}
    for letter, area in AREAS.items():
        unit = Unit.objects.create(
            compound=compound, building="1栋", room=f"{letter}01", floor_area=Decimal(area)
        )
        user = User.objects.create_user(
            username=f"{prefix}{letter.lower()}",
            password="pw",
            role=Role.RESIDENT,
            division=compound.community,
        )
        unit.owners.add(Owner.objects.create(compound=compound, name=f"业主{letter}", user=user))
        owners[letter], units[letter] = user, unit
    joint = User.objects.create_user(
        username=f"{prefix}d2", password="pw", role=Role.RESIDENT, division=compound.community
    )
    units["D"].owners.add(Owner.objects.create(compound=compound, name="业主D2", user=joint))
    return Estate(compound, owners, joint, units)


def make_vote(
    compound: Compound, *, rule: str = "civil-code-278", hours: int = 24, author: User | None = None
) -> Vote:
    topic = Topic.objects.create(
        title="维修资金与物业续聘",
        body="合成议题",
        origin="owners_committee",
        scope_level=ScopeLevel.COMPOUND,
        compound=compound,
        division=compound.community,
        grid=compound.grid,
        raised_by=author,
    )
    vote = Vote.objects.create(
        topic=topic,
        title="业主大会表决",
        rule_set=RuleSet.objects.filter(code=rule).latest("version"),
        compound=compound,
        closes_at=timezone.now() + dt.timedelta(hours=hours),
        created_by=author,
    )
    for order, (text, matter) in enumerate(
        [("续聘物业服务企业", Matter.ORDINARY), ("使用维修资金更换电梯", Matter.SPECIAL)], start=1
    ):
        q = Question.objects.create(vote=vote, order=order, text=text, matter=matter)
        for n, (label, abstain) in enumerate([("同意", False), ("反对", False), ("弃权", True)], start=1):
            Option.objects.create(question=q, order=n, label=label, is_abstain=abstain)
    return vote


def choice(vote: Vote, *labels: str) -> dict[str, list[int]]:
    """``choice(vote, "同意", "反对")``: option of that label on each question in order."""
    out = {}
    for q, label in zip(vote.questions.order_by("order"), labels, strict=True):
        out[str(q.pk)] = [q.options.get(label=label).pk]
    return out
