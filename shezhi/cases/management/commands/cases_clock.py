"""Enqueue the SLA scan every interval (the Procfile's ``clock`` process); the worker runs it."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks import TaskResultStatus, task_backends

from shezhi.cases.tasks import sla_scan


def _pending() -> bool:
    """Whether a scan is already waiting, so a stopped worker does not pile them up."""
    backend = task_backends[sla_scan.backend]
    if not type(backend).__module__.startswith("django_tasks_db"):
        return False
    from django_tasks_db.models import DBTaskResult

    path = f"{sla_scan.func.__module__}.{sla_scan.func.__qualname__}"
    return DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists()


class Command(BaseCommand):
    help = "每隔一段时间排队一次时限扫描 / enqueue the SLA scan periodically"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="秒 / seconds")
        parser.add_argument("--once", action="store_true", help="只排队一次 / enqueue once and exit")

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        while True:
            if not _pending():
                sla_scan.enqueue()
            if once:
                return
            time.sleep(interval)
