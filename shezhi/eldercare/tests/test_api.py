"""The API: scoped by visible_to; refusals have the one error shape and append nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from shezhi.eldercare import logbook
from shezhi.eldercare.models import Elder
from shezhi.eldercare.tests.conftest import TZ, jpeg


@pytest.fixture(autouse=True)
def _december_2026():
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, tzinfo=TZ), tick=True):
        yield


def api(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def size() -> int:
    return logbook.read_checkpoint(2026).size


def test_elders_are_listed_only_in_ones_area(world, elders):
    got = {e["id"] for e in api(world.alice).get("/api/v1/eldercare/elders").json()["items"]}
    assert got == set(Elder.objects.visible_to(world.alice).values_list("pk", flat=True))
    assert api(world.tina).get("/api/v1/eldercare/elders").json()["items"] == []
    other = Elder.objects.visible_to(world.bob).first()
    assert api(world.alice).get(f"/api/v1/eldercare/elders/{other.pk}").status_code == 404


def test_certify_outside_the_area_is_404_and_appends_nothing(world, elders):
    other = Elder.objects.visible_to(world.bob).first()
    before = size()
    response = api(world.alice).post(
        f"/api/v1/eldercare/elders/{other.pk}/certifications", {"method": "centre"}
    )
    assert response.status_code == 404
    assert set(response.json()) == {"code", "message", "message_en", "details"}
    assert size() == before


def test_visit_with_photo_then_duplicate_is_409(world, elders):
    mine = Elder.objects.visible_to(world.alice).first()
    c = api(world.alice)
    response = c.post(
        f"/api/v1/eldercare/elders/{mine.pk}/certifications",
        {"method": "visit", "lon": "104.08", "lat": "30.66", "photo": jpeg()},
    )
    assert response.status_code == 201, response.content
    assert response.json()["record"]["event"] == "certification"
    before = size()
    again = c.post(f"/api/v1/eldercare/elders/{mine.pk}/certifications", {"method": "centre"})
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_certification"
    assert size() == before
    receipt = c.get(f"/api/v1/eldercare/records/{response.json()['record']['id']}/receipt")
    assert receipt.content.startswith(b"c2sp.org/tlog-proof@v1")


def test_signal_for_unknown_person_is_a_precise_404(world, elders):
    before = size()
    response = api(world.carol).post(
        "/api/v1/eldercare/elders/987654/signals",
        {"kind": "medical", "observed_at": "2026-12-01T10:00:00+08:00", "ref": "H-1"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert response.json()["code"] == "unknown_person"
    assert size() == before
    ok = api(world.carol).post(
        f"/api/v1/eldercare/elders/{elders[0].pk}/signals",
        {"kind": "medical", "observed_at": "2026-12-01T10:00:00+08:00", "ref": "H-1"},
        content_type="application/json",
    )
    assert ok.status_code == 201
    assert size() == before + 1


def test_roll_and_worklist(world, elders):
    roll = api(world.carol).get("/api/v1/eldercare/roll", {"month": "2026-01"}).json()
    assert len(roll["rows"]) == len(elders)
    assert roll["total_yuan"] == sum(e.monthly_yuan for e in elders)
    assert set(api(world.carol).get("/api/v1/eldercare/worklist").json()) == {"due", "overdue", "suspended"}
