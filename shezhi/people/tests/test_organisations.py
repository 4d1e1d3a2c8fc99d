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


def _facility(world, **over):
    data = {
        "name": "长天路社区食堂",
        "category": "canteen",
        "level": "10min",
        "lon": 104.1,
        "lat": 30.67,
        "grid_code": world.grid_a.code,
        "capacity": 80,
    }
    return services.facility_create(actor=world.alice, **{**data, **over})


def test_a_facility_is_edited_in_place_with_its_history(world):
    canteen = _facility(world, opening_hours="11:00-13:00")
    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/people/facilities/{canteen.pk}/edit/")
    assert page.status_code == 200
    assert "11:00-13:00" in page.content.decode()
    form = {
        "name": "长天路社区长者食堂",
        "category": "canteen",
        "level": "10min",
        "lon": "104.1",
        "lat": "30.67",
        "grid_code": world.grid_a.code,
        "capacity": "120",
        "opening_hours": "10:30-13:30",
    }
    assert client.post(f"/people/facilities/{canteen.pk}/edit/", form).status_code == 302
    canteen.refresh_from_db()
    assert (canteen.name, canteen.capacity, canteen.opening_hours) == (
        "长天路社区长者食堂",
        120,
        "10:30-13:30",
    )
    assert [h.capacity for h in canteen.history.order_by("history_date")] == [80, 120]
    assert canteen.history.latest().history_user == world.alice
    # A refused change keeps every stored value and names the fields.
    bad = client.post(f"/people/facilities/{canteen.pk}/edit/", {**form, "lon": "4.1", "capacity": "-3"})
    assert bad.status_code == 200
    assert "坐标不在中国范围内" in bad.content.decode()
    canteen.refresh_from_db()
    assert (canteen.lon, canteen.capacity) == (104.1, 120)


def test_a_grid_worker_cannot_edit_another_grids_facility_or_move_one_there(world):
    theirs = services.facility_create(
        actor=world.carol,
        name="B网格活动室",
        category="culture_station",
        level="5min",
        lon=104.1,
        lat=30.67,
        grid_code=world.grid_b.code,
    )
    client = Client()
    client.force_login(world.alice)
    assert client.get(f"/people/facilities/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/people/facilities/{theirs.pk}/edit/", {"name": "x"}).status_code == 404
    mine = _facility(world)
    with pytest.raises(services.InvalidPeopleData) as info:
        services.facility_update(
            actor=world.alice,
            facility=mine,
            name=mine.name,
            category="canteen",
            level="10min",
            lon=104.1,
            lat=30.67,
            grid_code=world.grid_b.code,
        )
    assert info.value.problems[0].code == "unknown_grid"
    mine.refresh_from_db()
    assert mine.grid == world.grid_a


def test_facility_and_organisation_replaced_through_the_api(world):
    canteen = _facility(world)
    client = Client()
    client.force_login(world.carol)
    url = f"/api/v1/facilities/{canteen.pk}"
    data = {
        "name": "长天路社区食堂",
        "category": "canteen",
        "level": "10min",
        "lon": 104.1,
        "lat": 30.67,
        "grid_code": world.grid_a.code,
        "capacity": 95,
    }
    ok = client.put(url, data, content_type="application/json")
    assert ok.status_code == 200, ok.content
    assert ok.json()["capacity"] == 95
    bad = client.put(url, {**data, "capacity": -1, "category": "nope"}, content_type="application/json")
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["details"]} == {"capacity", "category"}
    canteen.refresh_from_db()
    assert canteen.capacity == 95
    org = services.organisation_create(
        actor=world.alice, name="营造中心", kind="social_org", grid_code=world.grid_a.code
    )
    other = services.organisation_create(
        actor=world.alice, name="另一中心", kind="social_org", grid_code=world.grid_a.code, uscc=HUAWEI
    )
    taken = client.put(
        f"/api/v1/organisations/{org.pk}",
        {"name": "营造中心", "kind": "social_org", "grid_code": world.grid_a.code, "uscc": HUAWEI},
        content_type="application/json",
    )
    assert taken.status_code == 422
    assert taken.json()["details"][0]["field"] == "uscc"
    same = client.put(
        f"/api/v1/organisations/{other.pk}",
        {"name": "另一中心（更名）", "kind": "social_org", "grid_code": world.grid_a.code, "uscc": HUAWEI},
        content_type="application/json",
    )
    assert same.status_code == 200, same.content
    tina = Client()
    tina.force_login(world.tina)
    assert tina.put(url, data, content_type="application/json").status_code == 404


def test_the_organisation_edit_page_keeps_the_phone_masked(world):
    org = services.organisation_create(
        actor=world.alice,
        name="营造中心",
        kind="social_org",
        grid_code=world.grid_a.code,
        contact_phone="13800138000",
    )
    client = Client()
    client.force_login(world.alice)
    page = client.get(f"/people/organisations/{org.pk}/edit/").content.decode()
    assert "13800138000" not in page
    assert "138****8000" in page
    form = {
        "name": "营造中心（新）",
        "kind": "social_org",
        "grid_code": world.grid_a.code,
        "contact_phone": "",
    }
    assert client.post(f"/people/organisations/{org.pk}/edit/", form).status_code == 302
    org.refresh_from_db()
    assert (org.name, org.contact_phone) == ("营造中心（新）", "13800138000")
