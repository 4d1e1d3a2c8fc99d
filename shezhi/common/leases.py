"""Leases for work a task worker is running, so work is not lost when its worker dies.

A task that runs for more than a moment (a life-circle evaluation, an import) *claims* its row
with a lease: ``lease_expires_at = now + TASK_LEASE_SECONDS`` and a fencing token (the attempt
number). While it runs, :class:`Heartbeat` renews the lease from a thread every quarter of the
lease time, and every write of the task is conditional on its token, so a worker that was
presumed dead can never overwrite the work of the attempt that replaced it.

When a worker dies (killed, out of memory, machine restarted) its lease runs out. The clock
calls :func:`reap` every tick; each kind of leased work registered with :func:`register`
then either re-queues the work (idempotently: the task deletes partial results before it
stores) or marks it failed with the reason. :func:`stuck` counts expired leases not yet
reaped, for /healthz.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

log = logging.getLogger(__name__)


class LeaseExpired(Exception):
    """A worker stopped renewing its lease (the reason recorded on the task's result)."""


def lease_seconds() -> float:
    return float(getattr(settings, "TASK_LEASE_SECONDS", 120))


def lease_until(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=lease_seconds())


class Heartbeat:
    """Renews a lease from a thread while the block runs.

    ``renew()`` must extend the lease conditionally on the holder's token and return whether
    it still held it; once it returns False, :attr:`lost` is set and renewing stops.
    """

    def __init__(self, renew: Callable[[], bool], every: float | None = None) -> None:
        self.renew = renew
        self.every = every if every is not None else max(lease_seconds() / 4, 0.2)
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    held = self.renew()
                except Exception:  # the database is busy or away: try again at the next beat
                    log.warning("lease heartbeat failed; retrying", exc_info=True)
                    close_old_connections()
                    continue
                if not held:
                    self.lost.set()
                    return
        finally:
            connection.close()  # this thread's own connection

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class LeasedWork:
    """One kind of leased work: how to count and how to reclaim its expired leases."""

    name: str
    #: Number of running items whose lease expired before ``now``.
    expired: Callable[[datetime], int]
    #: Retry or fail the running items whose lease expired before ``now``; returns how many.
    reap: Callable[[datetime], int]


_REGISTRY: dict[str, LeasedWork] = {}


def register(work: LeasedWork) -> None:
    _REGISTRY[work.name] = work


def registered() -> list[LeasedWork]:
    return list(_REGISTRY.values())


def reap(now: datetime | None = None) -> dict[str, int]:
    """Reclaim expired leases of every registered kind (the clock calls this each tick)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    for work in registered():
        try:
            done[work.name] = work.reap(now)
        except Exception:  # one kind failing must not stop the others (or the clock)
            log.exception("reaping expired %s leases failed", work.name)
    return done


def stuck(now: datetime | None = None) -> dict[str, int]:
    """Expired, not yet reaped leases by kind (only kinds with some)."""
    now = now or timezone.now()
    counts = {work.name: work.expired(now) for work in registered()}
    return {name: n for name, n in counts.items() if n}


def task_result_fail(task_id: str, reason: str) -> None:
    """Mark the database backend's row of a task whose worker died as failed, with ``reason``.

    Without this the row stays RUNNING forever (the worker that would finish it is gone). Other
    backends track their own workers (RQ moves a dead worker's job to its failed registry).
    """
    if not task_id:
        return
    from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not type(backend).__module__.startswith("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(id=task_id, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED,
        finished_at=timezone.now(),
        exception_class_path=f"{LeaseExpired.__module__}.{LeaseExpired.__qualname__}",
        traceback=reason,
    )
