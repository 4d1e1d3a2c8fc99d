"""The people pages: masked lists, reveal with reason, forms with validation messages, export, import."""

import io
import re

import pytest
from django.conf import settings
from django.test import Client
from openpyxl import load_workbook

from shezhi.common.identifiers import id_check_digit
from shezhi.people.models import AccessLog, Resident
from shezhi.people.selectors import birth_range

ID_RE = re.compile(r"\b\d{17}[\dX]\b")


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_street_officer_list_is_masked_and_shows_the_synthetic_label(world, residents):
    body = _client(world.sam).get("/people/residents/", {"grid": world.grid_a.code}).content.decode()
    assert "合成数据" in body
    assert residents["a"].masked_id_number in body
    assert residents["a"].id_number not in body
    assert residents["a"].masked_name in body
    assert not ID_RE.search(body)
    assert residents["a"].phone[3:7] not in set(re.findall(r"1\d{2}(\d{4})\d{4}", body))


def test_grid_worker_filters_by_tag_age_band_and_grid(world, residents):
    client = _client(world.alice)
    all_rows = client.get("/people/residents/").context["total"]
    assert all_rows > 0
    old = client.get("/people/residents/", {"age_band": "60-79"}).context["page"]
    assert all(60 <= r.age <= 79 for r in old)
    tagged = client.get("/people/residents/", {"tag": "party_member"}).context["page"]
    assert all("party_member" in r.tag_list for r in tagged)
    foreign = client.get("/people/residents/", {"grid": world.grid_b.code}).context["total"]
    assert foreign == 0
    by_id = client.post(
        "/people/residents/lookup/", {"number": residents["a"].id_number, "reason": "上门核实信息"}
    ).context["found"]
    assert [r.pk for r in by_id] == [residents["a"].pk]


def test_reveal_on_the_page_needs_a_reason_and_is_logged(world, residents):
    client = _client(world.alice)
    url = f"/people/residents/{residents['a'].pk}/"
    response = client.post(url, {"field": "id_number", "reason": ""})
    assert residents["a"].id_number not in response.content.decode()
    assert not AccessLog.objects.exists()
    response = client.post(url, {"field": "id_number", "reason": "办理居住证明"})
    assert residents["a"].id_number in response.content.decode()
    log = AccessLog.objects.get()
    assert (log.actor, log.resident, log.field, log.reason) == (
        world.alice,
        residents["a"],
        "id_number",
        "办理居住证明",
    )


def test_street_officer_cannot_reveal_or_edit_on_the_page(world, residents):
    client = _client(world.sam)
    assert (
        client.post(
            f"/people/residents/{residents['a'].pk}/", {"field": "phone", "reason": "核实信息"}
        ).status_code
        == 403
    )
    assert client.get(f"/people/residents/{residents['a'].pk}/edit/").status_code == 403
    assert client.get(f"/people/residents/{residents['y'].pk}/").status_code == 404
    assert not AccessLog.objects.exists()


def test_create_form_shows_validation_messages_in_the_users_language(world, residents):
    client = _client(world.alice)
    english = _client(world.alice)
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = {
        "household": residents["a"].household_id,
        "name": "刘测试",
        "id_number": "510108199001010011",
        "phone": "1234",
        "relation": "child",
    }
    body_en = english.post("/people/residents/new/", bad).content.decode()
    assert "check digit is wrong" in body_en
    assert "身份证号校验位错误" not in body_en
    response = client.post(
        "/people/residents/new/",
        {
            "household": residents["a"].household_id,
            "name": "刘测试",
            "id_number": "510108199001010011",
            "phone": "1234",
            "relation": "child",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "身份证号校验位错误" in body
    assert "check digit is wrong" not in body
    assert "手机号码应为" in body
    first17 = "51010820100101001"
    response = client.post(
        "/people/residents/new/",
        {
            "household": residents["a"].household_id,
            "name": "刘测试",
            "id_number": first17 + id_check_digit(first17),
            "relation": "child",
            "tags": ["left_behind_child"],
        },
    )
    assert response.status_code == 302
    created = Resident.objects.get(name="刘测试")
    assert created.birth_date.isoformat() == "2010-01-01"
    assert created.history.get().history_user == world.alice


def test_grid_worker_cannot_create_in_another_grids_household(world, residents):
    first17 = "51010820100101003"
    response = _client(world.alice).post(
        "/people/residents/new/",
        {
            "household": residents["b"].household_id,
            "name": "刘测试",
            "id_number": first17 + id_check_digit(first17),
        },
    )
    assert response.status_code == 200  # the household is not a valid choice
    assert not Resident.objects.filter(name="刘测试").exists()


def test_edit_keeps_the_id_number_when_left_blank(world, residents):
    r = residents["a"]
    response = _client(world.alice).post(
        f"/people/residents/{r.pk}/edit/",
        {
            "household": r.household_id,
            "name": r.name,
            "id_number": "",
            "phone": "",
            "relation": r.relation,
            "note": "已回访",
        },
    )
    assert response.status_code == 302
    again = Resident.objects.get(pk=r.pk)
    assert (again.id_number, again.phone, again.note) == (r.id_number, r.phone, "已回访")


def _sheet(response) -> list[tuple]:
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(wb.worksheets[0].iter_rows(values_only=True))


def test_export_is_masked_by_default_and_still_logged(world, residents):
    refused = _client(world.sam).post("/people/residents/export/", {})
    assert refused.status_code == 200  # the form again: a reason is required
    assert not AccessLog.objects.exists()
    url = "/people/residents/export/?age_band=60-79"
    rows = _sheet(_client(world.sam).post(url, {"reason": "街道季度统计"}))
    old = Resident.objects.visible_to(world.sam).filter(birth_range("60-79"))
    assert len(rows) == old.count() + 1
    text = "|".join(str(c) for row in rows for c in row)
    assert not ID_RE.search(text)
    assert residents["a"].masked_id_number in text
    assert "合成数据" in text
    log = AccessLog.objects.get()
    assert (log.field, log.rows, log.actor) == ("export_masked", len(rows) - 1, world.sam)
    assert (log.reason, log.scope) == ("街道季度统计", "age_band=60-79")


def test_plain_export_needs_permission_and_a_reason_and_is_logged(world, residents):
    response = _client(world.sam).post("/people/residents/export/", {"plain": "on", "reason": "上报区民政局"})
    assert response.status_code == 403
    client = _client(world.alice)
    response = client.post("/people/residents/export/", {"plain": "on", "reason": ""})
    assert response.status_code == 200  # form again, with the reason error
    assert not AccessLog.objects.exists()
    rows = _sheet(client.post("/people/residents/export/?tag=", {"plain": "on", "reason": "高龄补贴年审"}))
    assert residents["a"].id_number in {row[6] for row in rows}
    log = AccessLog.objects.get()
    assert (log.field, log.rows, log.actor) == ("export", len(rows) - 1, world.alice)


def test_auditor_page_lists_and_filters_the_log(world, residents):
    _client(world.alice).post(
        f"/people/residents/{residents['a'].pk}/", {"field": "phone", "reason": "通知体检"}
    )
    client = _client(world.audrey)
    body = client.get("/people/access-log/").content.decode()
    assert "通知体检" in body
    assert "alice" in body
    assert client.get("/people/access-log/", {"actor": "bob"}).context["total"] == 0
    assert client.get("/people/access-log/", {"field": "phone"}).context["total"] == 1
    assert _client(world.alice).get("/people/access-log/").status_code == 403


@pytest.fixture
def _uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.usefixtures("_uploads")
def test_import_through_the_pages(world, residents):
    from shezhi.places.models import Compound

    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).first()
    first17 = "51010819800101005"
    good = f"{compound.name},2栋,1单元,501,户籍,钱测试,{first17 + id_check_digit(first17)},,户主,,\n"
    bad = f"{compound.name},2栋,1单元,502,户籍,孙测试,{first17}0,,户主,,\n"
    content = (
        "小区,楼栋,单元,房号,户籍状态,姓名,身份证号,联系电话,与户主关系,标签,备注\n" + good + bad
    ).encode()
    client = _client(world.alice)
    upload = io.BytesIO(content)
    upload.name = "people.csv"
    response = client.post("/people/import/", {"file": upload})
    assert response.status_code == 302
    preview = client.get(response["Location"])
    body = preview.content.decode()
    assert "身份证号校验位错误" in body
    assert not Resident.objects.filter(name="钱测试").exists()
    client.post(response["Location"], {"confirm": "1"})
    assert Resident.objects.filter(name="钱测试").exists()
    assert not Resident.objects.filter(name="孙测试").exists()
    # another user cannot open alice's batch
    assert _client(world.carol).get(response["Location"]).status_code == 404


@pytest.mark.usefixtures("_uploads")
def test_a_renamed_text_file_is_rejected_on_the_page(world):
    upload = io.BytesIO(b"not a workbook")
    upload.name = "people.xlsx"
    response = _client(world.alice).post("/people/import/", {"file": upload})
    assert response.status_code == 200
    assert "不是 Excel 工作簿" in response.content.decode()


def test_the_detail_page_shows_who_changed_which_fields(world, residents):
    from shezhi.people import services

    services.resident_update(actor=world.alice, resident=residents["a"], phone="13500001111", note="搬迁")
    body = _client(world.alice).get(f"/people/residents/{residents['a'].pk}/").content.decode()
    history = body[body.index('data-testid="history"') :]
    assert "alice" in history
    assert "联系电话" in history
    assert "备注" in history
    assert "13500001111" not in history
