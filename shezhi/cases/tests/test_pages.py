"""The cases pages: intake with photo, patrol, case page with timeline and actions, reveal log."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from shezhi.cases.models import Case, Category, EventKind
from shezhi.cases.services import MAX_PHOTO_BYTES
from shezhi.cases.tests.helpers import inside, report


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _png() -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "PNG")
    return SimpleUploadedFile("scene.png", buf.getvalue(), content_type="image/png")


def _form(world, **extra):
    lon, lat = inside(world.grid_a)
    data = {
        "category": Category.objects.get(code="ZF01").pk,
        "description": "楼上漏水，协商不成",
        "lat": lat,
        "lon": lon,
        "reporter_name": "李四",
        "reporter_phone": "13900001111",
    }
    data.update(extra)
    return data


def test_a_resident_reports_with_a_pin_and_photo_and_follows_it(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = _client(world.rita)
    page = client.get("/cases/new/")
    assert page.status_code == 200
    assert b"pin-map" in page.content
    response = client.post("/cases/new/", _form(world, photo=_png()))
    assert response.status_code == 302
    case = Case.objects.get(reporter=world.rita)
    assert case.channel == "resident"
    assert case.grid.path.startswith(world.grid_a.path)
    assert case.photo.name.endswith(".png")
    assert client.get("/cases/").content.decode().count(case.code) >= 1  # 我的诉求
    detail = client.get(f"/cases/{case.code}/")
    assert detail.status_code == 200
    assert "李四" not in detail.content.decode()  # the resident page never shows contact details in clear
    assert client.get(f"/cases/{case.code}/photo/").status_code == 200
    # Grid A's worker sees it and its photo; grid B's does not.
    assert _client(world.alice).get(f"/cases/{case.code}/photo/").status_code == 200
    assert _client(world.bob).get(f"/cases/{case.code}/").status_code == 404
    assert _client(world.bob).get(f"/cases/{case.code}/photo/").status_code == 404


@pytest.mark.parametrize(
    ("photo", "reason"),
    [
        (
            SimpleUploadedFile("x.jpg", b"not an image at all", content_type="image/jpeg"),
            "照片不是有效的图片",
        ),
        (SimpleUploadedFile("big.jpg", b"0" * (MAX_PHOTO_BYTES + 1), content_type="image/jpeg"), "不能超过"),
    ],
)
def test_a_bad_photo_is_a_form_error_and_stores_nothing(world, photo, reason, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    before = Case.objects.count()
    response = _client(world.rita).post("/cases/new/", _form(world, photo=photo))
    assert response.status_code == 200  # the form again, the reason next to the photo field
    assert re.search(rf'data-testid="error-photo">[^<]*{reason}', response.content.decode())
    assert Case.objects.count() == before
    assert not list(tmp_path.rglob("*.*"))


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"lat": 48.85, "lon": 2.35}, "不在中国境内"),
        ({"description": "<b>bold</b> 漏水"}, "不能包含 HTML"),
        ({"reporter_phone": "12345"}, "手机号码"),
        ({"lat": "", "lon": "", "address": ""}, "请在地图上选点，或填写地址、小区名称"),
    ],
)
def test_bad_input_is_explained_next_to_the_field(world, extra, reason):
    before = Case.objects.count()
    response = _client(world.rita).post("/cases/new/", _form(world, **extra))
    assert response.status_code in (200, 400)
    assert reason in response.content.decode()
    assert Case.objects.count() == before


def test_patrol_page_is_for_grid_workers(world):
    assert b"intake-form" in _client(world.alice).get("/cases/patrol/").content
    assert b"intake-form" not in _client(world.rita).get("/cases/patrol/").content
    response = _client(world.alice).post("/cases/patrol/", _form(world))
    assert response.status_code == 302
    assert Case.objects.filter(
        channel="patrol", created_by=world.alice, description="楼上漏水，协商不成"
    ).exists()


def test_case_page_shows_the_timeline_and_acting_writes_an_event(world):
    case = report(world.alice, world.grid_a, reporter_name="王五", reporter_phone="13700002222")
    alice = _client(world.alice)
    page = alice.get(f"/cases/{case.code}/").content.decode()
    assert 'data-testid="timeline"' in page
    assert "王*" in page
    assert "137****2222" in page
    assert "13700002222" not in page
    assert 'data-testid="action-sign"' in page
    response = alice.post(f"/cases/{case.code}/act/", {"action": "sign"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == "signed"
    assert case.events.filter(action="sign", actor=world.alice).count() == 1
    # An illegal action answers with the bilingual reason and changes nothing.
    alice.post(f"/cases/{case.code}/act/", {"action": "approve"})
    case.refresh_from_db()
    assert case.state == "signed"
    page = alice.get(f"/cases/{case.code}/").content.decode()
    assert "不能执行" in page


def test_revealing_the_reporter_needs_a_reason_and_is_logged(world):
    from shezhi.people.models import AccessLog

    case = report(world.alice, world.grid_a, reporter_name="王五", reporter_phone="13700002222")
    refused = _client(world.carol).post(f"/cases/{case.code}/reveal/")
    assert refused.status_code == 400
    assert "13700002222" not in refused.content.decode()
    assert not AccessLog.objects.exists()
    response = _client(world.carol).post(f"/cases/{case.code}/reveal/", {"reason": "电话回访核实"})
    assert response.json() == {"name": "王五", "phone": "13700002222"}
    event = case.events.get(kind=EventKind.PII_READ)
    assert event.actor == world.carol
    log = AccessLog.objects.get()
    assert (log.actor, log.field, log.scope) == (world.carol, "case_reporter", case.code)
    assert (log.subject, log.reason) == ("王*", "电话回访核实")
    foreign = _client(world.rita).post(f"/cases/{case.code}/reveal/", {"reason": "电话回访核实"})
    assert foreign.status_code == 404
    assert _client(world.carol).get(f"/cases/{case.code}/reveal/").status_code == 405


def test_the_phone_is_encrypted_at_rest(world):
    from django.db import connection

    case = report(world.alice, world.grid_a, reporter_phone="13700002222")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone, reporter_phone_index FROM cases_case WHERE id = %s", [case.pk])
        stored, index = cursor.fetchone()
    assert "13700002222" not in stored
    assert index
    assert "13700002222" not in index


def test_the_workbench_lists_triage_and_supervision(world):
    from shezhi.cases.services import Intake, case_intake

    lost = case_intake(
        intake=Intake(channel="hotline", description="不知何处", address="无名路", category=None),
        actor=world.sam,
    )
    sam = _client(world.sam)
    assert lost.code in sam.get("/cases/?view=triage").content.decode()
    assert lost.code not in _client(world.tina).get("/cases/?view=triage").content.decode()
    assert sam.get("/cases/?view=supervision").status_code == 200


def test_the_resident_rates_their_closed_case_and_dissatisfied_can_reopen(world):
    from shezhi.cases.services import Intake, case_intake, case_transition

    lon, lat = inside(world.grid_a)
    case = case_intake(
        intake=Intake(channel="resident", description="路灯不亮", lon=lon, lat=lat, reporter=world.rita,
                      category=Category.objects.get(code="ZF01")),
        actor=world.rita,
    )  # fmt: skip
    for action, actor, note in [("sign", world.alice, ""), ("start", world.alice, ""),
                                ("reply", world.alice, "已修复"), ("approve", world.carol, "")]:  # fmt: skip
        case = case_transition(case=case, action=action, actor=actor, note=note)
    rita = _client(world.rita)
    page = rita.get(f"/cases/{case.code}/").content.decode()
    assert 'data-testid="rating-form"' in page
    assert 'data-testid="star-5"' in page
    assert 'data-testid="action-visit"' not in page  # no staff 回访 button for the reporter
    assert 'data-testid="action-approve"' not in page
    # Without stars the rating is refused and nothing changes.
    rita.post(f"/cases/{case.code}/act/", {"action": "visit", "note": "还是不亮"})
    case.refresh_from_db()
    assert case.state == "closed"
    rita.post(f"/cases/{case.code}/act/", {"action": "visit", "stars": "2", "note": "还是不亮"})
    case.refresh_from_db()
    assert (case.state, case.rating, case.satisfaction, case.satisfaction_comment) == (
        "visited",
        2,
        "dissatisfied",
        "还是不亮",
    )
    rated = case.events.get(kind=EventKind.RATED)
    assert (rated.actor, rated.data["stars"]) == (world.rita, 2)
    assert "★★☆☆☆" in rita.get(f"/cases/{case.code}/").content.decode()
    rita.post(f"/cases/{case.code}/act/", {"action": "reopen", "note": "我要重办"})
    case.refresh_from_db()
    assert case.state == "visited"  # a resident cannot reopen; the desk decides
    case = case_transition(case=case, action="reopen", actor=world.carol, note="不满意，重新办理")
    assert case.state == "in_progress"


def test_the_reporter_sees_the_steps_and_the_reply_but_not_who_took_them(world):
    from shezhi.cases.services import Intake, case_intake, case_transition

    lon, lat = inside(world.grid_a)
    case = case_intake(
        intake=Intake(channel="resident", description="路灯不亮", lon=lon, lat=lat, reporter=world.rita,
                      category=Category.objects.get(code="ZF01")),
        actor=world.rita,
    )  # fmt: skip
    case = case_transition(case=case, action="sign", actor=world.alice)
    case = case_transition(case=case, action="return", actor=world.alice, note="内部说明：不归本社区")
    page = _client(world.rita).get(f"/cases/{case.code}/").content.decode()
    assert "签收" in page
    assert "退回" in page
    assert "内部说明" not in page
    assert "alice" not in page


def test_the_pages_switch_to_english(world):
    client = _client(world.sam)
    client.post("/i18n/setlang/", {"language": "en", "next": "/cases/kpis/"})
    page = client.get("/cases/kpis/").content.decode()
    assert "Response rate" in page
    assert "Case handling KPIs" in page


def test_the_timeline_names_the_state_each_step_led_to(world):
    case = report(world.alice, world.grid_a)
    body = _client(world.carol).get(f"/cases/{case.code}/").content.decode()
    labels = re.findall(r'data-testid="to-state">([^<]*)<', body)
    assert labels
    assert all(label.strip() for label in labels)
    assert "已派单" in labels
