import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from shezhi.lifecircle.models import Circle, ElementKind, ServiceElement, StandardVersion
from shezhi.lifecircle.selectors import standard_current
from shezhi.lifecircle.services import standard_revise, standard_seed_default
from shezhi.lifecircle.standard import LEVEL_RADIUS_M


def test_the_default_standard_covers_the_eight_circles_and_three_kinds(db):
    version = standard_current()
    assert version is not None
    assert version.number == 1
    elements = list(version.elements.all())
    assert {e.circle for e in elements} == set(Circle.values)
    assert {e.kind for e in elements} == set(ElementKind.values)
    assert all(e.radius_m == LEVEL_RADIUS_M[e.level_minutes] for e in elements)
    service = version.elements.get(code="service_station")
    assert service.space_per_100_households_m2 == 30  # 每百户不低于30平方米
    assert all(e.basis for e in elements)


def test_every_element_is_a_facility_category_of_the_basic_database(db):
    from shezhi.people.models import FacilityCategory

    assert set(standard_current().elements.values_list("code", flat=True)) <= set(FacilityCategory.values)


def test_an_added_element_must_be_a_facility_category(world):
    standard_revise(actor=world.cate, note="x", remove=["metro"])
    element = {
        "code": "metro",
        "name": "地铁站",
        "circle": "cityscape",
        "kind": "guided",
        "level_minutes": 15,
        "radius_m": 1000,
    }
    version = standard_revise(actor=world.cate, note="back", add=[element])
    assert version.elements.filter(code="metro").exists()
    with pytest.raises(ValidationError):
        standard_revise(actor=world.cate, note="y", add=[{**element, "code": "spaceport"}])


def test_seeding_twice_changes_nothing(db):
    standard_seed_default()
    assert StandardVersion.objects.count() == 1


def test_a_revision_is_a_new_version_and_the_old_one_stays(world):
    before = standard_current()
    version = standard_revise(
        actor=world.cate, note="幼儿园半径按本地标准", changes={"kindergarten": {"radius_m": 400}}
    )
    assert version.number == before.number + 1
    assert version.created_by == world.cate
    assert version.elements.get(code="kindergarten").radius_m == 400
    assert before.elements.get(code="kindergarten").radius_m == 300
    assert version.elements.count() == before.elements.count()
    assert standard_current() == version


def test_only_a_city_administrator_revises(world):
    with pytest.raises(PermissionDenied):
        standard_revise(actor=world.dora, note="x", changes={"kindergarten": {"radius_m": 1}})
    assert StandardVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "remove"),
    [
        ({"kindergarten": {"circle": "nowhere"}}, None),
        ({"kindergarten": {"radius_m": -5}}, None),
        ({"no_such_element": {"radius_m": 5}}, None),
        ({"kindergarten": {"code": "renamed"}}, None),
        (None, ["no_such_element"]),
    ],
)
def test_a_bad_revision_writes_nothing(world, changes, remove):
    count = ServiceElement.objects.count()
    with pytest.raises(ValidationError):
        standard_revise(actor=world.cate, note="bad", changes=changes, remove=remove)
    assert StandardVersion.objects.count() == 1
    assert ServiceElement.objects.count() == count


def test_the_page_lists_the_standard_and_admins_revise_it_there(world):
    client = Client()
    client.force_login(world.cate)
    html = client.get("/lifecircle/standard/").content.decode()
    assert "每百户 ≥ 30" in html
    assert "幼儿园" in html
    form = client.get("/lifecircle/standard/elements/kindergarten/revise/")
    assert form.status_code == 200
    data = {
        "name": "幼儿园",
        "circle": "education",
        "kind": "basic",
        "level_minutes": 5,
        "radius_m": 350,
        "basis": "本地标准",
        "note": "按本地标准调整",
    }
    response = client.post("/lifecircle/standard/elements/kindergarten/revise/", data)
    assert response.status_code == 302
    assert standard_current().elements.get(code="kindergarten").radius_m == 350
    assert "v1" in client.get("/lifecircle/standard/v1/").content.decode()


def test_other_roles_read_but_cannot_revise(world):
    client = Client()
    client.force_login(world.alice)
    assert client.get("/lifecircle/standard/").status_code == 200
    assert client.get("/lifecircle/standard/elements/kindergarten/revise/").status_code == 403
    response = client.post("/lifecircle/standard/elements/kindergarten/revise/", {"note": "x"})
    assert response.status_code == 403
    assert StandardVersion.objects.count() == 1
