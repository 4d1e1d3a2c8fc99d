"""Read the places the platform needs from an OpenStreetMap extract (© OpenStreetMap contributors, ODbL)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import osmium
from shapely.geometry import LineString, Polygon

BUNDLED_PBF = Path(__file__).resolve().parent / "data" / "chengdu_central_2018.osm.pbf"

#: Highway classes drawn on the offline base map, thickest first.
_BASEMAP_HIGHWAYS = {
    "motorway": 1,
    "trunk": 1,
    "primary": 1,
    "secondary": 2,
    "tertiary": 2,
    "unclassified": 3,
    "residential": 3,
    "living_street": 3,
    "service": 4,
    "pedestrian": 4,
    "footway": 4,
    "path": 4,
    "steps": 4,
}
#: Institutions that get a 专属网格 (dedicated grid) of their own.
_INSTITUTIONS = {"school", "university", "college", "kindergarten", "hospital"}


@dataclass
class OsmPlaces:
    residential: list[tuple[int, str, Polygon]] = field(default_factory=list)
    buildings: list[tuple[int, str, int | None, Polygon]] = field(default_factory=list)
    institutions: list[tuple[int, str, str, Polygon]] = field(default_factory=list)
    roads: list[tuple[int, str, int, LineString]] = field(default_factory=list)


def _closed_polygon(way: Any) -> Polygon | None:
    try:
        coords = [(n.lon, n.lat) for n in way.nodes]
    except osmium.InvalidLocationError:
        return None
    if len(coords) < 4 or coords[0] != coords[-1]:
        return None
    poly = Polygon(coords)
    if not poly.is_valid:
        poly = poly.buffer(0)
    return poly if isinstance(poly, Polygon) and not poly.is_empty else None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


class _Reader(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.places = OsmPlaces()

    def way(self, w: Any) -> None:
        tags = w.tags
        name = tags.get("name", "")
        if tags.get("landuse") == "residential":
            if poly := _closed_polygon(w):
                self.places.residential.append((w.id, name, poly))
        elif "building" in tags:
            if poly := _closed_polygon(w):
                self.places.buildings.append(
                    (
                        w.id,
                        name or tags.get("addr:housenumber", ""),
                        _int_or_none(tags.get("building:levels")),
                        poly,
                    )
                )
        elif tags.get("amenity") in _INSTITUTIONS:
            if poly := _closed_polygon(w):
                self.places.institutions.append((w.id, name, tags["amenity"], poly))
        hw = tags.get("highway")
        if hw in _BASEMAP_HIGHWAYS:
            try:
                coords = [(n.lon, n.lat) for n in w.nodes]
            except osmium.InvalidLocationError:
                return
            if len(coords) >= 2:
                self.places.roads.append((w.id, name, _BASEMAP_HIGHWAYS[hw], LineString(coords)))


@lru_cache(maxsize=2)
def read_places(path: Path = BUNDLED_PBF) -> OsmPlaces:
    """Residential areas, buildings, institutions and roads of an extract (cached)."""
    reader = _Reader()
    reader.apply_file(str(path), locations=True)
    return reader.places


@lru_cache(maxsize=2)
def basemap_geojson(path: Path = BUNDLED_PBF) -> dict[str, Any]:
    """The extract's streets as a GeoJSON FeatureCollection for the offline base map."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": name, "rank": rank},
            "geometry": {
                "type": "LineString",
                "coordinates": [[round(x, 6), round(y, 6)] for x, y in line.coords],
            },
        }
        for _id, name, rank, line in read_places(path).roads
    ]
    return {
        "type": "FeatureCollection",
        "attribution": "© OpenStreetMap contributors (ODbL)",
        "features": features,
    }
