import pytest

from shezhi.common.coords import (
    CRS,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_gcj02,
)

# Reference pairs published with eviltransform (github.com/googollee/eviltransform):
# (WGS-84 lat, lon) -> (GCJ-02 lat, lon) in Shanghai, Shenzhen and Beijing.
PUBLISHED = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_it_matches_published_gcj02_values(wlat, wlon, glat, glon):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), PUBLISHED)
def test_it_inverts_gcj02_to_below_a_centimetre(wlat, wlon, glat, glon):
    lon, lat = gcj02_to_wgs84(glon, glat)
    assert lon == pytest.approx(wlon, abs=1e-7)
    assert lat == pytest.approx(wlat, abs=1e-7)


def test_the_offset_in_chengdu_is_hundreds_of_metres():
    lon, lat = wgs84_to_gcj02(104.0657, 30.6595)  # 天府广场
    assert 0.002 < lon - 104.0657 < 0.004
    assert -0.004 < lat - 30.6595 < 0


def test_bd09_round_trips_through_gcj02():
    lon, lat = bd09_to_gcj02(*gcj02_to_bd09(104.07, 30.67))
    assert lon == pytest.approx(104.07, abs=1e-6)
    assert lat == pytest.approx(30.67, abs=1e-6)
    # Baidu's offset is about 0.0065° east and 0.006° north of GCJ-02.
    blon, blat = gcj02_to_bd09(104.07, 30.67)
    assert 0.005 < blon - 104.07 < 0.008
    assert 0.004 < blat - 30.67 < 0.008


def test_to_wgs84_dispatches_on_the_declared_system():
    glon, glat = wgs84_to_gcj02(104.07, 30.67)
    assert to_wgs84(glon, glat, CRS.GCJ02) == pytest.approx((104.07, 30.67), abs=1e-7)
    assert to_wgs84(*gcj02_to_bd09(glon, glat), "bd09") == pytest.approx((104.07, 30.67), abs=1e-6)
    assert to_wgs84(104.07, 30.67, "wgs84") == (104.07, 30.67)
    with pytest.raises(ValueError, match="epsg"):
        to_wgs84(104.07, 30.67, "epsg")


def test_no_offset_outside_china():
    assert out_of_china(2.35, 48.85)
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
