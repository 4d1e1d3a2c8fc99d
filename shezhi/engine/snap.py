"""Points onto the network (落点): each point to the nearest *edge*, not the nearest node.

The point is projected onto the edge's geometry in the network's UTM zone (a shapely
STRtree finds the edge); the foot of the perpendicular splits the edge's ellipsoidal length
in proportion, giving the walk to either end, and the straight-line access leg from the point
to the foot is kept. Points farther than ``max_distance`` from every edge are reported, never
silently snapped. A set of points that sits markedly closer to the network once read in
another Chinese coordinate system was declared in the wrong one, and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from shezhi.engine.crs import CRS, to_wgs84
from shezhi.engine.errors import CoordinateSystemError, SnapError, preview

if TYPE_CHECKING:
    from shezhi.engine.network import WalkNetwork

#: Median access leg above which a point set is tested for a wrongly declared system (m).
CRS_CHECK_MEDIAN_M = 15.0


@dataclass(frozen=True)
class Snapped:
    """Points placed on edges of one network.

    Attributes
    ----------
    lon, lat : WGS-84 input coordinates (after conversion from the declared system).
    edge : edge index, -1 for a point left off the network (``allow_far``).
    u, v : the edge's end nodes (-1 when off the network).
    pos : distance along the edge from ``u`` to the foot of the perpendicular (m).
    to_u, to_v : walk from the foot to ``u`` and to ``v`` along the edge (m).
    access : straight-line distance from the point to the foot (m).
    far : True where the point is farther than ``max_distance`` from every edge.
    """

    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    edge: NDArray[np.int64]
    u: NDArray[np.int64]
    v: NDArray[np.int64]
    pos: NDArray[np.float64]
    to_u: NDArray[np.float64]
    to_v: NDArray[np.float64]
    access: NDArray[np.float64]
    far: NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.edge.shape[0])


def edge_lines(net: WalkNetwork) -> NDArray[np.object_]:
    """The edges as shapely LineStrings in the network's UTM coordinates (cached on the network)."""
    if "lines" not in net._cache:
        x, y = net.transformer().transform(net.geom_lon, net.geom_lat)
        coords = np.column_stack([x, y])
        part = np.repeat(np.arange(net.n_edges), np.diff(net.geom_ptr))
        net._cache["lines"] = shapely.linestrings(coords, indices=part)
    return net._cache["lines"]  # type: ignore[no-any-return]


def _tree(net: WalkNetwork) -> shapely.STRtree:
    if "strtree" not in net._cache:
        net._cache["strtree"] = shapely.STRtree(edge_lines(net))
    return net._cache["strtree"]


def _nearest(
    net: WalkNetwork, x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    pts = shapely.points(x, y)
    (idx_pt, idx_edge), dist = _tree(net).query_nearest(pts, return_distance=True, all_matches=False)
    edge = np.full(x.size, -1, dtype=np.int64)
    access = np.full(x.size, np.inf)
    edge[idx_pt] = idx_edge
    access[idx_pt] = dist
    lines = edge_lines(net)[edge]
    along = shapely.line_locate_point(lines, pts, normalized=True)
    return edge, access, np.asarray(along, dtype=np.float64)


def snap(
    net: WalkNetwork,
    lon: ArrayLike,
    lat: ArrayLike,
    *,
    crs: CRS | str = CRS.WGS84,
    max_distance: float = 300.0,
    allow_far: bool = False,
    check_crs: bool = True,
    what: str = "points",
) -> Snapped:
    """Snap points to the nearest edge of ``net``.

    Parameters
    ----------
    net : WalkNetwork
    lon, lat : array_like
        Coordinates in the declared ``crs``.
    crs : {"wgs84", "gcj02", "bd09"}
        The system the coordinates are in; they are converted to WGS-84 first.
    max_distance : float
        Largest straight-line access leg accepted, in metres.
    allow_far : bool
        Keep points beyond ``max_distance`` as off-network (``far``, ``edge == -1``; their
        distances come out ``inf``) instead of raising.
    check_crs : bool
        Refuse a point set (20 points or more) whose median access leg is over 15 m, at
        most half as long when read as another system, and clearly shorter than after the same
        shift turned by 90°, 180° or 270° (a heuristic: it catches points near streets, such as
        geocoded addresses and shops; points in the middle of large blocks are left alone,
        since any shift brings them nearer some street).
    what : str
        Name of the point set in error messages (e.g. ``"schools"``).

    Raises
    ------
    InputError
        NaN or out-of-range coordinates, mismatched lengths.
    SnapError
        Points beyond ``max_distance`` (unless ``allow_far``); ``.far`` lists their rows.
    CoordinateSystemError
        The points plainly match another coordinate system than the declared one.

    Examples
    --------
    >>> from shezhi.engine.network import WalkNetwork
    >>> net = WalkNetwork.from_edges([104.0, 104.001], [30.0, 30.0], [0], [1])
    >>> s = net.snap([104.00025], [30.0001])
    >>> round(float(s.to_u[0] + s.to_v[0]), 1) == round(float(net.edge_length[0]), 1)
    True
    >>> round(float(s.access[0]))
    11
    """
    from shezhi.engine.network import check_lonlat

    x_in, y_in = check_lonlat(lon, lat, what)
    crs = CRS(crs)
    wlon, wlat = to_wgs84(x_in, y_in, crs)
    wlon, wlat = np.atleast_1d(wlon), np.atleast_1d(wlat)
    if wlon.size == 0:
        return _empty()
    x, y = net.transformer().transform(wlon, wlat)
    edge, access, along = _nearest(net, np.asarray(x), np.asarray(y))
    far = access > max_distance
    if check_crs and wlon.size >= 20:
        _check_declared_crs(
            net, x_in, y_in, crs, np.asarray(x), np.asarray(y), float(np.median(access)), what
        )
    if far.any() and not allow_far:
        rows = np.flatnonzero(far)
        raise SnapError(
            f"{what}: {rows.size} of {wlon.size} points lie farther than {max_distance:g} m from "
            f"every walkable edge (rows {preview(rows)}; nearest edge {access[rows[0]]:.0f} m away "
            f"for row {rows[0]}). Check the coordinate system and the network's extent, or pass "
            "allow_far=True to keep them as off-network.",
            far=rows.tolist(),
        )
    length = net.edge_length[np.maximum(edge, 0)]
    pos = along * length
    u = net.edge_u[np.maximum(edge, 0)].astype(np.int64)
    v = net.edge_v[np.maximum(edge, 0)].astype(np.int64)
    edge = np.where(far, -1, edge)
    return Snapped(
        lon=wlon,
        lat=wlat,
        edge=edge,
        u=np.where(far, -1, u),
        v=np.where(far, -1, v),
        pos=np.where(far, np.nan, pos),
        to_u=np.where(far, np.inf, pos),
        to_v=np.where(far, np.inf, length - pos),
        access=access,
        far=far,
    )


def _check_declared_crs(
    net: WalkNetwork,
    lon: NDArray[np.float64],
    lat: NDArray[np.float64],
    declared: CRS,
    dx: NDArray[np.float64],
    dy: NDArray[np.float64],
    declared_median: float,
    what: str,
) -> None:
    """Refuse points that plainly belong to another system than the declared one.

    Reading the numbers in another system moves every point by about the same few hundred
    metres. Points far from streets (the middle of large blocks) come closer to *some* street
    after any such move, so the other reading must also beat the same move turned by 90°, 180°
    and 270° (controls that no system explains) before the declaration is called wrong.
    ``dx``/``dy`` are the points as declared, already projected by :func:`snap`.
    """
    if declared_median <= CRS_CHECK_MEDIAN_M:
        return
    for other in CRS:
        if other is declared:
            continue
        # Reading the numbers as `other` means converting other → WGS-84.
        olon, olat = to_wgs84(lon, lat, other)
        ox, oy = (
            np.asarray(a) for a in net.transformer().transform(np.atleast_1d(olon), np.atleast_1d(olat))
        )
        median = float(np.median(_nearest(net, ox, oy)[1]))
        if median > declared_median / 2:
            continue
        sx, sy = ox - dx, oy - dy
        controls = [
            float(np.median(_nearest(net, dx + cx, dy + cy)[1]))
            for cx, cy in ((-sy, sx), (-sx, -sy), (sy, -sx))
        ]
        if median <= 0.6 * min(controls):
            raise CoordinateSystemError(
                f"{what}: declared {declared.value.upper()}, but read as {other.value.upper()} they "
                f"sit much closer to the walking network (median distance to the nearest edge "
                f"{median:.0f} m instead of {declared_median:.0f} m; the same shift in other "
                f"directions gives {min(controls):.0f} m). Declare crs='{other.value}' "
                "or pass check_crs=False."
            )


def _empty() -> Snapped:
    f = np.empty(0, dtype=np.float64)
    i = np.empty(0, dtype=np.int64)
    return Snapped(f, f, i, i, i, f, f, f, f, np.empty(0, dtype=bool))


def snap_nodes(net: WalkNetwork, nodes: ArrayLike) -> Snapped:
    """Points standing exactly on nodes (for node-level queries and cross-checks).

    The point sits at the start of an edge leaving the node, so its walk to that node is 0.
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    if "first_edge" not in net._cache:
        # An edge starting at each node (each node of a built network has one).
        first_edge = np.full(net.n_nodes, -1, dtype=np.int64)
        first_edge[net.edge_v[::-1]] = np.arange(net.n_edges)[::-1]
        first_edge[net.edge_u[::-1]] = np.arange(net.n_edges)[::-1]
        net._cache["first_edge"] = first_edge
    edge = net._cache["first_edge"][nodes]
    at_u = net.edge_u[edge] == nodes
    length = net.edge_length[edge]
    pos = np.where(at_u, 0.0, length)
    zeros = np.zeros(nodes.size)
    return Snapped(
        lon=net.node_lon[nodes],
        lat=net.node_lat[nodes],
        edge=edge,
        u=net.edge_u[edge].astype(np.int64),
        v=net.edge_v[edge].astype(np.int64),
        pos=pos,
        to_u=pos,
        to_v=length - pos,
        access=zeros,
        far=np.zeros(nodes.size, dtype=bool),
    )
