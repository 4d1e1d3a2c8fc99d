"""KPIs per unit with the formulas on the page; the Excel export holds the same figures."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from django.test import Client
from openpyxl import load_workbook

from shezhi.cases import kpis
from shezhi.cases.services import case_transition
from shezhi.cases.tests.helpers import report

TZ = ZoneInfo("Asia/Shanghai")


def at(*a: int) -> dt.datetime:
    return dt.datetime(*a, tzinfo=TZ)


def _closed(world, time_machine, *, sign_at, close_at, rating):
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    case = report(world.alice, world.grid_a)
    time_machine.move_to(sign_at, tick=False)
    case = case_transition(case=case, action="sign", actor=world.alice)
    case = case_transition(case=case, action="start", actor=world.alice)
    time_machine.move_to(close_at, tick=False)
    case = case_transition(case=case, action="reply", actor=world.alice, note="已处理")
    case = case_transition(case=case, action="approve", actor=world.carol)
    if rating:
        case = case_transition(case=case, action="visit", actor=world.carol, satisfaction=rating)
    return case


def test_the_rates_follow_the_written_formulas(world, time_machine):
    _closed(
        world,
        time_machine,
        sign_at=at(2026, 11, 2, 10, 0),
        close_at=at(2026, 11, 3, 9, 0),
        rating="satisfied",
    )
    _closed(
        world,
        time_machine,
        sign_at=at(2026, 11, 2, 15, 0),
        close_at=at(2026, 11, 20, 9, 0),
        rating="dissatisfied",
    )
    time_machine.move_to(at(2026, 11, 2, 9, 0), tick=False)
    report(world.alice, world.grid_a)  # dispatched, never signed
    rows = kpis.unit_kpis(actor=world.carol, start=at(2026, 11, 1, 0, 0), end=at(2026, 11, 30, 0, 0))
    unit = next(r for r in rows if r.unit.endswith("居委会"))
    assert (unit.accepted, unit.dispatched, unit.responded) == (3, 3, 1)  # only the 10:00 signing was in time
    assert unit.response_rate == round(1 / 3, 4)
    assert unit.resolution_rate == round(2 / 3, 4)
    assert unit.satisfaction_rate == 0.5
    assert unit.on_time_rate == 0.5  # the second closed after its 5-working-day limit
    # Working hours from 09:00 Monday: 7 h (to Tuesday 09:00) and 98 h (to the 20th, 14 working days).
    assert unit.avg_hours == round((7 + 98) / 2, 1)
    assert rows[-1].unit.startswith("合计")


def test_the_page_writes_the_formulas_and_exports_excel(world):
    client = Client()
    client.force_login(world.sam)
    page = client.get("/cases/kpis/").content.decode()
    for name, zh, _en in kpis.FORMULAS:
        assert name in page
        assert zh in page
    response = client.get("/cases/kpis/", {"export": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["考核指标", "计算公式"]
    units = [row[0].value for row in book["考核指标"].iter_rows(min_row=3)]
    assert units[-1].startswith("合计")
    assert not any("双林" in (u or "") for u in units)  # street Y's units are not sam's
