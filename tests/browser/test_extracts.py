"""A city administrator loads a second real OSM extract from the page and evaluates a district on it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shezhi.lifecircle.models import AnalysisRun, RunStatus
from shezhi.places.models import Division, ExtractStatus, OsmExtract

from .helpers import screenshot
from .test_lifecircle import lifecircle_data, task_worker  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

HELSINKI = Path(__file__).resolve().parents[2] / "shezhi" / "places" / "data" / "helsinki_center.osm.pbf"


@pytest.fixture
def synthetic_district(lifecircle_data: None) -> Division:  # noqa: F811
    """A synthetic (合成) district of 2 streets × 2 communities, without boundaries."""
    province = Division.objects.create(code="990000000000", name="合成省", level="province")
    city = Division.objects.create(code="990100000000", name="合成市", level="city", parent=province)
    district = Division.objects.create(code="990101000000", name="合成区", level="district", parent=city)
    for s in (1, 2):
        street = Division.objects.create(
            code=f"990101{s:03d}000", name=f"合成街道{s}", level="street", parent=district
        )
        for c in (1, 2):
            Division.objects.create(
                code=f"990101{s:03d}{c:03d}", name=f"合成社区{s}-{c}", level="community", parent=street
            )
    return district


def test_upload_an_extract_then_evaluate_a_district_on_it(
    page: Any,
    login: Any,
    task_worker: Any,  # noqa: F811
    synthetic_district: Division,
) -> None:
    login("city")
    page.goto("/lifecircle/extracts/")
    page.set_input_files("input[name=file]", str(HELSINKI))
    page.select_option("select[name=clip_to]", value=synthetic_district.code)
    page.fill("input[name=name]", "赫尔辛基中心（ODbL）")
    with page.expect_navigation():
        page.click("[data-testid=extract-upload] button[type=submit]")
    assert "/lifecircle/extracts/" in page.url
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-progress-bar]').value === 100"
        " && document.querySelector('[data-testid=extract-counts]') !== null",
        timeout=90_000,
    )
    extract = OsmExtract.objects.latest("pk")
    assert extract.status == ExtractStatus.CURRENT
    assert page.locator("[data-testid=run-status]").inner_text() == "当前使用"
    screenshot(page, "extract-loaded")

    page.goto("/lifecircle/")
    # The area picker: search the district by name, then choose it.
    page.click("[data-testid=picker-area]")
    page.fill(".picker-search", synthetic_district.name)
    name = page.locator(".picker-label", has_text=re.compile(f"^{re.escape(synthetic_district.name)}$"))
    page.locator(".picker-option", has=name).first.click()
    with page.expect_navigation():
        page.click("[data-testid=start-run] button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-progress-bar]').value === 100"
        " && document.querySelector('[data-testid=indicators]') !== null",
        timeout=90_000,
    )
    run = AnalysisRun.objects.latest("pk")
    assert run.status == RunStatus.DONE
    assert run.extract_id == extract.pk
    screenshot(page, "extract-run")
    page.click("nav.tabs >> text=短板清单")
    page.wait_for_selector("[data-testid=gaps]")
    assert page.locator("[data-testid=gaps] tbody tr").count() > 0
    screenshot(page, "extract-gaps")
    page.goto(f"/lifecircle/runs/{run.pk}/map/?element=kindergarten")
    page.wait_for_selector('#lc-map[data-ready="1"]', state="attached", timeout=30_000)
    screenshot(page, "extract-map")
