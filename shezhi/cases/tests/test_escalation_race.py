"""Two SLA workers racing on real connections (PostgreSQL): each case escalates exactly once."""

from __future__ import annotations

import datetime as dt
import io
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection, connections

from shezhi.accounts.models import User
from shezhi.accounts.roles import Role
from shezhi.cases import tasks
from shezhi.cases.models import Case, CaseEvent, EventKind
from shezhi.cases.tests.helpers import report
from shezhi.places.models import Division, Grid, GridKind

TZ = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises writers, so there is no race",
)


def test_two_concurrent_workers_escalate_each_case_once(transactional_db, time_machine):
    if not Grid.objects.exists():  # an earlier transactional test flushed the session's data
        call_command("load_places", stdout=io.StringIO())
    call_command("load_cases", stdout=io.StringIO())
    street = Division.objects.get(code="510108002000")
    grids = Grid.objects.filter(community__code__startswith=street.prefix, kind=GridKind.GENERAL)
    grid = grids.order_by("code")[0]
    worker = User.objects.create_user("race-grid", role=Role.GRID_WORKER, division=grid.community, grid=grid)
    time_machine.move_to(dt.datetime(2026, 11, 2, 9, 0, tzinfo=TZ), tick=False)
    cases = [report(worker, grid, text=f"楼上漏水 {i}") for i in range(20)]
    now = dt.datetime(2026, 11, 2, 12, 0, tzinfo=TZ)
    # Both workers read the due cases before either writes: the race window, made certain.
    snapshots = [tasks.overdue_candidates(now), tasks.overdue_candidates(now)]
    barrier = threading.Barrier(2)
    reports = [tasks.ScanReport(), tasks.ScanReport()]
    failures: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            tasks.process_overdue(snapshots[i], now, reports[i])
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures
    assert reports[0].overdue + reports[1].overdue == 20
    ids = [c.pk for c in cases]
    assert CaseEvent.objects.filter(case_id__in=ids, kind=EventKind.SLA_OVERDUE).count() == 20
    assert CaseEvent.objects.filter(case_id__in=ids, kind=EventKind.ESCALATED).count() == 20
    assert set(Case.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)) == {1}
