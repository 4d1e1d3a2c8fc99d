"""A resident of compound X votes on the phone: once, only in X, results after close, receipt in the list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from shezhi.accounts.models import User
from shezhi.participation import votes
from shezhi.participation.demo import demo_desk, seed
from shezhi.participation.models import Ballot, Vote, VoteStatus

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def fits_phone(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_resident_votes_on_the_phone_and_checks_the_receipt(
    page: Any, login: Any, network: Any, time_machine: Any
) -> None:
    resident = User.objects.get(username="resident")
    seed(resident=resident, desk=demo_desk(resident))
    mine = [v for v in Vote.objects.filter(status=VoteStatus.OPEN) if votes.my_entries(v, resident)]
    assert len(mine) == 1
    vote_x = mine[0]
    vote_y = Vote.objects.exclude(pk=vote_x.pk).get(status=VoteStatus.OPEN)

    page.set_viewport_size({"width": 390, "height": 844})
    login("resident")
    page.goto("/participation/")
    cards = page.locator("[data-testid=votes]").inner_text()
    assert vote_x.title in cards
    assert page.locator(f"a[href='/participation/votes/{vote_y.pk}/']").count() == 0
    fits_phone(page)
    shot(page, "participation-phone-index")

    # A second tab holds the same ballot open (a double submission, or a second device).
    second = page.context.new_page()
    second.goto(f"/participation/votes/{vote_x.pk}/")
    for fieldset in second.locator("[data-testid=ballot] fieldset").all():
        fieldset.get_by_label("反对", exact=True).check()

    page.click(f"a[href='/participation/votes/{vote_x.pk}/']")
    ballot = page.locator("[data-testid=ballot]")
    for fieldset, label in zip(ballot.locator("fieldset").all(), ["同意", "反对"], strict=True):
        fieldset.get_by_label(label, exact=True).check()
    fits_phone(page)
    shot(page, "participation-phone-ballot")
    with page.expect_navigation():
        page.click("[data-testid=cast]")
    receipt = page.locator("[data-testid=receipt-code]").inner_text().strip()
    assert len(receipt) == 19
    shot(page, "participation-phone-receipt")

    # Cannot vote twice: the ballot is gone, and a resubmitted form is refused (409).
    page.goto(f"/participation/votes/{vote_x.pk}/")
    assert page.locator("[data-testid=ballot]").count() == 0
    assert "已表决" in page.locator("[data-testid=already-voted]").inner_text()
    with second.expect_navigation():
        second.click("[data-testid=cast]")
    assert "不能重复投票" in second.locator("[data-testid=error]").inner_text()
    assert second.locator("[data-testid=ballot]").count() == 0
    second.close()
    # Nor in compound Y: its vote is not there for this resident.
    response = page.goto(f"/participation/votes/{vote_y.pk}/")
    assert response.status == 404
    network.failed[:] = [f for f in network.failed if not f.startswith(("404 ", "409 "))]
    assert Ballot.objects.filter(vote=vote_x).count() == 1
    assert not Ballot.objects.filter(vote=vote_y).exists()

    # No results while open.
    page.goto(f"/participation/votes/{vote_x.pk}/results/")
    assert page.locator("[data-testid=no-results]").count() == 1

    # After the announced close, the committee counts.
    time_machine.move_to(vote_x.closes_at + dt.timedelta(minutes=1))
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login("community")
    page.goto(f"/participation/votes/{vote_x.pk}/")
    with page.expect_navigation():
        page.click("[data-testid=close-vote]")
    assert "/results/" in page.url

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    login("resident")
    page.goto(f"/participation/votes/{vote_x.pk}/results/")
    quorum = page.locator("[data-testid=quorum]").inner_text()
    assert "专有部分面积 200.00 / 950.00" in quorum
    assert "人数 1 / 10" in quorum
    assert "未达到" in quorum
    assert page.locator("[data-testid=quorum] [data-testid=test-area]").count() == 1
    assert page.locator("[data-testid=quorum] [data-testid=test-heads]").count() == 1
    questions = page.locator("[data-testid=question]")
    assert questions.count() == 2
    for n in range(2):
        text = questions.nth(n).inner_text()
        assert text.count("专有部分面积") >= 2
        assert text.count("人数") >= 2
    assert "≥ 3/4" in questions.nth(1).inner_text()
    assert "> 1/2" in questions.nth(0).inner_text()
    fits_phone(page)
    shot(page, "participation-phone-results")

    page.goto(f"/participation/votes/{vote_x.pk}/ballots/")
    assert votes.receipt_digest(vote_x, receipt) in page.locator("[data-testid=ballot-list]").inner_text()
    page.goto(f"/participation/votes/{vote_x.pk}/receipt/")
    page.fill("input[name=code]", receipt)
    with page.expect_navigation():
        page.click("[data-testid=check-receipt]")
    checked = page.locator("[data-testid=receipt-result]").inner_text()
    assert "第 1 行" in checked
    assert "同意" in checked
    fits_phone(page)
    shot(page, "participation-phone-receipt-check")
