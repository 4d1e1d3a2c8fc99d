"""A district administrator manages accounts and grid staff in the app; pickers on the phone."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from shezhi.accounts.models import AccountEvent, User

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_district_admin_creates_resets_and_deactivates_an_account(page: Any, login: Any) -> None:
    login("district")
    page.goto("/accounts/users/")
    assert page.locator("[data-testid=user-list] tbody tr").count() >= 7
    shot(page, "accounts-user-list")
    page.click("[data-testid=user-new]")
    page.fill("input[name=username]", "wang.jing")
    page.fill("input[name=display_name]", "王静")
    page.select_option("select[name=role]", "grid_worker")
    # Every role above the district's own is absent from the choice.
    roles = page.locator("select[name=role] option").evaluate_all("os => os.map(o => o.value)")
    assert "city_admin" not in roles
    assert "auditor" not in roles
    page.click("[data-testid=picker-grid]")
    panel = page.locator("[data-testid=picker-grid] ~ .picker-panel")
    panel.locator(".picker-search").fill("第2网格")
    found = panel.locator(".picker-option", has=page.locator(".picker-label", has_text="第2网格"))
    found.first.wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('.picker-option .picker-label')]"
        ".every((l) => l.textContent.includes('第2网格'))"
    )
    chosen = found.first.locator(".picker-label").inner_text()
    found.first.click()
    assert page.locator("[data-testid=picker-grid]").inner_text() == chosen
    shot(page, "accounts-user-new")
    with page.expect_navigation():
        page.click("[data-testid=user-form] button[type=submit]")
    password = page.locator("[data-testid=password]").inner_text()
    shot(page, "accounts-one-time-password")
    user = User.objects.get(username="wang.jing")
    assert user.grid is not None
    assert user.grid.name == chosen
    assert user.must_change_password

    # Reset, then deactivate; each is recorded.
    page.goto(f"/accounts/users/{user.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=reset-password] button")
    second = page.locator("[data-testid=password]").inner_text()
    assert second != password
    page.goto(f"/accounts/users/{user.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=set-active] button")
    assert "已停用" in page.locator("h1").inner_text()
    shot(page, "accounts-user-detail")
    assert AccountEvent.objects.filter(target=user).count() == 3

    # The auditor sees who did it.
    page.context.clear_cookies()
    login("auditor")
    page.goto("/accounts/audit/")
    rows = page.locator("[data-testid=account-audit] tbody tr")
    assert rows.count() == 3
    assert "wang.jing" in rows.first.inner_text()
    shot(page, "accounts-audit")


def test_a_new_user_sets_their_own_password_first(page: Any, login: Any) -> None:
    from shezhi.accounts.services import user_create

    admin = User.objects.get(username="district")
    community = User.objects.get(username="community").division
    user, password = user_create(
        actor=admin, username="li.na", display_name="李娜", role="community_worker", division=community
    )
    login("li.na", password)
    assert "/accounts/password/" in page.url
    assert page.locator("[data-testid=must-change]").is_visible()
    page.fill("input[name=old_password]", password)
    page.fill("input[name=new_password1]", "Rq7-Hz4-Mv9-Lp2")
    page.fill("input[name=new_password2]", "Rq7-Hz4-Mv9-Lp2")
    with page.expect_navigation():
        page.click("[data-testid=password-change] button[type=submit]")
    page.goto("/people/residents/")
    assert "/accounts/password/" not in page.url


def test_grid_staff_are_set_on_the_grid_page(page: Any, login: Any) -> None:
    from shezhi.places.models import Grid

    grid = Grid.objects.get(workers__username="grid")
    login("district")
    page.goto(f"/places/grids/{grid.code}/")
    page.click("[data-testid=edit-grid-staff]")
    leader = User.objects.get(username="community")
    page.select_option("select[name=leader]", str(leader.pk))
    page.fill("input[name=police_officer]", "刘建军")
    page.fill("input[name=police_station]", "猛追湾派出所")
    page.fill("input[name=police_phone]", "028-84321110")
    shot(page, "grid-staff-form")
    with page.expect_navigation():
        page.click("[data-testid=grid-staff-form] button[type=submit]")
    assert "刘建军" in page.locator("[data-testid=grid-police]").inner_text()
    assert "社区工作者" in page.locator("[data-testid=grid-leader]").inner_text()
    shot(page, "grid-detail-staff")


def test_the_area_picker_on_a_phone_browses_the_tree_by_keyboard(page: Any, login: Any) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login("district")
    page.goto("/accounts/users/new/")
    page.select_option("select[name=role]", "street_staff")
    page.click("[data-testid=picker-division]")
    panel = page.locator("[data-testid=picker-division] ~ .picker-panel")
    panel.locator(".picker-option").first.wait_for()
    # The tree starts at the administrator's own district: open it with →, then ↓ and Enter.
    assert panel.locator(".picker-label").first.inner_text() == "成华区"
    search = panel.locator(".picker-search")
    search.press("ArrowRight")
    panel.locator(".picker-crumbs >> text=成华区").wait_for()
    panel.locator(".picker-option").nth(1).wait_for()
    search.press("ArrowDown")
    second = panel.locator(".picker-option.active .picker-label").inner_text()
    box = panel.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    shot(page, "picker-division-phone")
    search.press("Enter")
    assert page.locator("[data-testid=picker-division]").inner_text() == second
    assert re.fullmatch(r"\d{12}", page.locator("input[name=division]").input_value())
    # Search reaches every level at once.
    page.click("[data-testid=picker-division]")
    search.fill("猛追湾")
    panel.locator(".picker-option >> text=猛追湾街道").first.wait_for()
    shot(page, "picker-division-search-phone")
    search.press("Escape")
    assert panel.is_hidden()


def test_the_compound_and_household_pickers_search_on_a_phone(page: Any, login: Any) -> None:
    import io

    from django.core.management import call_command

    call_command("load_people", households_per_compound=1, stdout=io.StringIO())
    page.set_viewport_size({"width": 390, "height": 844})
    login("community")
    page.goto("/people/residents/new/")
    page.click("[data-testid=picker-household]")
    panel = page.locator("[data-testid=picker-household] ~ .picker-panel")
    panel.locator(".picker-option").first.wait_for()
    first = panel.locator(".picker-label").first.inner_text()
    compound = first.split(" ")[0]
    panel.locator(".picker-search").fill(compound)
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('.picker-option .picker-label')]"
        ".every((l) => l.textContent.startsWith(name))",
        arg=compound,
    )
    box = panel.bounding_box()
    assert box["x"] + box["width"] <= 390
    shot(page, "picker-household-phone")
    panel.locator(".picker-search").press("Enter")
    assert page.locator("input[name=household]").input_value().isdigit()
    page.goto("/people/households/new/")
    page.click("[data-testid=picker-compound]")
    cpanel = page.locator("[data-testid=picker-compound] ~ .picker-panel")
    cpanel.locator(".picker-option").first.wait_for()
    shot(page, "picker-compound-phone")
