"""/healthz: is the database answering, is the task worker alive, which version runs.

Anyone (a load balancer, a monitor) learns only up or down, with one read-only query.
The details (database vendor and latency, task worker and queue, work whose worker died,
version) are for staff (``is_staff``) only: they tell an attacker what runs and whether it
is struggling. No call writes anything: the clock enqueues the worker's heartbeat every
tick, and every finished task records its beat (shezhi.ops), which is what is read here.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from shezhi import __version__
from shezhi.ops.status import tasks_status


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
    try:
        return tasks_status()
    except Exception as exc:  # noqa: BLE001 - report, never fail the health check itself
        return {"status": "unknown", "error": str(exc)[:200]}


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
