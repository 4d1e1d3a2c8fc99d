"""Independent reference answers with networkx: points inserted into the graph as real nodes."""

from __future__ import annotations

import networkx as nx
import numpy as np

from shezhi.engine.network import WalkNetwork
from shezhi.engine.snap import Snapped


def graph_with_points(net: WalkNetwork, groups: dict[str, Snapped]) -> nx.Graph:
    """A networkx graph of ``net`` with every snapped point spliced into its edge.

    Point ``i`` of group ``g`` becomes node ``(g, i)``, joined by its access leg to a node at
    the foot of its perpendicular; the feet split the edge in order of position.
    """
    g = nx.Graph()
    on_edge: dict[int, list[tuple[float, object]]] = {}
    for name, pts in groups.items():
        for i in np.flatnonzero(pts.edge >= 0):
            foot = ("foot", name, int(i))
            g.add_edge((name, int(i)), foot, weight=float(pts.access[i]))
            on_edge.setdefault(int(pts.edge[i]), []).append((float(pts.pos[i]), foot))
    for e in range(net.n_edges):
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.edge_length[e])
        chain = [(0.0, u), *sorted(on_edge.get(e, []), key=lambda t: t[0]), (length, v)]
        for (p0, a), (p1, b) in zip(chain[:-1], chain[1:], strict=True):
            w = max(p1 - p0, 0.0)
            if a == b:
                continue
            if not g.has_edge(a, b) or g[a][b]["weight"] > w:
                g.add_edge(a, b, weight=w)
    return g
