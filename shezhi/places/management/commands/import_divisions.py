"""Import a division tree CSV (code,name,level,parent_code)."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.common.errors import ImportRejected
from shezhi.places.importers import divisions_import, read_csv_rows
from shezhi.places.management.commands._report import print_report, raise_rejected


class Command(BaseCommand):
    help = "导入区划代码 CSV（全部校验通过才写入）/ import a division CSV (all rows or none)"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入 / validate only")

    def handle(self, *args: Any, path: str, dry_run: bool, **options: Any) -> None:
        try:
            report = divisions_import(read_csv_rows(path), dry_run=dry_run)
        except ImportRejected as exc:
            raise_rejected(exc)
        print_report(self, report, dry_run=dry_run)
