"""The clock survives its dependencies: Redis (the task queue) away, leases are still reclaimed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shezhi.cases.management.commands import cases_clock
from shezhi.lifecircle.models import RunStatus
from tests.ops.test_leases import _run


@pytest.mark.django_db
def test_a_tick_reclaims_leases_even_when_the_queue_is_away(monkeypatch, django_capture_on_commit_callbacks):
    class Away:
        """The SLA scan's task whose backend (Redis) does not answer."""

        def enqueue(self, *args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(cases_clock, "sla_scan", Away())
    run = _run(
        status=RunStatus.RUNNING, attempts=1, stage="evaluate", lease_expires_at=timezone.now() - timedelta(1)
    )
    with pytest.raises(ConnectionError), django_capture_on_commit_callbacks(execute=False):
        cases_clock.tick(sweep=False)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED  # reclaimed although enqueueing failed
