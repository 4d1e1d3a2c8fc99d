"""The Leaflet map draws the bundled base map, divisions, grids and compounds on a canvas."""

from __future__ import annotations

import time
from typing import Any

import pytest

from shezhi.accounts.models import User
from shezhi.accounts.roles import DivisionLevel
from shezhi.places.models import Compound, Division, Grid

from .helpers import decode_png, non_background, open_map, screenshot, wait_map_painted

pytestmark = pytest.mark.browser


def test_map_draws_layers_on_canvas(page: Any, login: Any) -> None:
    login("city")
    user = User.objects.get(username="city")
    status = open_map(page)
    expected_divisions = (
        Division.objects.visible_to(user)
        .exclude(boundary=None)
        .filter(level__in=[DivisionLevel.DISTRICT, DivisionLevel.STREET, DivisionLevel.COMMUNITY])
        .count()
    )
    assert status["ready"] is True
    assert status["basemap"] > 100, status
    assert status["division"] == expected_divisions > 0
    assert status["grid"] == Grid.objects.visible_to(user).count() > 0
    assert status["compound"] == Compound.objects.visible_to(user).count() > 0

    assert page.locator("#map canvas").count() >= 1
    assert "OpenStreetMap" in page.locator("#map .leaflet-control-attribution").inner_text()
    assert page.locator("#map .leaflet-control-layers").is_visible()
    # Leaflet itself is served by the platform, not a CDN.
    assert page.evaluate("() => typeof L") == "object"
    assert page.locator('script[src*="/static/vendor/leaflet/leaflet.js"]').count() == 1

    started = time.monotonic()
    width, height, pixels = decode_png(screenshot(page.locator("#map"), "map-city"))
    decode_seconds = time.monotonic() - started
    background, drawn, colours = non_background(pixels)
    assert width * height == len(pixels) > 100_000
    share = drawn / len(pixels)
    assert share > 0.05, (
        f"map looks blank: only {drawn} of {len(pixels)} pixels differ from background {background}"
    )
    assert colours > 50, f"map shows only {colours} colours besides its background {background}"
    assert decode_seconds < 30
    screenshot(page, "map-city-page")

    # The same, read back from Leaflet's canvases themselves (same origin, so readable).
    painted = page.evaluate(
        """() => Array.from(document.querySelectorAll('#map canvas')).map((c) => {
             const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             let n = 0;
             for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) { n++; } }
             return [c.width * c.height, n];
           })"""
    )
    total = sum(size for size, _ in painted)
    assert total > 0
    assert sum(n for _, n in painted) / total > 0.05, painted


def test_grid_page_map_shows_boundary(page: Any, login: Any) -> None:
    login("street")
    user = User.objects.get(username="street")
    grid = Grid.objects.visible_to(user).filter(kind="general").order_by("code").first()
    assert grid is not None
    page.goto(f"/places/grids/{grid.code}/")
    assert page.locator("[data-testid=grid-name]").inner_text().startswith(grid.name)
    wait_map_painted(page, "#grid-map")
    _, _, pixels = decode_png(screenshot(page.locator("#grid-map"), "grid-detail-map"))
    background, drawn, _ = non_background(pixels)
    assert drawn / len(pixels) > 0.05, f"grid map looks blank against {background}"
    screenshot(page, "grid-detail-street")
