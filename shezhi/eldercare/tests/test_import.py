"""Imported medical visits and pension withdrawals: all rows or none, each reason by line."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from shezhi.common.errors import ImportRejected
from shezhi.common.uploads import store_bytes
from shezhi.eldercare import logbook
from shezhi.eldercare.importers import signals_import
from shezhi.eldercare.models import CertState, Elder, Signal
from shezhi.eldercare.tests.conftest import TZ
from shezhi.people.models import AccessLog


@pytest.fixture(autouse=True)
def _february():
    with time_machine.travel(dt.datetime(2026, 2, 1, 10, tzinfo=TZ), tick=False):
        yield


def stored(text: str):
    return store_bytes(text.encode(), "signals.csv")


def test_a_file_of_good_rows_records_signals_and_one_log_row(world, elders):
    a, b = elders[0], elders[1]
    Elder.objects.filter(pk=a.pk).update(cert_state=CertState.REMINDED)
    up = stored(
        "身份证号,类型,时间,编号\n"
        f"{a.resident.id_number},就医,2026-01-20 10:00,M-1\n"
        f"{a.resident.id_number},养老金,2026-01-25 09:00,P-1\n"
        f"{b.resident.id_number},养老金,2026-01-25 09:00,P-2\n"
    )
    assert (
        signals_import(
            actor=world.carol, path=up.path, filename="signals.csv", source="hospital", reason="月度导入"
        )
        == 3
    )
    assert Signal.objects.count() == 3
    a.refresh_from_db()
    assert a.certifications.get().method == "passive"
    log = AccessLog.objects.get(actor=world.carol, field="lookup")
    assert log.rows == 3


def test_one_unknown_person_refuses_the_file_and_appends_nothing(world, elders):
    size = logbook.read_checkpoint(2026).size
    outsider = next(
        e for e in Elder.objects.exclude(pk__in=Elder.objects.visible_to(world.alice).values("pk"))
    )
    up = stored(
        "身份证号,类型,时间\n"
        f"{Elder.objects.visible_to(world.alice).first().resident.id_number},就医,2026-01-20 10:00\n"
        f"{outsider.resident.id_number},就医,2026-01-20 10:00\n"
        "11010519491231002X,看病,yesterday\n"
    )
    with pytest.raises(ImportRejected) as exc:
        signals_import(actor=world.alice, path=up.path, filename="signals.csv", source="h", reason="导入")
    by_line = {e.line: {p.code for p in e.problems} for e in exc.value.errors}
    assert by_line == {3: {"unknown_person"}, 4: {"unknown_person", "invalid_choice", "bad_time"}}
    assert Signal.objects.count() == 0
    assert logbook.read_checkpoint(2026).size == size
