"""Compounds and buildings of any OSM extract (© OpenStreetMap contributors, ODbL).

A compound (小区/院落) is an area (closed way or multipolygon relation) tagged
``landuse=residential``, or any other non-building area whose name reads as a compound
(…小区, …花园, …家园, …苑, …新村, …公寓, …宿舍). Its households are estimated from the
buildings inside it (floor area over a typical flat), or from its land area when it holds
no mapped building; every estimate is marked 估算.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import shapely
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from shezhi.places.geometry import area_m2

#: Names that mark an area as a compound even without ``landuse=residential``.
COMPOUND_NAME = re.compile(r"(小区|花园|家园|苑|新村|公寓|宿舍)$")
#: Floors assumed for a building without ``building:levels`` (most compounds are 6-storey walk-ups).
DEFAULT_FLOORS = 6
#: Gross floor area per household, m² (≈ 90 m² flat plus common space).
M2_PER_HOUSEHOLD = 110.0
#: Households per m² of residential land where no building is mapped: plot ratio 2.0 over 90 m².
HOUSEHOLDS_PER_LAND_M2 = 2.0 / 90.0
#: Buildings that are not dwellings (they do not count towards households).
_NON_RESIDENTIAL = {
    "commercial",
    "retail",
    "industrial",
    "warehouse",
    "office",
    "school",
    "hospital",
    "church",
    "garage",
    "garages",
    "shed",
    "kiosk",
    "public",
    "civic",
    "university",
    "kindergarten",
    "service",
    "roof",
    "parking",
    "train_station",
    "transportation",
}


@dataclass
class OsmCompound:
    ref: str  # "way/123" or "relation/45": stable across updates of the extract
    name: str
    polygon: BaseGeometry
    households: int = 0
    buildings: int = 0


@dataclass
class OsmBuilding:
    ref: str
    name: str
    floors: int | None
    residential: bool
    polygon: BaseGeometry


@dataclass
class ExtractPlaces:
    compounds: list[OsmCompound] = field(default_factory=list)
    buildings: list[OsmBuilding] = field(default_factory=list)
    #: Buildings that lie in a compound: (building index, compound index).
    placed: list[tuple[int, int]] = field(default_factory=list)


def _floors(value: str | None) -> int | None:
    try:
        floors = round(float(value)) if value else None
    except ValueError:
        return None
    return floors if floors is not None and 0 < floors < 200 else None


def _ref(area: Any) -> str:
    return f"{'way' if area.from_way() else 'relation'}/{area.orig_id()}"


class _AreaReader(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.wkb = osmium.geom.WKBFactory()
        self.compounds: list[OsmCompound] = []
        self.buildings: list[OsmBuilding] = []

    def _geometry(self, area: Any) -> BaseGeometry | None:
        try:
            geom = shapely.from_wkb(self.wkb.create_multipolygon(area))
        except (RuntimeError, shapely.errors.ShapelyError):
            return None
        if not geom.is_valid:
            geom = geom.buffer(0)
        if geom.is_empty:
            return None
        if len(getattr(geom, "geoms", [])) == 1:
            geom = geom.geoms[0]
        return geom

    def area(self, a: Any) -> None:
        tags = a.tags
        name = tags.get("name", "")
        if "building" in tags:
            if (geom := self._geometry(a)) is not None:
                kind = tags.get("building", "yes")
                self.buildings.append(
                    OsmBuilding(
                        _ref(a),
                        name or tags.get("addr:housenumber", ""),
                        _floors(tags.get("building:levels")),
                        kind not in _NON_RESIDENTIAL,
                        geom,
                    )
                )
            return
        residential = tags.get("landuse") == "residential"
        named = (
            bool(name)
            and bool(COMPOUND_NAME.search(name))
            and not (
                {"amenity", "leisure", "shop", "tourism", "highway", "natural", "boundary", "admin_level"}
                & {t.k for t in tags}
            )
        )
        if residential or named:
            if (geom := self._geometry(a)) is not None:
                self.compounds.append(OsmCompound(_ref(a), name, geom))


def read_extract_places(path: Path, clip: BaseGeometry | None = None) -> ExtractPlaces:
    """Compounds and buildings of ``path`` (clipped to ``clip``), households estimated.

    Raises ``RuntimeError`` (from osmium) when the file cannot be read.
    """
    reader = _AreaReader()
    reader.apply_file(str(path), locations=True)
    compounds, buildings = reader.compounds, reader.buildings
    if clip is not None:
        shapely.prepare(clip)
        compounds = [c for c in compounds if clip.contains(c.polygon.representative_point())]
        buildings = [b for b in buildings if clip.contains(b.polygon.representative_point())]
    places = ExtractPlaces(compounds=compounds, buildings=buildings)
    if compounds and buildings:
        tree = shapely.STRtree([c.polygon for c in compounds])
        points = shapely.points([b.polygon.representative_point().coords[0] for b in buildings])
        b_idx, c_idx = tree.query(points, predicate="within")
        first: dict[int, int] = {}
        for b, c in zip(b_idx.tolist(), c_idx.tolist(), strict=True):
            first.setdefault(b, c)  # nested compounds: the first holding the building
        places.placed = sorted(first.items())
    floor_area = np.zeros(len(compounds))
    count = np.zeros(len(compounds), dtype=np.int64)
    for b, c in places.placed:
        building = buildings[b]
        count[c] += 1
        if building.residential:
            floor_area[c] += area_m2(building.polygon) * (building.floors or DEFAULT_FLOORS)
    for i, compound in enumerate(compounds):
        compound.buildings = int(count[i])
        if floor_area[i] > 0:
            estimate = floor_area[i] / M2_PER_HOUSEHOLD
        else:
            estimate = area_m2(compound.polygon) * HOUSEHOLDS_PER_LAND_M2
        compound.households = max(1, round(estimate))
    return places


def outline(polygon: BaseGeometry) -> Polygon:
    """The largest part of a (multi)polygon."""
    if isinstance(polygon, Polygon):
        return polygon
    return max(getattr(polygon, "geoms", [polygon]), key=lambda g: g.area)
