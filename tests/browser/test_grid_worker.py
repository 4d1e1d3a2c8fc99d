"""A 网格员 sees their own grid and its sub-grids, and nothing else, in every page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shezhi.accounts.models import User
from shezhi.places.models import Grid

from .helpers import open_map, screenshot, wait_map_painted

pytestmark = pytest.mark.browser


def listed_codes(page: Any) -> list[str]:
    """Grid codes in the grid list, following the pager to the last page."""
    codes: list[str] = []
    while True:
        codes += page.locator("[data-testid=grid-list] tbody tr td:first-child code").all_inner_texts()
        following = page.locator("nav.pager a", has_text="下一页")
        if not following.count():
            return codes
        with page.expect_navigation():
            following.click()


def test_grid_worker_sees_only_own_grid(page: Any, login: Any, network: Any) -> None:
    login("grid")
    user = User.objects.select_related("grid").get(username="grid")
    own = user.grid
    assert own is not None
    visible = Grid.objects.visible_to(user)
    n_visible = visible.count()
    assert n_visible >= 1
    assert n_visible < Grid.objects.count()

    who = page.locator("[data-testid=who]").inner_text()
    assert "网格员" in who
    assert own.name in who

    page.goto("/places/grids/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert re.search(rf"共\s*{n_visible}\s*个网格", page.locator("main").inner_text())
    screenshot(page, "grids-grid-worker")
    codes = listed_codes(page)
    assert len(codes) == n_visible
    assert own.code in codes
    assert all(code.startswith(own.code) for code in codes), codes
    assert sorted(codes) == sorted(visible.values_list("code", flat=True))

    response = page.goto(f"/places/grids/{own.code}/")
    assert response is not None
    assert response.status == 200
    assert page.locator("[data-testid=grid-name]").inner_text().startswith(own.name)
    wait_map_painted(page, "#grid-map")
    screenshot(page, "grid-detail-grid-worker")

    status = open_map(page)
    assert status["grid"] == n_visible
    assert status["compound"] > 0
    screenshot(page.locator("#map"), "map-grid-worker")

    # Another grid of the same community, the 总网格 above theirs, a grid of another street: 404.
    sibling = Grid.objects.filter(community=own.community).exclude(path__startswith=own.path)
    sibling = sibling.exclude(pk=own.parent_id).order_by("code").first()
    elsewhere = (
        Grid.objects.exclude(community__code__startswith=own.community.code[:9]).order_by("code").first()
    )
    assert sibling is not None
    assert elsewhere is not None
    assert own.parent is not None
    for other in (sibling, own.parent, elsewhere):
        assert not visible.filter(pk=other.pk).exists()
        response = page.goto(f"/places/grids/{other.code}/")
        assert response is not None
        assert response.status == 404, f"{other.code} answered {response.status}"
        assert other.name not in page.content()
        network.failed.remove(f"404 {response.url}")
    screenshot(page, "grid-other-404")
