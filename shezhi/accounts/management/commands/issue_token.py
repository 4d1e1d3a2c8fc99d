"""Issue an API token for a user; the raw key is shown once."""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shezhi.accounts.models import User
from shezhi.accounts.services import token_issue


class Command(BaseCommand):
    help = "为用户签发接口令牌（只显示一次）/ issue an API token (shown once)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument(
            "--days",
            type=int,
            default=None,
            help=f"有效期天数 / days until it expires (default API_TOKEN_DAYS={settings.API_TOKEN_DAYS}, "
            f"at most {settings.API_TOKEN_MAX_DAYS})",
        )

    def handle(self, *args: Any, username: str, name: str, days: int | None, **options: Any) -> None:
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"用户 {username} 不存在 / no active user {username}") from exc
        try:
            token, raw = token_issue(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(raw)
        self.stderr.write(f"expires {token.expires_at.isoformat()}")
