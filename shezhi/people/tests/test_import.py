"""Import of households and residents: preview lists every bad row, confirm applies the good ones."""

import csv
import io

import pytest
from openpyxl import Workbook

from shezhi.common.errors import ImportRejected
from shezhi.common.identifiers import id_check_digit
from shezhi.common.pii import blind_index
from shezhi.people.importers import resident_import_confirm, resident_import_preview
from shezhi.people.models import Household, ImportStatus, Resident
from shezhi.people.readers import HEADERS
from shezhi.places.models import Compound


def _id(first17: str) -> str:
    return first17 + id_check_digit(first17)


@pytest.fixture(autouse=True)
def _uploads_in_tmp(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def names(world):
    mine = Compound.objects.filter(grid__path__startswith=world.grid_a.path).order_by("pk")
    other = Compound.objects.filter(grid__path__startswith=world.grid_b.path).order_by("pk")
    return {"mine": mine[0].name, "other": other[0].name}


def _rows(names, residents):
    mine = names["mine"]
    home = residents["a"].household
    assert home.compound.name == mine
    return [
        HEADERS,
        [
            mine,
            "8栋",
            "2单元",
            "301",
            "户籍",
            "王建国",
            _id("51010819560312001"),
            "13800001111",
            "户主",
            "党员、高龄",
            "",
        ],
        [mine, "8栋", "2单元", "301", "户籍", "李秀英", _id("51010819580520002"), "", "配偶", "", ""],
        [
            mine,
            "8栋",
            "2单元",
            "302",
            "流动",
            "赵敏",
            _id("51132219950101002"),
            "+86 139 0000 2222",
            "户主",
            "",
            "",
        ],
        # line 5: an existing resident of grid A with a new phone number -> update
        [
            mine,
            home.building,
            home.unit,
            home.room,
            home.get_status_display(),
            residents["a"].name,
            residents["a"].id_number,
            "13700003333",
            residents["a"].get_relation_display(),
            "、".join(residents["a"].tag_labels),
            "",
        ],
        [
            mine,
            "8栋",
            "2单元",
            "303",
            "户籍",
            "周杰",
            "510108199001010011",
            "",
            "户主",
            "",
            "",
        ],  # 6 check digit
        [
            mine,
            "8栋",
            "2单元",
            "303",
            "户籍",
            "吴洋",
            _id("51010819900230001"),
            "",
            "户主",
            "",
            "",
        ],  # 7 30 Feb
        [
            "不存在的小区",
            "1栋",
            "1单元",
            "101",
            "户籍",
            "郑平",
            _id("51010819800101003"),
            "",
            "户主",
            "",
            "",
        ],  # 8
        [
            mine,
            "8栋",
            "2单元",
            "304",
            "户籍",
            "王建军",
            _id("51010819560312001"),
            "",
            "户主",
            "",
            "",
        ],  # 9 dup of 2
        [mine, "8栋", "2单元", "305", "户籍", "", _id("51010819700101005"), "", "户主", "", ""],  # 10 no name
        [
            names["other"],
            "1栋",
            "1单元",
            "101",
            "户籍",
            "冯刚",
            _id("51010819700101007"),
            "",
            "户主",
            "",
            "",
        ],  # 11
        [
            mine,
            "8栋",
            "2单元",
            "306",
            "户籍",
            "陈丽",
            _id("51010819700101009"),
            "12345",
            "同事",
            "神仙",
            "",
        ],  # 12
    ]


def _csv(rows, encoding="utf-8-sig") -> io.BytesIO:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return io.BytesIO(out.getvalue().encode(encoding))


def _xlsx(rows) -> io.BytesIO:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out


def _state():
    return (
        Resident.objects.count(),
        Household.objects.count(),
        Resident.history.count(),
        sorted(Resident.objects.values_list("id", "name", "phone_index", "household_id", "tags")),
    )


@pytest.mark.parametrize("kind", ["csv", "xlsx", "csv-gb18030"])
def test_preview_lists_every_bad_row_and_writes_nothing(world, residents, names, kind):
    rows = _rows(names, residents)
    upload = {"csv": _csv, "xlsx": _xlsx}.get(kind, lambda r: _csv(r, "gb18030"))(rows)
    before = _state()
    batch = resident_import_preview(
        actor=world.alice, upload=upload, filename=f"people.{kind[:4].strip('-')}"
    )
    assert _state() == before
    by_line = {e["line"]: {p["code"] for p in e["problems"]} for e in batch.errors}
    assert by_line == {
        6: {"id_check_digit"},
        7: {"id_birth_date"},
        8: {"unknown_compound"},
        9: {"duplicate_in_file"},
        10: {"required"},
        11: {"unknown_compound"},  # another grid's compound is not in alice's area
        12: {"mobile_format", "invalid_choice", "invalid_tag"},
    }
    for error in batch.errors:
        for problem in error["problems"]:
            assert problem["message"]
            assert problem["message_en"]
    assert batch.total_rows == 11
    assert batch.good_rows == 4
    assert (batch.new_residents, batch.updated_residents, batch.new_households) == (3, 1, 2)


def test_confirm_applies_the_good_rows_and_reimport_creates_no_duplicates(world, residents, names):
    rows = _rows(names, residents)
    count = Resident.objects.count()
    batch = resident_import_preview(actor=world.alice, upload=_csv(rows), filename="people.csv")
    batch = resident_import_confirm(actor=world.alice, batch=batch)
    assert batch.status == ImportStatus.APPLIED
    assert Resident.objects.count() == count + 3
    wang = Resident.objects.get(name="王建国")
    assert wang.tag_list == ["oldest_old", "party_member"]
    assert wang.household.grid_id is not None
    assert wang.sex == "M"
    assert wang.history.get().history_user == world.alice
    updated = Resident.objects.get(pk=residents["a"].pk)
    assert updated.phone == "13700003333"
    assert updated.history.latest().history_user == world.alice
    rejected = {r[6] for r in rows[5:]} - {rows[1][6]}
    assert not Resident.objects.filter(id_index__in=[blind_index(i, kind="id") for i in rejected]).exists()
    assert Resident.objects.get(id_index=blind_index(rows[1][6], kind="id")).name == "王建国"  # not 王建军

    state = _state()
    again = resident_import_preview(actor=world.alice, upload=_csv(rows), filename="people.csv")
    assert (again.new_residents, again.updated_residents, again.unchanged_residents) == (0, 0, 4)
    resident_import_confirm(actor=world.alice, batch=again)
    assert _state() == state


def test_a_batch_is_confirmed_once_and_only_by_its_uploader(world, residents, names):
    from shezhi.people.importers import BatchClosed

    batch = resident_import_preview(actor=world.alice, upload=_csv(_rows(names, residents)), filename="a.csv")
    with pytest.raises(PermissionError):
        resident_import_confirm(actor=world.carol, batch=batch)
    resident_import_confirm(actor=world.alice, batch=batch)
    with pytest.raises(BatchClosed):
        resident_import_confirm(actor=world.alice, batch=batch)


def test_a_resident_of_another_area_is_not_taken_over(world, residents, names):
    b = residents["b"]
    rows = [HEADERS, [names["mine"], "1栋", "1单元", "101", "户籍", b.name, b.id_number, "", "户主", "", ""]]
    batch = resident_import_preview(actor=world.alice, upload=_csv(rows), filename="x.csv")
    assert batch.errors[0]["problems"][0]["code"] == "not_registrable"
    resident_import_confirm(actor=world.alice, batch=batch)
    b.refresh_from_db()
    assert b.household.grid.path.startswith(world.grid_b.path)


@pytest.mark.parametrize(
    ("content", "filename", "code"),
    [
        (b"this is a text file, not a workbook", "people.xlsx", "not_excel"),
        (b"PK\x03\x04broken zip", "people.xlsx", "not_excel"),
        ("小区,楼栋,房号,姓名,身份证\n".encode(), "people.csv", "bad_header"),
        (b"", "people.csv", "empty_file"),
    ],
)
def test_unusable_files_are_rejected_whole(world, content, filename, code, tmp_path):
    before = _state()
    with pytest.raises(ImportRejected) as info:
        resident_import_preview(actor=world.alice, upload=io.BytesIO(content), filename=filename)
    assert info.value.errors[0].problems[0].code == code
    assert _state() == before
    assert not list((tmp_path / "imports").iterdir())  # the upload is not kept


def test_wrong_header_names_the_missing_columns(world):
    with pytest.raises(ImportRejected) as info:
        resident_import_preview(
            actor=world.alice, upload=io.BytesIO("小区,房号,姓名,身份证\n".encode()), filename="p.csv"
        )
    problem = info.value.errors[0].problems[0]
    assert "身份证号" in problem.zh
    assert "身份证" in problem.zh  # the unrecognised column is named
    assert info.value.errors[0].line == 1


def test_street_officers_may_not_import(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        resident_import_preview(actor=world.sam, upload=io.BytesIO(b""), filename="p.csv")


def test_previews_nobody_confirms_expire_with_their_file(world, residents, names, time_machine, tmp_path):
    time_machine.move_to("2026-12-01 09:00:00+08:00", tick=False)
    old = resident_import_preview(actor=world.alice, upload=_csv(_rows(names, residents)), filename="a.csv")
    assert len(list((tmp_path / "imports").iterdir())) == 1
    time_machine.move_to("2026-12-02 10:00:00+08:00", tick=False)
    resident_import_preview(actor=world.alice, upload=_csv(_rows(names, residents)), filename="b.csv")
    old.refresh_from_db()
    assert old.status == ImportStatus.CANCELLED
    assert len(list((tmp_path / "imports").iterdir())) == 1
