"""Which community and grid a point lies in (point-in-polygon over an STRtree).

The most specific grid wins (微网格 over 一般网格 over 专属网格 over 总网格); a point in no
grid is still placed in the community whose boundary holds it. Coordinates are WGS-84.
:func:`locate_points` places many points at once (imports); :data:`GRID_INDEX` keeps the
grid tree in memory for one point at a time (case intake), rebuilt when the grids change.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import Point, shape
from shapely.strtree import STRtree

from shezhi.accounts.roles import DivisionLevel
from shezhi.places.models import Division, Grid, GridKind

_KIND_RANK = {GridKind.MICRO: 3, GridKind.GENERAL: 2, GridKind.DEDICATED: 1, GridKind.TOTAL: 0}


@dataclass(frozen=True)
class Placement:
    community_id: int | None
    grid_id: int | None


def _shapes(rows: Sequence[tuple[int, object]]) -> tuple[list[int], list[shapely.Geometry]]:
    ids, geoms = [], []
    for pk, boundary in rows:
        try:
            geom = shape(boundary)  # type: ignore[arg-type]
        except (TypeError, ValueError, AttributeError, KeyError):
            continue
        ids.append(pk)
        geoms.append(geom)
    return ids, geoms


def locate_points(lon: Sequence[float], lat: Sequence[float], *, within: str = "") -> list[Placement]:
    """Community and grid of each point; ``within`` limits the search to a division prefix."""
    points = shapely.points(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    grids = Grid.objects.filter(community__code__startswith=within)
    grid_rows = list(grids.values_list("pk", "boundary", "kind", "community_id"))
    kind_of = {pk: _KIND_RANK.get(kind, 0) for pk, _b, kind, _c in grid_rows}
    community_of_grid = {pk: c for pk, _b, _k, c in grid_rows}
    grid_ids, grid_geoms = _shapes([(pk, b) for pk, b, _k, _c in grid_rows])
    best_grid: dict[int, int] = {}
    if grid_geoms:
        tree = shapely.STRtree(grid_geoms)
        point_idx, geom_idx = tree.query(points, predicate="intersects")
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            pk = grid_ids[g]
            current = best_grid.get(p)
            if current is None or kind_of[pk] > kind_of[current]:
                best_grid[p] = pk
    communities = Division.objects.filter(
        level=DivisionLevel.COMMUNITY, code__startswith=within, boundary__isnull=False
    )
    com_ids, com_geoms = _shapes(list(communities.values_list("pk", "boundary")))
    community_at: dict[int, int] = {}
    if com_geoms:
        tree = shapely.STRtree(com_geoms)
        point_idx, geom_idx = tree.query(points, predicate="intersects")
        for p, g in zip(point_idx.tolist(), geom_idx.tolist(), strict=True):
            community_at.setdefault(p, com_ids[g])
    placements = []
    for i in range(len(points)):
        grid = best_grid.get(i)
        community = community_of_grid[grid] if grid is not None else community_at.get(i)
        placements.append(Placement(community_id=community, grid_id=grid))
    return placements


class GridIndex:
    """Grid boundaries in an STRtree, rebuilt when the grid table changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signature: tuple[int, int | None, float | None] | None = None
        self._tree: STRtree | None = None
        self._ids: list[int] = []
        self._ranks: list[int] = []
        self._geoms: list[shapely.Geometry] = []

    def _current_signature(self) -> tuple[int, int | None, float | None]:
        from django.db.models import Count, Max, Sum

        # Count and top id see added or deleted grids; the summed area sees a boundary
        # re-imported in place (the importer recomputes each grid's area).
        agg = Grid.objects.aggregate(n=Count("id"), top=Max("id"), area=Sum("area_m2"))
        return agg["n"], agg["top"], round(agg["area"], 3) if agg["area"] is not None else None

    def _build(self) -> None:
        ids, ranks, geoms = [], [], []
        for pk, kind, boundary in Grid.objects.values_list("pk", "kind", "boundary").order_by("pk"):
            try:
                geom = shape(boundary)
            except (TypeError, ValueError, AttributeError, KeyError):
                continue
            ids.append(pk)
            ranks.append(_KIND_RANK.get(kind, 0))
            geoms.append(geom)
        self._ids, self._ranks, self._geoms = ids, ranks, geoms
        self._tree = STRtree(geoms) if geoms else None

    def grid_at(self, lon: float, lat: float) -> int | None:
        """Primary key of the most specific grid containing the WGS-84 point, or None."""
        with self._lock:
            signature = self._current_signature()
            if signature != self._signature:
                self._build()
                self._signature = signature
            if self._tree is None:
                return None
            hits = self._tree.query(Point(lon, lat), predicate="intersects")
            if not len(hits):
                return None
            best = max((int(i) for i in hits), key=lambda i: (self._ranks[i], -self._geoms[i].area))
            return self._ids[best]


#: The process-wide index for single points (intake, routing).
GRID_INDEX = GridIndex()
