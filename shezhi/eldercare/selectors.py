"""Reads of elderly services, always through ``visible_to``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils import timezone

from shezhi.eldercare import policy, rollstate
from shezhi.eldercare.models import (
    Appeal,
    AppealStatus,
    Certification,
    CertState,
    CheckIn,
    Elder,
    ElderStatus,
    LedgerRecord,
    Signal,
)
from shezhi.eldercare.permissions import ElderPermission, has_perm

if TYPE_CHECKING:
    from shezhi.accounts.models import User


def _require(actor: User, perm: ElderPermission) -> None:
    if not has_perm(actor, perm):
        raise PermissionDenied(perm.value)


def elder_list(*, actor: User) -> QuerySet[Elder]:
    _require(actor, ElderPermission.VIEW)
    return Elder.objects.visible_to(actor).select_related(
        "resident__household__compound", "community", "grid"
    )


def elder_get(*, actor: User, pk: int) -> Elder:
    # Area first: another area's person answers 404 to every role, as a missing one does.
    elder = Elder.objects.select_related("resident__household__compound", "community", "grid")
    found = elder.get_visible_or_404(actor, pk=pk)
    _require(actor, ElderPermission.VIEW)
    return found


@dataclass
class Worklist:
    due: list[Elder]
    overdue: list[Elder]
    suspended: list[Elder]
    appeals: list[Appeal]


def worklist(*, actor: User, limit: int = 200) -> Worklist:
    """The community worker's list: due soon, overdue, suspended, and open appeals."""
    qs = elder_list(actor=actor).order_by("cert_due", "pk")
    return Worklist(
        due=list(qs.filter(status=ElderStatus.ELIGIBLE, cert_state=CertState.REMINDED)[:limit]),
        overdue=list(qs.filter(status=ElderStatus.ELIGIBLE, cert_state=CertState.OVERDUE)[:limit]),
        suspended=list(qs.filter(status=ElderStatus.SUSPENDED)[:limit]),
        appeals=list(
            Appeal.objects.visible_to(actor)
            .filter(status=AppealStatus.OPEN)
            .select_related("elder__resident")[:limit]
        ),
    )


def worklist_counts(actor: User) -> dict[str, int]:
    qs = Elder.objects.visible_to(actor)
    return {
        "due": qs.filter(status=ElderStatus.ELIGIBLE, cert_state=CertState.REMINDED).count(),
        "overdue": qs.filter(status=ElderStatus.ELIGIBLE, cert_state=CertState.OVERDUE).count(),
        "suspended": qs.filter(status=ElderStatus.SUSPENDED).count(),
    }


def history(*, elder: Elder) -> tuple[list[Certification], list[LedgerRecord], list[Signal]]:
    certs = list(elder.certifications.select_related("record").prefetch_related("signals__record"))
    records = list(elder.records.order_by("year", "index"))
    signals = list(elder.signals.select_related("record")[:50])
    return certs, records, signals


def record_get(*, actor: User, pk: int) -> LedgerRecord:
    record = LedgerRecord.objects.get_visible_or_404(actor, pk=pk)
    _require(actor, ElderPermission.VIEW)
    return record


def checkin_list(*, actor: User) -> QuerySet[CheckIn]:
    _require(actor, ElderPermission.CHECKINS)
    return CheckIn.objects.visible_to(actor).select_related("compound")


@dataclass
class RollRow:
    elder: Elder
    tier: str
    monthly_yuan: int


@dataclass
class Roll:
    year: int
    month: int
    rows: list[RollRow] = field(default_factory=list)
    entered: list[Elder] = field(default_factory=list)
    exited: list[Elder] = field(default_factory=list)
    suspended: list[Elder] = field(default_factory=list)
    reinstated: list[Elder] = field(default_factory=list)

    @property
    def total_yuan(self) -> int:
        return sum(r.monthly_yuan for r in self.rows)


def roll(*, actor: User, year: int, month: int, community_code: str = "") -> Roll:
    """The monthly roll of the actor's area (or one community in it), from the decisions made
    up to the end of the month: who is paid, who entered, left or was suspended that month."""
    _require(actor, ElderPermission.VIEW)
    start, end = rollstate.month_bounds(year, month)
    elders = {e.commitment: e for e in elder_list(actor=actor)}
    records = LedgerRecord.objects.visible_to(actor).exclude(elder=None).order_by("year", "index")
    if community_code:
        records = records.filter(area_code=community_code)
    bodies = [bytes(r.body) for r in records.only("body")]
    states = rollstate.replay(bodies, end)
    moved = rollstate.changes(bodies, start, end)
    amounts = {t.code: t.monthly_yuan for t in policy.tiers()}
    out = Roll(year=year, month=month)
    for c, tier in sorted(
        rollstate.payable(states).items(), key=lambda kv: elders[kv[0]].pk if kv[0] in elders else 0
    ):
        if c in elders:
            out.rows.append(RollRow(elders[c], tier, amounts.get(tier, 0)))
    out.entered = [elders[c] for c in moved.entered if c in elders]
    out.exited = [elders[c] for c in moved.exited if c in elders]
    out.suspended = [elders[c] for c in moved.suspended if c in elders]
    out.reinstated = [elders[c] for c in moved.reinstated if c in elders]
    return out


def current_month() -> tuple[int, int]:
    today = timezone.localdate()
    return today.year, today.month


def parse_month(value: str | None) -> tuple[int, int]:
    try:
        y, m = (int(p) for p in (value or "").split("-"))
        dt.date(y, m, 1)
        if not 2000 <= y <= 2100:
            raise ValueError
        return y, m
    except (ValueError, TypeError):
        return current_month()
