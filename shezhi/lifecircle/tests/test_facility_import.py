import csv
import gzip
import json
from pathlib import Path

import pytest

from shezhi.common.coords import wgs84_to_gcj02
from shezhi.lifecircle.facility_import import apply, plan
from shezhi.lifecircle.selectors import standard_current
from shezhi.people.models import Facility
from shezhi.places.models import Compound, Source

SHARED = Path(__file__).resolve().parents[4] / "shared" / "data"


def _write(tmp_path: Path, name: str, rows: list[list[object]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def _elements():
    return list(standard_current().elements.all())


def test_a_csv_in_gcj02_is_converted_mapped_and_placed(world, tmp_path):
    compound = Compound.objects.filter(grid__path__startswith=world.grid_a.path).first()
    glon, glat = wgs84_to_gcj02(compound.lon, compound.lat)
    path = _write(
        tmp_path,
        "facilities.csv",
        [
            ["名称", "类别", "类型", "经度", "纬度", "建筑面积"],
            ["建华社区养老服务站", "elderly_daycare", "", glon, glat, 320],
            ["某幼儿园", "", "科教文化服务;学校;幼儿园", glon, glat, ""],
            ["某小学", "小学", "", glon, glat, ""],
        ],
    )
    before = Facility.objects.count()
    result = plan(actor=world.sam, path=path, filename=path.name, crs="gcj02", elements=_elements())
    assert result.rejected == []
    assert result.by_element == {"elderly_daycare": 1, "kindergarten": 1, "primary_school": 1}
    assert Facility.objects.count() == before  # a dry run writes nothing
    first = result.accepted[0].values
    assert first["lon"] == pytest.approx(compound.lon, abs=1e-5)  # back in WGS-84
    assert first["community_id"] == compound.community_id
    apply(result)
    assert Facility.objects.count() == before + 3
    assert Facility.objects.get(name="建华社区养老服务站").floor_area_m2 == 320
    again = apply(plan(actor=world.sam, path=path, filename=path.name, crs="gcj02", elements=_elements()))
    assert (again.created, again.updated) == (0, 0)
    assert Facility.objects.count() == before + 3


def test_every_bad_row_is_reported_and_nothing_is_written(world, tmp_path):
    inside = Compound.objects.filter(community__code__startswith=world.street_x.prefix).first()
    other_street = Compound.objects.filter(community__code__startswith=world.street_y.prefix).first()
    path = _write(
        tmp_path,
        "bad.csv",
        [
            ["名称", "类别", "经度", "纬度", "服务容量"],
            ["", "kindergarten", inside.lon, inside.lat, ""],  # 2: no name
            ["甲", "spaceport", inside.lon, inside.lat, ""],  # 3: unknown category
            ["乙", "kindergarten", "abc", inside.lat, ""],  # 4: bad coordinates
            ["丙", "kindergarten", 2.35, 48.85, ""],  # 5: Paris
            ["丁", "kindergarten", other_street.lon, other_street.lat, ""],  # 6: another street
            ["戊", "kindergarten", inside.lon, inside.lat, -3],  # 7: negative capacity
            ["己", "", inside.lon, inside.lat, ""],  # 8: no category
            ["庚", "kindergarten", inside.lon, inside.lat, ""],  # 9: good
        ],
    )
    result = plan(actor=world.sam, path=path, filename=path.name, crs="wgs84", elements=_elements())
    reasons = {e.line: {p.code for p in e.problems} for e in result.rejected}
    assert reasons == {
        2: {"required"},
        3: {"unknown_category"},
        4: {"bad_coordinates"},
        5: {"outside_china"},
        6: {"outside_area"},
        7: {"bad_number"},
        8: {"no_category"},
    }
    assert all(p.zh and p.en for e in result.rejected for p in e.problems)
    assert [a.line for a in result.accepted] == [9]


def test_a_geojson_file_and_a_bad_header(world, tmp_path):
    inside = Compound.objects.filter(community__code__startswith=world.street_x.prefix).first()
    path = tmp_path / "f.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "便利店", "type": "shop=convenience"},
                        "geometry": {"type": "Point", "coordinates": [inside.lon, inside.lat]},
                    },
                    {
                        "type": "Feature",
                        "properties": {"name": "线"},
                        "geometry": {"type": "LineString", "coordinates": [[104, 30], [104.1, 30]]},
                    },
                ],
            }
        ),
        encoding="utf-8",
    )
    result = plan(actor=world.sam, path=path, filename=path.name, crs="wgs84", elements=_elements())
    assert result.by_element == {"convenience": 1}
    assert {p.code for p in result.rejected[0].problems} == {"not_point", "no_category"}
    from shezhi.common.errors import ImportRejected

    header = _write(tmp_path, "h.csv", [["foo", "bar"], ["1", "2"]])
    with pytest.raises(ImportRejected) as excinfo:
        plan(actor=world.sam, path=header, filename=header.name, crs="wgs84", elements=_elements())
    assert "名称" in excinfo.value.errors[0].problems[0].zh


@pytest.mark.skipif(
    not (SHARED / "chengdu_amap_edu_wgs84.csv.gz").exists(), reason="../shared/data is absent"
)
def test_real_amap_schools_map_to_the_standard(world, tmp_path):
    """The real Amap education POIs of central Chengdu (test fixture only; not shipped)."""
    path = tmp_path / "edu.csv"
    path.write_bytes(gzip.decompress((SHARED / "chengdu_amap_edu_wgs84.csv.gz").read_bytes()))
    result = plan(actor=world.cate, path=path, filename="edu.csv", crs="wgs84", elements=_elements())
    assert result.rows == 2502
    assert result.by_element.get("kindergarten", 0) > 10
    assert result.by_element.get("primary_school", 0) > 5
    # Private tutoring (培训机构) is no public service element; rows outside the demo's
    # communities are reported, not dropped.
    assert len(result.accepted) + result.rejected_total == result.rows
    codes = {p.code for e in result.rejected for p in e.problems}
    assert codes <= {"unknown_category", "outside_area", "duplicate", "no_category"}


def test_the_import_page_previews_then_confirms(world, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    inside = Compound.objects.filter(community__code__startswith=world.street_x.prefix).first()
    body = f"名称,类别,经度,纬度\n街角便利店,convenience,{inside.lon},{inside.lat}\n坏行,convenience,x,y\n"
    client = Client()
    client.force_login(world.sam)
    before = Facility.objects.filter(source=Source.IMPORTED).count()
    preview = client.post(
        "/lifecircle/facilities/import/",
        {"file": SimpleUploadedFile("f.csv", body.encode("utf-8")), "crs": "wgs84"},
    )
    html = preview.content.decode()
    assert "可导入 1 行，拒绝 1 行" in html
    assert "经纬度缺失或不是数字" in html
    assert Facility.objects.filter(source=Source.IMPORTED).count() == before
    done = client.post("/lifecircle/facilities/import/", {"action": "confirm"})
    assert done.status_code == 302
    assert Facility.objects.filter(source=Source.IMPORTED, name="街角便利店").exists()
    alice = Client()
    alice.force_login(world.alice)
    assert alice.get("/lifecircle/facilities/import/").status_code == 403
