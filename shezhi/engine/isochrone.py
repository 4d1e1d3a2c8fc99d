"""Isochrones (等时圈) for the map: the streets reachable within 5/10/15 minutes, as polygons.

The reach is edge-level, not node-level: an edge whose ends are reached at ``d_u`` and
``d_v`` is walked ``T - d_u`` in from one end and ``T - d_v`` from the other, so partly
reachable edges count by the part reached. The polygon is the union of the reached pieces
of street buffered by ``buffer_m`` (the edge-buffer method of OSMnx's isochrone example),
in the network's UTM zone, returned in WGS-84.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry
from shapely.ops import substring

from shezhi.engine import kernels
from shezhi.engine.errors import InputError
from shezhi.engine.metrics import WALK_SPEED_MPS
from shezhi.engine.snap import edge_lines

if TYPE_CHECKING:
    from shezhi.engine.network import WalkNetwork
    from shezhi.engine.snap import Snapped


@dataclass(frozen=True)
class EdgeTimes:
    """Walk time in minutes to both ends of every edge (``inf`` beyond the cut-off), for rendering."""

    at_u: NDArray[np.float64]
    at_v: NDArray[np.float64]

    def reached(self, minutes: float) -> NDArray[np.bool_]:
        """Edges at least partly reachable within ``minutes``."""
        return np.minimum(self.at_u, self.at_v) <= minutes


def node_distances(net: WalkNetwork, points: Snapped, *, cutoff_m: float) -> NDArray[np.float64]:
    """Walk in metres from the nearest of ``points`` to every node (``inf`` beyond ``cutoff_m``)."""
    on = np.flatnonzero(points.edge >= 0)
    if on.size == 0:
        raise InputError("isochrone: no point lies on the network")
    seeds = np.concatenate([points.u[on], points.v[on]])
    dist = np.concatenate([points.to_u[on], points.to_v[on]]) + np.tile(points.access[on], 2)
    return kernels.single_source(net.indptr, net.indices, net.weights, seeds, dist, float(cutoff_m))  # type: ignore[no-any-return]


def edge_times(
    net: WalkNetwork, points: Snapped, *, cutoff_min: float = 15.0, speed_mps: float = WALK_SPEED_MPS
) -> EdgeTimes:
    """Minutes from the nearest of ``points`` to both ends of every edge.

    Examples
    --------
    >>> from shezhi.engine.network import WalkNetwork
    >>> net = WalkNetwork.from_edges([0.0, 0.001, 0.002], [0.0, 0.0, 0.0], [0, 1], [1, 2],
    ...                              length=[72.0, 72.0], reorder=False)
    >>> t = edge_times(net, net.snap([0.0], [0.0]), cutoff_min=5)
    >>> t.at_u.round(6).tolist(), t.at_v.round(6).tolist()
    ([0.0, 1.0], [1.0, 2.0])
    """
    d = node_distances(net, points, cutoff_m=cutoff_min * 60.0 * speed_mps)
    per_min = 60.0 * speed_mps
    return EdgeTimes(d[net.edge_u] / per_min, d[net.edge_v] / per_min)


def isochrones(
    net: WalkNetwork,
    points: Snapped,
    *,
    minutes: Sequence[float] = (5.0, 10.0, 15.0),
    speed_mps: float = WALK_SPEED_MPS,
    buffer_m: float = 40.0,
) -> list[BaseGeometry]:
    """Polygons (WGS-84) of the area within each walking time of the nearest of ``points``.

    Returns one geometry per entry of ``minutes``, each containing the previous ones.

    Examples
    --------
    >>> from shezhi.engine.network import WalkNetwork
    >>> net = WalkNetwork.from_edges([104.0, 104.01], [30.0, 30.0], [0], [1])
    >>> five, ten = isochrones(net, net.snap([104.0], [30.0]), minutes=[5, 10], buffer_m=20)
    >>> five.area < ten.area, round(five.bounds[2], 4)  # 5 min at 1.2 m/s = 360 m ≈ 0.0037° east
    (True, 104.0039)
    """
    if not minutes or min(minutes) <= 0:
        raise InputError("isochrone: minutes must be positive")
    per_min = 60.0 * speed_mps
    limit = max(minutes) * per_min
    d = node_distances(net, points, cutoff_m=limit)
    du, dv, length = d[net.edge_u], d[net.edge_v], net.edge_length
    lines = edge_lines(net)
    to_wgs = net.transformer(inverse=True)
    out: list[BaseGeometry] = []
    out_utm: list[BaseGeometry] = []
    for t in sorted(minutes):
        budget = t * per_min
        pieces: list[BaseGeometry] = []
        a = np.clip(budget - du, 0.0, length)
        b = np.clip(budget - dv, 0.0, length)
        for e in np.flatnonzero((a > 0) | (b > 0)):
            line, full = lines[e], length[e]
            if full == 0 or a[e] + b[e] >= full:
                pieces.append(line)
                continue
            if a[e] > 0:
                pieces.append(substring(line, 0.0, a[e] / full, normalized=True))
            if b[e] > 0:
                pieces.append(substring(line, 1.0 - b[e] / full, 1.0, normalized=True))
        for i in np.flatnonzero(points.edge >= 0):  # the points' own edges, around each point
            left = budget - points.access[i]
            e = points.edge[i]
            if left > 0 and length[e] > 0:
                lo = max(0.0, points.pos[i] - left) / length[e]
                hi = min(length[e], points.pos[i] + left) / length[e]
                pieces.append(substring(lines[e], lo, hi, normalized=True))
        if not pieces:
            out_utm.append(shapely.Polygon())
            out.append(shapely.Polygon())
            continue
        area = shapely.union_all(shapely.buffer(np.array(pieces, dtype=object), buffer_m))
        if out_utm:  # union with the smaller ones so that they nest exactly, arcs and all
            area = shapely.union(area, out_utm[-1])
        out_utm.append(area)
        out.append(shapely.transform(area, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1]))))
    return out
