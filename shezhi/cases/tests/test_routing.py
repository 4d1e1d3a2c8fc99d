"""Routing by point, compound and category; unroutable cases land in triage."""

from __future__ import annotations

import pytest

from shezhi.cases import routing, selectors
from shezhi.cases.models import Category, Channel, RoutingRule, Unit
from shezhi.cases.services import Intake, IntakeRejected, case_intake
from shezhi.cases.tests.helpers import inside, report
from shezhi.cases.workflow import State
from shezhi.common.coords import gcj02_to_bd09, wgs84_to_gcj02
from shezhi.places.models import Compound


def test_a_pin_in_grid_a_lands_on_alices_list_and_nobody_elses(world):
    case = report(world.carol, world.grid_a)
    assert case.grid.path.startswith(world.grid_a.path)
    assert case in selectors.case_list(actor=world.alice)
    assert case not in selectors.case_list(actor=world.bob)
    assert case not in selectors.case_list(actor=world.tina)
    assert case in selectors.case_list(actor=world.sam)
    assert case not in selectors.case_list(actor=world.rita)


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


@pytest.mark.parametrize("convert", [wgs84_to_gcj02, wgs84_to_bd09])
def test_amap_and_baidu_points_are_converted_before_the_lookup(world, convert):
    lon, lat = inside(world.grid_a)
    x, y = convert(lon, lat)
    crs = "gcj02" if convert is wgs84_to_gcj02 else "bd09"
    case = case_intake(
        intake=Intake(
            channel=Channel.RESIDENT,
            description="路灯坏了",
            lon=x,
            lat=y,
            crs=crs,
            category=Category.objects.get(code="CX02"),
            attributes={"facility": "lamp"},
        ),
        actor=world.carol,
    )
    assert case.grid.path.startswith(world.grid_a.path)
    assert abs(case.lon - lon) < 1e-5
    assert abs(case.lat - lat) < 1e-5


def test_an_address_naming_a_compound_is_placed_there(world):
    compound = Compound.objects.filter(
        grid__isnull=False, community__code__startswith=world.street_x.prefix
    ).first()
    case = case_intake(
        intake=Intake(
            channel=Channel.HOTLINE,
            description="楼道堆物",
            address=f"成华区{compound.name}3栋",
            category=Category.objects.get(code="ZF01"),
        ),
        actor=world.sam,
    )
    assert case.compound == compound
    assert case.grid == compound.grid
    assert case.state == State.DISPATCHED


def test_what_cannot_be_placed_goes_to_triage_of_the_intake_area(world):
    case = case_intake(
        intake=Intake(
            channel=Channel.HOTLINE,
            description="不知道在哪里的噪音",
            address="某某路某号",
            category=Category.objects.get(code="HB01"),
        ),
        actor=world.sam,
    )
    assert case.state == State.TRIAGE
    assert case.grid is None
    assert case.division == world.street_x
    assert case in selectors.triage_queue(actor=world.sam)
    assert case not in selectors.triage_queue(actor=world.tina)
    assert case.events.filter(kind="triaged").exists()


def test_the_resident_page_rejects_a_point_outside_every_grid(world):
    with pytest.raises(IntakeRejected) as info:
        case_intake(
            intake=Intake(channel=Channel.RESIDENT, description="x", lon=103.5, lat=30.2, require_grid=True),
            actor=world.rita,
        )
    assert info.value.problems[0].code == "outside_area"


def test_the_matrix_prefers_the_category_cell_over_the_area_default(world):
    community = world.grid_a.community
    noise = Category.objects.get(code="HB03")  # 油烟 → 区生态环境局
    assert routing.unit_for(noise, community).name == "区生态环境局"
    dispute = Category.objects.get(code="ZF01")
    assert routing.unit_for(dispute, community).division == community
    lamp = Category.objects.get(code="CX02")
    assert routing.unit_for(lamp, community).division == world.street_x
    special = Unit.objects.create(name="测试物业专班", kind="department", division=community)
    RoutingRule.objects.create(category=dispute, division=community, unit=special)
    assert routing.unit_for(dispute, community) == special
