"""Least privilege in requests and events: planners read aggregates, not people; only the
handling desk reads the reporter (with a reason, in the one access log) or the free text as
typed; staff file cases only inside their own area."""

import json

import pytest
from django.test import Client

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.tests.helpers import inside, report
from shezhi.people.models import AccessLog

pytestmark = pytest.mark.django_db

TEXT = "楼上漏水，请打13812345678找我，身份证510104199001011234"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def planner(world):
    return User.objects.create_user(
        username="pia", password="pw-pia-planner", role=Role.PLANNER, division=world.dora.division
    )


def test_a_planner_reads_aggregates_but_no_single_case(world, planner):
    case = report(world.alice, world.grid_a, text=TEXT, reporter_name="王五", reporter_phone="13700002222")
    pia = _client(planner)
    assert pia.get("/api/v1/cases").json()["count"] == 0
    assert pia.get(f"/api/v1/cases/{case.code}").status_code == 404
    assert pia.get(f"/api/v1/cases/{case.code}/events").status_code == 404
    assert pia.get(f"/cases/{case.code}/").status_code == 404
    assert pia.post(f"/cases/{case.code}/reveal/", {"reason": "规划调研需要"}).status_code == 404
    assert pia.get("/cases/kpis/").status_code == 200
    assert not AccessLog.objects.exists()


def test_free_text_is_masked_for_readers_who_do_not_handle_the_case(world):
    case = report(world.alice, world.grid_a, text=TEXT)
    auditor = _client(world.audrey).get(f"/api/v1/cases/{case.code}").json()
    assert "13812345678" not in json.dumps(auditor, ensure_ascii=False)
    assert "510104199001011234" not in json.dumps(auditor, ensure_ascii=False)
    assert "138****5678" in auditor["description"]
    desk = _client(world.carol).get(f"/api/v1/cases/{case.code}").json()
    assert "13812345678" in desk["description"]
    assert "13812345678" in _client(world.carol).get(f"/cases/{case.code}/").content.decode()


def test_an_auditor_may_not_reveal_a_reporter(world):
    case = report(world.alice, world.grid_a, reporter_name="王五", reporter_phone="13700002222")
    response = _client(world.audrey).post(f"/cases/{case.code}/reveal/", {"reason": "抽查办理情况"})
    assert response.status_code == 403
    assert "13700002222" not in response.content.decode()


def test_staff_cannot_file_a_case_outside_their_area_through_the_api(world):
    lon, lat = inside(world.grid_y)  # another street's grid
    body = {"service_code": "ZF01", "description": "路灯不亮", "lon": lon, "lat": lat}
    alice = _client(world.alice)
    response = alice.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert response.status_code in (400, 403, 422)
    assert response.json()["code"] == "outside_jurisdiction"
    lon, lat = inside(world.grid_a)
    body.update(lon=lon, lat=lat)
    inside_area = alice.post("/api/v1/cases", json.dumps(body), content_type="application/json")
    assert inside_area.status_code == 201
