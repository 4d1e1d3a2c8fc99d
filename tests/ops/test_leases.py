"""Work that was running when its worker died is retried or failed with the reason."""

from __future__ import annotations

import io
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from shezhi.accounts.models import User
from shezhi.common import leases
from shezhi.lifecircle.leases import MAX_ATTEMPTS, runs_reap
from shezhi.lifecircle.models import AnalysisRun, RunStatus, StandardVersion
from shezhi.places.demo import DEMO_DISTRICT as DISTRICT  # 成华区
from shezhi.places.models import Division
from tests.ops.stack import Stack


def _run(**fields: object) -> AnalysisRun:
    area = Division.objects.get(code=DISTRICT)
    standard = StandardVersion.objects.order_by("-number").first()
    return AnalysisRun.objects.create(area=area, standard=standard, **fields)


def _staff_health() -> dict:
    client = Client()
    client.force_login(User.objects.create_user("ops-lease", password="x", is_staff=True))
    return client.get("/healthz").json()


@pytest.mark.django_db
def test_an_expired_lease_is_queued_again_then_failed_with_the_reason(django_capture_on_commit_callbacks):
    past = timezone.now() - timedelta(seconds=1)
    run = _run(status=RunStatus.RUNNING, attempts=1, stage="evaluate", lease_expires_at=past)
    later = past + timedelta(hours=1)
    live = _run(status=RunStatus.RUNNING, attempts=1, stage="evaluate", lease_expires_at=later)
    body = _staff_health()
    assert body["tasks"]["stuck"] == {"lifecircle_runs": 1}
    assert body["tasks"]["status"] == "stuck_work"
    assert body["status"] == "degraded"

    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert runs_reap() == 1
    assert len(queued) == 1  # run_analysis enqueued again, once committed
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    assert "失联" in run.error
    assert "evaluate" in run.error
    assert run.lease_expires_at is None
    live.refresh_from_db()
    assert live.status == RunStatus.RUNNING  # a lease still held is left alone
    assert leases.stuck() == {}

    # The attempt that was presumed dead cannot write any more: its token is stale.
    from shezhi.lifecircle.tasks import Cancelled, _stage

    stale = AnalysisRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING, attempts=1)
    with pytest.raises(Cancelled):
        _stage(stale, 50, "evaluate")

    AnalysisRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, attempts=MAX_ATTEMPTS, lease_expires_at=past
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert runs_reap() == 1
    assert not queued
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert f"已尝试 {MAX_ATTEMPTS} 次" in run.error
    assert run.finished_at is not None


@pytest.mark.django_db
def test_the_run_page_shows_why_it_failed(client):
    run = _run(status=RunStatus.FAILED, attempts=MAX_ATTEMPTS, error="工作进程在「evaluate」阶段失联")
    planner = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "root-lease", password="x"
    )
    client.force_login(planner)
    page = client.get(f"/lifecircle/runs/{run.pk}/")
    assert page.status_code == 200
    assert "工作进程在「evaluate」阶段失联" in page.content.decode()


@pytest.mark.faults
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_evaluation_retries_the_run_within_the_lease(tmp_path: Path) -> None:
    from django_tasks_db.models import DBTaskResult

    from shezhi.lifecircle.tasks import run_analysis

    call_command("load_places", stdout=io.StringIO())
    call_command("load_lifecircle", "--no-run", stdout=io.StringIO())
    lease = 4.0
    with Stack(tmp_path / "var", CLOCK_INTERVAL="1", TASK_LEASE_SECONDS=str(lease)) as stack:
        stack.wait_up()
        worker = stack.pid("worker")
        run = _run()
        first = run_analysis.enqueue(run.pk)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if run.status != RunStatus.QUEUED:
                break
            time.sleep(0.02)
        assert run.status == RunStatus.RUNNING, (run.status, stack.output())
        os.kill(worker, signal.SIGKILL)
        killed_at = time.monotonic()
        answers: list[int] = []
        while time.monotonic() - killed_at < lease + 40:
            answers.append(stack.get("/healthz"))
            run.refresh_from_db()
            if run.status in (RunStatus.DONE, RunStatus.FAILED):
                break
            time.sleep(0.25)
        assert run.status == RunStatus.DONE, (run.status, run.error, stack.output())
        assert run.attempts == 2
        assert "失联" in run.error  # the page says the first attempt was lost and retried
        assert set(answers) == {200}
        dead = DBTaskResult.objects.get(id=first.id)
        assert dead.status == "FAILED"
        assert dead.exception_class_path == "shezhi.common.leases.LeaseExpired"
        assert "reclaimed work whose worker died" in stack.output(tail=None)
