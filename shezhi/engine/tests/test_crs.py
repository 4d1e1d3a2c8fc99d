import numpy as np
import pytest

from shezhi.engine.crs import CRS, bd09_to_gcj02, gcj02_to_bd09, gcj02_to_wgs84, to_wgs84, wgs84_to_gcj02

# Published with eviltransform (github.com/googollee/eviltransform): WGS-84 → GCJ-02 (lat, lon).
PUBLISHED = np.array(
    [
        (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
        (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
        (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    ]
)


def test_arrays_convert_like_the_published_pairs():
    wlat, wlon, glat, glon = PUBLISHED.T
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    np.testing.assert_allclose(lon, glon, atol=1e-9)
    np.testing.assert_allclose(lat, glat, atol=1e-9)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    np.testing.assert_allclose(back_lon, wlon, atol=1e-7)
    np.testing.assert_allclose(back_lat, wlat, atol=1e-7)


def test_scalars_stay_python_floats():
    lon, lat = wgs84_to_gcj02(104.07, 30.67)
    assert type(lon) is float
    assert type(lat) is float


def test_bd09_arrays_round_trip_and_dispatch():
    lon = np.array([104.0, 104.1, 2.35])
    lat = np.array([30.6, 30.7, 48.85])
    blon, blat = gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))
    wl, wa = to_wgs84(blon, blat, CRS.BD09)
    np.testing.assert_allclose(wl, lon, atol=1e-6)
    np.testing.assert_allclose(wa, lat, atol=1e-6)
    # Paris: no GCJ-02 offset outside China, Baidu's own offset still applies.
    g = bd09_to_gcj02(blon[2], blat[2])
    assert g == pytest.approx((2.35, 48.85), abs=1e-6)


def test_an_unknown_system_is_named():
    with pytest.raises(ValueError, match="'utm'"):
        to_wgs84(1.0, 2.0, "utm")
