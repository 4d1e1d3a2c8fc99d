"""Computation with provenance, and the must-show: one source row changes the value, its
status and the ranking on recompute, while the published ranking stays as it was."""

import datetime as dt
import random

import pytest
from django.utils import timezone

from shezhi.cases.demo import synthetic_case
from shezhi.common.errors import AppError
from shezhi.indicators import services
from shezhi.indicators.models import IndicatorValue, Ranking, RankingEntry
from shezhi.people.models import Facility, FacilityCategory, FacilityLevel

YEAR = str(timezone.localdate().year)


def _closed_case(grid, actor, rng, *, late: bool):
    case = synthetic_case(grid=grid, actor=actor, rng=rng)
    opened = timezone.now() - dt.timedelta(days=3)
    due = opened + dt.timedelta(days=2)
    closed = due + dt.timedelta(hours=5) if late else due - dt.timedelta(hours=5)
    type(case).objects.filter(pk=case.pk).update(
        state="closed", opened_at=opened, handling_due=due, closed_at=closed, satisfaction="satisfied"
    )
    return case


def _value(run, code, area):
    return IndicatorValue.objects.get(run=run, indicator__code=code, area=area)


def _compute(area):
    return services.run_execute(services.run_start(area=area, period=YEAR, actor=None).pk)


@pytest.mark.django_db
def test_one_source_row_changes_value_status_and_ranking_but_not_the_published_one(catalogue, world):
    rng = random.Random(7)
    c = world.grid_a.community
    other_grid = world.grid_y  # another street: rank the whole district
    d = other_grid.community
    cases_c = [_closed_case(world.grid_a, world.alice, rng, late=False) for _ in range(2)]
    for _ in range(2):
        _closed_case(other_grid, world.tina, rng, late=False)
    district = world.street_x.parent
    run1 = _compute(district)
    v1 = _value(run1, "GOV-04", c)
    assert v1.value == 100.0
    assert set(v1.sources["cases.closed_on_time"]["rows"]) >= {x.pk for x in cases_c}
    assert services.status_for(v1).code == "target_achieved"
    weights = {"GOV-04": 0.5, "SPA-02": 0.5}
    r1 = services.ranking_create(
        name="测试榜",
        area=district,
        run=run1,
        weights=weights,
        normalisation="minmax",
        aggregation="arithmetic",
        actor=world.dora,
        draws=200,
    )
    services.ranking_publish(r1, world.dora)
    before = list(
        RankingEntry.objects.filter(ranking=r1).order_by("area_id").values_list("area_id", "score", "rank")
    )
    rank_c1 = RankingEntry.objects.get(ranking=r1, area=c).rank
    ev_d1 = _value(run1, "SPA-02", d).value

    # One case of C closed late; one charging point added in D.
    late = cases_c[0]
    type(late).objects.filter(pk=late.pk).update(closed_at=late.handling_due + dt.timedelta(hours=3))
    Facility.objects.create(
        name="充电桩（测试）",
        category=FacilityCategory.EV_CHARGING,
        level=FacilityLevel.FIVE,
        community=d,
        grid=other_grid,
        lon=other_grid.centroid_lon,
        lat=other_grid.centroid_lat,
    )
    run2 = _compute(district)
    v2 = _value(run2, "GOV-04", c)
    assert v2.value == 50.0
    assert v2.digest != v1.digest
    assert v2.formula_id == v1.formula_id
    assert services.status_for(v2).code != "target_achieved"
    assert _value(run2, "SPA-02", d).value > ev_d1
    r2 = services.ranking_create(
        name="测试榜",
        area=district,
        run=run2,
        weights=weights,
        normalisation="minmax",
        aggregation="arithmetic",
        actor=world.dora,
        draws=200,
    )
    assert r2.version == r1.version + 1
    assert RankingEntry.objects.get(ranking=r2, area=c).rank > rank_c1
    # The published ranking is as it was, and cannot be changed.
    after = list(
        RankingEntry.objects.filter(ranking=r1).order_by("area_id").values_list("area_id", "score", "rank")
    )
    assert after == before
    with pytest.raises(AppError):
        services.ranking_discard(r1)
    with pytest.raises(AppError):
        services.ranking_publish(Ranking.objects.get(pk=r1.pk), world.dora)
    # The old run's values keep their own provenance.
    assert _value(run1, "GOV-04", c).value == 100.0


@pytest.mark.django_db
def test_uncertainty_band_contains_the_rank(catalogue, world):
    run = _compute(world.street_x.parent)
    r = services.ranking_create(
        name="带",
        area=world.street_x.parent,
        run=run,
        weights={"SVC-02": 0.4, "SVC-03": 0.3, "ECO-01": 0.3},
        normalisation="rank",
        aggregation="geometric",
        actor=None,
        draws=300,
    )
    entries = list(RankingEntry.objects.filter(ranking=r))
    assert len(entries) > 50
    for e in entries:
        assert e.rank_p05 <= e.median_rank <= e.rank_p95
        assert abs(sum(b["weight"] for b in e.breakdown) - 1) < 1e-9


@pytest.mark.django_db
def test_pending_measures_say_no_source_yet(catalogue, world):
    run = _compute(world.street_x)
    v = _value(run, "SVC-06", world.grid_a.community)
    assert v.value is None
    assert v.missing_zh == "暂无数据来源"
