"""Notifications: in-app rows for the roll when a vote opens, opt-outs, the logging sender."""

import logging

from django.test import Client

from shezhi.participation import votes
from shezhi.participation.models import NoticeOptOut, Notification
from shezhi.participation.tests.helpers import make_estate, make_vote
from shezhi.places.models import Compound


def test_opening_a_vote_notifies_the_roll_and_respects_opt_outs(
    world, caplog, django_capture_on_commit_callbacks
):
    compound = Compound.objects.filter(community=world.grid_a.community).order_by("pk").first()
    estate = make_estate(compound)
    NoticeOptOut.objects.create(user=estate.owners["B"], kind="vote", channel="app")
    NoticeOptOut.objects.create(user=estate.owners["C"], kind="vote", channel="sms")
    with caplog.at_level(logging.INFO, logger="shezhi.participation.notify"):
        with django_capture_on_commit_callbacks(execute=True):
            votes.vote_open(vote=make_vote(compound), actor=world.carol)
    notified = set(Notification.objects.values_list("user__username", flat=True))
    assert notified == {f"o{x}" for x in "acdefghij"} | {"od2"}  # 11 owners but B muted the app
    logged = " ".join(caplog.messages)
    assert f"user {estate.owners['B'].pk} [vote]" in logged  # B still gets the outside channel
    assert f"user {estate.owners['C'].pk} [vote]" not in logged
    client = Client()
    client.force_login(estate.owners["A"])
    page = client.get("/participation/notifications/").content.decode()
    assert "表决开始" in page
    client.post("/participation/notifications/", {"action": "read"})
    assert not Notification.objects.filter(user=estate.owners["A"], read_at__isnull=True).exists()
