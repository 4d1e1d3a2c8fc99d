"""Issue an API token for a user; the raw key is shown once."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shezhi.accounts.models import ApiToken, User


class Command(BaseCommand):
    help = "为用户签发接口令牌（只显示一次）/ issue an API token (shown once)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, username: str, name: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户 {username} 不存在 / no active user {username}") from exc
        _token, raw = ApiToken.issue(user=user, name=name)
        self.stdout.write(raw)
