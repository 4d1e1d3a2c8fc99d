"""Open311 GeoReport v2 conformance: every endpoint in JSON and XML, the spec's errors."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from shezhi.cases.models import Case, Open311Client
from shezhi.cases.tests.helpers import inside
from shezhi.cases.workflow import State

TZ = ZoneInfo("Asia/Shanghai")
FORMATS = ["json", "xml"]


@pytest.fixture
def key(world) -> str:
    _client, raw = Open311Client.issue(name="街道小程序", user=world.sam)
    return raw


def _parse(response, fmt: str):
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json")
        return response.json()
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def _errors(response, fmt: str) -> list[tuple[str, str]]:
    body = _parse(response, fmt)
    if fmt == "json":
        return [(str(e["code"]), e["description"]) for e in body]
    assert body.tag == "errors"
    return [(e.findtext("code"), e.findtext("description")) for e in body.findall("error")]


def _post(client: Client, fmt: str, **data):
    return client.post(f"/open311/v2/requests.{fmt}", data)  # form-encoded, as the spec says


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(world, fmt):
    body = _parse(Client().get(f"/open311/v2/discovery.{fmt}"), fmt)
    if fmt == "json":
        endpoint = body["endpoints"][0]
        assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
        assert set(endpoint["formats"]) == {"text/xml", "application/json"}
        assert endpoint["url"].endswith("/open311/v2/")
        assert "+08:00" in body["changeset"]
    else:
        assert body.tag == "discovery"
        formats = [f.text for f in body.find("endpoints/endpoint/formats")]
        assert set(formats) == {"text/xml", "application/json"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_a_service_definition(world, fmt):
    body = _parse(Client().get(f"/open311/v2/services.{fmt}"), fmt)
    if fmt == "json":
        lamp = next(s for s in body if s["service_code"] == "CX02")
        assert lamp["metadata"] is True
        assert lamp["type"] == "realtime"
        assert lamp["group"] == "城乡建设"
        assert {
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group",
        } <= set(lamp)
    else:
        assert body.tag == "services"
        lamp = next(s for s in body.findall("service") if s.findtext("service_code") == "CX02")
        assert lamp.findtext("metadata") == "true"
    body = _parse(Client().get(f"/open311/v2/services/CX02.{fmt}"), fmt)
    if fmt == "json":
        attribute = body["attributes"][0]
        assert body["service_code"] == "CX02"
        assert attribute["code"] == "facility"
        assert attribute["datatype"] == "singlevaluelist"
        assert attribute["required"] is True
        assert {"key": "lamp", "name": "路灯 / street lamp"} in attribute["values"]
    else:
        assert body.tag == "service_definition"
        attribute = body.find("attributes/attribute")
        assert attribute.findtext("variable") == "true"
        assert [v.findtext("key") for v in attribute.findall("values/value")][:2] == ["lamp", "manhole"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition_is_404(world, fmt):
    response = Client().get(f"/open311/v2/services/NOPE.{fmt}")
    assert response.status_code == 404
    assert _errors(response, fmt)[0][0] == "404"


@pytest.mark.parametrize("fmt", FORMATS)
def test_create_fetch_back_by_id_token_date_and_status(world, key, fmt, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 0, tzinfo=TZ), tick=False)
    client = Client()
    lon, lat = inside(world.grid_a)
    response = _post(
        client, fmt, api_key=key, service_code="CX02", lat=lat, long=lon,
        description="小区门口路灯不亮", **{"attribute[facility]": "lamp"}, first_name="三", last_name="张",
        phone="13812345678",
    )  # fmt: skip
    assert response.status_code == 200
    body = _parse(response, fmt)
    if fmt == "json":
        created = body[0]
    else:
        assert body.tag == "service_requests"
        created = {e.tag: e.text for e in body.find("request")}
    case = Case.objects.get(code=created["service_request_id"])
    assert case.channel == "open311"
    assert case.attributes == {"facility": "lamp"}
    assert case.reporter_name == "张三"
    assert case.reporter_phone == "13812345678"
    assert case.grid.path.startswith(world.grid_a.path)
    assert case.events.first().actor_label == "Open311: 街道小程序"

    def fetch(url, **params):
        data = _parse(client.get(url, params, headers={"X-Api-Key": key}), fmt)
        if fmt == "json":
            return data
        return [{e.tag: e.text for e in r} for r in data.findall("request")]

    [one] = fetch(f"/open311/v2/requests/{case.code}.{fmt}")
    assert one["status"] == "open"
    assert one["service_code"] == "CX02"
    assert one["agency_responsible"] == case.lead_unit.name
    assert one["requested_datetime"] == "2026-11-02T10:00:00+08:00"
    assert one["expected_datetime"] == "2026-11-05T10:00:00+08:00"  # 3 working days
    assert "已派单" in one["status_notes"]
    assert float(one["lat"]) == pytest.approx(lat)
    [token] = fetch(f"/open311/v2/tokens/{created['token']}.{fmt}")
    assert token["service_request_id"] == case.code
    listed = fetch(
        f"/open311/v2/requests.{fmt}",
        start_date="2026-11-01T00:00:00+08:00", end_date="2026-11-03T00:00:00+08:00", status="open",
    )  # fmt: skip
    assert case.code in [r["service_request_id"] for r in listed]
    assert not fetch(f"/open311/v2/requests.{fmt}", status="closed", start_date="2026-11-01T00:00:00Z")
    later = fetch(f"/open311/v2/requests.{fmt}", start_date="2026-11-03T00:00:00+08:00")
    assert case.code not in [r["service_request_id"] for r in later]
    by_id = fetch(f"/open311/v2/requests.{fmt}", service_request_id=f"{case.code},999")
    assert [r["service_request_id"] for r in by_id] == [case.code]
    by_code = fetch(f"/open311/v2/requests.{fmt}", service_code="HB01", start_date="2026-11-01T00:00:00Z")
    assert case.code not in [r["service_request_id"] for r in by_code]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_closed_case_reads_closed_with_its_state_in_the_notes(world, key, fmt):
    case = Case.objects.filter(grid__path__startswith=world.grid_a.path).first()
    Case.objects.filter(pk=case.pk).update(state=State.VISITED)
    body = _parse(Client().get(f"/open311/v2/requests/{case.code}.{fmt}", headers={"X-Api-Key": key}), fmt)
    status = body[0]["status"] if fmt == "json" else body.find("request/status").text
    notes = body[0]["status_notes"] if fmt == "json" else body.find("request/status_notes").text
    assert status == "closed"
    assert "visited" in notes


BAD_POSTS = [
    ({"api_key": "wrong"}, 403),
    ({}, 403),
    ({"service_code": "NOPE"}, 400),
    ({"service_code": ""}, 400),
    ({"service_code": "ZF01", "lat": "30.0", "long": "103.5"}, 400),  # outside every grid
    ({"service_code": "ZF01", "description": "x" * 4001}, 400),
    ({"service_code": "ZF01", "description": "<script>alert(1)</script>"}, 400),
    ({"service_code": "ZF01", "lat": "", "long": ""}, 400),  # no location at all
    ({"service_code": "CX02"}, 400),  # required attribute missing
    ({"service_code": "ZF01", "phone": "12345"}, 400),
    ({"service_code": "ZF01", "address_id": "999999999"}, 400),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("overrides", "status"), BAD_POSTS)
def test_bad_posts_get_the_spec_error_body_and_store_nothing(world, key, fmt, overrides, status):
    lon, lat = inside(world.grid_a)
    data = {"api_key": key, "lat": lat, "long": lon, "description": "正常的描述"}
    data.update(overrides)
    if overrides == {}:
        data.pop("api_key")
        data["service_code"] = "ZF01"
    before = Case.objects.count()
    response = _post(Client(), fmt, **data)
    assert response.status_code == status, response.content
    errors = _errors(response, fmt)
    assert errors[0][0] == str(status)
    assert errors[0][1]
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_date_range_over_90_days_is_refused(world, key, fmt):
    response = Client().get(
        f"/open311/v2/requests.{fmt}",
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        headers={"X-Api-Key": key},
    )
    assert response.status_code == 400
    assert "90" in _errors(response, fmt)[0][1]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_request_and_token_are_404(world, key, fmt):
    for url in (f"/open311/v2/requests/0000.{fmt}", f"/open311/v2/tokens/0000.{fmt}"):
        response = Client().get(url, headers={"X-Api-Key": key})
        assert response.status_code == 404
        assert _errors(response, fmt)[0][0] == "404"


def test_reads_are_scoped_to_the_key_and_anonymous_callers_see_only_public_cases(world, key):
    own = Case.objects.filter(grid__path__startswith=world.grid_a.path).first()
    foreign = Case.objects.filter(grid__path__startswith=world.grid_y.path).first()
    _c, tina_key = Open311Client.issue(name="双桥子", user=world.tina)
    sam_ids = {
        r["service_request_id"]
        for r in Client().get("/open311/v2/requests.json", headers={"X-Api-Key": key}).json()
    }
    assert own.code in sam_ids
    assert foreign.code not in sam_ids
    assert (
        Client().get(f"/open311/v2/requests/{own.code}.json", headers={"X-Api-Key": tina_key}).status_code
        == 404
    )
    assert Client().get("/open311/v2/requests.json").json() == []
    Case.objects.filter(pk=own.pk).update(public=True)
    assert [r["service_request_id"] for r in Client().get("/open311/v2/requests.json").json()] == [own.code]
    assert Client().get("/open311/v2/requests.json", headers={"X-Api-Key": "bad"}).status_code == 403


def test_a_key_cannot_place_a_request_outside_its_area(world, key):
    lon, lat = inside(world.grid_y)  # street Y, not sam's street X
    response = _post(
        Client(), "json", api_key=key, service_code="ZF01", lat=lat, long=lon, description="纠纷"
    )
    assert response.status_code == 400
    assert "outside" in response.json()[0]["description"]


def test_a_merged_duplicate_reports_the_handling_it_shares(world, key):
    from shezhi.cases.services import case_transition
    from shezhi.cases.tests.helpers import report

    first = report(world.alice, world.grid_a, text="楼上漏水，请求调解")
    second = report(world.alice, world.grid_a, text="楼上漏水，请求调解。")
    case_transition(case=second, action="merge", actor=world.carol, into=first)
    for action, actor, note in [("sign", world.alice, ""), ("start", world.alice, ""),
                                ("reply", world.alice, "已调解"), ("approve", world.carol, "")]:  # fmt: skip
        first = case_transition(case=first, action=action, actor=actor, note=note)
    [body] = Client().get(f"/open311/v2/requests/{second.code}.json", headers={"X-Api-Key": key}).json()
    assert body["status"] == "closed"
    assert "closed" in body["status_notes"]
    assert "merged" in body["status_notes"]


def test_a_desk_publishes_a_case_for_anonymous_open311_readers(world):
    from shezhi.cases.services import case_publish
    from shezhi.cases.workflow import WorkflowError

    case = Case.objects.filter(grid__path__startswith=world.grid_a.path).first()
    with pytest.raises(WorkflowError):
        case_publish(case=case, actor=world.alice, public=True)
    client = Client()
    client.force_login(world.carol)
    client.post(f"/cases/{case.code}/act/", {"action": "publish"})
    assert [r["service_request_id"] for r in Client().get("/open311/v2/requests.json").json()] == [case.code]
    assert case.events.filter(action="publish", actor=world.carol).count() == 1
    client.post(f"/cases/{case.code}/act/", {"action": "unpublish"})
    assert Client().get("/open311/v2/requests.json").json() == []


def test_multivalue_attributes_are_read_from_the_form(world, key):
    from shezhi.cases.models import Category, CategoryAttribute

    CategoryAttribute.objects.create(
        category=Category.objects.get(code="HB02"),
        code="kinds", datatype="multivaluelist", description="垃圾种类",
        values=[{"key": "kitchen", "name": "厨余"}, {"key": "bulky", "name": "大件"}],
    )  # fmt: skip
    lon, lat = inside(world.grid_a)
    response = Client().post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "HB02", "lat": lat, "long": lon, "description": "垃圾堆放",
         "attribute[kinds][]": ["kitchen", "bulky"]},
    )  # fmt: skip
    assert response.status_code == 200
    case = Case.objects.get(code=response.json()[0]["service_request_id"])
    assert case.attributes == {"kinds": ["kitchen", "bulky"]}
    bad = Client().post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "HB02", "lat": lat, "long": lon, "description": "垃圾堆放",
         "attribute[kinds][]": ["gold"]},
    )  # fmt: skip
    assert bad.status_code == 400
