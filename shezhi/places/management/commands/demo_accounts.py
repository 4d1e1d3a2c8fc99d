"""Create one demo account per role in the demo area and print the passwords it set.

A new account gets a random password, printed here once and stored only as a hash;
running the command again (every `make run`) keeps them. ``--reset-passwords`` prints new
ones. Refused under SHEZHI_ENV=production: a real installation has no demo accounts.
"""

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shezhi.places.demo import ensure_demo_accounts


class Command(BaseCommand):
    help = "创建演示账号（每个角色一个），首次创建时打印随机密码 / create one demo account per role"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="为全部演示账号生成并打印新密码 / give every demo account a new random password",
        )

    def handle(self, *args: Any, reset_passwords: bool, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("生产环境不创建演示账号 / no demo accounts when SHEZHI_ENV=production")
        accounts = ensure_demo_accounts(reset_passwords=reset_passwords)
        self.stdout.write(self.style.SUCCESS("演示账号 / demo accounts"))
        for account in accounts:
            user = account.user
            area = user.grid.name if user.grid else user.division.name if user.division else "—"
            secret = account.password or "（密码未变 / unchanged）"
            self.stdout.write(f"  {user.username:<12} {secret:<22} {user.get_role_display():<10} {area}")
        if any(a.password for a in accounts):
            self.stdout.write(
                self.style.WARNING(
                    "以上新密码只显示这一次，平台只保存其摘要 / new passwords are shown only this once; "
                    "`manage.py demo_accounts --reset-passwords` prints new ones"
                )
            )
