"""The life-circle pages in words: sites by road, compound and community; methods named; no
English codes, no ``undefined``; the gap list filtered by community name."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.lifecircle.describe import SiteContext, method_label, roads_near, site_title
from shezhi.lifecircle.models import AnalysisRun, Gap, RunStatus
from shezhi.places.models import Division


@pytest.fixture
def demo_run(db) -> AnalysisRun:
    runs = AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000", walker="adult")
    return runs.latest("pk")


@pytest.fixture
def planner(world) -> User:
    return User.objects.create_user(
        username="pia", password="x", role=Role.PLANNER, division=world.street_x.parent
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_roads_near_a_point_come_from_the_extracts_named_ways():
    # 建设路 crosses the demo area; a point on one of its nodes is next to it.
    from shezhi.places.osm import read_places

    name, line = next((n, g) for _i, n, _r, g in read_places().roads if n == "建设路")
    lon, lat = line.coords[len(line.coords) // 2]
    roads = dict(roads_near(lon, lat))
    assert roads[name] < 1
    assert all(m <= 150 for m in roads.values())


def test_a_site_title_names_a_crossing_a_road_or_a_compound():
    crossing = SiteContext("建设路", ("建设路", "双林路"), 3.0, "万科·金域蓝湾", 80.0, "猛追湾社区")
    assert site_title(crossing) == "建设路与双林路交叉口附近"
    road = SiteContext("建设路", ("建设路",), 20.0, "", None, "")
    assert site_title(road) == "建设路旁"
    nothing_named = SiteContext("", (), None, "万科·金域蓝湾", 80.0, "")
    assert site_title(nothing_named) == "万科·金域蓝湾附近"


def test_the_method_is_named_in_words():
    assert method_label("milp") == "精确求解"
    assert method_label("greedy+swap").startswith("启发式")


def test_recommended_sites_read_in_words(world, demo_run, planner):
    from shezhi.lifecircle.services import siting_recommend

    study = siting_recommend(actor=planner, run=demo_run, element_code="kindergarten", p=2, source="nodes")
    assert all(s["label"].startswith("路网节点") for s in study.result["sites"])  # stored as computed
    response = _client(planner).get(f"/lifecircle/sitings/{study.pk}/")
    page = response.content.decode()
    assert not re.search(r"路网节点 \d", page)
    assert "milp" not in page
    assert "精确求解" in page or "启发式" in page
    for site in response.context["result"]["sites"]:
        assert site["title"]
        assert site["community"]  # every site lies in a community of the run's area
        assert site["compound"]
        assert site["title"] in page


def test_community_features_carry_households_and_walk_minutes(world, demo_run, planner):
    data = (
        _client(planner)
        .get(f"/lifecircle/runs/{demo_run.pk}/map.geojson", {"element": "kindergarten"})
        .json()
    )
    communities = [f["properties"] for f in data["features"] if f["properties"]["layer"] == "community"]
    assert communities
    assert any(p["households"] > 0 for p in communities)
    for p in communities:
        assert p["households"] >= 0, p  # 0 for a community without compounds in the extract
        assert p["minutes"] is None or p["minutes"] > 0
    compounds = [f["properties"] for f in data["features"] if f["properties"]["layer"] == "compound"]
    one = next(p for p in communities if p["households"])
    mine = [c for c in compounds if c["community_code"] == one["community_code"]]
    assert one["households"] == round(sum(c["households"] for c in mine))


def test_the_gap_list_filters_by_community_name(world, demo_run, planner):
    gap = Gap.objects.filter(run=demo_run).select_related("community").first()
    name = gap.community.name
    response = _client(planner).get(f"/lifecircle/runs/{demo_run.pk}/gaps/", {"community": name[:3]})
    shown = {g.community.name for g in response.context["page"]}
    assert name in shown
    assert all(name[:3] in n for n in shown)
    assert response.context["total"] < Gap.objects.filter(run=demo_run).count()


def test_the_chinese_pages_show_no_element_codes_or_formulas(world, demo_run, planner):
    client = _client(planner)
    codes = set(demo_run.standard.elements.values_list("code", flat=True))
    for url in (
        "/lifecircle/",
        "/lifecircle/standard/",
        f"/lifecircle/runs/{demo_run.pk}/",
        f"/lifecircle/runs/{demo_run.pk}/gaps/",
        f"/lifecircle/runs/{demo_run.pk}/siting/",
    ):
        body = client.get(url).content.decode()
        text = re.sub(r"<(script|style)[^>]*>.*?</\1>|<[^>]+>", " ", body, flags=re.S)
        words = set(re.findall(r"[A-Za-z_]{3,}", text))
        assert not words & codes, (url, sorted(words & codes)[:5])
        assert "2SFCA" not in text
        assert "MCLP" not in text
        assert " / none" not in text, url  # one language at a time
    assert Division.objects.exists()
