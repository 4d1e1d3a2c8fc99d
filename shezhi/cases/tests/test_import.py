"""12345 work-order import: every rejected row reported, nothing written then; real messages when present."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from shezhi.cases.importers import hotline_import, read_path, read_rows
from shezhi.cases.models import Case
from shezhi.common.errors import ImportRejected

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"
CLASSIFIED = SHARED / "hotline_messages_classified_495.csv.gz"


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _row(**kw: str) -> dict[str, str]:
    row = {"工单编号": "12345-0001", "来电时间": "2026-11-02 09:30", "诉求内容": "楼道堆放杂物",
           "分类": "ZF01", "地址": "", "联系电话": ""}  # fmt: skip
    row.update(kw)
    return row


def test_good_rows_are_imported_and_unplaced_ones_go_to_triage(world):
    from shezhi.places.models import Compound

    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).first()
    rows = read_rows("orders.csv", _csv([
        _row(),
        _row(工单编号="12345-0002", 地址=f"{compound.name}2栋", 联系电话="13800001111"),
        _row(工单编号="12345-0003", 分类="城乡建设", 诉求内容="小区物业不作为，停车费乱收"),
    ]))  # fmt: skip
    report = hotline_import(rows, actor=world.sam)
    assert (report.created, report.routed, report.triage) == (3, 1, 2)
    placed = Case.objects.get(source_ref="12345-0002")
    assert placed.compound == compound
    assert placed.reporter_phone == "13800001111"
    refined = Case.objects.get(source_ref="12345-0003")
    assert refined.category.code == "CX01"  # 物业 keywords refine the first-level class
    assert timezone.localtime(refined.opened_at).isoformat() == "2026-11-02T09:30:00+08:00"
    assert refined.state == "triage"


def test_every_bad_row_is_reported_and_nothing_is_written(world):
    rows = read_rows("orders.csv", _csv([
        _row(),
        _row(工单编号="12345-0001"),  # repeated in the file
        _row(工单编号="12345-0003", 来电时间="昨天"),
        _row(工单编号="12345-0004", 分类="不存在的分类"),
        _row(工单编号="12345-0005", 诉求内容=""),
        _row(工单编号="12345-0006", 诉求内容="<a href=x>点我</a>"),
        _row(工单编号="12345-0007", 诉求内容="x" * 4001),
        _row(工单编号="12345-0008", 联系电话="0281234"),
    ]))  # fmt: skip
    before = Case.objects.count()
    with pytest.raises(ImportRejected) as info:
        hotline_import(rows, actor=world.sam)
    lines = {e.line: {p.code for p in e.problems} for e in info.value.errors}
    assert lines == {
        3: {"duplicate"},
        4: {"time"},
        5: {"category"},
        6: {"required"},
        7: {"html"},
        8: {"too_long"},
        9: {"mobile_format"},
    }
    assert "第 4 行" in str(info.value.errors[1])
    assert Case.objects.count() == before


def test_xlsx_files_are_read_and_a_second_import_is_refused(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["工单编号", "来电时间", "诉求内容", "分类"])
    sheet.append(["X-1", "2026-11-02 10:00:00", "噪音扰民", "HB01"])
    buf = io.BytesIO()
    book.save(buf)
    rows = read_rows("orders.xlsx", buf.getvalue())
    assert hotline_import(rows, actor=world.sam).created == 1
    with pytest.raises(ImportRejected):
        hotline_import(rows, actor=world.sam)


def test_the_import_page_lists_rejected_rows(world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(world.sam)
    bad = SimpleUploadedFile("o.csv", _csv([_row(来电时间="??")]), content_type="text/csv")
    response = client.post("/cases/import/", {"file": bad})
    assert response.status_code == 400
    assert "来电时间" in response.content.decode()
    good = SimpleUploadedFile("o.csv", _csv([_row()]), content_type="text/csv")
    response = client.post("/cases/import/", {"file": good})
    assert response.status_code == 200
    assert 'data-testid="import-report"' in response.content.decode()
    client.force_login(world.rita)
    assert "仅社区" in client.get("/cases/import/").content.decode()


@pytest.mark.skipif(
    not CLASSIFIED.exists(), reason=f"{CLASSIFIED} is not here (hotline data ships only in shared/data)"
)
def test_real_hotline_messages_import_without_loss(world):
    rows = read_path(CLASSIFIED)
    assert len(rows) == 495
    # The real export repeats one message number (37042): the import names that row, writes nothing.
    with pytest.raises(ImportRejected) as info:
        hotline_import(rows, actor=world.sam)
    [error] = info.value.errors
    assert error.problems[0].code == "duplicate"
    [bad] = [i for i, (line, _row) in enumerate(rows) if line == error.line]
    assert rows[bad][1]["ref"] == "37042"
    assert not Case.objects.filter(channel="hotline").exists()
    rows.pop(bad)
    report = hotline_import(rows, actor=world.sam)
    # Place names are anonymised (“A市”), so none can be placed: all wait in triage, none is lost.
    assert report.created == 494
    assert report.triage == 494
    imported = Case.objects.filter(channel="hotline", source_ref__in=[r["ref"] for _line, r in rows])
    assert imported.count() == 494
    assert imported.filter(category__isnull=True).count() == 0
    assert imported.filter(category__parent__isnull=False).count() > 100  # refined by keywords
