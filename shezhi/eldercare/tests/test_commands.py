"""The demo command is idempotent; the clock enqueues; the tasks run; 12345 calls are signals."""

from __future__ import annotations

import datetime as dt
import io

import time_machine
from django.core.management import call_command

from shezhi.eldercare import logbook, services, tasks
from shezhi.eldercare.models import Elder, ElderStatus, Signal
from shezhi.eldercare.tests.conftest import TZ, at


def test_demo_command_is_idempotent(db):
    with time_machine.travel(dt.datetime(2026, 12, 8, 10, tzinfo=TZ), tick=False):
        call_command("demo_eldercare", communities=1, stdout=io.StringIO())
        size = logbook.read_checkpoint(2026).size
        synthetic = Elder.objects.filter(synthetic=True)
        assert synthetic.filter(status=ElderStatus.SUSPENDED).count() == 1
        assert synthetic.filter(certifications__method="passive").count() == 1
        call_command("demo_eldercare", communities=1, stdout=io.StringIO())
        assert logbook.read_checkpoint(2026).size == size
        assert logbook.read_checkpoint(2026).witnesses


def test_tasks_run(world, elders):
    with time_machine.travel(dt.datetime(2026, 4, 7, 9, tzinfo=TZ), tick=False):
        result = tasks.certification_scan.call()
    assert result["overdue"] == len(elders)
    with time_machine.travel(dt.datetime(2026, 4, 7, 9, 5, tzinfo=TZ), tick=False):
        assert tasks.checkpoint_publish.call()["size"] == logbook.read_checkpoint(2026).size


def test_clock_enqueues_each_task_once(db):
    from django_tasks_db.models import DBTaskResult

    call_command("eldercare_clock", "--once")
    call_command("eldercare_clock", "--once")
    paths = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert paths == [
        "shezhi.eldercare.tasks.certification_scan",
        "shezhi.eldercare.tasks.checkpoint_publish",
        "shezhi.eldercare.tasks.eligibility_roll",
    ]


def test_a_12345_call_by_the_person_is_a_signal(world, elders):
    from shezhi.cases.models import Case

    elder = next(e for e in elders if e.resident.phone_index)
    case = (
        Case.objects.filter(division__code__startswith=elder.community.code[:9]).first()
        or Case.objects.first()
    )
    Case.objects.filter(pk=case.pk).update(
        reporter_phone_index=elder.resident.phone_index, opened_at=at(2026, 3, 1)
    )
    assert services.case_signals(now=at(2026, 3, 2)) == 1
    assert services.case_signals(now=at(2026, 3, 2)) == 0
    signal = Signal.objects.get(elder=elder)
    assert signal.kind == "case"
    assert signal.ref == case.code
