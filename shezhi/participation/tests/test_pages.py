"""Pages: a resident votes on the phone page, the desk runs topics, paper ballots and the count."""

import datetime as dt
import re

import pytest
from django.test import Client

from shezhi.participation import votes
from shezhi.participation.models import Ballot, Comment, Participation, Topic, VoteStatus
from shezhi.participation.tests.helpers import choice, make_estate, make_vote
from shezhi.places.models import Compound


@pytest.fixture
def setup(world):
    compounds = Compound.objects.filter(community=world.grid_a.community).order_by("pk")
    x, y = compounds[0], compounds[1]
    estate = make_estate(x)
    make_estate(y, prefix="y")
    vote_x = votes.vote_open(vote=make_vote(x), actor=world.carol)
    vote_y = votes.vote_open(vote=make_vote(y), actor=world.carol)
    return estate, vote_x, vote_y


def login(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_resident_votes_once_gets_a_receipt_and_cannot_vote_in_another_compound(setup):
    estate, vote_x, vote_y = setup
    client = login(estate.owners["A"])
    index = client.get("/participation/").content.decode()
    assert vote_x.title in index
    assert f"/participation/votes/{vote_y.pk}/" not in index
    page = client.get(f"/participation/votes/{vote_x.pk}/")
    assert page.status_code == 200
    assert 'data-testid="ballot"' in page.content.decode()
    data = {f"q{q}": v for q, v in ((k, v[0]) for k, v in choice(vote_x, "同意", "反对").items())}
    done = client.post(f"/participation/votes/{vote_x.pk}/cast/", data)
    code = re.search(r'data-testid="receipt-code">([A-Z2-7-]+)<', done.content.decode()).group(1)
    again = client.post(f"/participation/votes/{vote_x.pk}/cast/", data)
    assert again.status_code == 409
    assert "不能重复投票" in again.content.decode()
    assert client.get(f"/participation/votes/{vote_y.pk}/").status_code == 404
    assert client.post(f"/participation/votes/{vote_y.pk}/cast/", data).status_code == 404
    assert Ballot.objects.filter(vote=vote_x).count() == 1
    assert not Ballot.objects.filter(vote=vote_y).exists()
    results = client.get(f"/participation/votes/{vote_x.pk}/results/").content.decode()
    assert 'data-testid="no-results"' in results
    checked = client.post(f"/participation/votes/{vote_x.pk}/receipt/", {"code": code}).content.decode()
    assert "已收到" in checked


def test_a_bad_choice_is_refused_next_to_the_ballot(setup):
    estate, vote_x, _ = setup
    client = login(estate.owners["B"])
    q = vote_x.questions.first()
    response = client.post(f"/participation/votes/{vote_x.pk}/cast/", {f"q{q.pk}": "999999"})
    assert response.status_code == 422
    assert "不在所列选项中" in response.content.decode()
    assert not Participation.objects.filter(vote=vote_x).exists()


def test_the_desk_enters_paper_closes_and_shows_every_threshold(setup, world, time_machine):
    estate, vote_x, _ = setup
    desk = login(world.carol)
    for letter in "ABCDEFG":
        number = vote_x.roll.get(label=f"1栋-{letter}01").number
        data = {"entry": number, "channel": "paper"}
        data.update({f"q{k}": v[0] for k, v in choice(vote_x, "同意", "同意").items()})
        assert desk.post(f"/participation/votes/{vote_x.pk}/paper/", data).status_code == 200
    listing = desk.get(f"/participation/votes/{vote_x.pk}/paper/").content.decode()
    assert listing.count("纸质表决票") >= 7
    refused = desk.post(f"/participation/votes/{vote_x.pk}/paper/", {"entry": "99", "channel": "paper"})
    assert refused.status_code == 422
    assert "名册中没有序号 99" in refused.content.decode()
    time_machine.move_to(vote_x.closes_at + dt.timedelta(minutes=1), tick=False)
    desk = login(world.carol)  # the session of a day ago has expired
    assert desk.post(f"/participation/votes/{vote_x.pk}/close/").status_code == 302
    vote_x.refresh_from_db()
    assert vote_x.status == VoteStatus.CLOSED
    page = login(estate.owners["J"]).get(f"/participation/votes/{vote_x.pk}/results/").content.decode()
    assert "800.00 / 950.00" in page
    assert "7 / 10" in page
    assert page.count('data-testid="test-area"') >= 3
    assert page.count('data-testid="test-heads"') >= 3
    assert "≥ 3/4" in page
    assert "&gt; 1/2" in page


def test_a_topic_runs_through_its_stages_with_an_answer_and_a_case(setup, world):
    estate, vote_x, _ = setup
    resident = login(estate.owners["A"])
    raised = resident.post(
        "/participation/topics/new/",
        {"compound": estate.compound.pk, "title": "楼道照明", "body": "三楼灯坏了"},
    )
    topic = Topic.objects.get(title="楼道照明")
    assert raised.status_code == 302
    assert topic.origin == "resident"
    assert topic.stage == "raise"
    bad = resident.post(
        "/participation/topics/new/", {"compound": estate.compound.pk, "title": "", "body": "x"}
    )
    assert bad.status_code == 422
    assert "议题须填写" in bad.content.decode()
    resident.post(f"/participation/topics/{topic.pk}/", {"action": "comment", "body": "同意尽快修"})
    assert (
        resident.post(f"/participation/topics/{topic.pk}/", {"action": "answer", "body": "x"}).status_code
        == 403
    )
    desk = login(world.carol)
    desk.post(f"/participation/topics/{topic.pk}/", {"action": "answer", "body": "已安排物业本周更换"})
    desk.post(f"/participation/topics/{topic.pk}/", {"action": "advance", "minutes": "议定由物业更换"})
    from shezhi.cases.models import Case

    case = Case.objects.visible_to(world.carol).first()
    desk.post(f"/participation/topics/{topic.pk}/", {"action": "case", "case_code": case.code})
    wrong = desk.post(f"/participation/topics/{topic.pk}/", {"action": "case", "case_code": "NOPE"})
    assert wrong.status_code == 422
    topic.refresh_from_db()
    assert topic.stage == "deliberate"
    assert topic.case == case
    assert list(Comment.objects.filter(topic=topic).values_list("official", flat=True)) == [False, True]
    page = resident.get(f"/participation/topics/{topic.pk}/").content.decode()
    assert "官方答复" in page
    assert case.code in page
    assert "议定由物业更换" in page


def test_the_demo_command_gives_the_demo_resident_an_open_vote(world):
    from django.core.management import call_command

    from shezhi.participation.models import Vote

    call_command("demo_participation", resident="rita", verbosity=0)
    call_command("demo_participation", resident="rita", verbosity=0)  # idempotent
    mine = [v for v in Vote.objects.filter(status=VoteStatus.OPEN) if votes.my_entries(v, world.rita)]
    assert len(mine) == 1
    assert mine[0].synthetic
    page = login(world.rita).get(f"/participation/votes/{mine[0].pk}/").content.decode()
    assert 'data-testid="ballot"' in page
    assert "合成" in page
