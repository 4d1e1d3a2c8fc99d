"""Synthetic participation demo (合成): the demo resident's compound gets a topic and an open vote."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shezhi.accounts.models import User
from shezhi.participation.demo import demo_desk, seed


class Command(BaseCommand):
    help = "Synthetic units, owners, a topic and an open Art. 278 vote for the demo resident (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--resident", default="resident", help="username of the demo resident")

    def handle(self, *args: Any, **options: Any) -> None:
        resident = User.objects.filter(username=options["resident"]).first()
        if resident is None or resident.division is None:
            raise CommandError("the demo resident does not exist; run demo_accounts first")
        try:
            made = seed(resident=resident, desk=demo_desk(resident))
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"合成 participation demo: compound {made['compound']}, {made['votes']} vote(s) opened"
        )
