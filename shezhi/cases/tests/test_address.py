"""Address-only reports: the administrative prefix first, then a compound only within that area."""

from __future__ import annotations

from shezhi.cases.address import parse_address
from shezhi.cases.models import Category
from shezhi.cases.routing import place
from shezhi.cases.services import Intake, case_intake
from shezhi.places.models import Compound, Division


def test_it_reads_every_level_of_a_full_address(world):
    parsed = parse_address("四川省成都市成华区猛追湾街道建设路 12 号")
    assert [d.level for d in parsed.divisions] == ["province", "city", "district", "street"]
    assert parsed.deepest == world.street_x
    assert parsed.rest == "建设路12号"


def test_levels_may_be_left_out_and_short_names_are_read(db):
    parsed = parse_address("成都锦江区春熙路街道红星路二段")
    assert [d.name for d in parsed.divisions] == ["成都市", "锦江区", "春熙路街道"]
    assert parse_address("成华区某某路").deepest.code == "510108000000"


def test_a_community_is_read_by_its_everyday_name(world):
    community = world.grid_a.community
    short = community.name.removesuffix("居委会").removesuffix("居民委员会")
    parsed = parse_address(f"成华区猛追湾街道{short}3栋")
    assert parsed.deepest == community
    assert parsed.rest == "3栋"


def test_a_district_name_is_never_taken_for_a_compound(world):
    """A 锦江区 address must not match the compound called 锦江 in 成华区."""
    community = world.grid_a.community
    Compound.objects.create(name="锦江", community=community, grid=world.grid_a, lon=104.1, lat=30.66)
    jinjiang = Division.objects.get(code="510104000000")
    placement = place(intake_area=community, address="锦江区红星路二段 8 号")
    assert placement.compound is None
    assert placement.routed is False
    assert placement.division == jinjiang  # its desk places it
    # Written without a district, in its own community, the name still finds the compound.
    assert place(intake_area=community, address="锦江 3 栋").compound.name == "锦江"


def test_a_compound_is_found_only_within_the_area_the_address_names(world):
    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).exclude(name="").first()
    assert compound is not None
    here = place(intake_area=world.street_y, address=f"成华区猛追湾街道{compound.name}门口")
    assert (here.compound, here.routed) == (compound, True)
    elsewhere = place(intake_area=world.street_x, address=f"成华区双桥子街道{compound.name}门口")
    assert elsewhere.compound is None
    assert elsewhere.division == world.street_y


def test_an_unplaceable_address_is_accepted_for_triage_with_its_reading(world):
    case = case_intake(
        intake=Intake(
            channel="hotline",
            description="路口积水",
            address="成华区猛追湾街道某个路口",
            category=Category.objects.get(code="CX02"),
            check_attributes=False,
        ),
        actor=world.sam,
    )
    assert case.state == "triage"
    assert case.division == world.street_x
    assert "猛追湾街道" in case.routing_note
    assert case.events.filter(kind="triaged").exists()


def test_open311_accepts_an_address_only_request_for_triage(world):
    from django.test import Client

    from shezhi.cases.models import Case, Open311Client

    _client, key = Open311Client.issue(name="app", user=world.sam)
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "ZF01",
            "description": "邻居吵架",
            "address_string": "猛追湾街道某处",
        },
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(channel="open311")
    assert (case.state, case.division) == ("triage", world.street_x)
