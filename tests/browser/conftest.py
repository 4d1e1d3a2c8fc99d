"""Fixtures for the browser tests: a live server with the demo data, headless Chromium.

The tests drive Debian's ``/usr/bin/chromium`` through Playwright's sync API (Playwright
never downloads a browser here). Without that binary the tests are skipped, unless
``SHEZHI_REQUIRE_BROWSER=1`` (as in CI), where a missing browser is a failure.

Every page runs with all non-localhost requests blocked and recorded; the ``page``
fixture fails the test if any was attempted, proving no page loads anything from the
internet.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("SHEZHI_REQUIRE_BROWSER") == "1"
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
PASSWORD = "shezhi-demo-browser"

# Playwright's sync API keeps an asyncio event loop running in this thread, so Django
# would refuse every ORM call of the test (SynchronousOnlyOperation) while the browser is
# open. The tests themselves are plain synchronous code, so this is safe here.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def _no_browser(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason}; SHEZHI_REQUIRE_BROWSER=1 requires the browser tests to run", pytrace=False)
    pytest.skip(f"{reason} (browser tests skipped; set SHEZHI_REQUIRE_BROWSER=1 to fail instead)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        _no_browser(f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _no_browser("the playwright Python package is not installed")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    """Chengdu's division tree, the demo area and one account per role.

    Transactional tests flush the database after each test, so load it for every test.
    """
    from shezhi.places.demo import ensure_demo_accounts

    call_command("load_places", stdout=io.StringIO())
    ensure_demo_accounts(password=PASSWORD)


@dataclass
class Network:
    """Requests the page attempted, split into local ones and blocked outside ones."""

    base_url: str
    local: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOCAL_HOSTS:
            self.local.append(route.request.url)
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort("blockedbyclient")


@pytest.fixture
def network(live_server: Any) -> Network:
    return Network(base_url=live_server.url)


@pytest.fixture
def page(browser: Any, live_server: Any, demo_data: None, network: Network) -> Iterator[Any]:
    """A fresh page of a Chinese-speaking user, internet blocked, in its own context."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(20_000)
    context.route("**/*", network.route)
    page = context.new_page()
    page.on("pageerror", lambda exc: network.page_errors.append(str(exc)))

    def on_console(message: Any) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            network.csp_violations.append(message.text)

    page.on("console", on_console)

    def on_response(response: Any) -> None:
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            network.failed.append(f"{response.status} {response.url}")

    page.on("response", on_response)
    yield page
    context.close()
    assert network.local, "the request filter saw no requests at all"
    assert network.blocked == [], f"pages tried to load from outside localhost: {network.blocked}"
    assert network.page_errors == [], f"uncaught JavaScript errors: {network.page_errors}"
    assert network.failed == [], f"requests that failed: {network.failed}"
    assert network.csp_violations == [], f"blocked by the Content-Security-Policy: {network.csp_violations}"


@pytest.fixture
def login(page: Any) -> Any:
    """``login(username)``: sign in through the login form, return the page."""

    def login(username: str, password: str = PASSWORD) -> Any:
        page.goto("/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        assert "/accounts/login/" not in page.url, f"login as {username} failed"
        return page

    return login
