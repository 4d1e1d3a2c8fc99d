"""The /api/v1/cases operations: scoped reads, intake and actions with the one error shape."""

from __future__ import annotations

from django.test import Client

from shezhi.cases.models import Case
from shezhi.cases.tests.helpers import inside, report


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_detail_and_timeline_are_scoped(world):
    case = report(world.alice, world.grid_a, reporter_phone="13700002222")
    alice = _client(world.alice)
    codes = [c["code"] for c in alice.get("/api/v1/cases").json()["items"]]
    assert case.code in codes
    assert case.code not in [c["code"] for c in _client(world.bob).get("/api/v1/cases").json()["items"]]
    detail = alice.get(f"/api/v1/cases/{case.code}").json()
    assert detail["reporter"] == "137****2222"
    assert detail["state"] == "dispatched"
    events = alice.get(f"/api/v1/cases/{case.code}/events").json()
    assert [e["kind"] for e in events][:2] == ["created", "routed"]
    assert _client(world.tina).get(f"/api/v1/cases/{case.code}").status_code == 404


def test_intake_and_actions_report_problems_in_the_error_shape(world):
    alice = _client(world.alice)
    lon, lat = inside(world.grid_a)
    response = alice.post(
        "/api/v1/cases",
        {"service_code": "ZF01", "description": "邻里纠纷", "lon": lon, "lat": lat},
        content_type="application/json",
    )
    assert response.status_code == 201
    code = response.json()["code"]
    before = Case.objects.count()
    bad = alice.post(
        "/api/v1/cases",
        {"service_code": "ZF01", "description": "<script>x</script>", "lon": lon, "lat": lat},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert set(bad.json()) == {"code", "message", "message_en", "details"}
    assert bad.json()["details"][0]["field"] == "description"
    assert Case.objects.count() == before
    ok = alice.post(f"/api/v1/cases/{code}/actions", {"action": "sign"}, content_type="application/json")
    assert ok.json()["state"] == "signed"
    wrong = alice.post(
        f"/api/v1/cases/{code}/actions", {"action": "approve"}, content_type="application/json"
    )
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "illegal_transition"
    assert Case.objects.get(code=code).state == "signed"


def test_an_unknown_service_code_is_a_400_in_the_error_shape(world):
    response = _client(world.alice).post(
        "/api/v1/cases", {"service_code": "NOPE", "description": "x"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "unknown_service"
