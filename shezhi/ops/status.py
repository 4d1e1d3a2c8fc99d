"""The state of the background work, read-only: for /healthz (staff) and /metrics.

Backend-independent where it can be: the last task beats (shezhi.ops.models.TaskBeat) and
expired leases (shezhi.common.leases); queue depth from the backend in use (the database
table, or the Redis queues of django-tasks-rq).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Max
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from shezhi.common import leases
from shezhi.ops.beats import SLA_SCAN_PATH
from shezhi.ops.models import TaskBeat

#: A worker that has finished no task for this long is reported as not seen (the clock
#: enqueues a heartbeat every minute).
WORKER_STALE_AFTER = timedelta(minutes=3)


def backend_name() -> str:
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return f"{type(backend).__module__}.{type(backend).__name__}"


def queue_counts() -> dict[str, int]:
    """Tasks waiting, running and failed on the backend in use (-1 when it cannot tell)."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    module = type(backend).__module__
    if module.startswith("django_tasks_db"):
        from django_tasks_db.models import DBTaskResult

        return {
            "ready": DBTaskResult.objects.ready().count(),
            "running": DBTaskResult.objects.running().count(),
            "failed": DBTaskResult.objects.failed().count(),
        }
    if module.startswith("django_tasks_rq"):
        import django_rq

        ready = running = failed = 0
        for name in backend.queues:
            queue = django_rq.get_queue(name)
            ready += len(queue)
            running += queue.started_job_registry.count
            failed += queue.failed_job_registry.count
        return {"ready": ready, "running": running, "failed": failed}
    return {"ready": -1, "running": -1, "failed": -1}


def worker_last_seen() -> datetime | None:
    return TaskBeat.objects.aggregate(last=Max("last_finished_at"))["last"]


def sla_scan_last_success() -> datetime | None:
    beat = TaskBeat.objects.filter(pk=SLA_SCAN_PATH).first()
    return beat.last_success_at if beat else None


def tasks_status(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    info: dict[str, Any] = {"backend": backend_name()}
    try:
        info.update(queue_counts())
    except Exception as exc:  # noqa: BLE001 - Redis away: say so, keep answering
        info.update(status="queue_unreachable", error=str(exc)[:200])
        return info
    seen = worker_last_seen()
    scan = sla_scan_last_success()
    stuck = leases.stuck(now)
    info.update(
        worker_last_seen=seen.isoformat() if seen else None,
        sla_scan_last_success=scan.isoformat() if scan else None,
        stuck=stuck,
    )
    if stuck:
        info["status"] = "stuck_work"
    elif not (seen and now - seen < WORKER_STALE_AFTER):
        info["status"] = "worker_not_seen"
    else:
        info["status"] = "ok"
    return info
