"""Import signs of life (就医/养老金) from a CSV or Excel file, as one user of the area."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shezhi.accounts.models import User
from shezhi.common.errors import ImportRejected
from shezhi.common.uploads import discard, store
from shezhi.eldercare.importers import signals_import


class Command(BaseCommand):
    help = "导入无感认证信号（就医、养老金）/ import passive-certification signals"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="导入人（社区工作者）/ importing user")
        parser.add_argument("--source", default="file", help="来源名称 / source name")
        parser.add_argument("--reason", default="导入无感认证信号")

    def handle(self, *args: Any, file: str, user: str, source: str, reason: str, **options: Any) -> None:
        actor = User.objects.filter(username=user).first()
        if actor is None:
            raise CommandError(f"no user {user}")
        with open(file, "rb") as fh:
            stored = store(fh, file)
        try:
            count = signals_import(actor=actor, path=stored.path, filename=file, source=source, reason=reason)
        except ImportRejected as exc:
            raise CommandError("\n".join(str(e) for e in exc.errors)) from None
        finally:
            discard(stored.path)
        self.stdout.write(f"已导入 {count} 条信号 / {count} signals imported")
