"""A 网格员 works the people database in a real browser: masked list, reveal with a reason."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.management import call_command

from shezhi.accounts.models import User
from shezhi.people.models import AccessLog, Resident

from .helpers import screenshot

pytestmark = pytest.mark.browser


def test_grid_worker_lists_masked_residents_and_reveals_one_with_a_reason(page: Any, login: Any) -> None:
    call_command("load_people", households_per_compound=2, stdout=io.StringIO())
    login("grid")
    user = User.objects.get(username="grid")
    visible = Resident.objects.visible_to(user)
    assert visible.exists()

    page.goto("/people/residents/")
    table = page.locator("[data-testid=resident-list]")
    text = table.inner_text()
    assert "合成数据" in text
    assert not re.search(r"\b\d{17}[\dX]\b", text), "an ID number is shown unmasked"
    assert re.search(r"\d{4}\*{12}[\dX]{2}", text)
    screenshot(page, "residents-grid-worker")

    with page.expect_navigation():
        table.locator("tbody tr td a").first.click()
    resident = visible.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
    assert page.locator("[data-testid=id-number]").inner_text() == resident.masked_id_number

    page.select_option("select[name=field]", "id_number")
    page.fill("input[name=reason]", "核实高龄补贴申请")
    with page.expect_navigation():
        page.click("[data-testid=reveal-form] button[type=submit]")
    assert page.locator("[data-testid=id-number]").inner_text() == resident.id_number
    screenshot(page, "resident-revealed")
    log = AccessLog.objects.get()
    assert (log.actor, log.resident, log.field, log.reason) == (
        user,
        resident,
        "id_number",
        "核实高龄补贴申请",
    )
