"""Shared printing of import results for management commands."""

from django.core.management.base import BaseCommand, CommandError

from shezhi.common.errors import ImportRejected
from shezhi.places.importers import ImportReport


def print_report(cmd: BaseCommand, report: ImportReport, *, dry_run: bool) -> None:
    prefix = "[预检 dry run] " if dry_run else ""
    cmd.stdout.write(
        cmd.style.SUCCESS(
            f"{prefix}新增 {report.created}，更新 {report.updated}，未变 {report.unchanged} / "
            f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}"
        )
    )


def raise_rejected(exc: ImportRejected) -> None:
    lines = [str(exc)] + [str(e) for e in exc.errors]
    raise CommandError("\n".join(lines)) from exc
