"""Enqueue periodic work (the Procfile's ``clock`` process); the worker runs it.

The SLA scan every interval; the sweep of expired raw uploads every ``--sweep-interval``.
"""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks import TaskResultStatus, task_backends

from shezhi.cases.tasks import sla_scan
from shezhi.common.tasks import uploads_expire


def _pending(task: Any = sla_scan) -> bool:
    """Whether ``task`` is already waiting, so a stopped worker does not pile them up."""
    backend = task_backends[task.backend]
    if not type(backend).__module__.startswith("django_tasks_db"):
        return False
    from django_tasks_db.models import DBTaskResult

    path = f"{task.func.__module__}.{task.func.__qualname__}"
    return DBTaskResult.objects.filter(task_path=path, status=TaskResultStatus.READY).exists()


class Command(BaseCommand):
    help = "每隔一段时间排队一次时限扫描 / enqueue the SLA scan periodically"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=60.0, help="秒 / seconds")
        parser.add_argument(
            "--sweep-interval",
            type=float,
            default=3600.0,
            help="清理过期上传文件的间隔（秒）/ seconds between sweeps of expired uploads",
        )
        parser.add_argument("--once", action="store_true", help="只排队一次 / enqueue once and exit")

    def handle(self, *args: Any, interval: float, sweep_interval: float, once: bool, **options: Any) -> None:
        last_sweep: float | None = None
        while True:
            if not _pending():
                sla_scan.enqueue()
            now = time.monotonic()
            if (last_sweep is None or now - last_sweep >= sweep_interval) and not _pending(uploads_expire):
                uploads_expire.enqueue()
                last_sweep = now
            if once:
                return
            time.sleep(interval)
