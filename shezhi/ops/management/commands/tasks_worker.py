"""The task worker of whichever backend ``TASKS_BACKEND`` names (the Procfile's ``worker``).

* ``django_tasks_db.DatabaseBackend`` (default): ``db_worker`` on every queue.
* ``django_tasks_rq.RQBackend``: django-rq's ``rqworker`` on the backend's queues, with the
  job class django-tasks-rq needs and the scheduler (deferred tasks). Run as many as wanted,
  on as many machines as wanted, all against the same Redis.

``--batch`` runs what is queued and exits (tests, a cron-style run).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends


class Command(BaseCommand):
    help = "运行任务进程（数据库或 Redis 后端）/ run the task worker of the configured backend"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="处理完队列即退出 / exit when the queue is empty"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="数据库后端轮询间隔（秒）/ DB poll seconds"
        )

    def handle(self, *args: Any, batch: bool, interval: float, **options: Any) -> None:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        module = type(backend).__module__
        verbosity = options.get("verbosity", 1)
        if module.startswith("django_tasks_db"):
            extra = ["--batch", "--no-startup-delay"] if batch else []
            call_command(
                "db_worker", "--queue-name", "*", "--interval", str(interval), *extra, verbosity=verbosity
            )
        elif module.startswith("django_tasks_rq"):
            queues = sorted(backend.queues)
            extra = ["--burst", "--worker-class", "rq.worker.SimpleWorker"] if batch else ["--with-scheduler"]
            call_command(
                "rqworker", *queues, "--job-class", "django_tasks_rq.Job", *extra, verbosity=verbosity
            )
        else:
            raise CommandError(f"no worker for the task backend {module}")
