"""A megacity-sized walking network tiled from the real one (labelled *tiled* wherever shown).

No multi-million-node real network is available offline, so the real central-Chengdu
network (OSM 2018, every vertex kept) is copied into an ``n × n`` mosaic. Copies are joined
only along their shared borders, each border node of a tile to the nearest border node of
its neighbour (so the graph stays nearly planar: random long-range links would make
contraction-hierarchy peers unrepresentatively slow). Facilities are copied with their tiles.
Deterministic: the same base and ``n`` give the same network.
"""

from __future__ import annotations

import numpy as np
import pyproj
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from shezhi.engine.network import WalkNetwork

_GEOD = pyproj.Geod(ellps="WGS84")
#: Border band (m) whose nodes may be stitched to the neighbouring tile.
BAND_M = 150.0
#: Gap left between tiles (m), bridged by the stitch edges.
GAP_M = 30.0


def _border(xy: NDArray[np.float64], side: str, band: float) -> NDArray[np.int64]:
    x, y = xy[:, 0], xy[:, 1]
    if side == "east":
        return np.flatnonzero(x >= x.max() - band)
    if side == "west":
        return np.flatnonzero(x <= x.min() + band)
    if side == "north":
        return np.flatnonzero(y >= y.max() - band)
    return np.flatnonzero(y <= y.min() + band)


def tile(base: WalkNetwork, n: int) -> tuple[WalkNetwork, NDArray[np.int64]]:
    """The ``n × n`` mosaic of ``base`` and, for each mosaic node, its index in ``base``.

    Returns the mosaic (nodes in the engine's own cache-friendly order) and
    ``where[i] = t * base.n_nodes + j`` for mosaic node ``i`` being node ``j`` of tile ``t``
    inverted: ``index_of[t * base.n_nodes + j]`` is the mosaic index of that node.
    """
    bx, by = base.projected_nodes()
    xy = np.column_stack([bx, by])
    width = bx.max() - bx.min() + GAP_M
    height = by.max() - by.min() + GAP_M
    nb = base.n_nodes
    east, west = _border(xy, "east", BAND_M), _border(xy, "west", BAND_M)
    north, south = _border(xy, "north", BAND_M), _border(xy, "south", BAND_M)
    # Stitch pairs between a tile and its east / north neighbour, the same for every tile.
    west_tree = cKDTree(xy[west] + [width, 0.0])
    d_e, k_e = west_tree.query(xy[east])
    south_tree = cKDTree(xy[south] + [0.0, height])
    d_n, k_n = south_tree.query(xy[north])
    # One stitch per neighbour border node: the nearest of our border nodes to it.
    pick_e = _one_per_target(d_e, k_e)
    pick_n = _one_per_target(d_n, k_n)
    e_from, e_to, e_len = east[pick_e], west[k_e[pick_e]], d_e[pick_e]
    n_from, n_to, n_len = north[pick_n], south[k_n[pick_n]], d_n[pick_n]

    tiles = n * n
    x = np.concatenate([bx + (t % n) * width for t in range(tiles)])
    y = np.concatenate([by + (t // n) * height for t in range(tiles)])
    lon, lat = base.transformer(inverse=True).transform(x, y)
    offs = np.arange(tiles, dtype=np.int64) * nb
    u = [(base.edge_u[None, :] + offs[:, None]).ravel()]
    v = [(base.edge_v[None, :] + offs[:, None]).ravel()]
    length = [np.tile(base.edge_length, tiles)]
    for t in range(tiles):
        col, row = t % n, t // n
        if col + 1 < n:
            u.append(e_from + t * nb)
            v.append(e_to + (t + 1) * nb)
            length.append(e_len)
        if row + 1 < n:
            u.append(n_from + t * nb)
            v.append(n_to + (t + n) * nb)
            length.append(n_len)
    net = WalkNetwork.from_edges(
        np.asarray(lon),
        np.asarray(lat),
        np.concatenate(u),
        np.concatenate(v),
        length=np.concatenate(length),
        node_id=np.arange(tiles * nb, dtype=np.int64),
        source=f"tiled {n}x{n} from {base.source or 'base'}",
    )
    index_of = np.empty(tiles * nb, dtype=np.int64)
    index_of[net.node_id] = np.arange(net.n_nodes)
    return net, index_of


def _one_per_target(dist: NDArray[np.float64], target: NDArray[np.int64]) -> NDArray[np.int64]:
    """Rows that are the nearest source of their target (one stitch per target node)."""
    order = np.lexsort((dist, target))
    first = np.ones(order.size, dtype=bool)
    first[1:] = target[order][1:] != target[order][:-1]
    return np.sort(order[first])


def tile_nodes(
    nodes: NDArray[np.int64], base_n: int, n: int, index_of: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Mosaic indices of the copies of base nodes ``nodes`` in every tile."""
    t = np.arange(n * n, dtype=np.int64)[:, None] * base_n
    return index_of[(t + nodes[None, :]).ravel()]
