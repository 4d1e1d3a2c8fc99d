"""Record each finished task in :class:`~shezhi.ops.models.TaskBeat` (the worker's side)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import F
from django.utils import timezone
from django_tasks import TaskResultStatus

log = logging.getLogger(__name__)

HEARTBEAT_PATH = "shezhi.common.tasks.heartbeat"
SLA_SCAN_PATH = "shezhi.cases.tasks.sla_scan"


def task_path(task: Any) -> str:
    return f"{task.func.__module__}.{task.func.__qualname__}"


def task_beat(sender: object, task_result: Any, **kwargs: object) -> None:
    """``task_finished`` receiver; never lets bookkeeping fail the task."""
    from shezhi.ops.models import TaskBeat

    try:
        path = task_path(task_result.task)[:200]
        now = timezone.now()
        ok = task_result.status == TaskResultStatus.SUCCESSFUL
        values: dict[str, Any] = {"last_finished_at": now, "last_status": str(task_result.status)}
        if ok:
            values["last_success_at"] = now
        if not TaskBeat.objects.filter(pk=path).update(runs=F("runs") + 1, **values):
            TaskBeat.objects.get_or_create(pk=path, defaults={"runs": 1, **values})
    except Exception:
        log.warning("could not record the task beat", exc_info=True)
