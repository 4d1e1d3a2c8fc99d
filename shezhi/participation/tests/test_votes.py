"""Votes end to end on the database: the frozen roll, secret ballots, channels, close."""

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest

from shezhi.common.errors import AppError
from shezhi.participation import votes
from shezhi.participation.models import Ballot, Channel, Participation, RollEntry, Unit, VoteStatus
from shezhi.participation.tests.helpers import choice, make_estate, make_vote
from shezhi.places.models import Compound


@pytest.fixture
def estate(world):
    compound = Compound.objects.filter(community=world.grid_a.community).order_by("pk").first()
    return make_estate(compound)


@pytest.fixture
def vote(world, estate):
    return votes.vote_open(vote=make_vote(estate.compound, author=world.carol), actor=world.carol)


def close(vote, world, time_machine):
    time_machine.move_to(vote.closes_at + dt.timedelta(minutes=1), tick=False)
    return votes.vote_close(vote=vote, actor=world.carol)


def test_opening_freezes_the_roll_and_publishes_its_hash(vote, estate):
    assert vote.status == VoteStatus.OPEN
    assert vote.roll.count() == 10  # D's joint owners share one entry
    assert (vote.eligible_area, vote.eligible_heads) == (Decimal("950.00"), 10)
    assert vote.roll_hash == hashlib.sha256(vote.roll_snapshot.encode()).hexdigest()
    d = vote.roll.get(label="1栋-D01")
    assert set(d.voters.all()) == {estate.owners["D"], estate.joint}
    # Later changes to the basic database change nothing about this vote.
    Unit.objects.filter(pk=estate.units["A"].pk).update(floor_area=Decimal("999"))
    estate.units["A"].owners.clear()
    vote.refresh_from_db()
    assert vote.roll.get(label="1栋-A01").area == Decimal("200.00")
    assert json.loads(vote.roll_snapshot)["entries"][0]["area"] == "200.00"
    assert votes.ballot_cast(vote=vote, actor=estate.owners["A"], choices=choice(vote, "同意", "同意"))


def test_a_second_opening_is_refused(vote, world):
    with pytest.raises(AppError, match="已开始"):
        votes.vote_open(vote=vote, actor=world.carol)
    assert RollEntry.objects.filter(vote=vote).count() == 10


def test_quorum_fails_by_area_but_not_headcount(vote, estate, world, time_machine):
    for letter in "DEFGHIJ":
        votes.ballot_cast(vote=vote, actor=estate.owners[letter], choices=choice(vote, "同意", "同意"))
    result = close(vote, world, time_machine).result
    area, heads = result["quorum"]
    assert (area["value"], area["of"], area["passed"]) == ("350.00", "950.00", False)
    assert (heads["value"], heads["of"], heads["passed"]) == ("7", "10", True)
    assert all(q["decided"] == [] for q in result["questions"])


def test_passes_ordinary_but_fails_a_three_quarter_item(vote, estate, world, time_machine):
    for letter in "ADEFGHIJ":
        votes.ballot_cast(vote=vote, actor=estate.owners[letter], choices=choice(vote, "同意", "同意"))
    for letter in "BC":
        votes.ballot_cast(vote=vote, actor=estate.owners[letter], choices=choice(vote, "反对", "反对"))
    result = close(vote, world, time_machine).result
    ordinary, special = result["questions"]
    assert ordinary["decided"] == [vote.questions.get(order=1).options.get(label="同意").pk]
    assert special["decided"] == []
    yes = special["options"][0]["tests"]
    assert [(t["value"], t["threshold"], t["passed"]) for t in yes] == [
        ("550.00", "3/4", False),
        ("8", "3/4", True),
    ]


def test_joint_owners_vote_once(vote, estate):
    votes.ballot_cast(vote=vote, actor=estate.joint, choices=choice(vote, "同意", "弃权"))
    with pytest.raises(AppError, match="已行使") as refused:
        votes.ballot_cast(vote=vote, actor=estate.owners["D"], choices=choice(vote, "反对", "反对"))
    assert refused.value.code == "already_voted"
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_a_paper_ballot_and_an_online_one_count_once(vote, estate, world):
    entry_c = vote.roll.get(label="1栋-C01").number
    votes.ballot_enter(
        vote=vote, actor=world.carol, entry_number=entry_c, choices=choice(vote, "同意", "同意")
    )
    with pytest.raises(AppError, match="纸质"):
        votes.ballot_cast(vote=vote, actor=estate.owners["C"], choices=choice(vote, "反对", "反对"))
    votes.ballot_cast(vote=vote, actor=estate.owners["E"], choices=choice(vote, "反对", "反对"))
    entry_e = vote.roll.get(label="1栋-E01").number
    with pytest.raises(AppError, match="网上"):
        votes.ballot_enter(
            vote=vote, actor=world.carol, entry_number=entry_e, choices=choice(vote, "同意", "同意")
        )
    paper = Participation.objects.get(vote=vote, channel=Channel.PAPER)
    assert paper.recorded_by == world.carol
    assert paper.cast_by is None
    assert Ballot.objects.filter(vote=vote).count() == 2


def test_a_delegated_ballot_names_the_delegate(vote, world):
    with pytest.raises(AppError, match="受托人"):
        votes.ballot_enter(
            vote=vote,
            actor=world.carol,
            entry_number=1,
            choices=choice(vote, "同意", "同意"),
            channel=Channel.DELEGATED,
        )
    votes.ballot_enter(
        vote=vote, actor=world.carol, entry_number=1, choices=choice(vote, "同意", "同意"),
        channel=Channel.DELEGATED, delegate_name="王某",
    )  # fmt: skip
    assert Participation.objects.get(vote=vote).delegate_name == "王某"


def test_the_ballot_row_carries_weights_and_no_voter(vote, estate):
    votes.ballot_cast(vote=vote, actor=estate.owners["A"], choices=choice(vote, "同意", "同意"))
    fields = {f.name for f in Ballot._meta.get_fields()}
    assert fields == {"id", "vote", "area", "heads", "channel", "choices", "receipt_digest", "content_hash"}
    ballot = Ballot.objects.get(vote=vote)
    assert (ballot.area, ballot.heads) == (Decimal("200.00"), 1)
    with pytest.raises(ValueError, match="never changed"):
        ballot.save()


def test_bad_ballots_are_refused_and_nothing_is_counted(vote, estate, world):
    q1 = vote.questions.get(order=1)
    other = make_vote(estate.compound)
    offered_elsewhere = other.questions.get(order=1).options.first().pk
    cases = [
        ({str(q1.pk): [offered_elsewhere]}, "choice_not_offered"),
        ({**choice(vote, "同意", "同意"), "999999": [1]}, "vote_refused"),
        (
            {str(q1.pk): [q1.options.get(label="同意").pk, q1.options.get(label="反对").pk]},
            "too_many_choices",
        ),
        ({str(q1.pk): [q1.options.get(label="同意").pk]}, "question_unanswered"),
        ({str(q1.pk): ["x"]}, "vote_refused"),
    ]
    for raw, code in cases:
        with pytest.raises(AppError) as refused:
            votes.ballot_cast(vote=vote, actor=estate.owners["A"], choices=raw)
        assert refused.value.code == code, raw
    with pytest.raises(AppError) as refused:
        votes.ballot_cast(vote=vote, actor=world.rita, choices=choice(vote, "同意", "同意"))
    assert refused.value.code == "not_on_roll"
    with pytest.raises(AppError) as refused:
        votes.ballot_enter(
            vote=vote, actor=world.carol, entry_number=11, choices=choice(vote, "同意", "同意")
        )
    assert refused.value.code == "not_on_roll"
    with pytest.raises(AppError) as refused:
        votes.ballot_enter(vote=vote, actor=world.rita, entry_number=1, choices=choice(vote, "同意", "同意"))
    assert refused.value.status == 403
    assert not Ballot.objects.filter(vote=vote).exists()
    assert not Participation.objects.filter(vote=vote).exists()


def test_results_only_after_close_and_nothing_changes_after(vote, estate, world, time_machine):
    receipt = votes.ballot_cast(vote=vote, actor=estate.owners["A"], choices=choice(vote, "同意", "同意"))
    assert votes.results_of(vote) is None
    with pytest.raises(AppError, match="提前"):
        votes.vote_close(vote=vote, actor=world.carol)
    assert votes.receipt_check(vote=vote, code=receipt)["found"] is True
    assert "choices" not in votes.receipt_check(vote=vote, code=receipt)  # nothing to read before close
    time_machine.move_to(vote.closes_at + dt.timedelta(seconds=1), tick=False)
    with pytest.raises(AppError, match="截止") as refused:
        votes.ballot_cast(vote=vote, actor=estate.owners["B"], choices=choice(vote, "同意", "同意"))
    assert refused.value.code == "vote_closed"
    closed = votes.vote_close(vote=vote, actor=world.carol)
    stored = (closed.result, closed.result_hash, closed.roll_hash, closed.ballots_hash)
    assert closed.result_hash == hashlib.sha256(votes.canonical(closed.result).encode()).hexdigest()
    for attempt in (
        lambda: votes.ballot_cast(
            vote=closed, actor=estate.owners["B"], choices=choice(vote, "同意", "同意")
        ),
        lambda: votes.ballot_enter(
            vote=closed, actor=world.carol, entry_number=2, choices=choice(vote, "同意", "同意")
        ),
        lambda: votes.vote_close(vote=closed, actor=world.carol),
        lambda: votes.vote_open(vote=closed, actor=world.carol),
    ):
        with pytest.raises(AppError):
            attempt()
    closed.refresh_from_db()
    assert (closed.result, closed.result_hash, closed.roll_hash, closed.ballots_hash) == stored
    assert closed.roll.count() == 10
    assert closed.ballots.count() == 1
    check = votes.receipt_check(vote=closed, code=receipt.lower().replace("-", ""))
    assert (check["found"], check["line"], check["of"]) == (True, 1, 1)
    assert check["choices"] == {"续聘物业服务企业": ["同意"], "使用维修资金更换电梯": ["同意"]}
    listing = votes.ballot_list(closed)
    assert closed.ballots_hash == hashlib.sha256(votes.canonical(listing).encode()).hexdigest()
    assert votes.receipt_check(vote=closed, code="AAAA-BBBB-CCCC-DDDD")["found"] is False
    with pytest.raises(AppError, match="16"):
        votes.receipt_check(vote=closed, code="short")


def test_one_buyer_of_several_units_and_unsold_developer_units_count_once(world, estate):
    from shezhi.participation.models import Owner

    developer = Owner.objects.create(compound=estate.compound, name="开发商", is_developer=True)
    for room in ("K01", "L01"):
        unit = Unit.objects.create(
            compound=estate.compound, building="2栋", room=room, floor_area=Decimal(80), developer_unsold=True
        )
        unit.owners.add(developer)
    second = Unit.objects.create(compound=estate.compound, building="2栋", room="M01", floor_area=Decimal(70))
    second.owners.add(*estate.units["B"].owners.all())
    vote = votes.vote_open(vote=make_vote(estate.compound), actor=world.carol)
    assert vote.eligible_heads == 11  # 10 + the developer; B's second unit adds area, not a head
    assert vote.eligible_area == Decimal("1180.00")
    assert vote.roll.get(label="1栋-B01、2栋-M01").area == Decimal("270.00")
    assert vote.roll.get(label="2栋-K01、2栋-L01").area == Decimal("160.00")


def test_only_the_desk_opens_and_closes(world, estate):
    draft = make_vote(estate.compound)
    with pytest.raises(AppError) as refused:
        votes.vote_open(vote=draft, actor=world.rita)
    assert refused.value.status == 403
    draft.refresh_from_db()
    assert draft.status == VoteStatus.DRAFT
    assert not draft.roll_hash


def test_a_rule_set_used_by_an_opened_vote_is_never_edited(vote):
    rule = vote.rule_set
    rule.ordinary = "1/3"
    with pytest.raises(ValueError, match="new version"):
        rule.save()
