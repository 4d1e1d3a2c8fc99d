"""高龄认证 at 390 px: the community worker's worklist, and the resident page where the
family enters the person's code, certifies and downloads the tlog-proof receipt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.eldercare import demo, logbook, services
from shezhi.eldercare.models import CertState, Elder, ElderStatus
from shezhi.ledger import note
from shezhi.ledger.receipt import verify_receipt
from shezhi.people.models import Resident

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture
def elderly(settings: Any, tmp_path: Path, demo_data: None) -> list[Elder]:
    settings.ELDERCARE_LOG_DIR = tmp_path / "log"
    settings.ELDERCARE_KEY_DIR = tmp_path / "keys"
    settings.ELDERCARE_WITNESS_DIR = tmp_path / "witness"
    settings.ELDERCARE_LOG_DURABLE = False
    community = User.objects.get(username="community").division
    today = timezone.localdate()
    demo.ensure_elderly(community, today=today)
    services.eligibility_scan(residents=Resident.objects.filter(household__community=community))
    elders = list(Elder.objects.filter(community=community).order_by("pk"))
    due, overdue, suspended = elders[0], elders[1], elders[2]
    Elder.objects.filter(pk=due.pk).update(cert_due=today + dt.timedelta(days=10))
    Elder.objects.filter(pk=overdue.pk).update(cert_due=today - dt.timedelta(days=5))
    Elder.objects.filter(pk=suspended.pk).update(cert_due=today - dt.timedelta(days=90))
    services.deadline_scan()
    return elders


def test_worker_worklist_at_390(page: Any, login: Any, elderly: list[Elder]) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login("community")
    page.goto("/eldercare/")
    counts = page.locator("[data-testid=counts] b").all_inner_texts()
    assert counts == ["1", "1", "1"]
    assert page.locator("[data-testid=suspended] li").count() == 1
    assert fits(page)
    shot(page, "eldercare-worklist-390")
    page.locator("[data-testid=overdue] a").first.click()
    page.wait_for_url("**/eldercare/elders/*/")
    assert page.locator("[data-testid=history] li").count() >= 1
    assert fits(page)
    shot(page, "eldercare-person-390")


def test_resident_receipt_page_at_390(page: Any, login: Any, elderly: list[Elder]) -> None:
    elder = next(e for e in elderly if Elder.objects.get(pk=e.pk).status == ElderStatus.SUSPENDED)
    worker = User.objects.get(username="community")
    code = services.person_code_issue(actor=worker, elder=elder)
    page.set_viewport_size({"width": 390, "height": 844})
    login("resident")
    page.goto("/eldercare/me/")
    page.fill("input[name=code]", code)
    with page.expect_navigation():
        page.click("[data-testid=code-form] button")
    assert page.locator("[data-testid=resident-record]").is_visible()
    with page.expect_navigation():
        page.click("[data-testid=self-certify]")
    elder.refresh_from_db()
    assert elder.status == ElderStatus.ELIGIBLE
    assert elder.cert_state == CertState.CURRENT
    assert page.locator("[data-testid=resident-certs] li").count() == 1
    assert fits(page)
    shot(page, "eldercare-resident-390")
    with page.expect_download() as info:
        page.click("[data-testid=receipt]")
    download = info.value
    assert download.suggested_filename.endswith(".tlog-proof")
    text = Path(download.path()).read_text()
    cert = elder.certifications.get()
    year = cert.record.year
    signed = verify_receipt(
        text,
        bytes(cert.record.body),
        [note.load_verifier(logbook.log_vkey(year))],
        [note.load_verifier(k) for k in logbook.witness_vkeys()],
        min_witnesses=1,
    )
    assert signed.size > cert.record.index
