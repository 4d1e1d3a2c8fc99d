"""Enqueue elderly services' periodic work (a ``clock`` process beside ``cases_clock``).

The certification scan every ``--interval`` seconds (hourly by default), the eligibility
roll daily, the checkpoint publication (witness cosigning; freezing a past year) every
``--publish-interval`` seconds. A task already waiting is not enqueued again.
"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from shezhi.cases.management.commands.cases_clock import _pending
from shezhi.eldercare.tasks import certification_scan, checkpoint_publish, eligibility_roll


class Command(BaseCommand):
    help = "排队高龄认证的定时任务 / enqueue the eldercare scans and checkpoint publication"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--interval", type=float, default=3600.0, help="认证扫描间隔（秒）/ scan seconds")
        parser.add_argument(
            "--roll-interval", type=float, default=86400.0, help="名册间隔（秒）/ roll seconds"
        )
        parser.add_argument(
            "--publish-interval", type=float, default=300.0, help="发布间隔（秒）/ publish seconds"
        )
        parser.add_argument("--once", action="store_true", help="每项只排队一次 / enqueue each once and exit")

    def handle(
        self,
        *args: Any,
        interval: float,
        roll_interval: float,
        publish_interval: float,
        once: bool,
        **options: Any,
    ) -> None:
        last: dict[str, float] = {}
        plan = [
            (certification_scan, interval),
            (eligibility_roll, roll_interval),
            (checkpoint_publish, publish_interval),
        ]
        while True:
            now = time.monotonic()
            for task, every in plan:
                name = task.func.__name__
                if (name not in last or now - last[name] >= every) and not _pending(task):
                    task.enqueue()
                    last[name] = now
            if once:
                return
            time.sleep(min(60.0, interval, publish_interval))
