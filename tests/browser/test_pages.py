"""Login and the division tree in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .helpers import screenshot

pytestmark = pytest.mark.browser


def test_home_redirects_to_chinese_login(page: Any) -> None:
    response = page.goto("/")
    assert response is not None
    assert response.ok
    assert re.search(r"/accounts/login/\?next=/$", page.url), page.url
    assert page.get_attribute("html", "lang") == "zh-hans"
    assert page.locator("h1").inner_text() == "登录社智在线"
    assert page.locator("input[name=username]").is_visible()
    assert page.locator("input[name=password]").is_visible()
    assert page.locator("button[type=submit]").inner_text() == "登录"
    screenshot(page, "login")


def test_chinese_text_renders_in_the_served_font(page: Any, network: Any) -> None:
    """Clients without CJK system fonts (CI's Chromium, bare intranet PCs) still show 汉字."""
    page.goto("/accounts/login/")
    page.evaluate("() => document.fonts.ready")
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans SC Variable\"', '登录社智在线')")
    loaded = page.evaluate(
        "() => Array.from(document.fonts).filter((f) => f.status === 'loaded').map((f) => f.family)"
    )
    assert "Noto Sans SC Variable" in {family.strip("'\"") for family in loaded}
    assert any("/static/vendor/noto-sans-sc/files/" in url for url in network.local)


def test_requests_outside_localhost_are_blocked(page: Any, network: Any) -> None:
    """The filter that every browser test relies on really stops outside requests."""
    from playwright.sync_api import Error as PlaywrightError

    page.goto("/accounts/login/")
    outcome = page.evaluate(
        "() => fetch('https://example.com/probe.js', {mode: 'no-cors'}).then(() => 'loaded', () => 'blocked')"
    )
    assert outcome == "blocked"
    # The Content-Security-Policy stops a script's request before it leaves the page...
    assert any("connect-src" in v for v in network.csp_violations)
    network.csp_violations.clear()
    # ...and the filter stops what the policy does not cover, such as a navigation.
    with pytest.raises(PlaywrightError):
        page.goto("https://example.com/probe.js")
    assert network.blocked == ["https://example.com/probe.js"]
    network.blocked.clear()


def test_wrong_password_stays_on_login(page: Any, login: Any) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "city")
    page.fill("input[name=password]", "not-the-password")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    assert page.locator("[role=alert]").is_visible()


def test_city_admin_sees_chengdu_tree_and_finds_mengzhuiwan(page: Any, login: Any) -> None:
    login("city")
    assert page.locator("[data-testid=who]").inner_text().endswith("市级管理员 · 成都市")

    page.goto("/places/divisions/")
    assert page.get_attribute("html", "lang") == "zh-hans"
    node = page.locator("[data-testid=node-name]")
    assert "成都市" in node.inner_text()
    assert node.locator("code").inner_text() == "510100000000"
    levels = page.locator("dl.levels")
    counts = {
        level: (
            levels.locator(f"[data-level={level}] dt").inner_text(),
            # Digit grouping follows the locale: "3,047" in English, "3047" in Django's zh-hans.
            int(re.sub(r"[,\s]", "", levels.locator(f"[data-level={level}] dd").inner_text())),
        )
        for level in ("district", "street", "community")
    }
    assert counts == {
        "district": ("区(市)县", 20),
        "street": ("镇(街道)", 261),
        "community": ("社区/村", 3047),
    }
    # The 20 districts of Chengdu are listed below the node, 成华区 among them.
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 20
    assert page.locator("table.list tbody tr", has_text="510108000000").locator("a").inner_text() == "成华区"
    screenshot(page, "divisions-city")

    page.fill("form.search input[name=q]", "猛追湾")
    with page.expect_navigation():
        page.click("form.search button[type=submit]")
    assert "q=" in page.url
    results = page.locator("[data-testid=search-results] tbody tr")
    assert results.count() >= 1
    street = page.locator("[data-testid=search-results] tbody tr", has_text="510108002000")
    assert street.count() == 1
    assert street.locator("a").inner_text() == "猛追湾街道"
    assert "镇(街道)" in street.inner_text()
    screenshot(page, "division-search-mengzhuiwan")

    with page.expect_navigation():
        street.locator("a").click()
    assert page.url.endswith("/places/divisions/510108002000/")
    assert page.locator("[data-testid=node-name] code").inner_text() == "510108002000"
    assert page.locator("nav.crumbs").inner_text().endswith("成都市 › 成华区 › 猛追湾街道")
