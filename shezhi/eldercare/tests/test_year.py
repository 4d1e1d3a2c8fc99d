"""A year (and a bit) simulated day by day with frozen time over synthetic elderly residents.

Every morning the clock's work runs (the certification scan; on the 1st the eligibility
roll; the checkpoint is published and, after New Year, the old year frozen). Visits,
signals, check-ins and a family's certification happen on set days. Then the monthly roll
the community pays is compared with a replay of the public log read from its tiles.
"""

from __future__ import annotations

import datetime as dt
import json

import time_machine

from shezhi.eldercare import logbook, publishing, rollstate, selectors, services
from shezhi.eldercare.models import CertState, Elder, ElderStatus, Reminder
from shezhi.eldercare.tests.conftest import TZ, at
from shezhi.ledger.tiles import DirectorySource, TileReader
from shezhi.people.models import Resident


def log_entries(year: int) -> list[bytes]:
    if not logbook.exists(year):
        return []
    size = logbook.read_checkpoint(year).size
    reader = TileReader(DirectorySource(logbook.log_dir(year)), size)
    return [reader.entry(i) for i in range(size)]


def test_a_year_of_certifications(world, elders):
    community = world.grid_a.community
    residents = Resident.objects.filter(household__community=community).select_related("household")
    by_age = sorted(elders, key=lambda e: e.resident.birth_date, reverse=True)  # youngest first
    a, b, c, d = by_age[:4]
    waiting = Resident.objects.filter(
        household__community=community, elder=None, birth_date__lte=dt.date(1946, 12, 31)
    )
    turning_80 = {r.pk: r.birth_date.replace(year=2026) for r in waiting if r.birth_date.year == 1946}
    entered_on: dict[int, dt.date] = {}
    code_d = services.person_code_issue(actor=world.carol, elder=d)
    code_b = services.person_code_issue(actor=world.carol, elder=b)

    day = dt.date(2026, 1, 6)
    while day <= dt.date(2027, 3, 15):
        with time_machine.travel(dt.datetime.combine(day, dt.time(9), tzinfo=TZ), tick=False):
            if day.day == 1:
                report = services.eligibility_scan(residents=residents)
                for pk in report.entered:
                    entered_on[Elder.objects.get(pk=pk).resident_id] = day
            services.deadline_scan()
            if day == dt.date(2026, 2, 10):
                services.certify(actor=world.carol, elder_pk=a.pk, method="centre")
            if day == dt.date(2026, 3, 20):
                services.signal_record(
                    actor=world.carol,
                    elder_pk=b.pk,
                    kind="visit",
                    observed_at=at(2026, 3, 20, 8),
                    source="grid:visit",
                )
            if day == dt.date(2026, 3, 25):
                services.checkin_register(
                    actor=world.rita,
                    compound=b.resident.household.compound,
                    name="合成老人",
                    from_place="本小区",
                    arrived_on=day,
                    code=code_b,
                )
            if day == dt.date(2026, 7, 1):
                services.self_certify(code=code_d)
            if day == dt.date(2027, 1, 20):
                services.certify(actor=world.carol, elder_pk=a.pk, method="centre")
            if day.day in (1, 15):
                publishing.publish_year(day.year, trigger="schedule")
                if day == dt.date(2027, 1, 1):
                    publishing.publish_year(2026, trigger="schedule")  # the year is over: frozen
        day += dt.timedelta(days=1)

    for e in (a, b, c, d):
        e.refresh_from_db()
    # A: certified at the centre on 10 Feb; reminded 30 days before the next due date; again in 2027.
    assert list(a.certifications.values_list("year", "method")) == [(2027, "centre"), (2026, "centre")]
    assert Reminder.objects.filter(
        elder=a, kind=CertState.REMINDED, created_at__date=dt.date(2027, 1, 11)
    ).exists()
    assert a.cert_due == dt.date(2028, 1, 20)
    assert a.status == ElderStatus.ELIGIBLE
    # B: reminded 6 March (due 5 April); a visit on 20 March and a check-in on 25 March: passive that day.
    cert_b = b.certifications.get(year=2026)
    assert cert_b.method == "passive"
    assert timezone_date(cert_b.certified_at) == dt.date(2026, 3, 25)
    assert sorted(cert_b.signals.values_list("kind", flat=True)) == ["checkin", "visit"]
    # C: never certified: reminded 6 March, overdue 6 April, suspended 5 June (60 days' grace).
    assert [(r.kind, timezone_date(r.created_at)) for r in c.reminders.order_by("created_at")] == [
        ("reminded", dt.date(2026, 3, 6)),
        ("overdue", dt.date(2026, 4, 6)),
    ]
    suspension = c.records.get(event="suspension")
    assert timezone_date(suspension.created_at) == dt.date(2026, 6, 5)
    assert c.status == ElderStatus.SUSPENDED
    # D: suspended too, then the family certified with the person's code on 1 July: reinstated.
    assert [r.event for r in d.records.all()][-3:] == ["suspension", "certification", "reinstatement"]
    assert d.status == ElderStatus.ELIGIBLE
    assert d.last_certified_on == dt.date(2026, 7, 1)
    assert turning_80
    assert entered_on
    # Those who turned 80 entered the roll on the 1st after their birthday.
    for resident_pk, birthday in turning_80.items():
        first = (
            birthday
            if birthday.day == 1
            else (birthday.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        )
        if (
            first <= dt.date(2027, 3, 1)
            and Resident.objects.get(pk=resident_pk).household.status != "floating"
        ):
            assert entered_on.get(resident_pk) == first

    # The 2026 log was frozen on New Year's Day; 2027's decisions are in the 2027 log.
    cp2026 = logbook.read_checkpoint(2026)
    assert cp2026.checkpoint.frozen
    assert cp2026.witnesses
    entries = log_entries(2026) + log_entries(2027)
    from shezhi.eldercare.models import LedgerRecord

    db = {(r.year, r.index): bytes(r.body) for r in LedgerRecord.objects.all()}
    assert len(db) == len(entries)
    assert [db[(2026, i)] for i in range(len(log_entries(2026)))] == log_entries(2026)

    # The roll the community pays agrees with the public log, month by month.
    prefix = community.code
    for year, month in [(2026, m) for m in range(1, 13)] + [(2027, 1), (2027, 2)]:
        roll = selectors.roll(actor=world.carol, year=year, month=month)
        paid = {row.elder.commitment: row.tier for row in roll.rows}
        _, end = rollstate.month_bounds(year, month)
        from_log = rollstate.payable(rollstate.replay(entries, end), prefix)
        assert paid == from_log, (year, month)
        if (year, month) == (2026, 6):
            assert c.commitment not in paid
            assert d.commitment not in paid
            assert {c, d} <= set(roll.suspended)
        if (year, month) == (2026, 7):
            assert d.commitment in paid
            assert c.commitment not in paid
            assert d in roll.reinstated
    # the entries name nobody
    for raw in entries:
        body = json.loads(raw)
        assert set(body) <= {
            "v",
            "event",
            "person",
            "area",
            "rule",
            "time",
            "actor",
            "decision",
            "tier",
            "reason",
            "method",
            "year",
            "signals",
            "kind",
            "weight",
            "observed",
            "source",
            "due",
            "appeal",
        }


def timezone_date(value: dt.datetime) -> dt.date:
    return value.astimezone(TZ).date()
