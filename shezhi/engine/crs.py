"""Chinese coordinate systems: WGS-84 (GPS, OSM), GCJ-02 (Amap/Tencent), BD-09 (Baidu).

The engine works in WGS-84 only; this module is the one place where other declared systems
are converted. GCJ-02 is WGS-84 plus a published obfuscation offset (about 300–500 m in
Chengdu); BD-09 adds Baidu's own offset on top of GCJ-02. Going back to WGS-84 has no closed
form; :func:`gcj02_to_wgs84` inverts the forward transform by fixed-point iteration to well
below a centimetre. Outside mainland China no offset is applied, as by the providers
themselves.

Every function takes scalars or NumPy arrays. Scalars come back as Python floats, arrays as
float64 arrays.

>>> lon, lat = to_wgs84(*wgs84_to_gcj02(104.0657, 30.6595), "gcj02")
>>> round(lon, 7), round(lat, 7)
(104.0657, 30.6595)
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0

FloatArray = NDArray[np.float64]


class CRS(StrEnum):
    """Coordinate systems a caller may declare for input (坐标系)."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


def _pair(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"lon and lat differ in shape: {x.shape} vs {y.shape}")
    return x, y, scalar


def _out(x: FloatArray, y: FloatArray, scalar: bool) -> Any:
    if scalar:
        return float(x), float(y)
    return x, y


def _out_of_china(x: FloatArray, y: FloatArray) -> NDArray[np.bool_]:
    return ~((x > 73.66) & (x < 135.05) & (y > 3.86) & (y < 53.55))


def out_of_china(lon: float, lat: float) -> bool:
    """True outside the rough mainland bounding box, where GCJ-02 applies no offset.

    >>> out_of_china(2.35, 48.85), out_of_china(104.07, 30.67)
    (True, False)
    """
    return bool(_out_of_china(np.float64(lon), np.float64(lat)))


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = np.pi
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = np.pi
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def _wgs84_to_gcj02(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlat = _transform_lat(x - 105.0, y - 35.0)
    dlon = _transform_lon(x - 105.0, y - 35.0)
    radlat = y / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    outside = _out_of_china(x, y)
    return np.where(outside, x, x + dlon), np.where(outside, y, y + dlat)


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS-84 → GCJ-02.

    >>> lon, lat = wgs84_to_gcj02(121.5272106, 31.1774276)
    >>> round(lon, 6), round(lat, 6)
    (121.531542, 31.175304)
    """
    x, y, scalar = _pair(lon, lat)
    return _out(*_wgs84_to_gcj02(x, y), scalar)


@overload
def gcj02_to_wgs84(lon: float, lat: float, *, tolerance: float = ...) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tolerance: float = ...) -> tuple[Any, Any]: ...
def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tolerance: float = 1e-9) -> tuple[Any, Any]:
    """GCJ-02 → WGS-84 by fixed-point iteration of the forward transform.

    >>> lon, lat = gcj02_to_wgs84(121.531541859215, 31.17530398364597)
    >>> round(lon, 7), round(lat, 7)
    (121.5272106, 31.1774276)
    """
    x, y, scalar = _pair(lon, lat)
    wx, wy = x.copy(), y.copy()
    for _ in range(30):
        gx, gy = _wgs84_to_gcj02(wx, wy)
        dx, dy = gx - x, gy - y
        wx, wy = wx - dx, wy - dy
        if np.all(np.abs(dx) < tolerance) and np.all(np.abs(dy) < tolerance):
            break
    return _out(wx, wy, scalar)


def _gcj02_to_bd09(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd09_to_gcj02(x0: FloatArray, y0: FloatArray) -> tuple[FloatArray, FloatArray]:
    x, y = x0 - 0.0065, y0 - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 → BD-09 (Baidu)."""
    x, y, scalar = _pair(lon, lat)
    return _out(*_gcj02_to_bd09(x, y), scalar)


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]: ...
def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 (Baidu) → GCJ-02."""
    x, y, scalar = _pair(lon, lat)
    return _out(*_bd09_to_gcj02(x, y), scalar)


@overload
def to_wgs84(lon: float, lat: float, crs: CRS | str) -> tuple[float, float]: ...
@overload
def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: CRS | str) -> tuple[Any, Any]: ...
def to_wgs84(lon: ArrayLike, lat: ArrayLike, crs: CRS | str) -> tuple[Any, Any]:
    """Convert points declared in ``crs`` to WGS-84, the engine's and the platform's system.

    Raises
    ------
    ValueError
        When ``crs`` names no supported system.
    """
    crs = CRS(crs)
    if crs is CRS.WGS84:
        x, y, scalar = _pair(lon, lat)
        return _out(x, y, scalar)
    if crs is CRS.GCJ02:
        return gcj02_to_wgs84(lon, lat)
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))
