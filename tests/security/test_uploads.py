"""Uploads are hostile: every importer reads through one pipeline that refuses bombs and junk.

Each attack goes through an importer's real entry point — the people import page, the 12345
import page, the facility import page, or the division/grid management commands — and must
end in a clear refusal (a file or row error), never a server error, and without the server
expanding the bomb. Bombs are generated here and are small on disk; memory is measured with
tracemalloc (its peak while the request runs), not with timings.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import os
import random
import stat
import string
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client
from openpyxl import Workbook

from shezhi.people.models import AccessLog, ImportBatch, ImportStatus, Resident
from shezhi.people.readers import HEADERS
from shezhi.places.models import Compound

MB = 1024 * 1024
#: What a refused bomb may cost the server while the request runs.
PEAK_BUDGET = 24 * MB
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(autouse=True)
def _var_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path / "var"
    settings.VAR_DIR.mkdir()
    settings.MEDIA_ROOT = tmp_path / "media"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def pipeline_peaks(monkeypatch) -> list[int]:
    """Peak bytes allocated while the upload pipeline read each file (tracemalloc).

    Measured around the pipeline rather than the whole request: Django's multipart parser
    and test client have costs of their own that are not the importer's.
    """
    peaks: list[int] = []
    try:
        from shezhi.common import uploads
    except ImportError:  # the code before the pipeline existed: nothing to measure
        return peaks
    original = uploads.table_rows

    def measured(path, filename):  # type: ignore[no-untyped-def]
        tracemalloc.start()
        try:
            yield from original(path, filename)
        finally:
            peaks.append(tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()

    monkeypatch.setattr(uploads, "table_rows", measured)
    return peaks


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _replace_member(xlsx: bytes, member: str, write) -> bytes:  # type: ignore[no-untyped-def]
    """``xlsx`` with ``member`` rewritten by ``write(file)`` (streamed, so bombs stay cheap)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == member:
                with dst.open(member, "w", force_zip64=True) as fh:
                    write(fh)
            else:
                dst.writestr(info, src.read(info))
    return out.getvalue()


def _handmade_xlsx(sheet: str, shared_strings: str) -> bytes:
    """A minimal workbook with a shared-string table, as an attacker would write it."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            f'<?xml version="1.0"?><Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels"'
            ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{ct}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ct}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}">'
            '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0"?><Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        SHEET: sheet,
        "xl/sharedStrings.xml": shared_strings,
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode())
    return out.getvalue()


def _people_rows(world) -> list[list[object]]:
    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).order_by("pk").first()
    return [
        HEADERS,
        [compound.name, "1栋", "1单元", "101", "户籍", "张三", "11010519491231002X", "", "户主", "", ""],
    ]


def _post_people(world, name: str, content: bytes):
    return _client(world.alice).post("/people/import/", {"file": SimpleUploadedFile(name, content)})


def _post_hotline(world, name: str, content: bytes):
    return _client(world.sam).post("/cases/import/", {"file": SimpleUploadedFile(name, content)})


def _post_facilities(world, name: str, content: bytes):
    return _client(world.sam).post(
        "/lifecircle/facilities/import/", {"file": SimpleUploadedFile(name, content), "crs": "wgs84"}
    )


def _leftovers(settings) -> list[Path]:
    root = Path(settings.VAR_DIR) / "imports"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ----------------------------------------------------------------------------- bombs


def test_it_refuses_a_gzip_bomb(world, settings, pipeline_peaks):
    """A .csv.gz of ~100 KB that expands to 100 MB stops at the ratio cap, on disk, not in RAM."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        gz.write("工单编号,来电时间,诉求内容\n".encode())
        block = b"1," * (MB // 2)
        for _ in range(100):
            gz.write(block)
    bomb = buf.getvalue()
    assert len(bomb) < 300 * 1024
    response = _post_hotline(world, "orders.csv.gz", bomb)
    assert response.status_code == 400
    assert "解压后超过上限" in response.content.decode()
    [peak] = pipeline_peaks
    assert peak < PEAK_BUDGET, f"peak {peak / MB:.1f} MB"
    assert _leftovers(settings) == []


def test_the_people_api_refuses_a_gzip_bomb(world, settings, pipeline_peaks):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        gz.write(",".join(HEADERS).encode() + b"\n")
        for _ in range(64):
            gz.write(b"\n" * MB)
    upload = io.BytesIO(buf.getvalue())
    upload.name = "people.csv.gz"
    response = _client(world.alice).post("/api/v1/imports", {"file": upload})
    assert response.status_code == 422
    assert response.json()["details"][0]["problems"][0]["code"] == "gzip_bomb"
    [peak] = pipeline_peaks
    assert peak < PEAK_BUDGET
    assert _leftovers(settings) == []


def test_it_refuses_an_xlsx_zip_bomb_storing_a_huge_cell(world, settings, pipeline_peaks):
    """An .xlsx of ~130 KB whose one cell is 128 MB is refused before openpyxl reads it."""

    def huge_cell(fh):  # type: ignore[no-untyped-def]
        fh.write(
            b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
        )
        block = b"A" * MB
        for _ in range(128):
            fh.write(block)
        fh.write(b"</t></is></c></row></sheetData></worksheet>")

    bomb = _replace_member(_xlsx([["x"]]), SHEET, huge_cell)
    assert len(bomb) < 400 * 1024
    response = _post_people(world, "people.xlsx", bomb)
    assert response.status_code == 200
    [peak] = pipeline_peaks
    html = response.content.decode()
    assert 'data-testid="file-rejected"' in html
    assert "Excel 文件异常" in html
    assert peak < PEAK_BUDGET, f"peak {peak / MB:.1f} MB"
    assert _leftovers(settings) == []
    assert not ImportBatch.objects.exists()


def test_it_refuses_a_zip_whose_members_lie_about_their_size(world, pipeline_peaks):
    """Declared sizes are not trusted: a member larger than it says is refused while reading."""
    payload = b'<?xml version="1.0"?><worksheet><sheetData>' + b" " * (20 * MB) + b"</sheetData></worksheet>"
    xlsx = _replace_member(_xlsx([["x"]]), SHEET, lambda fh: fh.write(payload))
    # Patch the declared uncompressed size of the sheet in both headers to 4 KB.
    data = bytearray(xlsx)
    name = SHEET.encode()
    for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = 0
        while (at := data.find(signature, at)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at : name_at + len(name)] == name:
                size = int.from_bytes(data[at + size_at : at + size_at + 4], "little")
                if size != 0xFFFFFFFF:
                    data[at + size_at : at + size_at + 4] = (4096).to_bytes(4, "little")
            at += 4
    response = _post_hotline(world, "orders.xlsx", bytes(data))
    assert response.status_code == 400
    [peak] = pipeline_peaks
    assert peak < PEAK_BUDGET, f"peak {peak / MB:.1f} MB"


def test_it_does_not_expand_xml_entities(world, pipeline_peaks):
    """A billion-laughs sheet is refused: openpyxl parses with defusedxml, which forbids entities."""
    laughs = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    sheet = (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "ha">'
        + laughs
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>工单编号</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>&l9;</t></is></c></row></sheetData></worksheet>'
    )
    bomb = _replace_member(_xlsx([["x"]]), SHEET, lambda fh: fh.write(sheet.encode()))
    response = _post_hotline(world, "orders.xlsx", bomb)
    assert response.status_code == 400
    assert "Excel" in response.content.decode()
    assert "hahaha" not in response.content.decode()
    [peak] = pipeline_peaks
    assert peak < PEAK_BUDGET


# ----------------------------------------------------------------------------- limits


def test_it_refuses_a_shared_string_referenced_from_every_cell(world, pipeline_peaks):
    """One 30,000-character shared string referenced by 5,000 cells: 150 M characters as read."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    long = "".join(random.Random(3).choices(string.ascii_letters, k=30_000))
    strings = f'<?xml version="1.0"?><sst xmlns="{main}"><si><t>工单编号</t></si><si><t>{long}</t></si></sst>'
    rows = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>1</v></c></row>' for i in range(2, 5002))
    sheet = (
        f'<?xml version="1.0"?><worksheet xmlns="{main}"><sheetData>'
        f'<row r="1"><c r="A1" t="s"><v>0</v></c></row>{rows}</sheetData></worksheet>'
    )
    xlsx = _handmade_xlsx(sheet, strings)
    assert len(xlsx) < 100 * 1024
    response = _post_hotline(world, "orders.xlsx", xlsx)
    assert response.status_code == 400
    assert "文件内容超过" in response.content.decode()
    [peak] = pipeline_peaks
    assert peak < PEAK_BUDGET


def test_it_refuses_a_cell_longer_than_excel_allows(world):
    noise = "".join(random.Random(1).choices(string.ascii_letters, k=40_000))  # incompressible
    rows = _people_rows(world)
    # openpyxl cuts what it writes to Excel's limit; an attacker writes the XML themselves.
    cells = "".join(
        f'<c r="{chr(65 + i)}2" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(rows[1])
    )
    head = "".join(
        f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(rows[0])
    )
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1">{head}</row><row r="2">{cells}'
        f'<c r="L2" t="inlineStr"><is><t>{noise}</t></is></c>'
        "</row></sheetData></worksheet>"
    )
    xlsx = _replace_member(_xlsx([["x"]]), SHEET, lambda fh: fh.write(sheet.encode()))
    response = _post_people(world, "people.xlsx", xlsx)
    html = response.content.decode()
    assert 'data-testid="file-rejected"' in html
    assert "单元格超过 32767 个字符" in html
    assert noise[:100] not in html


def test_it_refuses_a_csv_cell_longer_than_excel_allows(world):
    body = "工单编号,诉求内容\n1," + "长" * 40_000 + "\n"
    response = _post_hotline(world, "orders.csv", body.encode())
    assert response.status_code == 400
    assert "单元格过长" in response.content.decode()


def test_it_refuses_too_many_rows(world, settings):
    settings.SHEZHI_UPLOAD_MAX_ROWS = 5
    inside = Compound.objects.filter(community__code__startswith=world.street_x.prefix).first()
    body = "名称,类别,经度,纬度\n" + "".join(
        f"店{i},convenience,{inside.lon},{inside.lat}\n" for i in range(10)
    )
    response = _post_facilities(world, "f.csv", body.encode())
    assert response.status_code == 200
    assert "一次最多导入 5 行" in response.content.decode()


def test_it_refuses_too_many_columns(world):
    body = ",".join(f"c{i}" for i in range(100)) + "\n" + ",".join("x" * 100) + "\n"
    response = _post_hotline(world, "orders.csv", body.encode())
    assert response.status_code == 400
    assert "最多 64 列" in response.content.decode()


def test_it_refuses_an_upload_over_the_size_limit(world, settings):
    settings.SHEZHI_UPLOAD_MAX_UPLOAD_BYTES = 1024
    response = _post_people(world, "people.csv", b"a," * 4096)
    assert "文件超过" in response.content.decode()
    assert _leftovers(settings) == []


# ----------------------------------------------------------------------------- malformed files


def test_it_answers_malformed_xlsx_xml_with_a_file_error(world):
    broken = _replace_member(
        _xlsx(_people_rows(world)), SHEET, lambda fh: fh.write(b"<worksheet><sheetData><row><c r=")
    )
    response = _post_people(world, "people.xlsx", broken)
    assert response.status_code == 200
    assert 'data-testid="file-rejected"' in response.content.decode()


def test_it_answers_a_file_named_xlsx_that_is_not_one(world):
    response = _post_hotline(world, "orders.xlsx", b"PK\x03\x04 not really a zip")
    assert response.status_code == 400


def test_it_answers_a_csv_in_a_broken_encoding(world):
    body = "工单编号,诉求内容\n".encode() + b"1,\xff\xfe\xfd" * 30_000
    response = _post_hotline(world, "orders.csv", body)
    assert response.status_code == 400


def test_it_answers_malformed_geojson_grids_with_row_errors(world, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    5,
                    {"type": "Feature", "properties": ["not", "a", "dict"], "geometry": "nope"},
                    {
                        "type": "Feature",
                        "properties": {"code": "x" * 10_000},
                        "geometry": {"type": "Polygon", "coordinates": [[["a", "b"], [1], {}, None]]},
                    },
                    {
                        "type": "Feature",
                        "properties": {},
                        "geometry": {"type": "MultiPolygon", "coordinates": 7},
                    },
                ],
            }
        )
    )
    with pytest.raises(CommandError) as info:
        call_command("import_grids", str(path))
    text = str(info.value)
    assert "第 1 行" in text
    assert "第 4 行" in text
    assert len(text) < 5000  # a 10,000-character code is not echoed back


def test_it_answers_deeply_nested_json_with_a_file_error(tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_text("[" * 200_000 + "]" * 200_000)
    with pytest.raises(CommandError, match="GeoJSON"):
        call_command("import_grids", str(path))


def test_it_answers_malformed_facility_geojson_with_row_errors(world):
    body = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                1,
                {
                    "type": "Feature",
                    "properties": ["x"],
                    "geometry": {"type": "Point", "coordinates": ["a", None]},
                },
                {
                    "type": "Feature",
                    "properties": {"名称": "店"},
                    "geometry": {"type": "Point", "coordinates": [1e999, 30]},
                },
            ],
        }
    )
    response = _post_facilities(world, "f.geojson", body.encode())
    assert response.status_code == 200
    assert "拒绝 3 行" in response.content.decode()


def test_the_division_command_goes_through_the_pipeline(tmp_path, settings):
    settings.SHEZHI_UPLOAD_MAX_COLUMNS = 4
    path = tmp_path / "divisions.csv"
    path.write_text("code,name,level,parent_code,extra\n510108002099,新社区,village,510108002000,x\n")
    with pytest.raises(CommandError, match="最多 4 列"):
        call_command("import_divisions", str(path), "--dry-run")


# ----------------------------------------------------------------------------- reports


def test_error_reports_are_capped_and_do_not_echo_huge_cells(world, settings):
    """2,000 rows naming an unknown 400-character category: the answer stays small."""
    settings.SHEZHI_UPLOAD_MAX_REPORTED_ERRORS = 50
    category = "".join(random.Random(2).choices(string.ascii_letters, k=400))
    rows = [["工单编号", "来电时间", "诉求内容", "分类"]]
    rows += [[f"W{i}", "2026-11-02 09:00", "路灯不亮", category] for i in range(2000)]
    upload = _csv_bytes(rows)
    response = _post_hotline(world, "orders.csv", upload)
    assert response.status_code == 400
    html = response.content.decode()
    assert "2000" in html  # every rejected row is counted
    assert html.count("<li>") == 51  # the first 50, and one line saying how many more
    assert category not in html  # quoted values are cut short
    assert len(response.content) < 100_000, f"{len(upload)} bytes uploaded, {len(response.content)} answered"


def test_the_people_import_batch_keeps_the_first_errors_and_the_count(world, settings):
    settings.SHEZHI_UPLOAD_MAX_REPORTED_ERRORS = 10
    rows = [HEADERS] + [
        ["无此小区", "1栋", "1单元", str(i), "户籍", "张三", "1", "", "", "", ""] for i in range(300)
    ]
    response = _post_people(world, "people.xlsx", _xlsx(rows))
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert len(batch.errors) == 11
    assert batch.rejected_rows == 300
    page = _client(world.alice).get(f"/people/import/{batch.pk}/")
    assert page.status_code == 200


# ----------------------------------------------------------------------------- storage


def _preview(world) -> ImportBatch:
    response = _post_people(world, "people.csv", _csv_bytes(_people_rows(world)))
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


def _csv_bytes(rows: list[list[object]]) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


def test_raw_uploads_are_private_and_deleted_on_confirm(world):
    batch = _preview(world)
    path = Path(batch.stored_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    _client(world.alice).post(f"/people/import/{batch.pk}/", {"confirm": "1"})
    assert not path.exists()


def test_raw_uploads_are_deleted_on_cancel(world):
    batch = _preview(world)
    path = Path(batch.stored_path)
    assert path.exists()
    _client(world.alice).post(f"/people/import/{batch.pk}/", {"cancel": "1"})
    assert not path.exists()


def test_raw_uploads_are_deleted_on_expiry_by_the_scheduled_task(world, settings):
    from shezhi.common.tasks import uploads_expire

    batch = _preview(world)
    path = Path(batch.stored_path)
    facilities = _post_facilities(world, "f.csv", "名称,类别,经度,纬度\n店,convenience,104.1,30.6\n".encode())
    assert facilities.status_code == 200
    pending = [p for p in _leftovers(settings) if p != path]
    assert len(pending) == 1  # the facility preview waits for its confirmation
    assert stat.S_IMODE(pending[0].stat().st_mode) == 0o600
    uploads_expire.call()
    assert path.exists()  # not yet expired
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).timestamp()
    for p in (path, *pending):
        os.utime(p, (old, old))
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    uploads_expire.call()
    assert _leftovers(settings) == []
    batch.refresh_from_db()
    assert batch.status == ImportStatus.CANCELLED
    # Confirming an expired batch is refused, not a server error.
    response = _client(world.alice).post(f"/people/import/{batch.pk}/", {"confirm": "1"})
    assert response.status_code == 302


def test_the_clock_enqueues_the_upload_sweep(db):
    from django_tasks_db.models import DBTaskResult

    call_command("cases_clock", "--once")
    assert DBTaskResult.objects.filter(task_path="shezhi.common.tasks.uploads_expire").count() == 1
    call_command("cases_clock", "--once")  # one waiting sweep is enough
    assert DBTaskResult.objects.filter(task_path="shezhi.common.tasks.uploads_expire").count() == 1


def test_the_sqlite_database_file_is_private(tmp_path, django_db_blocker):
    from django.db.backends.sqlite3.base import DatabaseWrapper

    db = tmp_path / "shezhi.sqlite3"
    db.touch(mode=0o644)
    db.chmod(0o644)
    wrapper = DatabaseWrapper(
        {
            "NAME": str(db),
            "ENGINE": "django.db.backends.sqlite3",
            "OPTIONS": {},
            "TIME_ZONE": None,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,
            "AUTOCOMMIT": True,
            "ATOMIC_REQUESTS": False,
            "USER": "",
            "PASSWORD": "",
            "HOST": "",
            "PORT": "",
            "TEST": {},
        }
    )
    with django_db_blocker.unblock():
        wrapper.ensure_connection()
        wrapper.close()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


# ----------------------------------------------------------------------------- existence oracle


def test_an_import_does_not_say_an_id_is_registered_in_another_area(world):
    """Alice (grid A) imports the ID number of a resident of grid B: the refusal says nothing of B."""
    other = (
        Resident.objects.filter(household__grid__path__startswith=world.grid_b.path).order_by("pk").first()
    )
    rows = _people_rows(world)
    rows[1][5], rows[1][6] = other.name, other.id_number
    response = _post_people(world, "people.csv", _csv_bytes(rows))
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    [error] = batch.errors
    [problem] = error["problems"]
    assert problem["code"] == "not_registrable"
    for leak in ("其他辖区", "已登记", "已在", "another area", "elsewhere", "exists"):
        assert leak not in problem["message"] + problem["message_en"] + problem["code"]
    log = AccessLog.objects.get(field="reg_conflict")
    assert (log.actor, log.rows) == (world.alice, 1)


def test_an_import_is_no_bulk_oracle(world, settings):
    """A file with more ID numbers held elsewhere than the user's lookups left is refused."""
    settings.PEOPLE_LOOKUPS_PER_HOUR = 1
    others = Resident.objects.filter(household__grid__path__startswith=world.grid_b.path).order_by("pk")[:2]
    rows = _people_rows(world)
    rows.append(list(rows[1]))
    rows[2][3] = "102"
    for row, other in zip(rows[1:3], others, strict=True):
        row[5], row[6] = other.name, other.id_number
    response = _post_people(world, "people.csv", _csv_bytes(rows))
    assert response.status_code == 200
    assert not ImportBatch.objects.exists()
    assert "过多" in response.content.decode()
