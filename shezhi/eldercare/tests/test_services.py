"""Eligibility, certification, signals and appeals: each decision appended once, refusals never."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.http import Http404

from shezhi.common.errors import AppError
from shezhi.eldercare import logbook, policy, services
from shezhi.eldercare.models import CertMethod, CertState, Elder, ElderStatus, LedgerRecord, SignalKind
from shezhi.eldercare.tests.conftest import at, jpeg
from shezhi.ledger.entries import require_canonical_json
from shezhi.ledger.tiles import DirectorySource, TileReader


def log_size(year: int = 2026) -> int:
    if not logbook.exists(year):
        return 0
    return logbook.read_checkpoint(year).size


def test_tiers_are_data_with_documented_defaults(settings):
    assert [t.code for t in policy.tiers()] == ["80-89", "90-99", "100+"]
    assert policy.tier_for(79) is None
    assert policy.tier_for(80).code == "80-89"
    assert policy.tier_for(100).code == "100+"
    settings.ELDERCARE_TIERS = [{"code": "75+", "min_age": 75, "max_age": None, "monthly_yuan": 50}]
    assert policy.tier_for(76).monthly_yuan == 50


def test_eligibility_from_birth_date_status_and_tags(elders):
    for e in elders:
        r = e.resident
        age = policy.age_on(r.birth_date, dt.date(2026, 1, 5))
        assert age >= 80
        assert r.household.status != "floating"
        assert e.tier == policy.tier_for(age).code
    # one entry per entrant, no personal data, canonical
    records = LedgerRecord.objects.filter(event="eligibility")
    assert records.count() == len(elders) == log_size()
    for rec in records:
        body = require_canonical_json(bytes(rec.body))
        assert set(body) == {"v", "event", "person", "area", "rule", "time", "actor", "decision", "tier"}
        assert body["person"] == rec.elder.commitment
        text = bytes(rec.body).decode()
        assert rec.elder.resident.name not in text
        assert rec.elder.resident.id_number not in text
        assert rec.elder.resident.birth_date.isoformat() not in text


def test_scan_again_appends_nothing(world, elders):
    before = log_size()
    report = services.eligibility_scan(now=at(2026, 1, 6), actor=world.carol)
    assert report.entered == []
    assert log_size() == before


def test_visit_certification_with_photo_and_geotag(world, elders):
    elder = Elder.objects.visible_to(world.alice).first()
    cert = services.certify(
        actor=world.alice,
        elder_pk=elder.pk,
        method=CertMethod.VISIT,
        now=at(2026, 2, 1),
        photo=jpeg(),
        lon=104.08,
        lat=30.66,
    )
    assert cert.photo
    assert cert.record.event == "certification"
    elder.refresh_from_db()
    assert elder.cert_state == CertState.CURRENT
    assert elder.cert_due == dt.date(2027, 2, 1)
    body = json.loads(bytes(cert.record.body))
    assert body["method"] == "visit"
    assert body["actor"] == "grid_worker"
    # the served tile holds the same bytes
    reader = TileReader(DirectorySource(logbook.log_dir(2026)), log_size())
    assert reader.entry(cert.record.index) == bytes(cert.record.body)


def test_visit_without_photo_or_geotag_is_refused_and_appends_nothing(world, elders):
    elder = Elder.objects.visible_to(world.alice).first()
    before = log_size()
    with pytest.raises(AppError) as exc:
        services.certify(actor=world.alice, elder_pk=elder.pk, method="visit", now=at(2026, 2, 1))
    assert {p.code for p in exc.value.problems} == {"photo_required", "geotag_required"}
    assert log_size() == before


def test_duplicate_certification_in_the_same_year_is_refused(world, elders):
    elder = elders[0]
    services.certify(actor=world.carol, elder_pk=elder.pk, method="centre", now=at(2026, 3, 1))
    before = log_size()
    with pytest.raises(AppError) as exc:
        services.certify(actor=world.carol, elder_pk=elder.pk, method="centre", now=at(2026, 11, 1))
    assert exc.value.code == "duplicate_certification"
    assert exc.value.status == 409
    assert "2026" in str(exc.value.zh)
    assert log_size() == before


def test_a_worker_outside_the_area_gets_404_and_nothing_is_appended(world, elders):
    elder = elders[0]
    outsider = world.tina  # street staff of another street
    before = log_size()
    with pytest.raises((Http404, Exception)):
        services.certify(actor=outsider, elder_pk=elder.pk, method="centre", now=at(2026, 3, 1))
    other_grid = Elder.objects.visible_to(world.bob).first()
    with pytest.raises(Http404):
        services.certify(actor=world.alice, elder_pk=other_grid.pk, method="centre", now=at(2026, 3, 1))
    assert log_size() == before


def test_signal_for_an_unknown_person_is_refused(world, elders):
    before = log_size()
    with pytest.raises(AppError) as exc:
        services.signal_record(
            actor=world.carol,
            elder_pk=999999,
            kind="visit",
            observed_at=at(2026, 2, 1),
            source="grid:x",
            now=at(2026, 2, 1),
        )
    assert exc.value.code == "unknown_person"
    assert exc.value.status == 404
    assert log_size() == before


def test_two_independent_signals_certify_passively_citing_their_entries(world, elders):
    elder, other = elders[0], elders[1]
    now = at(2026, 3, 10)
    services.deadline_scan(now=now)  # due 5 April: reminded from 6 March
    elder.refresh_from_db()
    assert elder.cert_state == CertState.REMINDED
    s1 = services.signal_record(
        actor=world.carol,
        elder_pk=elder.pk,
        kind=SignalKind.VISIT,
        observed_at=at(2026, 3, 1),
        source="volunteer:1",
        now=now,
    )
    elder.refresh_from_db()
    assert elder.cert_state == CertState.REMINDED  # one signal is not enough
    s2 = services.signal_record(
        actor=None,
        elder_pk=elder.pk,
        kind=SignalKind.PENSION,
        observed_at=at(2026, 3, 9),
        source="import:pension",
        ref="P-1",
        now=now,
    )
    elder.refresh_from_db()
    assert elder.cert_state == CertState.CURRENT
    cert = elder.certifications.get()
    assert cert.method == "passive"
    assert cert.rule_version == "passive-v1"
    body = json.loads(bytes(cert.record.body))
    assert sorted(body["signals"]) == sorted([[2026, s1.record.index], [2026, s2.record.index]])
    assert set(cert.signals.all()) == {s1, s2}
    # the same import twice is refused
    with pytest.raises(AppError) as exc:
        services.signal_record(
            actor=None,
            elder_pk=elder.pk,
            kind=SignalKind.PENSION,
            observed_at=at(2026, 3, 9),
            source="import:pension",
            ref="P-1",
            now=now,
        )
    assert exc.value.code == "duplicate_signal"
    # two signals of one kind are not independent
    for day in (1, 5):
        services.signal_record(
            actor=world.carol,
            elder_pk=other.pk,
            kind="visit",
            observed_at=at(2026, 3, day),
            source="grid:1",
            now=now,
        )
    other.refresh_from_db()
    assert other.cert_state == CertState.REMINDED


def test_the_person_code_lets_family_certify(elders, world):
    elder = elders[0]
    code = services.person_code_issue(actor=world.carol, elder=elder)
    cert = services.self_certify(code=code.lower(), now=at(2026, 4, 1))
    assert cert.method == "self"
    assert cert.actor is None
    with pytest.raises(AppError) as exc:
        services.self_certify(code="WRONGCODE234", now=at(2026, 4, 1))
    assert exc.value.code == "unknown_code"


def test_exit_by_death_and_no_certification_after(world, elders):
    elder = elders[0]
    services.elder_exit(actor=world.carol, elder=elder, reason="death", now=at(2026, 5, 1))
    elder.refresh_from_db()
    assert elder.status == ElderStatus.EXITED
    with pytest.raises(AppError):
        services.certify(actor=world.carol, elder_pk=elder.pk, method="centre", now=at(2026, 5, 2))


def test_moving_out_exits_at_the_next_roll(world, elders):
    elder = elders[0]
    from shezhi.places.models import Compound

    other = Compound.objects.exclude(community=elder.community).first()
    h = elder.resident.household
    h.compound = other
    h.room = "MOVED-1"
    h.save()
    report = services.eligibility_scan(now=at(2026, 2, 1), actor=world.carol)
    assert elder.pk in report.exited
    elder.refresh_from_db()
    assert elder.exit_reason == "moved_out"


def test_suspension_then_appeal_reinstates(world, elders):
    elder = elders[0]
    due = elder.cert_due
    services.deadline_scan(now=at(due.year, due.month, due.day) + dt.timedelta(days=1))
    elder.refresh_from_db()
    assert elder.cert_state == CertState.OVERDUE
    services.deadline_scan(now=at(due.year, due.month, due.day) + dt.timedelta(days=policy.grace_days() + 1))
    elder.refresh_from_db()
    assert elder.status == ElderStatus.SUSPENDED
    appeal = services.appeal_file(
        actor=world.carol, elder_pk=elder.pk, reason="老人住院，家属已电话确认", now=at(2026, 7, 1)
    )
    services.appeal_decide(
        actor=world.carol, appeal_pk=appeal.pk, upheld=True, note="属实", now=at(2026, 7, 2)
    )
    elder.refresh_from_db()
    assert elder.status == ElderStatus.ELIGIBLE
    events = list(elder.records.values_list("event", flat=True))
    assert events == ["eligibility", "suspension", "appeal", "appeal", "certification", "reinstatement"]


def test_checkin_with_a_person_code_is_a_signal(world, elders):
    elder = elders[0]
    code = services.person_code_issue(actor=world.carol, elder=elder)
    checkin = services.checkin_register(
        actor=world.rita,
        compound=elder.resident.household.compound,
        name="张三",
        from_place="成都市武侯区",
        arrived_on=dt.date(2026, 3, 1),
        code=code,
        now=at(2026, 3, 2),
    )
    assert checkin.elder == elder
    assert elder.signals.get().kind == "checkin"
    with pytest.raises(AppError) as exc:
        services.checkin_register(
            actor=world.rita,
            compound=elder.resident.household.compound,
            name="",
            from_place="",
            arrived_on=dt.date(2030, 1, 1),
            now=at(2026, 3, 2),
        )
    assert {p.field for p in exc.value.problems} == {"name", "from_place", "arrived_on"}
