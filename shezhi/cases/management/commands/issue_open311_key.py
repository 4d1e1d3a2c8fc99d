"""Issue an Open311 api_key for an application acting as USER (the key is printed once)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shezhi.accounts.models import User
from shezhi.cases.models import Open311Client


class Command(BaseCommand):
    help = "签发 Open311 接入密钥 / issue an Open311 api_key"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="代表账号 / the account the application acts as")
        parser.add_argument("--name", default="Open311 client")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"没有账号 {username} / no active user {username}")
        _client, raw = Open311Client.issue(name=name, user=user)
        self.stdout.write(raw)
