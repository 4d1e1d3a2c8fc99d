from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from shezhi.common.errors import ImportRejected
from shezhi.places.importers import divisions_import, read_csv_rows
from shezhi.places.models import Division

HEADER = "code,name,level,parent_code\n"


def test_the_bundled_tree_has_chengdus_official_counts(db):
    counts = Counter(Division.objects.filter(code__startswith="5101").values_list("level", flat=True))
    assert counts == {"city": 1, "district": 20, "street": 261, "community": 3047}
    assert Division.objects.get(code="510100000000").name == "成都市"
    assert Division.objects.get(code="510108002000").name == "猛追湾街道"
    assert Division.objects.get(code="510108000000").parent.code == "510100000000"


def test_every_division_lies_under_its_parents_prefix(db):
    for division in Division.objects.exclude(parent=None).select_related("parent"):
        assert division.code.startswith(division.parent.prefix)


def test_reloading_the_bundled_tree_changes_nothing(db):
    before = list(Division.objects.values_list("id", "code", "name", "parent_id"))
    call_command("load_places", verbosity=0)
    assert list(Division.objects.values_list("id", "code", "name", "parent_id")) == before


def test_it_reports_every_bad_row_and_writes_nothing(db):
    before = Division.objects.count()
    rows = read_csv_rows(
        (
            HEADER
            + "51010800201,短码社区,village,510108002000\n"  # line 2: 11 digits
            + "510108002099,孤儿社区,village,510108999000\n"  # line 3: parent missing
            + "510108002098,新社区,village,510108002000\n"  # line 4: good
            + "510108002098,重复社区,village,510108002000\n"  # line 5: duplicate code
            + "510108002097,,village,510108002000\n"  # line 6: no name
            + "510108002096,错级社区,street,510108002000\n"  # line 7: level mismatch
            + "510108002095,错上级社区,village,510108000000\n"  # line 8: parent not a street
        ).encode()
    )
    with pytest.raises(ImportRejected) as exc:
        divisions_import(rows)
    by_line = {e.line: {p.code for p in e.problems} for e in exc.value.errors}
    assert by_line == {
        2: {"code_malformed"},
        3: {"parent_missing"},
        5: {"code_duplicate"},
        6: {"name_missing"},
        7: {"level_mismatch"},
        8: {"parent_mismatch"},
    }
    assert Division.objects.count() == before
    assert not Division.objects.filter(code="510108002098").exists()
    message = str(exc.value.errors[0])
    assert "第 2 行" in message
    assert "line 2" in message
    assert "不是 12 位数字" in message
    assert "is not 12 digits" in message


def test_a_good_file_adds_and_renames(db):
    rows = read_csv_rows(
        (
            HEADER
            + "510108002098,新建社区,village,510108002000\n"
            + "510108002000,猛追湾街道（改）,street,510108000000\n"
        ).encode()
    )
    report = divisions_import(rows)
    assert (report.created, report.updated) == (1, 1)
    assert Division.objects.get(code="510108002098").parent.code == "510108002000"
    assert Division.objects.get(code="510108002000").name == "猛追湾街道（改）"


def test_a_dry_run_writes_nothing(db):
    rows = read_csv_rows((HEADER + "510108002098,新建社区,village,510108002000\n").encode())
    report = divisions_import(rows, dry_run=True)
    assert report.created == 1
    assert not Division.objects.filter(code="510108002098").exists()


def test_the_command_prints_every_rejected_row(db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(HEADER + "abc,坏代码,village,510108002000\n5101,,city,\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_divisions", str(path))
    text = str(exc.value)
    assert "第 2 行" in text
    assert "第 3 行" in text
    assert "nothing written" in text
