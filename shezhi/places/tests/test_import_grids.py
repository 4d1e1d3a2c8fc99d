import json

import pytest
from django.core.management import CommandError, call_command

from shezhi.common.coords import wgs84_to_gcj02
from shezhi.common.errors import ImportRejected
from shezhi.places.importers import grids_import, read_geojson_features
from shezhi.places.models import Grid, GridKind, Source

COMMUNITY = "510108002002"  # 建华社区
SQUARE = [[104.08, 30.66], [104.081, 30.66], [104.081, 30.661], [104.08, 30.661], [104.08, 30.66]]


def feature(code, *, ring=None, kind="general", community=COMMUNITY, parent=None, name="测试网格"):
    props = {"code": code, "name": name, "kind": kind, "community_code": community}
    if parent:
        props["parent_code"] = parent
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": "Polygon", "coordinates": [ring or SQUARE]},
    }


def collection(*features):
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def test_it_imports_a_grid_hierarchy(db):
    data = collection(
        feature(f"{COMMUNITY}-T1-01", kind="微网格", parent=f"{COMMUNITY}-T1"),  # child first
        feature(f"{COMMUNITY}-T1", kind="总网格"),
    )
    report = grids_import(read_geojson_features(data))
    assert report.created == 2
    child = Grid.objects.get(code=f"{COMMUNITY}-T1-01")
    assert child.parent.code == f"{COMMUNITY}-T1"
    assert child.kind == GridKind.MICRO
    assert child.source == Source.IMPORTED
    assert child.path == f"{COMMUNITY}-T1-01-"
    assert 9_000 < child.area_m2 < 12_000  # ~96 m × 111 m


def test_reimporting_updates_in_place(db):
    data = collection(feature(f"{COMMUNITY}-T1", name="甲"))
    grids_import(read_geojson_features(data))
    report = grids_import(read_geojson_features(collection(feature(f"{COMMUNITY}-T1", name="乙"))))
    assert (report.created, report.updated) == (0, 1)
    assert Grid.objects.get(code=f"{COMMUNITY}-T1").name == "乙"


def test_gcj02_boundaries_are_stored_in_wgs84(db):
    ring = [list(wgs84_to_gcj02(x, y)) for x, y in SQUARE]
    grids_import(read_geojson_features(collection(feature(f"{COMMUNITY}-T1", ring=ring))), crs="gcj02")
    stored = Grid.objects.get(code=f"{COMMUNITY}-T1").boundary["coordinates"][0][0]
    assert stored == pytest.approx([104.08, 30.66], abs=1e-7)


def test_it_reports_every_bad_feature_and_changes_nothing(db):
    existing = Grid.objects.order_by("code").first()
    before = (Grid.objects.count(), existing.name, existing.boundary)
    bowtie = [[104.08, 30.66], [104.081, 30.661], [104.081, 30.66], [104.08, 30.661], [104.08, 30.66]]
    open_ring = SQUARE[:-1] + [[104.0801, 30.66]]
    outside = [[-74.0, 40.7], [-73.9, 40.7], [-73.9, 40.8], [-74.0, 40.8], [-74.0, 40.7]]
    data = collection(
        feature("G-1"),  # 1 malformed code
        feature(f"{COMMUNITY}-X1", ring=bowtie),  # 2 self-intersecting
        feature(f"{COMMUNITY}-X2", ring=open_ring),  # 3 ring does not close
        feature(f"{COMMUNITY}-X3", ring=outside),  # 4 outside China
        feature(f"{COMMUNITY}-NOPE-01", parent=f"{COMMUNITY}-NOPE"),  # 5 parent missing
        feature("999999999999-01", community="999999999999"),  # 6 community missing
        feature(f"{COMMUNITY}-X5", kind="大网格"),  # 7 kind unknown
        feature(f"{COMMUNITY}-X6"),  # 8 good
        feature(f"{COMMUNITY}-X6"),  # 9 duplicate code
        {
            **feature(existing.code, name="被覆盖"),
            "properties": {
                **feature(existing.code)["properties"],
                "name": "被覆盖",
                "community_code": existing.community.code,
            },
        },  # 10 good update, must not apply
    )
    with pytest.raises(ImportRejected) as exc:
        grids_import(read_geojson_features(data))
    by_line = {e.line: {p.code for p in e.problems} for e in exc.value.errors}
    assert by_line == {
        1: {"code_malformed", "code_community_mismatch"},
        2: {"geometry_invalid"},
        3: {"ring_open"},
        4: {"coord_outside_china"},
        5: {"parent_missing"},
        6: {"community_missing"},
        7: {"kind_unknown"},
        9: {"code_duplicate"},
    }
    existing.refresh_from_db()
    assert (Grid.objects.count(), existing.name, existing.boundary) == before
    self_intersection = next(p for p in exc.value.errors[1].problems)
    assert "自相交" in self_intersection.zh
    assert "self-intersecting" in self_intersection.en


def test_a_file_that_is_not_geojson_is_rejected_whole(db):
    with pytest.raises(ImportRejected) as exc:
        read_geojson_features(b"{not json")
    assert "GeoJSON" in str(exc.value.errors[0])
    with pytest.raises(ImportRejected):
        read_geojson_features(b'{"type": "Feature"}')


def test_the_command_reports_lines_in_both_languages(db, tmp_path):
    path = tmp_path / "grids.geojson"
    path.write_bytes(collection(feature(f"{COMMUNITY}-X1", ring=SQUARE[:3])))
    with pytest.raises(CommandError) as exc:
        call_command("import_grids", str(path), "--crs", "wgs84")
    assert "第 1 行" in str(exc.value) or "line 1" in str(exc.value)
    assert "至少需要 4 个坐标点" in str(exc.value)
    assert not Grid.objects.filter(code=f"{COMMUNITY}-X1").exists()
