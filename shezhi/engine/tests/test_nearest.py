import networkx as nx
import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from shezhi.engine.errors import CategoryError, InputError
from shezhi.engine.metrics import ELDERLY_SPEED_MPS, minutes_to_metres
from shezhi.engine.network import WalkNetwork
from shezhi.engine.snap import snap_nodes

from .helpers import graph_with_points


@pytest.fixture
def square():
    r"""A square 0-1-2-3 of 100 m sides (given lengths) with a 300 m tail 2-4.

    0 --- 1
    |     |
    3 --- 2 --- 4
    """
    return WalkNetwork.from_edges(
        [0.0, 0.001, 0.001, 0.0, 0.004],
        [0.001, 0.001, 0.0, 0.0, 0.0],
        [0, 1, 2, 3, 2],
        [1, 2, 3, 0, 4],
        length=[100.0, 100.0, 100.0, 100.0, 300.0],
        reorder=False,
    )


def test_node_labels_by_hand(square):
    acc = square.accessibility(snap_nodes(square, [0]))
    facilities = snap_nodes(square, [0, 4])  # facility 0 at node 0, facility 1 at node 4
    d, f = acc.node_labels(facilities, k=2, cutoff_m=1000)
    assert d.tolist() == [[0, 500], [100, 400], [200, 300], [100, 400], [0, 500]]
    assert f.tolist() == [[0, 1], [0, 1], [0, 1], [0, 1], [1, 0]]
    d1, f1 = acc.node_labels(facilities, k=1, cutoff_m=150)
    assert d1.ravel().tolist() == [0, 100, np.inf, 100, 0]
    assert f1.ravel().tolist() == [0, 0, -1, 0, 1]


def test_origins_on_edges_by_hand(square):
    # Origin halfway along edge 2-4 (lengths: 150 m to 2, 150 m to 4), facility at node 0
    # and a second one 50 m from node 4 on the same edge.
    origins = square.snap([0.0025], [0.0])
    facilities = square.snap([0.0, 0.0035], [0.001, 0.0])
    assert origins.to_u[0] == pytest.approx(150, abs=1e-3)
    near = square.accessibility(origins).nearest(facilities, k=2, cutoff_m=1000)
    assert near.distance[0].tolist() == pytest.approx([100.0, 350.0], abs=1e-3)
    assert near.facility[0].tolist() == [1, 0]
    assert near.minutes[0, 0] == pytest.approx(100 / 72)


def test_counts_by_hand(square):
    origins = snap_nodes(square, [0, 2, 4])
    facilities = snap_nodes(square, [1, 3, 4])
    counts = square.accessibility(origins).counts(facilities, thresholds_m=(100, 300))
    assert counts.tolist() == [[2, 2], [2, 3], [1, 1]]


def test_a_category_without_facilities_is_refused(square):
    acc = square.accessibility(snap_nodes(square, [0]))
    empty = square.snap(np.empty(0), np.empty(0))
    with pytest.raises(CategoryError, match="pharmacies: the category has no facilities"):
        acc.nearest(empty, what="pharmacies")
    with pytest.raises(CategoryError, match="no facilities"):
        acc.counts(empty)
    with pytest.raises(InputError, match="k must be"):
        acc.nearest(snap_nodes(square, [1]), k=0)


def test_speeds_give_minutes():
    assert minutes_to_metres(15, ELDERLY_SPEED_MPS) == 900
    with pytest.raises(InputError):
        minutes_to_metres(5, 0)


def test_every_node_matches_scipy_on_the_real_network(chengdu_full):
    net = chengdu_full
    rng = np.random.default_rng(7)
    src = rng.choice(net.n_nodes, 80, replace=False)
    acc = net.accessibility(snap_nodes(net, [0]))
    d, f = acc.node_labels(snap_nodes(net, src), k=3, cutoff_m=1500)
    full = dijkstra(net.csgraph(), indices=src, limit=1500)
    ref = np.sort(full, axis=0)[:3].T
    np.testing.assert_allclose(d, ref, atol=1e-6)
    reached = f >= 0
    # The facility reported is one at the reported distance.
    np.testing.assert_allclose(full[f[reached], np.nonzero(reached)[0]], d[reached], atol=1e-6)


def test_points_match_networkx_with_points_spliced_in(chengdu):
    net = chengdu
    rng = np.random.default_rng(3)
    lon0, lon1 = np.percentile(net.node_lon, [10, 90])
    lat0, lat1 = np.percentile(net.node_lat, [10, 90])
    origins = net.snap(rng.uniform(lon0, lon1, 300), rng.uniform(lat0, lat1, 300), allow_far=True)
    shops = net.snap(rng.uniform(lon0, lon1, 40), rng.uniform(lat0, lat1, 40), allow_far=True)
    near = net.accessibility(origins).nearest(shops, k=3, cutoff_m=2000)

    g = graph_with_points(net, {"o": origins, "f": shops})
    ref = np.full((len(origins), len(shops)), np.inf)
    for j in range(len(shops)):
        for node, dist in nx.single_source_dijkstra_path_length(g, ("f", j), cutoff=2000).items():
            if isinstance(node, tuple) and node[0] == "o":
                ref[node[1], j] = dist
    best = np.sort(ref, axis=1)[:, :3]
    assert np.isfinite(best).sum() > 300
    np.testing.assert_allclose(near.distance, best, atol=1e-6)
    ok = near.facility >= 0
    rows = np.nonzero(ok)[0]
    np.testing.assert_allclose(ref[rows, near.facility[ok]], near.distance[ok], atol=1e-6)

    counts = net.accessibility(origins).counts(shops, thresholds_m=(300, 500, 1000))
    expected = np.column_stack([(ref <= t).sum(axis=1) for t in (300, 500, 1000)])
    np.testing.assert_array_equal(counts, expected)


def test_categories_in_threads_give_the_same_answers(chengdu):
    rng = np.random.default_rng(12)
    homes = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 200, replace=False))
    cats = {c: snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 20, replace=False)) for c in "abcd"}
    acc = chengdu.accessibility(homes)
    one = acc.nearest_by_category(cats, k=2, cutoff_m=1200, threads=1)
    two = acc.nearest_by_category(cats, k=2, cutoff_m=1200, threads=2)
    assert list(two) == list("abcd")
    for c in cats:
        np.testing.assert_array_equal(one[c].distance, two[c].distance)
        np.testing.assert_array_equal(one[c].facility, two[c].facility)
