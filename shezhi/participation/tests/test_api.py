"""The participation API: scoped reads, one ballot per voter, results only after close."""

import datetime as dt

import pytest
from django.test import Client

from shezhi.participation import votes
from shezhi.participation.tests.helpers import choice, make_estate, make_vote
from shezhi.places.models import Compound


@pytest.fixture
def setup(world):
    compounds = Compound.objects.filter(community=world.grid_a.community).order_by("pk")
    estate = make_estate(compounds[0])
    make_estate(compounds[1], prefix="y")
    vote_x = votes.vote_open(vote=make_vote(compounds[0]), actor=world.carol)
    vote_y = votes.vote_open(vote=make_vote(compounds[1]), actor=world.carol)
    return estate, vote_x, vote_y


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_sees_and_votes_in_their_compound_only(setup):
    estate, vote_x, vote_y = setup
    api = client_for(estate.owners["C"])
    listed = [v["id"] for v in api.get("/api/v1/participation/votes").json()["items"]]
    assert listed == [vote_x.pk]
    assert api.get(f"/api/v1/participation/votes/{vote_y.pk}").status_code == 404
    detail = api.get(f"/api/v1/participation/votes/{vote_x.pk}").json()
    assert detail["my_entries"][0]["voted"] is False
    body = {"choices": choice(vote_x, "同意", "弃权")}
    cast = api.post(f"/api/v1/participation/votes/{vote_x.pk}/ballots", body, content_type="application/json")
    assert cast.status_code == 201
    receipt = cast.json()["receipt"]
    again = api.post(
        f"/api/v1/participation/votes/{vote_x.pk}/ballots", body, content_type="application/json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_voted"
    assert again.json()["message_en"].startswith("this vote has already been cast")
    other = api.post(
        f"/api/v1/participation/votes/{vote_y.pk}/ballots", body, content_type="application/json"
    )
    assert other.status_code == 404
    early = api.get(f"/api/v1/participation/votes/{vote_x.pk}/results")
    assert early.status_code == 409
    assert early.json()["code"] == "not_closed"
    assert api.get(f"/api/v1/participation/votes/{vote_x.pk}").json()["my_entries"][0]["voted"] is True
    check = api.post(
        f"/api/v1/participation/votes/{vote_x.pk}/receipt", {"code": receipt}, content_type="application/json"
    )
    assert check.json()["found"] is True


def test_the_desk_counts_after_close_and_the_list_holds_the_receipt(setup, world, time_machine):
    estate, vote_x, _ = setup
    receipt = votes.ballot_cast(vote=vote_x, actor=estate.owners["A"], choices=choice(vote_x, "同意", "同意"))
    desk = client_for(world.carol)
    paper = desk.post(
        f"/api/v1/participation/votes/{vote_x.pk}/paper-ballots",
        {"entry_number": 2, "choices": choice(vote_x, "反对", "反对"), "channel": "delegated"},
        content_type="application/json",
    )
    assert paper.status_code == 422  # a delegated ballot names the delegate
    early = desk.post(f"/api/v1/participation/votes/{vote_x.pk}/close")
    assert early.status_code == 409
    time_machine.move_to(vote_x.closes_at + dt.timedelta(minutes=1), tick=False)
    desk = client_for(world.carol)
    assert desk.post(f"/api/v1/participation/votes/{vote_x.pk}/close").json()["status"] == "closed"
    result = client_for(estate.owners["J"]).get(f"/api/v1/participation/votes/{vote_x.pk}/results").json()
    assert result["participating"] == {"area": "200.00", "heads": 1, "ballots": 1}
    assert [q["test"] for q in result["quorum"]] == ["area", "heads"]
    listing = desk.get(f"/api/v1/participation/votes/{vote_x.pk}/ballot-list").json()
    assert listing["ballots"][0]["receipt_digest"] == votes.receipt_digest(vote_x, receipt)


def test_residents_may_not_run_the_desk(setup):
    estate, vote_x, _ = setup
    api = client_for(estate.owners["A"])
    assert api.post(f"/api/v1/participation/votes/{vote_x.pk}/close").status_code == 403
    entered = api.post(
        f"/api/v1/participation/votes/{vote_x.pk}/paper-ballots",
        {"entry_number": 1, "choices": choice(vote_x, "同意", "同意")},
        content_type="application/json",
    )
    assert entered.status_code == 403


def test_the_1116_report_is_for_the_desk_only(world):
    desk = client_for(world.carol)
    report = desk.get("/api/v1/participation/report-1116", {"year": 2026})
    assert report.status_code == 200
    assert report.json()["threshold_hours"] in ("16", 16)
    assert client_for(world.rita).get("/api/v1/participation/report-1116", {"year": 2026}).status_code == 403
    assert desk.get("/api/v1/participation/report-1116", {"year": 1}).status_code == 422
