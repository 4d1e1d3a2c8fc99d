"""/healthz: is the database answering, is the task worker alive, which version runs.

Anyone (a load balancer, a monitor) learns only up or down, with one read-only query.
The details (database vendor and latency, task worker and queue, version) are for staff
(``is_staff``) only: they tell an attacker what runs and whether it is struggling, and
checking the worker enqueues a heartbeat, which an anonymous call should not cause.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends

from shezhi import __version__
from shezhi.common.tasks import heartbeat

#: A worker that has not run a heartbeat for this long is reported as not seen.
WORKER_STALE_AFTER = timedelta(minutes=2)


def _database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down"; say which
        return {"status": "down", "vendor": connection.vendor, "error": str(exc)}
    return {
        "status": "ok",
        "vendor": connection.vendor,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def _tasks() -> dict[str, Any]:
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    info: dict[str, Any] = {"backend": f"{type(backend).__module__}.{type(backend).__name__}"}
    if not backend.__class__.__module__.startswith("django_tasks_db"):
        info["status"] = "ok"
        return info
    from django_tasks_db.models import DBTaskResult

    path = f"{heartbeat.func.__module__}.{heartbeat.func.__qualname__}"
    beats = DBTaskResult.objects.filter(task_path=path)
    last = beats.filter(status=TaskResultStatus.SUCCESSFUL).order_by("-finished_at").first()
    now = timezone.now()
    if not beats.filter(status=TaskResultStatus.READY).exists():
        heartbeat.enqueue()
    # Keep the table from growing with heartbeats: only the latest few matter.
    keep = beats.order_by("-enqueued_at").values_list("id", flat=True)[:5]
    beats.exclude(id__in=list(keep)).exclude(status=TaskResultStatus.RUNNING).delete()
    info.update(
        ready=DBTaskResult.objects.ready().count(),
        running=DBTaskResult.objects.running().count(),
        failed=DBTaskResult.objects.failed().count(),
        worker_last_seen=last.finished_at.isoformat() if last and last.finished_at else None,
    )
    alive = bool(last and last.finished_at and now - last.finished_at < WORKER_STALE_AFTER)
    info["status"] = "ok" if alive else "worker_not_seen"
    return info


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    user = getattr(request, "user", None)
    if not (user is not None and user.is_authenticated and user.is_active and user.is_staff):
        up = _database()["status"] == "ok"
        return JsonResponse({"status": "ok" if up else "down"}, status=200 if up else 503)
    database = _database()
    tasks = _tasks() if database["status"] == "ok" else {"status": "unknown"}
    status = "ok" if database["status"] == "ok" and tasks["status"] == "ok" else "degraded"
    if database["status"] != "ok":
        status = "down"
    return JsonResponse(
        {
            "status": status,
            "version": __version__,
            "database": database,
            "tasks": tasks,
            "language": settings.LANGUAGE_CODE,
            "time": timezone.now().isoformat(),
        },
        status=503 if status == "down" else 200,
        json_dumps_params={"ensure_ascii": False},
    )
