"""Intake forms: every category's questions in every form, errors next to the field, one case per form."""

from __future__ import annotations

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shezhi.cases.forms import attribute_field_name
from shezhi.cases.kpis import unit_kpis
from shezhi.cases.models import Case, Category, CategoryAttribute
from shezhi.cases.tests.helpers import inside


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (30, 30, 200)).save(buf, "PNG")
    return SimpleUploadedFile("scene.png", buf.getvalue(), content_type="image/png")


@pytest.fixture
def every_datatype(db):
    """A category asking one question of each Open311 datatype."""
    category = Category.objects.get(code="CX04")
    specs = [
        ("floor", "string", True, "楼层 / floor", []),
        ("height", "number", False, "高度（米） / height", []),
        ("seen", "datetime", False, "发现时间 / when seen", []),
        ("details", "text", False, "详细情况 / details", []),
        ("lift", "singlevaluelist", True, "电梯情况 / lift", [{"key": "none", "name": "无电梯 / none"},
                                                            {"key": "old", "name": "老旧 / old"}]),
        ("needs", "multivaluelist", False, "需要 / needs", [{"key": "ramp", "name": "坡道 / ramp"},
                                                         {"key": "rail", "name": "扶手 / rail"}]),
    ]  # fmt: skip
    for order, (code, kind, required, description, values) in enumerate(specs):
        CategoryAttribute.objects.create(
            category=category,
            code=code,
            datatype=kind,
            required=required,
            description=description,
            values=values,
            order=order,
        )
    return category


def _post(world, category, **extra):
    lon, lat = inside(world.grid_a)
    data = {"category": category.pk, "description": "需要加装电梯", "lat": lat, "lon": lon}
    data.update(extra)
    return data


def _f(category, code):
    return attribute_field_name(category.pk, code)


@pytest.mark.parametrize(
    ("who", "url"), [("rita", "/cases/new/"), ("alice", "/cases/patrol/"), ("carol", "/cases/desk/")]
)
def test_every_datatype_renders_in_every_intake_form(world, every_datatype, who, url):
    page = _client(getattr(world, who)).get(url).content.decode()
    c = every_datatype
    assert f'data-category="{c.pk}"' in page
    assert f'name="{_f(c, "floor")}"' in page
    assert f'name="{_f(c, "height")}"' in page
    assert 'inputmode="decimal"' in page
    assert f'type="datetime-local" name="{_f(c, "seen")}"' in page
    assert f'<textarea name="{_f(c, "details")}"' in page
    assert f'type="radio" name="{_f(c, "lift")}" value="none"' in page
    assert f'type="checkbox" name="{_f(c, "needs")}" value="ramp"' in page
    assert "电梯情况" in page
    assert "无电梯" in page
    assert "/ lift" not in page
    assert "/ none" not in page
    # The street lamp's question is in the form too.
    lamp = Category.objects.get(code="CX02")
    assert f'name="{_f(lamp, "facility")}"' in page
    assert "路灯" in page


def test_the_answers_are_stored_by_datatype(world, every_datatype):
    c = every_datatype
    response = _client(world.rita).post("/cases/new/", _post(
        world, c, **{_f(c, "floor"): "3 楼", _f(c, "height"): "12.5", _f(c, "seen"): "2026-12-07T20:30",
                     _f(c, "details"): "楼梯陡", _f(c, "lift"): "none", _f(c, "needs"): ["ramp", "rail"]},
    ))  # fmt: skip
    assert response.status_code == 302
    case = Case.objects.get(reporter=world.rita)
    assert case.attributes == {
        "floor": "3 楼",
        "height": "12.5",
        "seen": "2026-12-07T20:30:00+08:00",
        "details": "楼梯陡",
        "lift": "none",
        "needs": ["ramp", "rail"],
    }
    page = _client(world.rita).get(f"/cases/{case.code}/").content.decode()
    assert "坡道、扶手" in page


def test_an_empty_required_attribute_is_named_next_to_its_field_and_nothing_is_lost(world, every_datatype):
    c = every_datatype
    before = Case.objects.count()
    response = _client(world.rita).post(
        "/cases/new/",
        _post(world, c, address="3 栋门口", photo=_png(), **{_f(c, "lift"): "old", _f(c, "height"): "很高"}),
    )
    assert response.status_code == 200
    assert Case.objects.count() == before
    page = response.content.decode()
    assert 'data-testid="error-floor">请填写“楼层”' in page
    assert 'data-testid="error-height">“高度（米）”须填写数字' in page
    assert "需要加装电梯</textarea>" in page  # what was typed stays
    assert 'value="3 栋门口"' in page
    assert re.search(r'value="old"[^>]*checked', page)
    assert 'data-testid="photo-note"' in page  # why the photo must be chosen again
    assert "attribute[" not in page


def test_the_street_lamp_needs_its_facility_and_then_goes_to_the_street_office(world):
    lamp = Category.objects.get(code="CX02")
    rita = _client(world.rita)
    refused = rita.post("/cases/new/", _post(world, lamp, description="路灯不亮"))
    assert refused.status_code == 200
    assert 'data-testid="error-facility">请填写“设施类型”' in refused.content.decode()
    accepted = rita.post(
        "/cases/new/", _post(world, lamp, description="路灯不亮", **{_f(lamp, "facility"): "lamp"})
    )
    assert accepted.status_code == 302
    case = Case.objects.get(reporter=world.rita)
    assert case.attributes["facility"] == "lamp"
    assert case.lead_unit.name.endswith("综合行政执法队")


def test_errors_are_in_english_under_the_english_switch(world):
    lamp = Category.objects.get(code="CX02")
    rita = _client(world.rita)
    rita.post("/i18n/setlang/", {"language": "en", "next": "/cases/new/"})
    page = rita.post("/cases/new/", _post(world, lamp, description="lamp out")).content.decode()
    assert 'data-testid="error-facility">Please fill in “facility”' in page
    assert "设施类型" not in page
    assert "Urban and rural construction · Municipal facilities" in page  # the category list too
    assert "More about “Municipal facilities”" in page


def test_a_double_tapped_submit_makes_one_case(world):
    token = str(uuid.uuid4())
    rita = _client(world.rita)
    data = _post(world, Category.objects.get(code="ZF01"), token=token)
    first = rita.post("/cases/new/", data)
    second = rita.post("/cases/new/", data)
    assert Case.objects.filter(reporter=world.rita).count() == 1
    assert first["Location"] == second["Location"]
    # Someone else's token never leads to their case.
    alice = _client(world.alice).post("/cases/patrol/", data)
    assert alice["Location"] != first["Location"]
    assert Case.objects.count() >= 2


def test_a_pin_outside_china_is_explained_next_to_the_map(world):
    zf = Category.objects.get(code="ZF01")
    response = _client(world.rita).post("/cases/new/", _post(world, zf, lat=48.85, lon=2.35))
    assert response.status_code == 200
    assert 'data-testid="error-location">所选位置不在中国境内' in response.content.decode()


def test_an_address_no_one_can_place_goes_to_triage_not_to_an_error(world):
    zf = Category.objects.get(code="ZF01")
    response = _client(world.rita).post(
        "/cases/new/", _post(world, zf, lat="", lon="", address="猛追湾街道一个没人知道的地方")
    )
    assert response.status_code == 302
    case = Case.objects.get(reporter=world.rita)
    assert case.state == "triage"
    assert case.division == world.street_x  # the street the address names, for its desk
    assert case.code in _client(world.sam).get("/cases/?view=triage").content.decode()
    assert case.code not in _client(world.tina).get("/cases/?view=triage").content.decode()


def test_a_grid_worker_reports_and_closes_a_small_issue_in_one_step(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    zf = Category.objects.get(code="HB02")
    alice = _client(world.alice)
    no_photo = alice.post("/cases/patrol/", _post(world, zf, self_handle="on", self_handled_note="已清扫"))
    assert no_photo.status_code == 200
    assert 'data-testid="error-photo">自行处置须上传现场照片' in no_photo.content.decode()
    response = alice.post(
        "/cases/patrol/", _post(world, zf, self_handle="on", self_handled_note="已清扫", photo=_png())
    )
    assert response.status_code == 302
    case = Case.objects.get(created_by=world.alice, channel="patrol", self_handled=True)
    assert case.state == "closed"
    assert case.closed_at is not None
    event = case.events.get(action="self_close")
    assert (event.actor, event.note, event.to_state) == (world.alice, "已清扫", "closed")
    assert not case.events.filter(action="dispatch").exists()  # closed on the spot, never sent away
    assert case.lead_unit.kind == "community"
    assert case.assignments.get(active=True).report == "已清扫"
    assert "自行处置" in alice.get(f"/cases/{case.code}/").content.decode()
    rows = unit_kpis(
        actor=world.carol, start=case.opened_at.replace(hour=0), end=case.opened_at.replace(year=2100)
    )
    assert rows[-1].self_handled == 1
    assert rows[-1].closed >= 1


def test_only_grid_workers_may_self_handle(world):
    zf = Category.objects.get(code="HB02")
    page = _client(world.rita).get("/cases/new/").content.decode()
    assert "self_handle" not in page
    _client(world.rita).post("/cases/new/", _post(world, zf, self_handle="on", self_handled_note="x"))
    assert not Case.objects.filter(self_handled=True).exists()


def test_the_desk_records_a_visit_and_residents_cannot(world):
    zf = Category.objects.get(code="ZF01")
    response = _client(world.carol).post(
        "/cases/desk/", _post(world, zf, reporter_name="赵六", reporter_phone="13900002222")
    )
    assert response.status_code == 302
    case = Case.objects.get(created_by=world.carol, channel="desk")
    assert case.reporter_name == "赵六"
    assert _client(world.rita).get("/cases/desk/").status_code == 403
