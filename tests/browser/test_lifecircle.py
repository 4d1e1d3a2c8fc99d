"""A planner evaluates the 15-minute life circle in the browser, with a real task worker."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections

from shezhi.lifecircle.models import AnalysisRun, CompoundResult, Gap, RunStatus

from .helpers import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def lifecircle_data(demo_data: None) -> None:
    call_command("load_people", households_per_compound=1, stdout=io.StringIO())
    call_command("load_lifecircle", "--no-run", stdout=io.StringIO())


@pytest.fixture
def task_worker(lifecircle_data: None) -> Iterator[Any]:
    """django-tasks-db's own worker loop, in a thread of the test process."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            worker.run()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield worker
    worker.running = False
    thread.join(timeout=15)


def test_a_planner_runs_an_evaluation_and_tries_a_facility(page: Any, login: Any, task_worker: Any) -> None:
    login("planner")
    page.goto("/lifecircle/")
    # The area picker: search, then choose the street (not the community of the same name).
    page.click("[data-testid=picker-area]")
    page.fill(".picker-search", "猛追湾")
    street = page.locator(".picker-label", has_text=re.compile("^猛追湾街道$"))
    page.locator(".picker-option", has=street).click()
    with page.expect_navigation():
        page.click("[data-testid=start-run] button[type=submit]")
    assert "/lifecircle/runs/" in page.url
    page.wait_for_selector("[data-testid=run-progress-bar]", state="attached")
    # The page polls the run; when the worker finishes it reloads with the results.
    page.wait_for_function(
        "() => document.querySelector('[data-testid=run-progress-bar]').value === 100"
        " && document.querySelector('[data-testid=indicators]') !== null",
        timeout=60_000,
    )
    assert page.locator("[data-testid=run-percent]").inner_text() == "100%"
    assert page.locator("[data-testid=run-status]").inner_text() == "已完成"
    run = AnalysisRun.objects.latest("pk")
    assert run.status == RunStatus.DONE
    assert run.area.name == "猛追湾街道"
    screenshot(page, "lifecircle-run")

    page.click("nav.tabs >> text=短板清单")
    page.wait_for_selector("[data-testid=gaps]")
    rows = page.locator("[data-testid=gaps] tbody tr")
    assert rows.count() > 0
    assert "没有短板" not in rows.first.inner_text()
    screenshot(page, "lifecircle-gaps")

    uncovered = (
        CompoundResult.objects.filter(run=run)
        .exclude(values__kindergarten__ok=True)
        .select_related("compound")
    ).first()
    assert uncovered is not None
    page.goto(f"/lifecircle/runs/{run.pk}/map/?element=kindergarten")
    page.wait_for_selector('#lc-map[data-ready="1"]', state="attached", timeout=30_000)
    before = page.locator("[data-testid=coverage]").inner_text()
    page.check("#lc-whatif")
    point = page.evaluate(
        "([lat, lon]) => { const m = window.shezhiLifecircle.map;"
        " m.setView([lat, lon], 16, {animate: false});"
        " const p = m.latLngToContainerPoint([lat, lon]); return {x: p.x, y: p.y}; }",
        [uncovered.compound.lat, uncovered.compound.lon],
    )
    box = page.locator("#lc-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + point["x"], box["y"] + point["y"])
    page.wait_for_selector("[data-testid=whatif-result]:not([hidden])", timeout=10_000)
    after = page.locator("#lc-coverage-after").inner_text()
    result = page.evaluate("() => window.shezhiLifecircle.state.whatIf")
    assert result["coverage_after"] > result["coverage_before"]
    assert uncovered.compound_id in result["compounds_gained"]
    assert before not in after.split("（")[0]  # the coverage figure changed
    screenshot(page, "lifecircle-whatif")

    # A facility's 5/10/15-minute isochrones.
    page.uncheck("#lc-whatif")
    # Compounds may sit on top of a facility's marker, so the marker is clicked through Leaflet.
    clicked = page.evaluate(
        "() => { let hit = false; window.shezhiLifecircle.map.eachLayer((l) => {"
        " if (!hit && l.feature && l.feature.properties.layer === 'facility') {"
        " hit = true; l.fire('click', {latlng: l.getLatLng()}); } }); return hit; }"
    )
    assert clicked
    page.wait_for_function("() => window.shezhiLifecircle.state.isochrones === 3", timeout=10_000)
    screenshot(page, "lifecircle-isochrones")

    # Every tooltip reads in words: community hovers give 户数 and walk minutes, none "undefined".
    tips = page.evaluate(
        "() => { const out = []; window.shezhiLifecircle.map.eachLayer((l) => {"
        " if (l.feature && l.getTooltip && l.getTooltip()) {"
        " out.push([l.feature.properties.layer, String(l.getTooltip().getContent())]); } }); return out; }"
    )
    assert tips
    assert not [t for _layer, t in tips if "undefined" in t or "null" in t]
    community_tips = [t for layer, t in tips if layer == "community"]
    assert community_tips
    # 户数 and the walk (minutes, or that none is within reach) for every community with compounds.
    assert all(("户" in t and ("分钟" in t or "没有" in t)) or "无小区数据" in t for t in community_tips)
    assert any("户" in t for t in community_tips)
    assert page.locator("[data-testid=iso-legend] li").count() == 3
    _shot(page, "lifecircle-map-legend")

    # Recommended sites are described by road, compound and community; the method in words.
    page.goto(f"/lifecircle/runs/{run.pk}/siting/")
    page.select_option("select[name=s-element]", "kindergarten")
    page.fill("input[name=s-p]", "2")
    page.select_option("select[name=s-source]", "nodes")
    with page.expect_navigation():
        page.click("[data-testid=siting-form] button[type=submit]")
    titles = page.locator("[data-testid=site-title]").all_inner_texts()
    assert len(titles) == 2
    body = page.locator("main").inner_text()
    assert not re.search(r"路网节点 \d", body)
    assert "milp" not in body
    assert re.search("精确求解|启发式", page.locator("[data-testid=siting-method]").inner_text())
    assert all(re.search("路|街|巷|附近|内", t) for t in titles)
    page.wait_for_selector('#siting-map[data-ready="1"]', state="attached", timeout=30_000)
    _shot(page, "lifecircle-siting")

    # The gap list filtered by a community's name.
    gap = Gap.objects.filter(run=run).select_related("community").first()
    page.goto(f"/lifecircle/runs/{run.pk}/gaps/")
    page.fill("[data-testid=gap-community]", gap.community.name[:3])
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    rows = page.locator("[data-testid=gaps] tbody tr")
    assert rows.count() > 0
    assert all(gap.community.name[:3] in r for r in rows.all_inner_texts())


def _shot(page: Any, name: str) -> None:
    """Full-page screenshots for a human, under var/screenshots/."""
    from pathlib import Path

    shots = Path(__file__).resolve().parents[2] / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
