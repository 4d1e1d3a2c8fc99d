"""Which community and grid a point lies in (point-in-polygon over an STRtree).

The most specific grid wins (微网格 over 一般网格 over 专属网格 over 总网格); a point in no
grid is still placed in the community whose boundary holds it. Coordinates are WGS-84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import shape

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
