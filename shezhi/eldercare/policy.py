"""The policy as data: allowance tiers, certification deadlines and the passive rule sets.

Every figure here is a documented default an installation overrides in settings
(``ELDERCARE_TIERS``, ``ELDERCARE_ELIGIBLE_STATUSES``, ``ELDERCARE_EXCLUDED_TAGS``,
``ELDERCARE_REMIND_DAYS``, ``ELDERCARE_GRACE_DAYS``, ``ELDERCARE_FIRST_DUE_DAYS``,
``ELDERCARE_PASSIVE_RULE``). The amounts are placeholders of the common three-band scheme
(高龄津贴: 80–89, 90–99, 100 岁及以上); the district's own notice sets the real ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Tier:
    """One age band of the old-age allowance (高龄津贴) and its monthly amount in yuan."""

    code: str
    min_age: int
    max_age: int | None
    monthly_yuan: int

    def covers(self, age: int) -> bool:
        return age >= self.min_age and (self.max_age is None or age <= self.max_age)


DEFAULT_TIERS: tuple[Tier, ...] = (
    Tier("80-89", 80, 89, 100),
    Tier("90-99", 90, 99, 300),
    Tier("100+", 100, None, 500),
)


@dataclass(frozen=True)
class PassiveRule:
    """A versioned 无感认证 rule: how many independent signals within how many days."""

    version: str
    window_days: int
    min_signals: int
    min_kinds: int  # independent: signals of at least this many different kinds
    min_weight: int


PASSIVE_RULES: dict[str, PassiveRule] = {
    # two independent signals (different kinds) within 90 days
    "passive-v1": PassiveRule("passive-v1", window_days=90, min_signals=2, min_kinds=2, min_weight=2),
}

#: The rule version of manual (visit, self, centre) certification and of eligibility decisions.
CERT_RULE = "cert-v1"
ELIGIBILITY_RULE = "eligibility-v1"


def tiers() -> tuple[Tier, ...]:
    raw = getattr(settings, "ELDERCARE_TIERS", None)
    if not raw:
        return DEFAULT_TIERS
    return tuple(Tier(t["code"], int(t["min_age"]), t.get("max_age"), int(t["monthly_yuan"])) for t in raw)


def tier_for(age: int) -> Tier | None:
    return next((t for t in tiers() if t.covers(age)), None)


def min_age() -> int:
    return min(t.min_age for t in tiers())


def eligible_statuses() -> frozenset[str]:
    return frozenset(getattr(settings, "ELDERCARE_ELIGIBLE_STATUSES", ("registered", "resident")))


def excluded_tags() -> frozenset[str]:
    return frozenset(getattr(settings, "ELDERCARE_EXCLUDED_TAGS", ()))


def remind_days() -> int:
    """Days before the due date when the first reminder goes out."""
    return int(getattr(settings, "ELDERCARE_REMIND_DAYS", 30))


def grace_days() -> int:
    """Days after the due date before an unconfirmed allowance is suspended."""
    return int(getattr(settings, "ELDERCARE_GRACE_DAYS", 60))


def first_due_days() -> int:
    """Days a new entrant has for the first certification."""
    return int(getattr(settings, "ELDERCARE_FIRST_DUE_DAYS", 90))


def passive_rule() -> PassiveRule:
    return PASSIVE_RULES[getattr(settings, "ELDERCARE_PASSIVE_RULE", "passive-v1")]


def next_due(certified_on: dt.date) -> dt.date:
    """One year after a certification (29 February → 28 February)."""
    try:
        return certified_on.replace(year=certified_on.year + 1)
    except ValueError:
        return certified_on.replace(year=certified_on.year + 1, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
