"""The week of the front line, in a real browser: resident and grid worker on the phone, the street desk.

Screenshots go to var/screenshots/ for a human to look at.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from PIL import Image
from shapely.geometry import shape

from shezhi.accounts.models import User
from shezhi.cases.models import AssignmentRole, Case
from shezhi.cases.routing import rule_for
from shezhi.cases.services import case_transition

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_the_phone(page: Any) -> None:
    """Nothing wider than the viewport: the page does not scroll sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def photo_file(tmp_path: Path) -> str:
    path = tmp_path / "lamp.jpg"
    Image.new("RGB", (640, 480), (40, 40, 60)).save(path, "JPEG")
    return str(path)


@pytest.fixture
def cases_demo(demo_data: None, settings: Any, tmp_path: Path) -> None:
    from shezhi.cases.demo import ensure_account_work

    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("load_cases", stdout=io.StringIO())
    ensure_account_work()


def _pin_inside(page: Any, username: str = "grid") -> None:
    grid = User.objects.get(username=username).grid
    point = shape(grid.boundary).representative_point()
    page.wait_for_function("() => window.shezhiPin !== undefined")
    page.evaluate(f"window.shezhiPin.set({point.y}, {point.x})")


def test_a_resident_reports_a_street_lamp_follows_it_and_rates_it(
    page: Any, login: Any, cases_demo: None, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    login("resident")
    page.goto("/cases/new/")
    page.select_option("select[name=category]", label="城乡建设 · 市政设施")
    lamp_group = page.locator("[data-testid=attrs-CX02]")
    assert lamp_group.is_visible()
    assert not page.locator("[data-testid=attrs-HB01]").is_visible()  # only the chosen category's questions
    assert "路灯" in lamp_group.inner_text()
    page.fill("textarea[name=description]", "小区东门外路灯连续三晚不亮，夜里很黑")
    _pin_inside(page)
    page.set_input_files("input[name=photo]", photo_file(tmp_path))
    fits_the_phone(page)
    shot(page, "resident-01-lamp-form")
    # Forgot the facility: told next to the question, nothing typed is lost.
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    error = page.locator("[data-testid=error-facility]")
    assert "设施类型" in error.inner_text()
    assert page.locator("textarea[name=description]").input_value().startswith("小区东门外路灯")
    assert page.locator("[data-testid=photo-note]").is_visible()
    assert page.locator("[data-testid=attrs-CX02]").is_visible()
    fits_the_phone(page)
    shot(page, "resident-02-lamp-error")
    page.locator("[data-testid=attrs-CX02] label.chip", has_text="路灯").click()
    page.set_input_files("input[name=photo]", photo_file(tmp_path))
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    code = page.locator("[data-testid=code]").inner_text()
    case = Case.objects.get(code=code)
    assert case.attributes == {"facility": "lamp"}
    assert case.photo
    assert case.reporter.username == "resident"
    assert "路灯" in page.locator("[data-testid=attribute]").first.inner_text()
    page.wait_for_selector('#case-map[data-ready="1"]', state="attached")
    fits_the_phone(page)
    shot(page, "resident-03-lamp-accepted")

    page.goto("/cases/")
    cards = page.locator("[data-testid=my-report]")
    assert cards.count() >= 2
    assert code in page.locator("[data-testid=my-reports]").inner_text()
    fits_the_phone(page)
    shot(page, "resident-04-my-reports")

    # The street's law-enforcement team fixes it; the community approves.
    street = User.objects.get(username="street")
    for action, who, note in [("sign", street, ""), ("reply", street, "已更换灯泡，恢复照明"),
                              ("approve", User.objects.get(username="community"), "")]:  # fmt: skip
        case = case_transition(case=case, action=action, actor=who, note=note)
    page.goto(f"/cases/{code}/")
    assert page.locator("[data-testid=rating-form]").is_visible()
    assert page.locator("[data-testid=actions]").count() == 0  # no staff buttons for the resident
    timeline = page.locator("[data-testid=timeline]").inner_text()
    assert "已更换灯泡" in timeline
    page.click("[data-testid=star-4]")
    page.fill("[data-testid=rating-form] textarea[name=note]", "修得很快，谢谢")
    fits_the_phone(page)
    shot(page, "resident-05-rate")
    with page.expect_navigation():
        page.click("[data-testid=rate]")
    case.refresh_from_db()
    assert (case.rating, case.satisfaction, case.state) == (4, "satisfied", "visited")
    assert "★★★★☆" in page.locator("[data-testid=rating]").inner_text()
    shot(page, "resident-06-rated")


def test_a_grid_worker_patrols_self_handles_and_closes_a_dispatched_case(
    page: Any, login: Any, cases_demo: None, tmp_path: Path
) -> None:
    page.set_viewport_size(PHONE)
    login("grid")
    page.goto("/cases/")
    assert page.locator("[data-testid=case-list] tbody tr").count() >= 3
    fits_the_phone(page)
    shot(page, "grid-01-workbench")

    page.click("[data-testid=patrol-link]")
    page.select_option("select[name=category]", label="环境保护 · 垃圾清运")
    page.fill("textarea[name=description]", "3 号垃圾桶旁散落生活垃圾")
    _pin_inside(page)
    page.check("input[name=self_handle]")
    page.fill("textarea[name=self_handled_note]", "已通知保洁员，当场清扫完毕")
    page.set_input_files("input[name=photo]", photo_file(tmp_path))
    fits_the_phone(page)
    shot(page, "grid-02-self-handle-form")
    with page.expect_navigation():
        page.click("[data-testid=submit]")
    code = page.locator("[data-testid=code]").inner_text()
    case = Case.objects.get(code=code)
    assert (case.state, case.self_handled, case.channel) == ("closed", True, "patrol")
    assert page.locator("[data-testid=self-handled]").is_visible()
    assert "自行处置" in page.locator("[data-testid=timeline]").inner_text()
    page.wait_for_selector('#case-map[data-ready="1"]', state="attached")
    fits_the_phone(page)
    shot(page, "grid-03-self-handled")

    waiting = Case.objects.get(source_ref="SYNTH-WORK-grid-sign")
    page.goto(f"/cases/{waiting.code}/")
    assert page.locator("[data-testid=group-handle]").is_visible()
    assert page.locator("[data-testid=whistle-form]").count() == 0
    fits_the_phone(page)
    shot(page, "grid-04-dispatched-case")
    with page.expect_navigation():
        page.click("[data-testid=action-sign]")
    assert "已签收" in page.locator("[data-testid=state]").inner_text()
    page.fill("form:has([data-testid=action-reply]) input[name=note]", "已上门调解，双方同意清理楼道")
    with page.expect_navigation():
        page.click("[data-testid=action-reply]")
    waiting.refresh_from_db()
    assert waiting.state == "replied"
    assert "已回单待审核" in page.locator("[data-testid=state]").inner_text()
    fits_the_phone(page)
    shot(page, "grid-05-replied")


def test_the_street_desk_dispatches_to_the_suggested_unit_and_whistles_two_units(
    page: Any, login: Any, cases_demo: None
) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    login("street")
    returned = Case.objects.get(source_ref="SYNTH-WORK-street-dispatch")
    rule = rule_for(returned.category, returned.division)
    assert rule is not None
    page.goto(f"/cases/{returned.code}/")
    assert page.locator("[data-testid=unit-dispatch]").input_value() == str(rule.unit_id)
    suggestion = page.locator("[data-testid=suggestion]").inner_text()
    assert rule.unit.name in suggestion
    assert returned.category.name in suggestion
    shot(page, "street-01-dispatch-suggested")
    with page.expect_navigation():
        page.click("[data-testid=action-dispatch]")
    returned.refresh_from_db()
    assert (returned.state, returned.lead_unit_id) == ("dispatched", rule.unit_id)

    signed = Case.objects.get(source_ref="SYNTH-WORK-street-whistle")
    page.goto(f"/cases/{signed.code}/")
    picker = page.locator("[data-testid=unit-picker]")
    page.fill("[data-testid=picker-search]", "住房")
    visible = picker.locator(".picker-item:visible")
    assert visible.count() >= 1
    assert all("住房" in t for t in visible.all_inner_texts()), visible.all_inner_texts()
    visible.first.locator("input").check()
    page.fill("[data-testid=picker-search]", "生态")
    picker.locator(".picker-item:visible", has_text="生态").first.locator("input").check()
    assert "2" in page.locator("[data-testid=picker-count]").inner_text()
    page.fill("[data-testid=whistle-form] input[name=note]", "协调路灯线路检修与施工围挡")
    shot(page, "street-02-whistle-picker")
    with page.expect_navigation():
        page.click("[data-testid=action-whistle]")
    called = signed.assignments.filter(role=AssignmentRole.CO).select_related("unit")
    names = sorted(a.unit.name for a in called)
    assert len(names) == 2
    assert any("住房" in n for n in names)
    assert any("生态" in n for n in names)
    shot(page, "street-03-whistled")
