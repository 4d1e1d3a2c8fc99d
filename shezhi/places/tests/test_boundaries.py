"""Boundary import: GeoJSON and Shapefile, WGS-84/GCJ-02/BD-09, every rejected feature reported."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
import shapefile
from django.core.management import CommandError, call_command
from shapely.geometry import box, shape

from shezhi.common.coords import wgs84_to_gcj02
from shezhi.common.errors import ImportRejected
from shezhi.places.boundaries import boundaries_import, official_code, read_boundary_features
from shezhi.places.models import Division, Source

DISTRICT = "510108000000"  # 成华区
STREETS = ["510108002000", "510108004000"]


def _square(x0: float, y0: float, x1: float, y1: float) -> list[list[float]]:
    return [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]


def _feature(code: str, ring: list[list[float]], **props: object) -> dict:
    return {
        "type": "Feature",
        "properties": {"code": code, **props},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _gcj(ring: list[list[float]]) -> list[list[float]]:
    return [list(wgs84_to_gcj02(x, y)) for x, y in ring]


def _write(tmp_path: Path, features: list[dict], name: str = "b.geojson") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return path


def test_gcj02_boundaries_are_stored_in_wgs84_by_official_code(db, tmp_path):
    district = _square(104.04, 30.65, 104.13, 30.73)
    streets = [_square(104.05, 30.66, 104.08, 30.70), _square(104.09, 30.66, 104.12, 30.70)]
    features = [_feature(DISTRICT, _gcj(district))] + [
        _feature(code[:9], _gcj(ring))
        for code, ring in zip(STREETS, streets, strict=True)  # 9-digit codes
    ]
    path = _write(tmp_path, features)
    try:
        report = boundaries_import(read_boundary_features(path), crs="gcj02")
    except ImportRejected as exc:
        raise AssertionError([str(e) for e in exc.errors]) from exc
    assert (report.created + report.updated, report.unchanged) == (3, 0)
    stored = Division.objects.get(code=STREETS[0])
    assert stored.boundary_source == Source.IMPORTED
    # converted back to WGS-84: within a metre of the original square (GCJ-02 shifts ~500 m here)
    assert shape(stored.boundary).symmetric_difference(box(104.05, 30.66, 104.08, 30.70)).area < 1e-8
    again = boundaries_import(read_boundary_features(path), crs="gcj02")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_every_rejected_feature_is_reported_and_nothing_is_written(db, tmp_path):
    before = dict(Division.objects.filter(code__startswith="510108").values_list("code", "boundary"))
    district = _square(104.04, 30.65, 104.13, 30.73)
    bowtie = [[104.05, 30.66], [104.08, 30.70], [104.08, 30.66], [104.05, 30.70], [104.05, 30.66]]
    features = [
        _feature(DISTRICT, district),
        _feature("510108999000", _square(104.05, 30.66, 104.06, 30.67)),  # unknown code
        _feature(STREETS[0], _square(104.05, 30.66, 104.08, 30.70)[:-1]),  # not closed
        _feature(STREETS[1], bowtie),  # self-intersecting
        _feature("510108006000", _square(104.20, 30.66, 104.25, 30.70)),  # outside its parent
        {"type": "Feature", "properties": {"name": "无代码"}, "geometry": None},
    ]
    path = _write(tmp_path, features)
    with pytest.raises(ImportRejected) as info:
        boundaries_import(read_boundary_features(path))
    reasons = {e.line: {p.code for p in e.problems} for e in info.value.errors}
    assert reasons == {
        2: {"code_unknown"},
        3: {"ring_open"},
        4: {"geometry_invalid"},
        5: {"outside_parent"},
        6: {"code_missing", "geometry_type"},
    }
    after = dict(Division.objects.filter(code__startswith="510108").values_list("code", "boundary"))
    assert after == before
    with pytest.raises(CommandError, match="outside its parent"):
        call_command("import_boundaries", str(path))


def test_a_zipped_shapefile_with_chinese_attributes(db, tmp_path):
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("XZQDM", "C", 12)
        w.field("名称", "C", 40)
        w.poly([_square(104.05, 30.66, 104.08, 30.70)[::-1]])  # clockwise outer ring, as shapefiles hold
        w.record(STREETS[0], "猛追湾街道")
    archive = tmp_path / "streets.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("streets.shp", shp.getvalue())
        zf.writestr("streets.shx", shx.getvalue())
        zf.writestr("streets.dbf", dbf.getvalue())
        zf.writestr("streets.cpg", "UTF-8")
    features = read_boundary_features(archive)
    assert features[0][1]["properties"]["名称"] == "猛追湾街道"
    report = boundaries_import(features)
    assert report.created + report.updated == 1
    assert shape(Division.objects.get(code=STREETS[0]).boundary).equals(box(104.05, 30.66, 104.08, 30.70))


def test_a_projected_shapefile_and_other_files_are_refused(db, tmp_path):
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON) as w:
        w.field("code", "C", 12)
        w.poly([[[0, 0], [0, 10], [10, 10], [10, 0], [0, 0]]])
        w.record(STREETS[0])
    archive = tmp_path / "projected.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("p.shp", shp.getvalue())
        zf.writestr("p.dbf", dbf.getvalue())
        zf.writestr(
            "p.prj",
            'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000"]]',
        )
    with pytest.raises(ImportRejected, match="rejected") as info:
        read_boundary_features(archive)
    assert info.value.errors[0].problems[0].code == "projected_crs"
    other = tmp_path / "b.csv"
    other.write_text("code\n")
    with pytest.raises(ImportRejected) as info:
        read_boundary_features(other)
    assert info.value.errors[0].problems[0].code == "bad_file"


def test_official_codes_are_padded():
    assert official_code("510108") == "510108000000"
    assert official_code("510108002") == "510108002000"
    assert official_code(" 510108002001 ") == "510108002001"
    assert official_code("510108002001.0") == "510108002001"
