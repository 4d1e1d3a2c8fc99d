"""No input makes a 500: each class of bad input gets a 4xx in the documented shape.

The API answers ``{code, message, message_en, details}``; pages answer a 4xx page in the
user's language (Chinese; English under the language switch). Lists are enumerated from the
OpenAPI document, so a new paginated list is covered without editing this file.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shezhi.accounts.models import ApiToken
from shezhi.cases.models import Case
from shezhi.cases.tests.helpers import inside
from shezhi.lifecircle.models import AnalysisRun, RunStatus
from shezhi.people.models import Facility, Household, Resident

SHAPE = {"code", "message", "message_en", "details"}
HUGE = "9" * 30


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token_client(user) -> Client:
    _token, raw = ApiToken.issue(user=user, name="bad-input")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == SHAPE, body
    assert body["message"]
    assert body["message_en"]
    if code:
        assert body["code"] == code, body
    return body


def _paginated_lists(client: Client) -> list[str]:
    spec = json.loads(client.get("/api/v1/openapi.json").content)
    return [
        path
        for path, methods in spec["paths"].items()
        if "{" not in path and any(p["name"] == "page" for p in methods.get("get", {}).get("parameters", []))
    ]


# ------------------------------------------------------------------------ pagination


@pytest.mark.parametrize("page", [HUGE, str(10**30), "10000000000", "-1", "0", "abc", "１２", "²"])
def test_a_bad_page_number_is_a_422_on_every_paginated_list(world, page):
    client = _client(world.cate)
    lists = _paginated_lists(client)
    assert len(lists) >= 10
    for path in lists:
        body = _assert_error(client.get(path, {"page": page}), 422, "invalid")
        assert body["details"][0]["field"] == "page", (path, body)
        _assert_error(client.get(path, {"page_size": HUGE}), 422, "invalid")


def test_the_page_limit_is_declared_in_the_openapi_document(world):
    spec = json.loads(_client(world.cate).get("/api/v1/openapi.json").content)
    for methods in spec["paths"].values():
        for param in methods.get("get", {}).get("parameters", []):
            if param["name"] in ("page", "page_size"):
                schema = param["schema"]
                bounded = [schema, *schema.get("anyOf", [])]
                assert any(s.get("maximum", 0) >= 100 for s in bounded), param


# ------------------------------------------------------------- characters nobody stores


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b"])
def test_a_control_character_in_a_query_is_a_400(world, character):
    client = _client(world.alice)
    for path in ("/api/v1/residents", "/api/v1/cases", "/api/v1/divisions"):
        _assert_error(client.get(path, {"q": f"张{character}三"}), 400, "bad_character")
    _assert_error(client.get("/api/v1/grids", {f"q{character}": "x"}), 400, "bad_character")
    _assert_error(client.get(f"/api/v1/cases/C{character}1"), 400, "bad_character")


@pytest.mark.parametrize("value", ["邻里\x00纠纷", "邻里\x07纠纷", "邻里\ud800纠纷"])
def test_a_control_character_or_lone_surrogate_in_a_json_body_is_a_400(world, value):
    lon, lat = inside(world.grid_a)
    before = Case.objects.count()
    body = {"service_code": "ZF01", "description": value, "lon": lon, "lat": lat}
    response = _client(world.alice).post("/api/v1/cases", json.dumps(body), content_type="application/json")
    _assert_error(response, 400, "bad_character")
    keyed = {"service_code": "ZF01", "description": "邻里纠纷", "attributes": {value: "x"}}
    response = _client(world.alice).post("/api/v1/cases", json.dumps(keyed), content_type="application/json")
    _assert_error(response, 400, "bad_character")
    assert Case.objects.count() == before


def test_a_malformed_or_absurdly_nested_json_body_is_a_400(world):
    client = _client(world.alice)
    for body in ('{"service_code": "ZF01", ', "[" * 100_000 + "]" * 100_000):
        response = client.post("/api/v1/cases", body, content_type="application/json")
        assert response.status_code == 400, response.content[:200]
        assert set(response.json()) == SHAPE


def test_a_nul_byte_in_a_form_post_is_refused_and_nothing_is_stored(world):
    client = _client(world.alice)
    household = Household.objects.visible_to(world.alice).first()
    before = Resident.objects.count()
    response = client.post(
        "/people/residents/new/",
        {"household": household.pk, "name": "王\x00五", "id_number": "110105194912310029"},
    )
    assert response.status_code == 400
    assert "控制字符" in response.content.decode()
    assert Resident.objects.count() == before


def test_a_text_longer_than_the_column_is_a_422_with_the_field(world):
    client = _token_client(world.alice)
    household = Household.objects.visible_to(world.alice).first()
    response = client.post(
        "/api/v1/households",
        {"compound_id": household.compound_id, "room": "1" * 5000, "building": "楼" * 31},
        content_type="application/json",
    )
    body = _assert_error(response, 422, "invalid")
    assert {d["field"] for d in body["details"]} == {"room", "building"}
    assert "最多 20 个字符" in body["message"]


def test_open311_refuses_control_characters_in_its_own_error_format(db):
    client = Client()
    response = client.get("/open311/v2/requests.json", {"service_code": "ZF\x0001"})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400
    assert "control character" in response.json()[0]["description"]
    response = client.post("/open311/v2/requests.xml", {"description": "路灯\x07坏了", "lat": "30.6"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/xml")
    assert b"<errors><error><code>400</code>" in response.content


# --------------------------------------------------------------------- numbers and ids


def test_a_huge_number_is_a_field_error_or_a_404(world):
    client = _token_client(world.alice)
    data = {
        "name": "长天路社区食堂",
        "category": "canteen",
        "level": "10min",
        "lon": 104.1,
        "lat": 30.67,
        "grid_code": world.grid_a.code,
        "capacity": 10**12,
        "floor_area_m2": 1e300,
    }
    body = _assert_error(
        client.post("/api/v1/facilities", data, content_type="application/json"), 422, "invalid"
    )
    assert {d["field"] for d in body["details"]} == {"capacity", "floor_area_m2"}
    assert not Facility.objects.filter(name="长天路社区食堂").exists()
    # Identifiers beyond any integer column are simply not found.
    client = _client(world.cate)
    for number in (HUGE, "9223372036854775808", "-9223372036854775809"):
        for path in ("residents", "households", "compounds", "imports"):
            _assert_error(client.get(f"/api/v1/{path}/{number}"), 404, "not_found")
        response = client.put(f"/api/v1/facilities/{number}", {}, content_type="application/json")
        assert response.status_code in (404, 422), response.content[:200]
        for page in (f"/people/residents/{number}/", f"/people/households/{number}/"):
            assert client.get(page).status_code == 404
        response = client.post(
            "/api/v1/households", {"compound_id": int(number), "room": "1"}, content_type="application/json"
        )
        assert response.status_code in (404, 422)
        assert set(response.json()) == SHAPE


def test_page_forms_refuse_numbers_too_large_and_coordinates_not_finite(world):
    client = _client(world.alice)
    grid = world.grid_a.code
    base = {"name": "长天路社区食堂", "category": "canteen", "level": "10min", "grid_code": grid}
    for extra in (
        {"lon": "104.1", "lat": "30.67", "capacity": HUGE},
        {"lon": "104.1", "lat": "30.67", "floor_area_m2": "1e308"},
        {"lon": "nan", "lat": "30.67"},
        {"lon": "104.1", "lat": "inf"},
    ):
        response = client.post("/people/facilities/new/", {**base, **extra})
        assert response.status_code in (200, 400), (extra, response.status_code)
        assert not Facility.objects.filter(name="长天路社区食堂").exists()


def test_far_off_dates_are_clamped_or_refused(world):
    client = _client(world.sam)
    for query in (
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "9999-12-31"},
        {"to": "0001-01-05"},
        {"from": "2026-13-45"},
    ):
        assert client.get("/cases/kpis/", query).status_code == 200, query
    api = _client(world.audrey)
    for query in ({"since": "0001-01-01", "until": "9999-12-31"}, {"since": "10000-01-01"}):
        response = api.get("/api/v1/access-log", query)
        assert response.status_code in (200, 422), (query, response.content[:200])


# ---------------------------------------------------------------------- coordinates


def test_non_finite_or_off_the_globe_coordinates_are_a_field_error(world):
    client = _token_client(world.alice)
    for value in ("NaN", "Infinity", "-Infinity", "1e999"):
        raw = (
            '{"name": "食堂", "category": "canteen", "level": "10min", '
            f'"lon": {value}, "lat": 30.67, "grid_code": "{world.grid_a.code}"}}'
        )
        body = _assert_error(
            client.post("/api/v1/facilities", raw, content_type="application/json"), 422, "invalid"
        )
        assert body["details"][0]["field"] == "lon"
        raw = f'{{"service_code": "ZF01", "description": "路灯坏了", "lon": 104.1, "lat": {value}}}'
        body = _assert_error(client.post("/api/v1/cases", raw, content_type="application/json"), 422)
        assert body["details"][0]["field"] == "lat"
    for lon, lat in ((1e308, 1e308), (200, 30), (104, -91)):
        body = {"service_code": "ZF01", "description": "路灯坏了", "lon": lon, "lat": lat}
        response = client.post("/api/v1/cases", body, content_type="application/json")
        assert response.status_code in (400, 422), response.content[:300]
        assert set(response.json()) == SHAPE
        assert response.json()["details"][0]["field"] in ("lon", "lat")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e999", "", "１０４"])
def test_the_map_tools_refuse_bad_coordinates_in_the_error_shape(world, value):
    run = AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000").first()
    client = _client(world.cate)
    response = client.get(f"/lifecircle/runs/{run.pk}/isochrone.geojson", {"lon": value, "lat": "30.6"})
    _assert_error(response, 400, "invalid")
    element = run.standard.elements.first()
    response = client.post(
        f"/lifecircle/runs/{run.pk}/what-if.json", {"element": element.code, "lon": "104.1", "lat": value}
    )
    _assert_error(response, 400, "invalid")


# ------------------------------------------------------------------------ body size


def test_an_oversized_body_is_a_413_in_the_error_shape(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    client = _token_client(world.alice)
    body = json.dumps({"service_code": "ZF01", "description": "x" * (128 * 1024)})
    _assert_error(client.post("/api/v1/cases", body, content_type="application/json"), 413, "too_large")
    page = _client(world.alice).post("/people/residents/new/", {"name": "x" * (128 * 1024)})
    assert page.status_code == 413
    assert "请求内容过大" in page.content.decode()


# --------------------------------------------------------------------------- pages


def test_a_page_refusing_input_says_why_in_chinese_and_in_english_under_the_switch(world):
    client = _client(world.alice)
    response = client.get("/people/residents/", {"q": "张\x07三"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "输入中含有不允许的控制字符" in page
    assert "control character" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/people/residents/", {"q": "张\x07三"}).content.decode()
    assert "the input contains a control character that is not allowed" in page
    assert "输入中含有不允许的控制字符" not in page


def test_a_missing_page_is_a_404_page_in_the_users_language(world):
    client = _client(world.alice)
    response = client.get("/people/residents/99999999999999999999/")
    assert response.status_code == 404
    assert "页面不存在或无权访问" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get("/people/residents/99999999999999999999/")
    assert response.status_code == 404
    assert "not found" in response.content.decode()
    api = client.get("/api/v1/no-such-thing")
    _assert_error(api, 404, "not_found")


# ------------------------------------------------------------- every page, hostile query

HOSTILE_QUERY = {
    "page": HUGE,
    "q": "长" * 5000,
    "from": "9999-12-31",
    "to": "0001-01-01",
    "since": "0001-01-01",
    "until": "9999-12-31",
    "lon": "nan",
    "lat": "1e999",
    "element": "x" * 300,
    "community": HUGE,
    "household": HUGE,
    "grid": "-" * 200,
    "age_band": "９９",
    "tag": "²",
    "state": "x" * 300,
}


@pytest.mark.parametrize("who", ["alice", "sam", "cate"])
def test_no_page_answers_a_hostile_query_with_a_500(world, who):
    """Every page of the URLconf (own objects filled in), with far-off dates, huge numbers,
    non-finite coordinates, long and unicode-digit values in the query."""
    from tests.test_area_isolation import CONVERTER, _fill, _page_routes

    user = getattr(world, who)
    client = _client(user)
    client.raise_request_exception = False
    grid = world.grid_a if who == "alice" else user.division
    run = AnalysisRun.objects.visible_to(user).filter(status=RunStatus.DONE).first()
    own = {"code": grid.code, "pk": run.pk if run else 1, "number": 1}
    checked = 0
    for route, _view in _page_routes():
        url = CONVERTER.sub(lambda m: str(own.get(m.group("name"), own["pk"])), route)
        url = _fill(url, "")
        response = client.get(url, HOSTILE_QUERY)
        assert response.status_code < 500, (url, response.status_code)
        checked += 1
    assert checked > 30


def test_an_unexpected_error_is_a_logged_500_in_the_documented_shape(world, monkeypatch, caplog):
    """What no input should reach: still the API's shape (and logged), or a page in Chinese."""
    from django.test import RequestFactory

    from shezhi import views
    from shezhi.places import api as places_api

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(places_api.selectors, "grid_list", broken)
    client = _client(world.alice)
    body = _assert_error(client.get("/api/v1/grids"), 500, "server_error")
    assert "boom" not in json.dumps(body)
    assert any("API error" in r.message for r in caplog.records)
    request = RequestFactory().get("/people/residents/")
    request.user = world.alice
    page = views.server_error(request)
    assert page.status_code == 500
    assert "服务器出错" in page.content.decode()


def test_a_body_larger_than_any_upload_is_refused_before_it_is_read(db, settings, tmp_path):
    """A declared Content-Length past the upload limit is a 413 before Django spools the body."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    settings.SHEZHI_UPLOAD_MAX_UPLOAD_BYTES = 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    client = Client()
    client.force_login(get_user_model().objects.create_user(username="big", password="pw-big-upload-1"))
    body = b"x" * (3 * 1024 * 1024)
    response = client.generic(
        "POST", "/people/import/", body, content_type="multipart/form-data; boundary=zzz"
    )
    assert response.status_code == 413
    assert not list(tmp_path.iterdir())
