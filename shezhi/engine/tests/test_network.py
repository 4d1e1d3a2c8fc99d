import numpy as np
import pytest
from scipy.sparse.csgraph import connected_components

from shezhi.engine.errors import NetworkError
from shezhi.engine.network import WalkNetwork, is_walkable
from shezhi.engine.osm import read_walkable_ways

from .conftest import BUNDLED_PBF


def _way(ids, lon, lat):
    return (np.array(ids, dtype=np.int64), np.array(lon, dtype=float), np.array(lat, dtype=float))


def test_it_keeps_pedestrian_ways_and_drops_motorways_and_private_roads():
    assert is_walkable({"highway": "footway"})
    assert is_walkable({"highway": "steps"})
    assert is_walkable({"highway": "primary"})
    assert not is_walkable({"highway": "motorway"})
    assert not is_walkable({"highway": "motorway_link", "foot": "yes"})
    assert not is_walkable({"highway": "residential", "foot": "no"})
    assert not is_walkable({"highway": "service", "access": "private"})
    assert is_walkable({"highway": "service", "access": "private", "foot": "yes"})
    assert not is_walkable({"highway": "cycleway"})
    assert not is_walkable({"building": "yes"})


def test_simplification_joins_degree_two_chains_and_keeps_length():
    # A T: way 1 runs 1-2-3-4 east, way 2 runs 3-5 north; node 2 is a bend only.
    ways = [
        _way([1, 2, 3, 4], [0.0, 0.001, 0.002, 0.003], [0.0, 0.0, 0.0, 0.0]),
        _way([3, 5], [0.002, 0.002], [0.0, 0.001]),
    ]
    full = WalkNetwork.from_ways(ways, simplify=False)
    simple = WalkNetwork.from_ways(ways, simplify=True)
    assert (full.n_nodes, full.n_edges) == (5, 4)
    assert (simple.n_nodes, simple.n_edges) == (4, 3)
    assert sorted(simple.node_id.tolist()) == [1, 3, 4, 5]
    assert simple.edge_length.sum() == pytest.approx(full.edge_length.sum())
    # On the WGS-84 ellipsoid at the equator 0.001° of longitude is 111.319 m, of latitude 110.574 m.
    assert sorted(full.edge_length.round(3).tolist()) == [110.574, 111.319, 111.319, 111.319]
    # The joined edge keeps its bend vertex in its geometry.
    long_edge = int(np.argmax(simple.edge_length))
    assert simple.geom_ptr[long_edge + 1] - simple.geom_ptr[long_edge] == 3


def test_a_closed_way_is_cut_rather_than_dropped_as_a_loop():
    ring = _way([1, 2, 3, 4, 1], [0, 0.001, 0.001, 0, 0], [0, 0, 0.001, 0.001, 0])
    net = WalkNetwork.from_ways([ring])
    assert net.n_edges == 2
    assert net.edge_length.sum() == pytest.approx(4 * 111.0, rel=0.01)


def test_it_marks_and_keeps_the_largest_component():
    ways = [
        _way([1, 2, 3], [0, 0.001, 0.002], [0, 0, 0]),
        _way([7, 8], [0.01, 0.011], [0.01, 0.01]),
    ]
    everything = WalkNetwork.from_ways(ways, simplify=False, largest_component=False)
    assert sorted(np.bincount(everything.component).tolist()) == [2, 3]
    assert (everything.component[np.isin(everything.node_id, [1, 2, 3])] == 0).all()
    largest = WalkNetwork.from_ways(ways, simplify=False)
    assert sorted(largest.node_id.tolist()) == [1, 2, 3]


def test_it_refuses_a_network_that_falls_apart():
    ways = [_way([i * 10, i * 10 + 1], [i * 0.01, i * 0.01 + 0.001], [0, 0]) for i in range(5)]
    with pytest.raises(NetworkError, match="falls apart into 5 pieces"):
        WalkNetwork.from_ways(ways, min_component_share=0.5)


def test_it_refuses_empty_input():
    with pytest.raises(NetworkError, match="no walkable way"):
        WalkNetwork.from_ways([])
    with pytest.raises(NetworkError, match="empty"):
        WalkNetwork.from_edges([0.0], [0.0], [], [])


def test_it_refuses_bad_coordinates_and_edges():
    with pytest.raises(NetworkError, match="NaN or out-of-range"):
        WalkNetwork.from_edges([0.0, np.nan], [0.0, 0.0], [0], [1])
    with pytest.raises(NetworkError, match="outside 0..1"):
        WalkNetwork.from_edges([0.0, 0.1], [0.0, 0.0], [0], [2])


def test_a_file_that_is_not_a_pbf_is_named(tmp_path):
    bogus = tmp_path / "roads.osm.pbf"
    bogus.write_text("<osm>not a pbf</osm>")
    with pytest.raises(NetworkError, match=r"roads\.osm\.pbf: not an OSM PBF"):
        WalkNetwork.from_pbf(bogus)
    with pytest.raises(NetworkError, match="no such file"):
        WalkNetwork.from_pbf(tmp_path / "missing.osm.pbf")


def test_a_truncated_pbf_is_named(tmp_path):
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(BUNDLED_PBF.read_bytes()[:5000])
    with pytest.raises(NetworkError, match="cut.osm.pbf"):
        WalkNetwork.from_pbf(cut)


def test_the_real_network_is_one_connected_walkable_graph(chengdu, chengdu_full):
    assert 3000 < chengdu.n_nodes < chengdu_full.n_nodes
    assert chengdu.epsg == 32648
    n_comp, _ = connected_components(chengdu.csgraph(), directed=False)
    assert n_comp == 1
    assert (chengdu.component == 0).all()
    # Simplifying changes the node count, not the street length (a few hundred km of it).
    assert chengdu.edge_length.sum() == pytest.approx(chengdu_full.edge_length.sum(), rel=1e-9)
    assert 500_000 < chengdu.edge_length.sum() < 1_500_000
    # The CSR is symmetric and every edge length is the ellipsoidal one.
    g = chengdu.csgraph()
    assert (abs(g - g.T) > 1e-9).nnz == 0


def test_no_motorway_is_in_the_network(chengdu_full):
    ways = read_walkable_ways(BUNDLED_PBF)
    ids = set(np.concatenate([w[0] for w in ways]).tolist())
    assert set(chengdu_full.node_id.tolist()) <= ids


def test_it_round_trips_through_a_saved_file(chengdu, tmp_path):
    path = tmp_path / "chengdu.npz"
    chengdu.save(path)
    again = WalkNetwork.load(path)
    for name in ("node_lon", "edge_u", "edge_length", "geom_lat", "node_id"):
        np.testing.assert_array_equal(getattr(again, name), getattr(chengdu, name))
    np.testing.assert_array_equal(again.indptr, chengdu.indptr)
    assert path.stat().st_size < 1_000_000


def test_loading_something_else_is_named(tmp_path):
    path = tmp_path / "other.npz"
    np.savez(path, a=np.zeros(3))
    with pytest.raises(NetworkError, match="other.npz: not a saved walking network"):
        WalkNetwork.load(path)
