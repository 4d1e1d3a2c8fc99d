"""Organisations and facilities: credit-code validation, area, and the same error shape."""

import pytest
from django.test import Client

from shezhi.people import services
from shezhi.people.models import Facility, Organisation

HUAWEI = "914403001922038216"


def test_an_organisation_with_a_valid_credit_code_lands_in_the_actors_grid(world):
    org = services.organisation_create(
        actor=world.alice,
        name="猛追湾社区营造中心",
        kind="社会组织",
        grid_code=world.grid_a.code,
        uscc=HUAWEI.lower(),
    )
    assert org.uscc == HUAWEI
    assert org.grid == world.grid_a
    assert org.community == world.grid_a.community
    assert org.history.get().history_user == world.alice


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"uscc": "914403001922038217"}, "uscc"),
        ({"contact_phone": "0288888"}, "contact_phone"),
        ({"kind": "公司"}, "kind"),
        ({"name": " "}, "name"),
    ],
)
def test_bad_organisation_input_names_the_field(world, kwargs, field):
    data = {"name": "社区营造中心", "kind": "social_org", "grid_code": world.grid_a.code, **kwargs}
    with pytest.raises(services.InvalidPeopleData) as info:
        services.organisation_create(actor=world.alice, **data)
    assert field in {p.field for p in info.value.problems}
    assert not Organisation.objects.filter(name="社区营造中心").exists()


def test_a_grid_worker_cannot_file_in_another_grid(world):
    with pytest.raises(services.InvalidPeopleData) as info:
        services.organisation_create(
            actor=world.alice, name="x", kind="social_org", grid_code=world.grid_b.code
        )
    assert info.value.problems[0].code == "unknown_grid"


def test_facility_through_the_api(world):
    client = Client()
    client.force_login(world.carol)
    data = {
        "name": "长天路社区食堂",
        "category": "canteen",
        "level": "10min",
        "lon": 104.1,
        "lat": 30.67,
        "community_code": world.grid_a.community.code,
        "capacity": 80,
    }
    response = client.post("/api/v1/facilities", data, content_type="application/json")
    assert response.status_code == 201, response.content
    assert Facility.objects.get(name="长天路社区食堂").community == world.grid_a.community
    bad = client.post(
        "/api/v1/facilities", {**data, "lon": 4.1, "capacity": -1}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["details"]} == {"lon", "capacity"}


def test_organisation_form_shows_the_check_character_error(world):
    client = Client()
    client.force_login(world.alice)
    response = client.post(
        "/people/organisations/new/",
        {
            "name": "测试组织",
            "kind": "social_org",
            "grid_code": world.grid_a.code,
            "uscc": "914403001922038217",
        },
    )
    assert "统一社会信用代码校验位错误" in response.content.decode()
    assert client.get("/people/organisations/new/").status_code == 200
    sam = Client()
    sam.force_login(world.sam)
    assert sam.get("/people/organisations/new/").status_code == 403
