"""Work plans: seed 003's targets, progress with evidence, completion, late items, burn-up."""

import datetime as dt

import pytest
from django.test import Client

from shezhi.common.errors import AppError
from shezhi.indicators import workplans
from shezhi.indicators.models import WorkPlanItem

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


@pytest.mark.django_db
def test_seed_progress_late_and_burnup(world):
    assert workplans.seed_city_2023() == 8
    assert workplans.seed_city_2023() == 0
    lifts = WorkPlanItem.objects.get(year=2023, code="LIFT")
    assert lifts.target == 1500
    with pytest.raises(AppError) as exc:
        workplans.progress_add(
            actor=world.cate, item=lifts, on=dt.date(2023, 3, 1), amount=10, evidence=None, evidence_name=""
        )
    assert exc.value.problems[0].field == "evidence"
    with pytest.raises(AppError):
        workplans.progress_add(
            actor=world.cate,
            item=lifts,
            on=dt.date(2024, 3, 1),
            amount=10,
            evidence=PNG,
            evidence_name="a.png",
        )
    with pytest.raises(AppError):
        workplans.progress_add(
            actor=world.cate,
            item=lifts,
            on=dt.date(2023, 3, 1),
            amount=-5,
            evidence=PNG,
            evidence_name="a.png",
        )
    workplans.progress_add(
        actor=world.cate, item=lifts, on=dt.date(2023, 3, 1), amount=500, evidence=PNG, evidence_name="a.png"
    )
    workplans.progress_add(
        actor=world.cate, item=lifts, on=dt.date(2023, 8, 1), amount=400, evidence=PNG, evidence_name="a.png"
    )
    mid = workplans.progress_of(lifts, today=dt.date(2023, 9, 30))
    assert mid.done == 900
    assert mid.rate == 0.6
    assert mid.late  # 60 % done, about 75 % of the year gone
    assert mid.burnup[1] == ("2023-02", 0.0)
    assert mid.burnup[2] == ("2023-03", 500.0)
    assert mid.burnup[-1] == ("2023-09", 900.0)
    assert not workplans.progress_of(lifts, today=dt.date(2023, 6, 1)).late


@pytest.mark.django_db
def test_plans_page_is_scoped(world):
    workplans.seed_city_2023()
    city = Client()
    city.force_login(world.cate)
    page = city.get("/indicators/plans/").content.decode()
    assert "既有住宅自主增设电梯" in page
    district = Client()
    district.force_login(world.dora)
    assert "既有住宅自主增设电梯" not in district.get("/indicators/plans/").content.decode()
