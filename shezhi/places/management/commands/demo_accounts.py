"""Create (or reset) one demo account per role in the demo area and print them."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.places.demo import DEMO_PASSWORD, ensure_demo_accounts


class Command(BaseCommand):
    help = "创建演示账号（每个角色一个）并打印 / create and print one demo account per role"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--password", default=DEMO_PASSWORD)

    def handle(self, *args: Any, password: str, **options: Any) -> None:
        accounts = ensure_demo_accounts(password=password)
        self.stdout.write(self.style.SUCCESS(f"演示账号 / demo accounts (password: {password})"))
        for user in accounts:
            area = user.grid.name if user.grid else user.division.name if user.division else "—"
            self.stdout.write(f"  {user.username:<12} {user.get_role_display():<10} {area}")
