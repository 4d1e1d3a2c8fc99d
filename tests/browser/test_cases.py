"""A resident reports on the phone-width H5 page with a map pin; staff see it, timeline and KPI charts."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from shapely.geometry import shape

from shezhi.accounts.models import User
from shezhi.cases.models import Case
from shezhi.people.models import AccessLog

from .helpers import screenshot

pytestmark = pytest.mark.browser


def test_a_resident_reports_by_pin_and_the_grid_worker_handles_it(page: Any, login: Any) -> None:
    call_command("load_cases", stdout=io.StringIO())
    grid = User.objects.get(username="grid").grid
    point = shape(grid.boundary).representative_point()
    page.set_viewport_size({"width": 390, "height": 844})
    login("resident")
    page.goto("/cases/new/")
    page.wait_for_function("() => window.shezhiPin !== undefined")
    page.select_option("select[name=category]", label="政法 · 矛盾纠纷")
    page.fill("textarea[name=description]", "楼上漏水，与邻居协商不成，请求调解")
    page.fill("input[name=reporter_phone]", "13800001111")
    page.evaluate(f"window.shezhiPin.set({point.y}, {point.x})")
    assert page.locator("#pin-status").get_attribute("data-set") == "1"
    width = page.evaluate("document.querySelector('form.intake').getBoundingClientRect().width")
    assert width <= 390
    screenshot(page, "cases-resident-intake")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    code = page.locator("[data-testid=code]").inner_text()
    case = Case.objects.get(code=code)
    assert case.grid.path.startswith(grid.path)
    assert case.reporter.username == "resident"

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login("grid")
    page.goto("/cases/")
    assert code in page.locator("[data-testid=case-list]").inner_text()
    page.goto(f"/cases/{code}/")
    assert page.locator("[data-testid=reporter]").inner_text() == "138****1111"
    page.click("#reveal")  # without a reason: refused next to the field, nothing shown
    page.wait_for_function("document.querySelector('[data-testid=reveal-error]').textContent.length > 0")
    assert "事由" in page.locator("[data-testid=reveal-error]").inner_text()
    assert "13800001111" not in page.content()
    page.fill("#reveal-reason", "电话回访核实情况")
    page.click("#reveal")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=reporter]').textContent.includes('13800001111')"
    )
    assert case.events.filter(kind="pii_read", actor__username="grid").count() == 1
    assert AccessLog.objects.filter(field="case_reporter", actor__username="grid").count() == 1
    with page.expect_navigation():
        page.click("[data-testid=action-sign]")
    assert "已签收" in page.locator("[data-testid=state]").inner_text()
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "签收" in timeline or "sign" in timeline
    screenshot(page, "cases-case-page")


def test_the_kpi_page_draws_its_charts_from_local_assets(page: Any, login: Any) -> None:
    from shezhi.cases.demo import build_demo_cases

    call_command("load_cases", stdout=io.StringIO())
    build_demo_cases(count=40)
    login("district")
    page.goto("/cases/kpis/")
    page.wait_for_function("() => window.shezhiCharts !== undefined")
    assert page.locator("#chart-units canvas").count() == 1
    assert "响应率" in page.locator("[data-testid=formulas]").inner_text()
    assert page.locator("[data-testid=kpi-table] tbody tr").count() >= 2  # units and the total
    screenshot(page, "cases-kpis")


def test_the_hotspot_map_draws_the_compounds_with_cases(page: Any, login: Any) -> None:
    from shezhi.cases.demo import build_demo_cases

    call_command("load_cases", stdout=io.StringIO())
    build_demo_cases(count=30)
    login("district")
    page.goto("/cases/hotspots/")
    page.wait_for_function("() => window.shezhiHotspots !== undefined")
    assert page.evaluate("window.shezhiHotspots.count") > 0
    assert page.locator("[data-testid=top-hotspots] tbody tr").count() >= 1
    screenshot(page, "cases-hotspots")
