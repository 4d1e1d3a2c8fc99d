"""Enqueue periodic work (the Procfile's ``clock`` process); the worker runs it.

Every tick (``--interval``): the SLA scan and the worker's heartbeat (each only if none is
already waiting, so a stopped worker does not pile them up), and the reclaiming of work whose
lease expired because its worker died (shezhi.common.leases: retried or failed with the
reason). The sweep of expired raw uploads every ``--sweep-interval``.

A tick that fails (the database busy or away, Redis away) is logged and the next one tries
again: the clock itself does not die with its dependencies.
"""

import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connections
from django_tasks import TaskResultStatus, task_backends

from shezhi.cases.tasks import sla_scan
from shezhi.common import leases
from shezhi.common.tasks import heartbeat, uploads_expire

log = logging.getLogger("shezhi.clock")

#: Finished heartbeats kept in the database backend's table (the rest are deleted).
KEEP_HEARTBEATS = 5


def _path(task: Any) -> str:
    return f"{task.func.__module__}.{task.func.__qualname__}"


def _db_backend(task: Any) -> bool:
    return type(task_backends[task.backend]).__module__.startswith("django_tasks_db")


def _pending(task: Any = sla_scan) -> bool:
    """Whether ``task`` is already waiting, so a stopped worker does not pile them up."""
    if not _db_backend(task):
        return False
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=_path(task), status=TaskResultStatus.READY).exists()


def _trim_heartbeats() -> None:
    if not _db_backend(heartbeat):
        return  # RQ expires its finished jobs itself
    from django_tasks_db.models import DBTaskResult

    beats = DBTaskResult.objects.filter(task_path=_path(heartbeat))
    keep = list(beats.order_by("-enqueued_at").values_list("id", flat=True)[:KEEP_HEARTBEATS])
    beats.exclude(id__in=keep).exclude(status=TaskResultStatus.RUNNING).delete()


def _enqueue_work(sweep: bool) -> None:
    if not _pending():
        sla_scan.enqueue()
    if not _pending(heartbeat):
        heartbeat.enqueue()
    _trim_heartbeats()
    if sweep and not _pending(uploads_expire):
        uploads_expire.enqueue()


def _reap() -> None:
    reaped = leases.reap()
    if any(reaped.values()):
        log.warning("reclaimed work whose worker died: %s", reaped)


def tick(*, sweep: bool) -> None:
    """One tick. Enqueueing (the task backend: Redis may be away) and reclaiming expired
    leases (the database) are tried independently; the first failure is raised after both."""
    failures: list[Exception] = []
    for step in (lambda: _enqueue_work(sweep), _reap):
        try:
            step()
        except Exception as exc:
            failures.append(exc)
    if failures:
        raise failures[0]


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
            now = time.monotonic()
            sweep = last_sweep is None or now - last_sweep >= sweep_interval
            try:
                tick(sweep=sweep)
            except Exception:
                if once:
                    raise
                log.exception("clock tick failed; trying again in %s s", interval)
                connections.close_all()  # a broken connection is opened afresh next tick
            else:
                if sweep:
                    last_sweep = now
            if once:
                return
            time.sleep(interval)
