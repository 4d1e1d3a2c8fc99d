"""The people API: masked reads, logged reveal, validation errors in the documented shape."""

import io

import pytest
from django.test import Client

from shezhi.common.identifiers import id_check_digit
from shezhi.people.models import AccessLog, Resident


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_list_is_masked_and_scoped(world, residents):
    data = _client(world.alice).get("/api/v1/residents").json()
    ids = {item["id"] for item in data["items"]}
    assert residents["a"].pk in ids
    assert residents["b"].pk not in ids
    item = next(i for i in data["items"] if i["id"] == residents["a"].pk)
    assert item["id_number"] == residents["a"].masked_id_number
    assert "*" in item["id_number"]
    assert item["synthetic"] is True


def test_street_officer_sees_masked_names(world, residents):
    item = _client(world.sam).get(f"/api/v1/residents/{residents['a'].pk}").json()
    assert item["name"] == residents["a"].masked_name


def test_reveal_is_logged_and_foreign_residents_are_404(world, residents):
    client = _client(world.alice)
    url = f"/api/v1/residents/{residents['a'].pk}/reveal"
    response = client.post(url, {"field": "phone", "reason": "通知疫苗接种"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["value"] == residents["a"].phone
    assert AccessLog.objects.get().field == "phone"
    response = client.post(
        f"/api/v1/residents/{residents['b'].pk}/reveal",
        {"field": "phone", "reason": "通知疫苗接种"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert AccessLog.objects.count() == 1


def test_street_officer_reveal_is_403(world, residents):
    response = _client(world.sam).post(
        f"/api/v1/residents/{residents['a'].pk}/reveal",
        {"field": "id_number", "reason": "核实身份"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not AccessLog.objects.exists()


def test_create_with_bad_id_changes_nothing_and_names_the_field(world, residents):
    count = Resident.objects.count()
    response = _client(world.alice).post(
        "/api/v1/residents",
        {"household_id": residents["a"].household_id, "name": "吕测试", "id_number": "510108199001010011"},
        content_type="application/json",
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid"
    assert body["details"][0]["field"] == "id_number"
    assert body["message_en"]
    assert Resident.objects.count() == count


def test_create_and_patch(world, residents):
    first17 = "51010819851111002"
    client = _client(world.alice)
    response = client.post(
        "/api/v1/residents",
        {
            "household_id": residents["a"].household_id,
            "name": "吕测试",
            "id_number": first17 + id_check_digit(first17),
            "tags": ["veteran"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    rid = response.json()["id"]
    response = client.patch(
        f"/api/v1/residents/{rid}", {"phone": "13600001234"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["phone"] == "136****1234"
    assert Resident.objects.get(pk=rid).history.count() == 2


def test_access_log_is_for_auditors(world, residents):
    assert _client(world.alice).get("/api/v1/access-log").status_code == 403
    assert _client(world.audrey).get("/api/v1/access-log").json()["count"] == 0


@pytest.fixture
def _uploads(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.mark.usefixtures("_uploads")
def test_import_preview_and_confirm(world):
    from shezhi.places.models import Compound

    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).first()
    first17 = "51010819800101007"
    content = (
        f"小区,房号,姓名,身份证号\n{compound.name},101,褚测试,{first17 + id_check_digit(first17)}\n"
    ).encode()
    client = _client(world.alice)
    upload = io.BytesIO(content)
    upload.name = "p.csv"
    response = client.post("/api/v1/imports", {"file": upload})
    assert response.status_code == 201
    batch = response.json()
    assert (batch["good_rows"], batch["new_residents"]) == (1, 1)
    assert not Resident.objects.filter(name="褚测试").exists()
    assert client.post(f"/api/v1/imports/{batch['id']}/confirm").status_code == 200
    assert Resident.objects.filter(name="褚测试").exists()
    assert client.post(f"/api/v1/imports/{batch['id']}/confirm").status_code == 409


@pytest.mark.usefixtures("_uploads")
def test_import_of_a_bad_file_is_422(world):
    upload = io.BytesIO(b"garbage")
    upload.name = "p.xlsx"
    response = _client(world.alice).post("/api/v1/imports", {"file": upload})
    assert response.status_code == 422
    assert response.json()["details"][0]["problems"][0]["code"] == "not_excel"
