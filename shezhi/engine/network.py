"""Walking networks (步行网络): OSM PBF → CSR arrays, ellipsoidal lengths, saved once per city.

Nodes are kept in a Morton (Z-order) sequence of their projected coordinates so that nodes
near each other on the ground sit near each other in memory, which the search kernels rely
on for cache hits. Edge lengths are geodesic metres on the WGS-84 ellipsoid
(:class:`pyproj.Geod`), summed over the way's vertices; the projected metric coordinates
(UTM zone of the network's centre) serve only for snapping and isochrone geometry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.sparse import csgraph

from shezhi.engine.errors import InputError, NetworkError

if TYPE_CHECKING:
    from shezhi.engine.chains import Chains
    from shezhi.engine.metrics import Accessibility
    from shezhi.engine.snap import Snapped

FORMAT_VERSION = 1
_GEOD = pyproj.Geod(ellps="WGS84")

#: Highway classes a pedestrian may use unless tagged otherwise (motorways are never walkable).
WALKABLE_HIGHWAYS = frozenset(
    {
        "footway",
        "path",
        "pedestrian",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "track",
        "corridor",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "trunk",
        "trunk_link",
        "road",
    }
)
#: Classes walkable only when explicitly open to pedestrians (``foot=yes``/``designated``).
_FOOT_ONLY_IF_TAGGED = frozenset({"cycleway", "bridleway"})
_FOOT_OPEN = frozenset({"yes", "designated", "permissive", "official"})
_CLOSED_ACCESS = frozenset({"private", "no"})


def is_walkable(tags: Any) -> bool:
    """Whether an OSM way with these tags is part of the walking network.

    >>> is_walkable({"highway": "residential"}), is_walkable({"highway": "motorway"})
    (True, False)
    >>> is_walkable({"highway": "service", "access": "private"})
    False
    >>> is_walkable({"highway": "cycleway", "foot": "yes"})
    True
    """
    highway = tags.get("highway")
    if highway is None or tags.get("area") == "yes":
        return False
    foot = tags.get("foot")
    if foot == "no":
        return False
    if foot in _FOOT_OPEN:
        return highway not in {"motorway", "motorway_link"}
    if tags.get("access") in _CLOSED_ACCESS:
        return False
    return highway in WALKABLE_HIGHWAYS


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the UTM zone holding a point (e.g. 32648 for Chengdu).

    >>> utm_epsg(104.07, 30.67)
    32648
    """
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def _morton_order(x: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.int64]:
    """Permutation of points into Z-order on a 2^16 grid over their bounding box."""

    def spread(v: NDArray[np.uint64]) -> NDArray[np.uint64]:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    def quantise(v: NDArray[np.float64]) -> NDArray[np.uint64]:
        span = max(float(v.max() - v.min()), 1e-9)
        return ((v - v.min()) / span * 65535.0).astype(np.uint64)

    code = spread(quantise(x)) | (spread(quantise(y)) << np.uint64(1))
    return np.argsort(code, kind="stable")


@dataclass(eq=False)
class WalkNetwork:
    """A walking network as CSR arrays (pandana's ``Network``, built from OSM once).

    Parameters
    ----------
    node_lon, node_lat : ndarray of float64, shape (n,)
        WGS-84 node coordinates.
    edge_u, edge_v : ndarray of int32, shape (m,)
        Undirected edges, each once; the geometry runs from ``edge_u`` to ``edge_v``.
    edge_length : ndarray of float64, shape (m,)
        Edge lengths in metres along the geometry, on the WGS-84 ellipsoid.
    geom_ptr : ndarray of int64, shape (m + 1,)
        Edge ``e``'s vertices are ``geom_lon[geom_ptr[e]:geom_ptr[e + 1]]`` (endpoints included).
    geom_lon, geom_lat : ndarray of float64
        Vertex coordinates of all edges, concatenated.
    node_id : ndarray of int64, shape (n,)
        Source identifiers of the nodes (OSM node ids; synthetic networks number them).
    component : ndarray of int32, shape (n,)
        Connected component of each node; 0 is the largest.

    Examples
    --------
    A path of three nodes 0.001° of longitude apart on the equator (about 111 m each):

    >>> net = WalkNetwork.from_edges([0.0, 0.001, 0.002], [0.0, 0.0, 0.0], [0, 1], [1, 2])
    >>> net.n_nodes, net.n_edges, net.edge_length.round(1).tolist()
    (3, 2, [111.3, 111.3])
    """

    node_lon: NDArray[np.float64]
    node_lat: NDArray[np.float64]
    edge_u: NDArray[np.int32]
    edge_v: NDArray[np.int32]
    edge_length: NDArray[np.float64]
    geom_ptr: NDArray[np.int64]
    geom_lon: NDArray[np.float64]
    geom_lat: NDArray[np.float64]
    node_id: NDArray[np.int64]
    component: NDArray[np.int32]
    epsg: int
    source: str = ""
    indptr: NDArray[np.int64] = field(default=None, repr=False)  # type: ignore[assignment]
    indices: NDArray[np.int32] = field(default=None, repr=False)  # type: ignore[assignment]
    weights: NDArray[np.float64] = field(default=None, repr=False)  # type: ignore[assignment]
    _cache: dict[str, Any] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        if self.indptr is None or self.indices is None or self.weights is None:
            self.indptr, self.indices, self.weights = _csr(
                self.n_nodes, self.edge_u, self.edge_v, self.edge_length
            )

    # -- size -------------------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_lon.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (with their own geometry; parallel edges count)."""
        return int(self.edge_u.shape[0])

    @property
    def nbytes(self) -> int:
        """Bytes held by the network's arrays."""
        arrays = [getattr(self, f) for f in _ARRAY_FIELDS] + [self.indptr, self.indices, self.weights]
        return int(sum(a.nbytes for a in arrays))

    # -- construction -----------------------------------------------------------------------
    @classmethod
    def from_pbf(
        cls,
        path: str | Path,
        *,
        simplify: bool = True,
        largest_component: bool = True,
        min_component_share: float = 0.5,
    ) -> WalkNetwork:
        """Read the walkable ways of an OSM ``.osm.pbf`` extract.

        Parameters
        ----------
        path : str or Path
            An OSM PBF file.
        simplify : bool
            Join chains of degree-2 vertices into one edge with the full geometry (nodes only at
            intersections and way ends). ``False`` keeps every OSM vertex as a node.
        largest_component : bool
            Keep only the largest connected component (the others are islands a walker cannot
            leave: gated compounds mapped without their gates, broken footways).
        min_component_share : float
            Refuse a network whose largest component holds less than this share of the nodes:
            such an extract is broken, and answers on it would be silently wrong.

        Raises
        ------
        NetworkError
            When the file is missing or not a PBF, holds no walkable way, or falls apart.
        """
        from shezhi.engine.osm import read_walkable_ways

        ways = read_walkable_ways(Path(path))
        return cls.from_ways(
            ways,
            simplify=simplify,
            largest_component=largest_component,
            min_component_share=min_component_share,
            source=str(path),
        )

    @classmethod
    def from_ways(
        cls,
        ways: list[tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]],
        *,
        simplify: bool = True,
        largest_component: bool = True,
        min_component_share: float = 0.5,
        source: str = "",
    ) -> WalkNetwork:
        """Build from ways given as (node ids, lon, lat) vertex arrays (what the PBF reader yields)."""
        ways = [w for w in ways if len(w[0]) >= 2]
        if not ways:
            raise NetworkError(f"{source or 'the input'}: no walkable way with two or more nodes")
        refs = np.concatenate([w[0] for w in ways])
        lon = np.concatenate([w[1] for w in ways])
        lat = np.concatenate([w[2] for w in ways])
        sizes = np.array([len(w[0]) for w in ways], dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        ends = starts + sizes - 1
        bad = ~(np.isfinite(lon) & np.isfinite(lat))
        if bad.any():
            raise NetworkError(f"{source}: {int(bad.sum())} way vertices have no location")

        split = np.zeros(len(refs), dtype=bool)
        if simplify:
            _, inverse, counts = np.unique(refs, return_inverse=True, return_counts=True)
            split |= counts[inverse] >= 2
        else:
            split[:] = True
        split[starts] = True
        split[ends] = True
        closed = refs[starts] == refs[ends]
        # A closed way with no other split vertex would become a self-loop; cut it in half.
        split[(starts + sizes // 2)[closed]] = True

        # Segment lengths on the ellipsoid for every consecutive vertex pair (one vector call).
        seg = np.ones(len(refs), dtype=bool)
        seg[ends] = False
        i = np.flatnonzero(seg)
        _, _, seg_len = _GEOD.inv(lon[i], lat[i], lon[i + 1], lat[i + 1])
        vertex_len = np.zeros(len(refs))
        vertex_len[i] = seg_len  # length of the segment starting at each vertex

        cum = np.concatenate([[0.0], np.cumsum(vertex_len)])
        e_start, e_end = _edge_spans(split, ends)
        # A way returning to one of its own nodes makes a loop edge; cut each loop in half too.
        loops = (refs[e_start] == refs[e_end]) & (e_end - e_start >= 2)
        if loops.any():
            split[(e_start + (e_end - e_start) // 2)[loops]] = True
            e_start, e_end = _edge_spans(split, ends)
        e_len = cum[e_end] - cum[e_start]
        split_pos = np.flatnonzero(split)

        node_refs, node_inverse = np.unique(refs[split_pos], return_inverse=True)
        vert_node = np.full(len(refs), -1, dtype=np.int64)
        vert_node[split_pos] = node_inverse
        first = np.full(len(node_refs), -1, dtype=np.int64)
        first[node_inverse[::-1]] = split_pos[::-1]
        u, v = vert_node[e_start], vert_node[e_end]
        counts_v = e_end - e_start + 1
        geom_ptr = np.concatenate([[0], np.cumsum(counts_v)])
        gidx = np.repeat(e_start - geom_ptr[:-1], counts_v) + np.arange(geom_ptr[-1])
        return cls.from_edges(
            lon[first],
            lat[first],
            u,
            v,
            length=e_len,
            geom_ptr=geom_ptr,
            geom_lon=lon[gidx],
            geom_lat=lat[gidx],
            node_id=node_refs,
            largest_component=largest_component,
            min_component_share=min_component_share,
            source=source,
        )

    @classmethod
    def from_edges(
        cls,
        node_lon: ArrayLike,
        node_lat: ArrayLike,
        edge_u: ArrayLike,
        edge_v: ArrayLike,
        *,
        length: ArrayLike | None = None,
        geom_ptr: ArrayLike | None = None,
        geom_lon: ArrayLike | None = None,
        geom_lat: ArrayLike | None = None,
        node_id: ArrayLike | None = None,
        largest_component: bool = False,
        min_component_share: float = 0.0,
        source: str = "",
        reorder: bool = True,
    ) -> WalkNetwork:
        """Build from node coordinates and an undirected edge list.

        Without ``length`` the geodesic distance between the endpoints is used; without
        geometry each edge is the straight segment between its endpoints. Self-loops are
        dropped (they never shorten a walk).

        Raises
        ------
        NetworkError
            When there are no edges, an edge names a missing node, a coordinate is NaN or out
            of range, a length is negative, or the network falls apart (``min_component_share``).
        """
        lon = np.asarray(node_lon, dtype=np.float64)
        lat = np.asarray(node_lat, dtype=np.float64)
        u = np.asarray(edge_u, dtype=np.int64)
        v = np.asarray(edge_v, dtype=np.int64)
        n = lon.shape[0]
        where = f"{source}: " if source else ""
        if lat.shape != lon.shape or u.shape != v.shape:
            raise NetworkError(f"{where}node or edge arrays differ in length")
        if n == 0 or u.size == 0:
            raise NetworkError(f"{where}the network is empty ({n} nodes, {u.size} edges)")
        bad = np.flatnonzero(
            ~(np.isfinite(lon) & np.isfinite(lat)) | (np.abs(lon) > 180) | (np.abs(lat) > 90)
        )
        if bad.size:
            raise NetworkError(f"{where}nodes {bad[:5].tolist()} have NaN or out-of-range coordinates")
        if u.min() < 0 or v.min() < 0 or u.max() >= n or v.max() >= n:
            raise NetworkError(f"{where}an edge refers to a node outside 0..{n - 1}")
        if geom_ptr is None:
            gptr = np.arange(0, 2 * u.size + 1, 2, dtype=np.int64)
            glon = np.column_stack([lon[u], lon[v]]).ravel()
            glat = np.column_stack([lat[u], lat[v]]).ravel()
        else:
            gptr = np.asarray(geom_ptr, dtype=np.int64)
            glon = np.asarray(geom_lon, dtype=np.float64)
            glat = np.asarray(geom_lat, dtype=np.float64)
        if length is None:
            _, _, seg = _GEOD.inv(glon[:-1], glat[:-1], glon[1:], glat[1:])
            cum = np.concatenate([[0.0], np.cumsum(seg)])
            elen = cum[gptr[1:] - 1] - cum[gptr[:-1]]
        else:
            elen = np.asarray(length, dtype=np.float64)
        if not np.all(np.isfinite(elen)) or elen.min() < 0:
            raise NetworkError(f"{where}edge lengths must be finite and non-negative")
        ids = np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, dtype=np.int64)

        keep_e = u != v
        if not keep_e.all():
            u, v, elen, gptr, glon, glat = _take_edges(u, v, elen, gptr, glon, glat, np.flatnonzero(keep_e))
        if u.size == 0:
            raise NetworkError(f"{where}the network has only self-loops")
        indptr, indices, weights = _csr(n, u, v, elen)
        adj = sparse.csr_matrix((weights, indices, indptr), shape=(n, n))
        n_comp, labels = csgraph.connected_components(adj, directed=False)
        sizes = np.bincount(labels)
        rank = np.empty(n_comp, dtype=np.int32)
        rank[np.argsort(-sizes, kind="stable")] = np.arange(n_comp, dtype=np.int32)
        comp = rank[labels]
        share = sizes.max() / n
        if share < min_component_share:
            raise NetworkError(
                f"{where}the network falls apart into {n_comp} pieces; the largest holds only "
                f"{share:.0%} of {n} nodes (at least {min_component_share:.0%} required)"
            )
        keep_n = comp == 0 if largest_component else np.ones(n, dtype=bool)
        epsg = utm_epsg(float(np.median(lon[keep_n])), float(np.median(lat[keep_n])))
        x, y = pyproj.Transformer.from_crs(4326, epsg, always_xy=True).transform(lon[keep_n], lat[keep_n])
        order = _morton_order(np.asarray(x), np.asarray(y)) if reorder else np.arange(int(keep_n.sum()))
        old = np.flatnonzero(keep_n)[order]
        new_of_old = np.full(n, -1, dtype=np.int64)
        new_of_old[old] = np.arange(old.size)
        e_keep = np.flatnonzero(keep_n[u] & keep_n[v])
        u, v, elen, gptr, glon, glat = _take_edges(u, v, elen, gptr, glon, glat, e_keep)
        return cls(
            node_lon=lon[old],
            node_lat=lat[old],
            edge_u=new_of_old[u].astype(np.int32),
            edge_v=new_of_old[v].astype(np.int32),
            edge_length=elen,
            geom_ptr=gptr,
            geom_lon=glon,
            geom_lat=glat,
            node_id=ids[old],
            component=comp[old].astype(np.int32),
            epsg=epsg,
            source=source,
        )

    # -- persistence ------------------------------------------------------------------------
    def save(self, path: str | Path, *, compress: bool = True) -> None:
        """Write the network to an ``.npz`` so that a city is parsed once.

        The CSR arrays are stored too, so loading needs no rebuild; ``compress=False`` trades
        disk space for a faster load of a large city.

        >>> import tempfile, os
        >>> net = WalkNetwork.from_edges([0.0, 0.001], [0.0, 0.0], [0], [1])
        >>> with tempfile.TemporaryDirectory() as d:
        ...     net.save(os.path.join(d, "net.npz"))
        ...     WalkNetwork.load(os.path.join(d, "net.npz")).n_edges
        1
        """
        arrays = {f: getattr(self, f) for f in (*_ARRAY_FIELDS, *_CSR_FIELDS)}
        (np.savez_compressed if compress else np.savez)(
            Path(path),
            format_version=np.int64(FORMAT_VERSION),
            epsg=np.int64(self.epsg),
            source=np.str_(self.source),
            **arrays,
        )

    @classmethod
    def load(cls, path: str | Path) -> WalkNetwork:
        """Read a network written by :meth:`save`.

        Raises
        ------
        NetworkError
            When the file is missing, not such a file, or of another format version.
        """
        try:
            with np.load(Path(path), allow_pickle=False) as data:
                version = int(data["format_version"])
                if version != FORMAT_VERSION:
                    raise NetworkError(f"{path}: format version {version}, expected {FORMAT_VERSION}")
                arrays = {f: data[f] for f in _ARRAY_FIELDS}
                arrays.update({f: data[f] for f in _CSR_FIELDS if f in data.files})
                epsg, source = int(data["epsg"]), str(data["source"])
        except (OSError, KeyError, ValueError) as exc:
            if isinstance(exc, NetworkError):
                raise
            raise NetworkError(f"{path}: not a saved walking network ({exc})") from exc
        return cls(epsg=epsg, source=source, **arrays)

    # -- derived views ----------------------------------------------------------------------
    def csgraph(self) -> sparse.csr_matrix:
        """The network as a symmetric SciPy sparse matrix of edge lengths (for csgraph peers)."""
        return sparse.csr_matrix((self.weights, self.indices, self.indptr), shape=(self.n_nodes,) * 2)

    def projected_nodes(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Node coordinates in metres in the network's UTM zone (cached)."""
        if "nodes_xy" not in self._cache:
            x, y = self.transformer().transform(self.node_lon, self.node_lat)
            self._cache["nodes_xy"] = (np.asarray(x), np.asarray(y))
        return self._cache["nodes_xy"]  # type: ignore[no-any-return]

    def transformer(self, inverse: bool = False) -> pyproj.Transformer:
        """WGS-84 → UTM (or back with ``inverse``) for this network."""
        key = "to_wgs" if inverse else "to_utm"
        if key not in self._cache:
            src, dst = (self.epsg, 4326) if inverse else (4326, self.epsg)
            self._cache[key] = pyproj.Transformer.from_crs(src, dst, always_xy=True)
        return self._cache[key]  # type: ignore[no-any-return]

    def nearest_node(self, lon: ArrayLike, lat: ArrayLike) -> NDArray[np.int64]:
        """Index of the nearest node to each point (pandana's ``get_node_ids``), by a k-d tree."""
        from scipy.spatial import cKDTree

        if "kdtree" not in self._cache:
            self._cache["kdtree"] = cKDTree(np.column_stack(self.projected_nodes()))
        x, y = self.transformer().transform(np.asarray(lon, float), np.asarray(lat, float))
        _, idx = self._cache["kdtree"].query(np.column_stack([x, y]))
        return np.asarray(idx, dtype=np.int64)

    def chains(self) -> Chains:
        """The core graph with the degree-2 chains folded in (built on first use, then kept)."""
        if "chains" not in self._cache:
            from shezhi.engine.chains import Chains

            self._cache["chains"] = Chains.of(self.indptr, self.indices, self.weights)
        return self._cache["chains"]  # type: ignore[no-any-return]

    def snap(self, lon: ArrayLike, lat: ArrayLike, **kwargs: Any) -> Snapped:
        """Snap points onto the nearest edge; see :func:`shezhi.engine.snap.snap`."""
        from shezhi.engine.snap import snap

        return snap(self, lon, lat, **kwargs)

    def accessibility(self, origins: Snapped, *, speed_mps: float = 1.2) -> Accessibility:
        """Queries from these origins; see :class:`shezhi.engine.metrics.Accessibility`."""
        from shezhi.engine.metrics import Accessibility

        return Accessibility(self, origins, speed_mps=speed_mps)


_CSR_FIELDS = ("indptr", "indices", "weights")
_ARRAY_FIELDS = (
    "node_lon",
    "node_lat",
    "edge_u",
    "edge_v",
    "edge_length",
    "geom_ptr",
    "geom_lon",
    "geom_lat",
    "node_id",
    "component",
)


def _edge_spans(split: NDArray[np.bool_], ends: NDArray[np.int64]) -> tuple[NDArray[np.int64], ...]:
    """Vertex positions where each edge starts and ends: between consecutive split vertices."""
    pos = np.flatnonzero(split)
    cur, nxt = pos[:-1], pos[1:]
    # Way starts and ends are always split vertices, so consecutive split vertices belong to
    # one way unless the first of them ends a way.
    same_way = ~np.isin(cur, ends)
    return cur[same_way], nxt[same_way]


def _take_edges(
    u: NDArray[Any],
    v: NDArray[Any],
    elen: NDArray[np.float64],
    gptr: NDArray[np.int64],
    glon: NDArray[np.float64],
    glat: NDArray[np.float64],
    keep: NDArray[np.int64],
) -> tuple[NDArray[Any], NDArray[Any], NDArray[np.float64], NDArray[np.int64], NDArray[Any], NDArray[Any]]:
    counts = (gptr[1:] - gptr[:-1])[keep]
    new_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    gidx = np.repeat(gptr[:-1][keep] - new_ptr[:-1], counts) + np.arange(new_ptr[-1])
    return u[keep], v[keep], elen[keep], new_ptr, glon[gidx], glat[gidx]


def _csr(
    n: int, u: NDArray[Any], v: NDArray[Any], w: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int32], NDArray[np.float64]]:
    """Symmetric CSR with parallel edges reduced to the shortest, rows sorted by column."""
    from shezhi.engine.kernels import symmetric_csr

    return symmetric_csr(  # type: ignore[no-any-return]
        int(n), np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64), np.asarray(w, dtype=np.float64)
    )


def check_lonlat(lon: ArrayLike, lat: ArrayLike, what: str = "points") -> tuple[NDArray[np.float64], ...]:
    """Validate WGS-84-range coordinate arrays; raise :class:`InputError` naming bad rows."""
    from shezhi.engine.errors import preview

    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if x.shape != y.shape or x.ndim != 1:
        raise InputError(f"{what}: lon and lat must be 1-d arrays of one length, got {x.shape} and {y.shape}")
    nan = np.flatnonzero(~(np.isfinite(x) & np.isfinite(y)))
    if nan.size:
        raise InputError(f"{what}: rows {preview(nan)} have NaN or infinite coordinates")
    out = np.flatnonzero((np.abs(x) > 180) | (np.abs(y) > 90))
    if out.size:
        raise InputError(f"{what}: rows {preview(out)} have coordinates outside ±180° lon / ±90° lat")
    return x, y
