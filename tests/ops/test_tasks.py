"""Every background task, end to end, on the configured backend (``pytest -m tasks``).

CI runs this subset a second time with ``TASKS_BACKEND=django_tasks_rq.RQBackend`` against the
Redis at 127.0.0.1:6379 (.ci/run): the same tasks through Redis and an rq worker.
"""

from __future__ import annotations

import importlib
import io
import pkgutil

import pytest
from django.core.management import call_command
from django.test import Client
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django_tasks.base import Task

import shezhi
from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases.tasks import sla_scan
from shezhi.common.tasks import heartbeat, uploads_expire
from shezhi.eldercare.tasks import certification_scan, checkpoint_publish, eligibility_roll
from shezhi.indicators import services as indicators
from shezhi.indicators.models import RunStatus as IndicatorRunStatus
from shezhi.indicators.tasks import compute_indicators
from shezhi.lifecircle.models import AnalysisRun, RunStatus
from shezhi.lifecircle.services import analysis_start
from shezhi.ops.models import TaskBeat
from shezhi.places.demo import DEMO_DISTRICT
from shezhi.places.models import Division

pytestmark = pytest.mark.tasks


def _path(task: Task) -> str:
    return f"{task.func.__module__}.{task.func.__qualname__}"


def all_tasks() -> set[str]:
    """Every task defined in a ``tasks`` module of the project."""
    found: set[str] = set()
    for info in pkgutil.walk_packages(shezhi.__path__, "shezhi."):
        if not info.name.endswith(".tasks"):
            continue
        module = importlib.import_module(info.name)
        found |= {_path(v) for v in vars(module).values() if isinstance(v, Task)}
    return found


@pytest.fixture
def backend():
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if type(backend).__module__.startswith("django_tasks_rq"):
        import django_rq

        for name in backend.queues:  # a clean queue in the test Redis database
            django_rq.get_queue(name).empty()
    return backend


@pytest.mark.django_db(transaction=True)
def test_every_task_runs_on_the_configured_backend(backend):
    call_command("load_places", stdout=io.StringIO())
    call_command("load_lifecircle", "--no-run", stdout=io.StringIO())
    call_command("load_cases", stdout=io.StringIO())
    call_command("load_indicators", stdout=io.StringIO())
    planner = User.objects.create_user(
        "tasks-planner", role=Role.PLANNER, division=Division.objects.get(code="510100000000")
    )
    run = analysis_start(actor=planner, area=Division.objects.get(code=DEMO_DISTRICT))

    periodic = [heartbeat, uploads_expire, sla_scan, certification_scan, eligibility_roll, checkpoint_publish]
    results = [t.enqueue() for t in periodic]
    computation = indicators.run_start(
        area=Division.objects.get(code=DEMO_DISTRICT), period="2026", actor=planner
    )
    results.append(compute_indicators.enqueue(computation.pk))
    run_task = AnalysisRun.objects.get(pk=run.pk)
    assert run_task.status == RunStatus.QUEUED
    call_command("tasks_worker", "--batch", verbosity=0)

    for result in results:
        fresh = backend.get_result(result.id)
        assert fresh.status == TaskResultStatus.SUCCESSFUL, (fresh.task, fresh.errors)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE, run.error
    assert run.task_id  # the worker handed the run its task's id
    assert backend.get_result(run.task_id).status == TaskResultStatus.SUCCESSFUL
    computation.refresh_from_db()
    assert computation.status == IndicatorRunStatus.DONE
    assert computation.values_count > 0

    exercised = {
        *(_path(t) for t in periodic),
        _path(compute_indicators),
        "shezhi.lifecircle.tasks.run_analysis",
    }
    assert all_tasks() <= exercised, f"tasks not exercised here: {sorted(all_tasks() - exercised)}"
    # Each finished task left its beat, whatever the backend: /healthz sees the worker.
    assert set(TaskBeat.objects.values_list("pk", flat=True)) == exercised
    staff = Client()
    staff.force_login(User.objects.create_user("tasks-ops", password="x", is_staff=True))
    body = staff.get("/healthz").json()
    assert body["tasks"]["backend"] == f"{type(backend).__module__}.{type(backend).__name__}"
    assert body["tasks"]["status"] == "ok", body
    assert body["tasks"]["ready"] == 0
