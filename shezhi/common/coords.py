"""Chinese coordinate systems for the platform: re-exported from the engine's :mod:`shezhi.engine.crs`.

The engine is the lowest layer and owns the conversion; importers and geometry code keep
importing from here.
"""

from __future__ import annotations

from shezhi.engine.crs import (
    CRS,
    bd09_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_gcj02,
)

__all__ = [
    "CRS",
    "bd09_to_gcj02",
    "gcj02_to_bd09",
    "gcj02_to_wgs84",
    "out_of_china",
    "to_wgs84",
    "wgs84_to_gcj02",
]
