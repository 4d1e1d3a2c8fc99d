"""The evaluation's numbers on a network small enough to check by hand (no database)."""

import numpy as np
import pytest

from shezhi.engine.network import WalkNetwork
from shezhi.lifecircle.analysis import Facilities, Inputs, Rule, evaluate, snap_origins, what_if
from shezhi.lifecircle.models import GapKind

LAT = 30.70
STEP = 0.001  # ≈ 95.6 m of longitude at 30.7° N


@pytest.fixture(scope="module")
def line() -> WalkNetwork:
    lons = [104.0 + i * STEP for i in range(31)]
    return WalkNetwork.from_edges(lons, [LAT] * 31, list(range(30)), list(range(1, 31)))


def _inputs(rule: Rule, facility_nodes: list[int], speed: float = 1.1) -> Inputs:
    # Compounds 1 and 2 in community 10, compound 3 alone in community 20; 5 m off the street.
    nodes = np.array([2, 18, 29])
    fac = np.array(facility_nodes, dtype=float)
    return Inputs(
        compound_ids=np.array([1, 2, 3]),
        community=np.array([10, 10, 20]),
        grid=np.array([-1, -1, -1]),
        lon=104.0 + nodes * STEP,
        lat=np.full(3, LAT + 0.000045),
        households=np.array([300.0, 100.0, 50.0]),
        rules=[rule],
        facilities={
            rule.code: Facilities(
                ids=np.arange(len(fac)),
                lon=104.0 + fac * STEP,
                lat=np.full(len(fac), LAT),
                community=np.full(len(fac), 10),
                floor_area=np.full(len(fac), 200.0),
                capacity=np.full(len(fac), np.nan),
            )
        }
        if facility_nodes
        else {},
        speed_mps=speed,
    )


KINDERGARTEN = Rule("kindergarten", "幼儿园", "education", "basic", 5, 300.0)


def test_walks_coverage_and_gaps_by_hand(line):
    result = evaluate(line, _inputs(KINDERGARTEN, [3]))
    one, two, three = (result.compounds[i]["kindergarten"] for i in (1, 2, 3))
    assert one["ok"]
    assert one["d"] == pytest.approx(95.6 + 5, abs=2)  # one block and the 5 m access leg
    assert one["n"] == 1
    assert two["d"] is None  # 15 blocks ≈ 1.4 km: beyond twice the 300 m radius
    assert not three["ok"]
    c10 = result.communities[10]["kindergarten"]
    assert c10["coverage"] == pytest.approx(300 / 400)
    assert c10["per_100_households_m2"] == pytest.approx(200 / 400 * 100)
    kinds = {(g["community_id"], g["kind"]) for g in result.gaps}
    assert kinds == {(10, GapKind.UNCOVERED), (20, GapKind.MISSING)}
    assert [g["rank"] for g in result.gaps] == [1, 2]
    assert result.gaps[0]["uncovered_households"] == 100  # most uncovered households first


def test_the_elderly_walk_a_smaller_circle(line):
    # 2.5 blocks ≈ 240 m: inside 300 m for adults, outside 300 × 0.8/1.1 ≈ 218 m for the elderly.
    rule = Rule("kindergarten", "幼儿园", "education", "basic", 5, 300.0)
    adult = evaluate(line, _inputs(rule, [4.5]))  # type: ignore[list-item]
    elderly = evaluate(line, _inputs(rule, [4.5], speed=0.8))  # type: ignore[list-item]
    assert adult.compounds[1]["kindergarten"]["ok"]
    assert not elderly.compounds[1]["kindergarten"]["ok"]


def test_the_space_and_count_rules_make_gaps(line):
    station = Rule(
        "service_station",
        "社区综合服务站",
        "response",
        "basic",
        5,
        300.0,
        space_per_100_households_m2=30.0,
        residents_per_facility=500,
    )
    result = evaluate(line, _inputs(station, [2, 18]))
    kinds = {(g["community_id"], g["kind"]) for g in result.gaps}
    # Community 10: 400 m² for 400 households is 100 m²/100 households (enough); 1,000
    # residents for 2 stations is 500 each (enough). Community 20 has none at all.
    assert (10, GapKind.UNDER_SPACE) not in kinds
    assert (20, GapKind.UNDER_SPACE) in kinds
    tight = Rule(
        "service_station",
        "社区综合服务站",
        "response",
        "basic",
        5,
        300.0,
        space_per_100_households_m2=120.0,
        residents_per_facility=400,
    )
    kinds = {(g["community_id"], g["kind"]) for g in evaluate(line, _inputs(tight, [2, 18])).gaps}
    assert {(10, GapKind.UNDER_SPACE), (10, GapKind.UNDER_COUNT)} <= kinds


def test_quality_elements_are_not_gaps(line):
    rule = Rule("childcare", "托育", "education", "quality", 5, 300.0)
    assert evaluate(line, _inputs(rule, [])).gaps == []


def test_an_element_without_facilities_is_missing_everywhere(line):
    result = evaluate(line, _inputs(KINDERGARTEN, []))
    assert {g["kind"] for g in result.gaps} == {GapKind.MISSING}
    assert all(c["kindergarten"]["coverage"] == 0 for c in result.communities.values())


def test_what_if_a_facility_next_to_the_uncovered_compound(line):
    inputs = _inputs(KINDERGARTEN, [3])
    origins = snap_origins(line, inputs)
    body = what_if(line, inputs, origins, KINDERGARTEN, 104.0 + 18 * STEP, LAT)
    assert body["coverage_before"] == pytest.approx(300 / 450)
    assert body["coverage_after"] == pytest.approx(400 / 450)
    assert body["compounds_gained"] == [2]
    assert body["households_gained"] == 100
    assert body["communities"][10] == {"before": 0.75, "after": 1.0}
    assert body["gaps_after"] < body["gaps_before"]


def test_siting_picks_the_candidate_next_to_the_uncovered_households(line):
    from shezhi.lifecircle.siting import Candidates, network_nodes, recommend

    inputs = _inputs(KINDERGARTEN, [3])  # compound 1 covered; 2 (100 hh) and 3 (50 hh) are not
    origins = snap_origins(line, inputs)
    candidates = Candidates(
        np.array([104.0 + 18 * STEP, 104.0 + 29 * STEP, 104.0 + 2 * STEP]),
        np.full(3, LAT),
        ["甲", "乙", "丙"],
    )
    one = recommend(line, inputs, origins, KINDERGARTEN, candidates, p=1)
    assert [s["label"] for s in one["sites"]] == ["甲"]
    assert one["households_newly_covered"] == 100
    assert one["method"] == "milp"
    assert one["gap"] == 0
    two = recommend(line, inputs, origins, KINDERGARTEN, candidates, p=2)
    assert sorted(s["label"] for s in two["sites"]) == ["乙", "甲"]
    assert two["coverage_after"] == pytest.approx(1.0)
    nodes = recommend(line, inputs, origins, KINDERGARTEN, network_nodes(line, inputs), p=2)
    assert nodes["coverage_after"] == pytest.approx(1.0)


@pytest.mark.django_db
def test_the_local_what_if_equals_recomputing_the_whole_area():
    """Walking only from the compounds a new facility can reach gives the full recomputation's answer."""
    from shezhi.lifecircle.analysis import (
        Facilities,
        Rule,
        _with_one_more,
        evaluate_element,
        gather,
        snap_origins,
    )
    from shezhi.lifecircle.models import StandardVersion
    from shezhi.lifecircle.network import walk_network

    net, _key, _parsed = walk_network()
    elements = list(StandardVersion.objects.order_by("-number").first().elements.all())
    inputs = gather(area_prefix="510108", elements=elements, speed_mps=1.1)
    origins = snap_origins(net, inputs)
    improved = 0
    for code in ("kindergarten", "primary_school", "elderly_daycare", "bus_stop"):
        rule = Rule.of(next(e for e in elements if e.code == code))
        facilities = inputs.facilities.get(code, Facilities.empty())
        before = evaluate_element(net, origins, inputs, rule, facilities)
        for i in (0, len(inputs.lon) // 2):
            lon, lat = float(inputs.lon[i]) + 0.0004, float(inputs.lat[i])
            full = evaluate_element(net, origins, inputs, rule, facilities.plus(lon, lat))
            local = _with_one_more(net, inputs, origins, rule, before, lon, lat)
            assert np.array_equal(full.distance, local.distance)
            assert np.array_equal(full.within, local.within)
            assert np.allclose(full.access, local.access, rtol=1e-9, atol=1e-12)
            improved += int((local.distance < before.distance).sum())
    assert improved > 0  # the new facilities did shorten some walks
