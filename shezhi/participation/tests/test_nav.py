"""Navigation and 工作台 cards: only links the role can use, counts in the user's area."""

from django.test import Client

from shezhi.participation import nav, votes
from shezhi.participation.tests.helpers import make_estate, make_vote
from shezhi.places.models import Compound


def test_every_nav_link_opens_for_its_user(world):
    for user in (world.rita, world.carol, world.sam, world.alice, world.audrey):
        client = Client()
        client.force_login(user)
        for item in nav.nav_items(user):
            assert client.get(item.url).status_code == 200, (user, item.url)
    assert nav.nav_items(world.dora)  # district staff read


def test_a_waiting_vote_is_on_the_owners_card_until_they_vote(world):
    compound = Compound.objects.filter(community=world.grid_a.community).order_by("pk").first()
    estate = make_estate(compound)
    vote = votes.vote_open(vote=make_vote(compound), actor=world.carol)

    def waiting(user):
        return [c.count for c in nav.work_cards(user) if c.title == "待我表决"]

    assert waiting(estate.owners["A"]) == [1]
    assert nav.work_cards(world.rita) == []  # not an owner here
    q = {str(q.pk): [q.options.first().pk] for q in vote.questions.all()}
    votes.ballot_cast(vote=vote, actor=estate.owners["A"], choices=q)
    assert waiting(estate.owners["A"]) == []
    assert nav.work_cards(world.carol)[0].count == 1
