"""Runs whose worker died: their lease expired (shezhi.common.leases); the clock reaps them.

Kept apart from :mod:`shezhi.lifecircle.tasks` so the clock and /healthz need not import the
engine to count or reclaim them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from shezhi.common.leases import LeasedWork, lease_seconds, task_result_fail
from shezhi.lifecircle.models import AnalysisRun, RunStatus

log = logging.getLogger(__name__)

#: A run whose worker died this many times is marked failed instead of queued again.
MAX_ATTEMPTS = 3


def _enqueue(run_id: int) -> None:
    from shezhi.lifecircle.tasks import run_analysis

    run_analysis.enqueue(run_id)


def _expired(now: datetime) -> QuerySet[AnalysisRun]:
    return AnalysisRun.objects.filter(status=RunStatus.RUNNING, lease_expires_at__lt=now)


def runs_reap(now: datetime | None = None) -> int:
    """Queue again (or fail, after :data:`MAX_ATTEMPTS`) the runs whose worker stopped renewing."""
    now = now or timezone.now()
    reaped = 0
    for run in _expired(now).only("pk", "attempts", "stage", "task_id"):
        # Stored in the platform's language (the page shows it as it is); logged in English.
        lost = f"工作进程在「{run.stage}」阶段失联（{lease_seconds():.0f} 秒未续租）"
        held = _expired(now).filter(pk=run.pk, attempts=run.attempts)
        with transaction.atomic():
            if run.attempts < MAX_ATTEMPTS:
                reason = f"{lost}，第 {run.attempts} 次尝试中断，已自动重新排队"
                done = held.update(
                    status=RunStatus.QUEUED, progress=0, stage="retry", error=reason, lease_expires_at=None
                )
                if done:
                    transaction.on_commit(lambda pk=run.pk: _enqueue(pk))
            else:
                reason = f"{lost}，已尝试 {run.attempts} 次，标记为失败"
                done = held.update(
                    status=RunStatus.FAILED,
                    stage="failed",
                    error=reason,
                    finished_at=now,
                    lease_expires_at=None,
                )
            if done:
                task_result_fail(run.task_id, reason)
                log.warning(
                    "life-circle run %s: worker lost during %r (attempt %s); %s",
                    run.pk,
                    run.stage,
                    run.attempts,
                    "queued again" if run.attempts < MAX_ATTEMPTS else "marked failed",
                )
        reaped += done
    return reaped


RUNS = LeasedWork(name="lifecircle_runs", expired=lambda now: _expired(now).count(), reap=runs_reap)
