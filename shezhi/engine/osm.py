"""The engine's OSM reader: walkable ways of a PBF as vertex arrays (© OpenStreetMap contributors, ODbL).

Also reads points of interest (nodes and way centroids) by tag, for facilities.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import osmium
from numpy.typing import NDArray

from shezhi.engine.errors import NetworkError
from shezhi.engine.network import is_walkable

Way = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise NetworkError(f"{path}: no such file")
    with path.open("rb") as fh:
        head = fh.read(32)
    # A PBF starts with a 4-byte big-endian header length, then a BlobHeader naming "OSMHeader".
    if b"OSMHeader" not in head:
        raise NetworkError(f"{path}: not an OSM PBF file (no OSMHeader block at the start)")


class _WayReader(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.ways: list[Way] = []
        self.missing = 0

    def way(self, w: Any) -> None:
        if not is_walkable(w.tags):
            return
        try:
            nodes = [(n.ref, n.lon, n.lat) for n in w.nodes]
        except osmium.InvalidLocationError:
            self.missing += 1
            return
        if len(nodes) >= 2:
            arr = np.array(nodes, dtype=np.float64)
            self.ways.append((np.array([n[0] for n in nodes], dtype=np.int64), arr[:, 1], arr[:, 2]))


def read_walkable_ways(path: Path) -> list[Way]:
    """Walkable ways of a PBF as (OSM node ids, lon, lat) arrays.

    Raises
    ------
    NetworkError
        When the file is missing, not a PBF, or unreadable.
    """
    _check_file(path)
    reader = _WayReader()
    try:
        reader.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise NetworkError(f"{path}: cannot read as OSM PBF ({exc})") from exc
    return reader.ways


@dataclass(frozen=True)
class Pois:
    """Points of interest from OSM: ``tag`` is ``key=value`` (e.g. ``amenity=school``)."""

    osm_id: NDArray[np.int64]
    tag: NDArray[np.str_]
    name: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]

    def select(self, *tags: str) -> Pois:
        """The POIs whose tag is one of ``tags``."""
        keep = np.isin(self.tag, list(tags))
        return Pois(self.osm_id[keep], self.tag[keep], self.name[keep], self.lon[keep], self.lat[keep])

    def __len__(self) -> int:
        return int(self.osm_id.shape[0])


_POI_KEYS = ("amenity", "shop", "leisure", "healthcare", "social_facility", "tourism", "office")


class _PoiReader(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, str, str, float, float]] = []

    def _tag(self, tags: Any) -> str | None:
        for key in _POI_KEYS:
            if key in tags:
                return f"{key}={tags[key]}"
        if tags.get("highway") == "bus_stop":
            return "highway=bus_stop"
        if tags.get("railway") in {"station", "subway_entrance"}:
            return f"railway={tags['railway']}"
        return None

    def node(self, n: Any) -> None:
        if (tag := self._tag(n.tags)) is not None:
            self.rows.append((n.id, tag, n.tags.get("name", ""), n.location.lon, n.location.lat))

    def way(self, w: Any) -> None:
        if (tag := self._tag(w.tags)) is None:
            return
        try:
            pts = np.array([(n.lon, n.lat) for n in w.nodes])
        except osmium.InvalidLocationError:
            return
        if len(pts):
            lon, lat = pts.mean(axis=0)
            self.rows.append((-w.id, tag, w.tags.get("name", ""), float(lon), float(lat)))


def read_pois(path: Path) -> Pois:
    """Amenities, shops, leisure, health, transit stops of a PBF (way ids negated, centroid = vertex mean)."""
    _check_file(path)
    reader = _PoiReader()
    try:
        reader.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise NetworkError(f"{path}: cannot read as OSM PBF ({exc})") from exc
    rows = reader.rows
    return Pois(
        np.array([r[0] for r in rows], dtype=np.int64),
        np.array([r[1] for r in rows], dtype=np.str_),
        np.array([r[2] for r in rows], dtype=np.str_),
        np.array([r[3] for r in rows], dtype=np.float64),
        np.array([r[4] for r in rows], dtype=np.float64),
    )
