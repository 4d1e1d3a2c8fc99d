"""A district leader opens the evaluation dashboard (驾驶舱) and follows a value to its sources."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from .helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def indicator_data(demo_data: None) -> None:
    call_command("load_people", households_per_compound=1, stdout=io.StringIO())
    call_command("load_lifecircle", stdout=io.StringIO())
    call_command("load_cases", stdout=io.StringIO())
    call_command("demo_cases", count=80, stdout=io.StringIO())
    call_command("demo_indicators", stdout=io.StringIO())


def test_the_district_dashboard_links_every_value_to_its_formula_and_rows(
    page: Any, login: Any, indicator_data: None
) -> None:
    login("district")
    page.goto("/indicators/")
    page.wait_for_selector("[data-testid=scenario-governance]")
    page.wait_for_function("window.shezhiCharts && window.shezhiCharts.ranking")
    assert page.locator("[data-testid=ranking] tbody tr").count() >= 10
    assert page.locator("[data-testid=value-link]").count() >= 25
    assert page.locator("#chart-ranking canvas").count() == 1
    screenshot(page, "indicators-dashboard")
    page.locator("[data-testid=scenario-governance] [data-testid=value-link]").first.click()
    page.wait_for_selector("[data-testid=provenance]")
    assert page.locator("[data-testid=formula-version]").count() == 1
    assert page.locator("[data-testid=sources] .source").count() >= 2
    screenshot(page, "indicators-value")
    page.goto("/indicators/?screen=1")
    page.wait_for_function("window.shezhiCharts && window.shezhiCharts.status")
    assert page.locator("[data-refresh]").count() == 1
    screenshot(page, "indicators-screen")
    page.goto("/indicators/plans/")
    page.wait_for_function("window.shezhiCharts && window.shezhiCharts.burnup")
    assert page.locator("[data-testid=plans] tbody tr").count() >= 8
    screenshot(page, "indicators-plans")
