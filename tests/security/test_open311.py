"""Open311 GeoReport v2 under attack: the spec exactly, no 500, no personal data, no keys in URLs.

Errors are the spec's list of ``{code, description}`` in the asked format, whatever the input.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import threading
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases import open311
from shezhi.cases.models import Case, Category, CategoryAttribute, Open311Client, Open311Submission
from shezhi.cases.tests.helpers import inside, report
from shezhi.places.models import Division, Grid, GridKind

TZ = ZoneInfo("Asia/Shanghai")
FORMATS = ["json", "xml"]
PHONE = "13912345678"
ID_NUMBER = "510104199001011234"


@pytest.fixture
def key(world) -> str:
    _client, raw = Open311Client.issue(name="街道小程序", user=world.sam)
    return raw


@pytest.fixture
def form(world, key) -> dict[str, str]:
    """A valid POST for service ZF01 inside sam's street."""
    lon, lat = inside(world.grid_a)
    return {
        "api_key": key,
        "service_code": "ZF01",
        "lat": str(lat),
        "long": str(lon),
        "description": "楼道堆物",
    }


def _body(response, fmt: str):
    """The parsed body; asserts it is well-formed in the asked format."""
    if fmt == "json":
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        return json.loads(response.content)
    assert response["Content-Type"].startswith("text/xml"), response.content[:200]
    return ET.fromstring(response.content)


def _errors(response, fmt: str) -> list[tuple[int, str]]:
    body = _body(response, fmt)
    if fmt == "json":
        return [(int(e["code"]), e["description"]) for e in body]
    assert body.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in body.findall("error")]


def _refused(response, fmt: str, status: int = 400) -> str:
    """Assert the spec's error answer with ``status``; the description."""
    assert response.status_code == status, response.content[:300]
    [(code, description)] = _errors(response, fmt)
    assert code == status
    assert description
    return description


def _created(response, fmt: str) -> dict[str, str]:
    assert response.status_code == 200, response.content[:300]
    body = _body(response, fmt)
    if fmt == "json":
        return body[0]
    return {e.tag: e.text for e in body.find("request")}


def _post(fmt: str, data, **kw):
    return Client().post(f"/open311/v2/requests.{fmt}", data, **kw)


# ------------------------------------------------------------------- the spec, exactly


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_accepts_a_post_without_a_description(world, form, fmt):
    form.pop("description")
    created = _created(_post(fmt, form), fmt)
    case = Case.objects.get(code=created["service_request_id"])
    assert case.description == ""
    assert case.title  # the service's name stands in


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_identical_post_returns_the_existing_request(world, form, fmt, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 9, tzinfo=TZ), tick=False)
    before = Case.objects.count()
    first = _created(_post(fmt, {**form, "device_id": "phone-1"}), fmt)
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 12, tzinfo=TZ), tick=False)  # next time bucket
    again = _created(_post(fmt, {**form, "device_id": "phone-1", "description": " 楼道堆物 "}), fmt)
    assert (again["service_request_id"], again["token"]) == (first["service_request_id"], first["token"])
    assert Case.objects.count() == before + 1
    other_device = _created(_post(fmt, {**form, "device_id": "phone-2"}), fmt)
    assert other_device["service_request_id"] != first["service_request_id"]
    time_machine.move_to(dt.datetime(2026, 11, 2, 10, 30, tzinfo=TZ), tick=False)  # the window is over
    later = _created(_post(fmt, {**form, "device_id": "phone-1"}), fmt)
    assert later["service_request_id"] != first["service_request_id"]
    assert Case.objects.count() == before + 3


def test_a_racing_duplicate_gets_the_first_request(world, form, monkeypatch):
    """The second of two racing POSTs does not see the first before inserting its claim."""
    first = _created(_post("json", form), "json")
    monkeypatch.setattr(open311, "_recent", _blind_once(open311._recent))
    before = Case.objects.count()
    again = _created(_post("json", form), "json")
    assert again["service_request_id"] == first["service_request_id"]
    assert Case.objects.count() == before
    assert Open311Submission.objects.count() == 1


def _blind_once(recent):
    calls = []

    def blind(*args):
        calls.append(args)
        return None if len(calls) == 1 else recent(*args)

    return blind


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers: no race")
def test_identical_posts_racing_on_real_connections_store_one_case(transactional_db):
    if not Grid.objects.exists():  # an earlier transactional test flushed the session's data
        call_command("load_places", stdout=io.StringIO())
    if not Category.objects.filter(code="ZF01").exists():
        call_command("load_cases", stdout=io.StringIO())
    street = Division.objects.get(code="510108002000")
    grid = Grid.objects.filter(community__code__startswith=street.prefix, kind=GridKind.GENERAL).order_by(
        "code"
    )[0]
    officer = User.objects.create_user("race-o311", role=Role.STREET_STAFF, division=street)
    _client, key = Open311Client.issue(name="race", user=officer)
    lon, lat = inside(grid)
    data = {"api_key": key, "service_code": "ZF01", "lat": lat, "long": lon, "description": "并发重复提交"}
    barrier, answers = threading.Barrier(4), []

    def post() -> None:
        try:
            barrier.wait()
            response = Client().post("/open311/v2/requests.json", data)
            answers.append((response.status_code, response.json()[0].get("service_request_id")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4
    assert {status for status, _ in answers} == {200}
    assert len({code for _, code in answers}) == 1
    assert Case.objects.filter(description="并发重复提交").count() == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_it_refuses_an_attribute_the_service_does_not_ask(world, form, fmt):
    before = Case.objects.count()
    description = _refused(_post(fmt, {**form, "attribute[price]": "100"}), fmt)
    assert "price" in description
    _refused(_post(fmt, {**form, "attribute[": "x"}), fmt)
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    ("datatype", "good", "bad"),
    [
        ("number", "12.5", ["nan", "inf", "1e999", "1_000", "١٢", "twelve"]),
        ("datetime", "2026-11-02T10:00:00+08:00",
         ["2026-11-02T10:00:00", "9999-12-31T23:59:59-05:00", "2026-13-01T00:00:00Z"]),
        ("string", "三楼", ["x" * 201, "<b>x</b>", "a\x00b"]),
        ("text", "三楼\n东侧", ["x" * 2001]),
        ("singlevaluelist", "a", ["z", ["a", "b"]]),
        ("multivaluelist", ["a", "b"], [["a", "z"], ["a", "a"]]),
    ],
)  # fmt: skip
def test_every_open311_datatype_is_validated(world, form, datatype, good, bad):
    CategoryAttribute.objects.create(
        category=Category.objects.get(code="ZF01"), code="q", datatype=datatype, description="问题",
        values=[{"key": "a", "name": "甲"}, {"key": "b", "name": "乙"}],
    )  # fmt: skip
    name = "attribute[q][]" if isinstance(good, list) else "attribute[q]"
    _created(_post("json", {**form, name: good}), "json")
    for number, value in enumerate(bad):
        name = "attribute[q][]" if isinstance(value, list) else "attribute[q]"
        _refused(_post("json", {**form, "description": f"另一件事 {number}", name: value}), "json")


# ------------------------------------------------------------------- no input makes a 500


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("address_id", ["²", "٣", "1²", "99999999999999999999999", "-1", "1.0"])
def test_address_id_takes_ascii_digits_only(world, form, fmt, address_id):
    form.pop("lat"), form.pop("long")
    _refused(_post(fmt, {**form, "address_id": address_id}), fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "9999-12-31T23:00:00-05:00"},
        {"end_date": "9999-12-31T23:59:59+00:00"},
        {"start_date": "0001-01-01T00:00:00+05:00"},
        {"end_date": "0001-01-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00+99:00"},
        {"start_date": "2026-02-30T00:00:00Z"},
        {"start_date": "9999-12-01T00:00:00Z", "end_date": "9999-12-31T00:00:00Z"},
    ],
)
def test_far_off_and_impossible_dates_are_refused(world, key, fmt, params):
    response = Client().get(f"/open311/v2/requests.{fmt}", params, headers={"X-Api-Key": key})
    assert "start_date" in _refused(response, fmt) or "end_date" in _refused(response, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "overrides",
    [
        {"lat": "nan", "long": "nan"},
        {"lat": "inf", "long": "104.0"},
        {"lat": "1e400", "long": "1e400"},
        {"lat": "91", "long": "104.0"},
        {"lat": "30.6", "long": "-181"},
        {"lat": "３０.６", "long": "104.0"},  # full-width digits
    ],
)
def test_coordinates_must_be_finite_and_on_the_earth(world, form, fmt, overrides):
    description = _refused(_post(fmt, {**form, **overrides}), fmt)
    assert "out of range" in description or "not a number" in description


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "field", ["description", "address_string", "first_name", "device_id", "service_code", "email"]
)
@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x0b", "\ufffe"])
def test_control_characters_and_nul_are_refused_in_any_field(world, form, fmt, field, char):
    before = Case.objects.count()
    response = _post(fmt, {**form, field: form.get(field, "x") + char + "y"})
    assert field in _refused(response, fmt)
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    "param", ["service_request_id", "service_code", "status", "start_date", "jurisdiction_id"]
)
def test_control_characters_in_query_parameters_are_refused(world, fmt, param):
    _refused(Client().get(f"/open311/v2/requests.{fmt}", {param: "a\x00b"}), fmt)


def test_tab_and_newline_still_pass(world, form):
    case = Case.objects.get(
        code=_created(_post("json", {**form, "description": "一楼\n\t二楼"}), "json")["service_request_id"]
    )
    assert case.description == "一楼\n\t二楼"


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_area_feed_stays_well_formed_after_a_control_character_was_stored(world, key, fmt):
    """Stored through another channel (or before this fix): the feed drops the character."""
    case = report(world.alice, world.grid_a)
    junk = "\x01\x08\x1b\ufffe" + ("" if connection.vendor == "postgresql" else "\x00")
    Case.objects.filter(pk=case.pk).update(description=f"路灯{junk}不亮", address=f"一{junk}号", public=True)
    for headers in ({}, {"X-Api-Key": key}):  # the public feed and the area's own
        response = Client().get(f"/open311/v2/requests.{fmt}", headers=headers)
        assert response.status_code == 200
        body = _body(response, fmt)
        if fmt == "json":
            [row] = [r for r in body if r["service_request_id"] == case.code]
            assert row["description"] == "路灯不亮"
        else:
            [row] = [r for r in body.findall("request") if r.findtext("service_request_id") == case.code]
            assert row.findtext("description") == "路灯不亮"
            assert row.findtext("address") == "一号"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_oversized_body_is_a_413_in_the_spec_format(world, form, fmt, settings):
    before = Case.objects.count()
    _refused(_post(fmt, {**form, "description": "长" * 40000}), fmt, 413)  # over OPEN311 limit
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000  # Django's own limit, lower than ours
    _refused(_post(fmt, {**form, "attribute[x]": "x" * 3000}), fmt, 413)
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    _refused(_post(fmt, {**form, **{f"f{i}": "1" for i in range(30)}}), fmt, 413)
    _refused(Client().get(f"/open311/v2/requests.{fmt}", {f"f{i}": "1" for i in range(30)}), fmt, 413)
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_body_that_is_not_a_form_is_refused(world, form, fmt):
    _refused(_post(fmt, json.dumps(form), content_type="application/json"), fmt, 415)
    _refused(_post(fmt, "garbage", content_type="multipart/form-data; boundary="), fmt)
    _refused(_post(fmt, "garbage", content_type="multipart/form-data"), fmt)


def test_repeated_parameters_do_not_break_anything(world, form, key):
    response = _post("json", {**form, "service_code": ["ZF01", "NOPE"], "lat": [form["lat"], "x"]})
    assert response.status_code < 500
    response = Client().get(
        "/open311/v2/requests.json", {"status": ["open", "closed"]}, headers={"X-Api-Key": key}
    )
    assert response.status_code == 200


# ------------------------------------------------------------------- api keys never in URLs


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_in_the_query_string_is_refused(world, form, key, fmt):
    response = Client().get(f"/open311/v2/requests.{fmt}", {"api_key": key})
    assert "X-Api-Key" in _refused(response, fmt)
    before = Case.objects.count()
    form.pop("api_key")
    _refused(Client().post(f"/open311/v2/requests.{fmt}?api_key={key}", form), fmt)
    assert Case.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_key_in_a_header_or_the_post_body_is_accepted(world, form, key, fmt):
    own = Case.objects.filter(grid__path__startswith=world.grid_a.path).order_by("-opened_at").first()
    for headers in ({"X-Api-Key": key}, {"Authorization": f"Bearer {key}"}):
        response = Client().get(f"/open311/v2/requests/{own.code}.{fmt}", headers=headers)
        assert response.status_code == 200
        _refused(
            Client().get(f"/open311/v2/requests.{fmt}", headers={k: v + "x" for k, v in headers.items()}),
            fmt,
            403,
        )
    _created(_post(fmt, form), fmt)
    form.pop("api_key")
    _created(_post(fmt, {**form, "description": "再报一件"}, headers={"X-Api-Key": key}), fmt)


def test_no_key_or_phone_lands_in_a_log_line(world, form, key, caplog):
    caplog.set_level(logging.DEBUG)
    _post("json", {**form, "phone": PHONE})
    _post("json", {**form, "phone": PHONE, "attribute[nope]": "1"})
    Client().get("/open311/v2/requests.json", {"api_key": key})
    Client().get("/open311/v2/requests.json", headers={"X-Api-Key": key + "bad"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert key not in logged
    assert PHONE not in logged


def test_keys_are_stored_hashed(world, key):
    client = Open311Client.objects.get()
    assert key not in {client.key_hash, client.prefix, client.name}
    assert Open311Client.authenticate(key) == client


# ------------------------------------------------------------------- personal data


@pytest.mark.parametrize("fmt", FORMATS)
def test_open311_answers_mask_phones_and_id_numbers_typed_into_free_text(world, key, fmt):
    case = report(world.alice, world.grid_a, text=f"楼上漏水，请联系{PHONE}，身份证{ID_NUMBER}")
    Case.objects.filter(pk=case.pk).update(public=True, address=f"一号院 电话{PHONE}")
    for headers in ({}, {"X-Api-Key": key}):
        for url in (f"/open311/v2/requests.{fmt}", f"/open311/v2/requests/{case.code}.{fmt}"):
            response = Client().get(url, headers=headers)
            assert response.status_code == 200
            text = response.content.decode()
            assert case.code in text
            assert PHONE not in text
            assert ID_NUMBER not in text
            assert "139****5678" in text
            for personal in ("reporter", "phone", "email", "first_name", "last_name"):
                assert f'"{personal}' not in text
                assert f"<{personal}" not in text


def test_a_key_reads_only_its_own_area(world, key):
    foreign = report(world.tina, world.grid_y)
    response = Client().get(f"/open311/v2/requests/{foreign.code}.json", headers={"X-Api-Key": key})
    assert response.status_code == 404
    listed = Client().get("/open311/v2/requests.json", headers={"X-Api-Key": key}).json()
    assert foreign.code not in {r["service_request_id"] for r in listed}


def test_a_key_cannot_file_a_case_outside_its_area(world, form):
    lon, lat = inside(world.grid_y)  # street Y, not sam's street X
    before = Case.objects.count()
    description = _refused(_post("json", {**form, "lat": str(lat), "long": str(lon)}), "json")
    assert "outside" in description
    assert Case.objects.count() == before


# ------------------------------------------------------------------- fuzz

_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
#: Values that broke the endpoint once, or nearly.
_HOSTILE = st.sampled_from(
    ["²", "٣", "１", "nan", "-inf", "1e999", "9" * 30, "-0", "0001-01-01T00:00:00+05:00",
     "9999-12-31T23:59:59-05:00", "2026-01-01T00:00:00+99:00", "a\x00b", "\x1b", "\ufffe",
     "open,closed", "ZF01", "CX02", "lamp", "<b>", "x" * 5000, "http://x", ""]
)  # fmt: skip
_VALUE = st.one_of(_HOSTILE, _TEXT, st.floats().map(str), st.integers().map(str))
_FIELD_VALUE = st.one_of(_VALUE, st.lists(_VALUE, max_size=3))
_POST_FIELDS = (
    "service_code", "lat", "long", "address_string", "address_id", "description", "device_id",
    "account_id", "email", "first_name", "last_name", "phone", "media_url", "attribute[facility]",
    "attribute[facility][]", "attribute[x]", "attribute[", "jurisdiction_id",
)  # fmt: skip
_QUERY_FIELDS = ("start_date", "end_date", "status", "service_request_id", "service_code", "jurisdiction_id")
_JUNK = st.dictionaries(_TEXT, _VALUE, max_size=2)


@pytest.mark.parametrize(
    ("target", "field"), [("post", f) for f in _POST_FIELDS] + [("query", f) for f in _QUERY_FIELDS]
)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_FIELD_VALUE, junk=_JUNK, fmt=st.sampled_from(FORMATS), with_key=st.booleans())
@example(value="²", junk={}, fmt="json", with_key=True)
@example(value="9999-12-31T23:59:59-05:00", junk={}, fmt="xml", with_key=True)
@example(value="a\x00b", junk={}, fmt="xml", with_key=True)
def test_fuzz_one_field_at_a_time_never_makes_a_500(world, form, target, field, value, junk, fmt, with_key):
    """A valid request with one field replaced by anything: the spec's answer, never a 500."""
    client = Client(raise_request_exception=False)
    if target == "post":
        payload = {**junk, **(form if with_key else {}), field: value}
        response = client.post(f"/open311/v2/requests.{fmt}", payload)
    else:
        headers = {"X-Api-Key": form["api_key"]} if with_key else {}
        response = client.get(f"/open311/v2/requests.{fmt}", {**junk, field: value}, headers=headers)
    assert response.status_code < 500, (field, value, response.content[:300])
    _body(response, fmt)
    if response.status_code == 200:  # whatever was stored, every feed still reads
        _body(client.get(f"/open311/v2/requests.{fmt}", headers={"X-Api-Key": form["api_key"]}), fmt)


#: A path segment: anything but what would end it ("/", "?", "#").
_SEGMENT = _TEXT.map(lambda t: t.translate({ord(c): None for c in "/?#"}))
_PATHS = st.sampled_from(
    ["discovery", "services", "services/CX02", "services/{segment}", "requests/{segment}", "tokens/{segment}"]
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.one_of(st.sampled_from(_POST_FIELDS + _QUERY_FIELDS), _TEXT), _FIELD_VALUE,
                            max_size=6),
       fmt=st.sampled_from(FORMATS), method=st.sampled_from(["get", "post"]), path=_PATHS,
       with_key=st.booleans(), segment=_SEGMENT)  # fmt: skip
def test_fuzz_any_resource_any_form_never_makes_a_500(
    world, form, data, fmt, method, path, with_key, segment
):
    """Arbitrary form data on every resource and method, as a key holder and anonymously."""
    client = Client(raise_request_exception=False)
    headers = {"X-Api-Key": form["api_key"]} if with_key else {}
    url = f"/open311/v2/{path.format(segment=segment or 'x')}.{fmt}"
    response = getattr(client, method)(url, data, headers=headers)
    assert response.status_code < 500, (url, data, response.content[:300])
    _body(response, fmt)
