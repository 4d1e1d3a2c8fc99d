"""Masking is not an oracle: numbers are looked up only by those who may reveal, logged and
throttled; registration does not tell a grid worker what other areas hold."""

import json

import pytest
from django.test import Client

from shezhi.common.identifiers import id_check_digit
from shezhi.people import services
from shezhi.people.models import AccessLog, Resident

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _first_resident(grid) -> Resident:
    return Resident.objects.filter(household__grid__path__startswith=grid.path).order_by("pk").first()


def _decoy(real: str) -> str:
    """Another valid ID number with the same birth date and sex (a candidate under the mask)."""
    seq = (int(real[14:17]) + 2) % 1000
    first17 = f"{real[:14]}{seq:03d}"
    return first17 + id_check_digit(first17)


def test_a_role_without_reveal_cannot_search_by_id_number(world):
    real = _first_resident(world.grid_a).id_number
    sam = _client(world.sam)  # street officer: reads masked, may not reveal
    answers = []
    for number in (real, _decoy(real)):
        page = sam.get("/people/residents/", {"q": number})
        assert page.status_code == 200
        assert page.context["total"] == 0
        api = sam.get("/api/v1/residents", {"q": number})
        assert api.status_code == 422
        answers.append((page.context["total"], api.json()["code"]))
    assert answers[0] == answers[1]  # the real number and a decoy get the same answer
    partial = sam.get("/api/v1/residents", {"q": real[-6:]})
    assert partial.status_code == 422
    page = sam.post("/people/residents/lookup/", {"number": real, "reason": "核实身份信息"})
    assert page.status_code == 403
    api = sam.post(
        "/api/v1/residents/lookup",
        json.dumps({"number": real, "reason": "核实身份信息"}),
        content_type="application/json",
    )
    assert api.status_code == 403


def test_phone_numbers_are_not_searchable_either(world):
    in_a = Resident.objects.filter(household__grid__path__startswith=world.grid_a.path)
    resident = in_a.exclude(phone_index="").first()
    sam = _client(world.sam)
    assert sam.get("/api/v1/residents", {"q": resident.phone}).status_code == 422
    assert sam.get("/people/residents/", {"q": resident.phone}).context["total"] == 0


def test_a_lookup_needs_a_reason_is_logged_masked_and_throttled(world, settings):
    settings.PEOPLE_LOOKUPS_PER_HOUR = 3
    resident = _first_resident(world.grid_a)
    alice = _client(world.alice)
    refused = alice.post("/people/residents/lookup/", {"number": resident.id_number, "reason": ""})
    assert refused.context["found"] is None
    assert not AccessLog.objects.exists()
    found = alice.post("/people/residents/lookup/", {"number": resident.id_number, "reason": "上门核实信息"})
    assert [r.pk for r in found.context["found"]] == [resident.pk]
    log = AccessLog.objects.get()
    assert (log.actor, log.field, log.rows, log.reason) == (world.alice, "lookup", 1, "上门核实信息")
    assert resident.id_number not in log.subject + log.scope
    url = "/people/residents/lookup/"
    alice.post(url, {"number": _decoy(resident.id_number), "reason": "上门核实信息"})
    alice.post(url, {"number": resident.phone or "13800000000", "reason": "电话回访"})
    throttled = alice.post(url, {"number": resident.id_number, "reason": "上门核实信息"})
    assert throttled.context["found"] is None
    assert "上限" in throttled.content.decode()
    assert AccessLog.objects.filter(field="lookup").count() == 3


def test_a_lookup_finds_no_one_outside_the_users_area(world):
    other = _first_resident(world.grid_b)
    found = services.resident_lookup(actor=world.alice, number=other.id_number, reason="核实身份信息")
    assert found == []


def test_registration_does_not_tell_whether_an_id_exists_in_another_area(world):
    household = _first_resident(world.grid_a).household
    elsewhere = _first_resident(world.grid_b).id_number
    with pytest.raises(services.InvalidPeopleData) as info:
        services.resident_create(actor=world.alice, household=household, name="王测试", id_number=elsewhere)
    (problem,) = info.value.problems
    assert problem.code == "not_registrable"
    assert "已登记" not in problem.zh
    assert "exist" not in problem.en
    assert AccessLog.objects.filter(actor=world.alice, field="reg_conflict").count() == 1
    api = _client(world.alice).post(
        "/api/v1/residents",
        json.dumps({"household_id": household.pk, "name": "王测试", "id_number": elsewhere}),
        content_type="application/json",
    )
    assert api.status_code == 422
    assert "exists" not in api.content.decode()
    assert "registered_elsewhere" not in api.content.decode()
