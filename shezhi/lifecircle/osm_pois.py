"""Points of interest of an OSM extract that are service elements (© OpenStreetMap contributors, ODbL)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import osmium

from shezhi.lifecircle.matching import CategoryMatcher


@dataclass(frozen=True)
class OsmPoi:
    osm_type: str  # "node" or "way"
    osm_id: int
    element: str
    name: str
    tag: str
    lon: float
    lat: float

    @property
    def ref(self) -> str:
        return f"{self.osm_type}/{self.osm_id}"


class _Reader(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self, matcher: CategoryMatcher) -> None:
        super().__init__()
        self.matcher = matcher
        self.found: list[OsmPoi] = []

    def _take(self, kind: str, obj: Any, lon: float, lat: float) -> None:
        tags = {k: obj.tags[k] for k in self.matcher.osm_keys if k in obj.tags}
        if not tags:
            return
        name = obj.tags.get("name", "")
        element = self.matcher.match_osm(tags, name)
        if element is None:
            return
        tag = next(f"{k}={v}" for k, v in tags.items() if f"{k}={v}" in self.matcher.osm_tags)
        self.found.append(OsmPoi(kind, obj.id, element, name, tag, lon, lat))

    def node(self, n: Any) -> None:
        if n.tags and n.location.valid():
            self._take("node", n, n.location.lon, n.location.lat)

    def way(self, w: Any) -> None:
        if not w.tags:
            return
        try:
            coords = [(nd.lon, nd.lat) for nd in w.nodes]
        except osmium.InvalidLocationError:
            return
        if not coords:
            return
        if len(coords) > 1 and coords[0] == coords[-1]:
            coords = coords[:-1]
        # The vertex mean, as the bundled POI table does for ways (areas such as parks).
        self._take("way", w, sum(c[0] for c in coords) / len(coords), sum(c[1] for c in coords) / len(coords))


def read_osm_pois(path: Path, matcher: CategoryMatcher) -> list[OsmPoi]:
    """Every node or way of ``path`` that ``matcher`` maps to a service element."""
    reader = _Reader(matcher)
    reader.apply_file(str(path), locations=True)
    return reader.found
