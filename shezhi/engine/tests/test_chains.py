import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from shezhi.engine import kernels
from shezhi.engine.chains import Chains
from shezhi.engine.network import WalkNetwork, _csr


def _net(n_nodes, u, v, length):
    lon = np.linspace(0.0, 0.01, n_nodes)
    return WalkNetwork.from_edges(lon, np.zeros(n_nodes), u, v, length=length, reorder=False)


def test_a_loop_chain_back_to_its_own_end():
    # Square 0-1-2-3 (100 m sides) with a 300 m dead end 2-4: core = {2}; 3, 0, 1 are a
    # chain from 2 back to 2, and 4 a dead-end chain.
    net = _net(5, [0, 1, 2, 3, 2], [1, 2, 3, 0, 4], [100.0] * 4 + [300.0])
    ch = net.chains()
    assert ch.core_of.tolist() == [-1, -1, 0, -1, -1]
    assert ch.n_chains == 2
    assert ch.off_u[4] == 300.0
    assert ch.off_v[4] == np.inf
    assert sorted(zip(ch.off_u[[0, 1, 3]].tolist(), ch.off_v[[0, 1, 3]].tolist(), strict=True)) == [
        (100.0, 300.0),
        (200.0, 200.0),
        (300.0, 100.0),
    ]
    # A facility at node 0 (on the chain): its chain neighbours reach it directly.
    d, f = ch.search(np.array([0]), np.array([0.0]), np.array([7], np.int32), k=1, cutoff=1000.0)
    assert d.ravel().tolist() == [0.0, 100.0, 200.0, 100.0, 500.0]
    assert f.ravel().tolist() == [7] * 5


def test_a_ring_of_degree_two_nodes_only():
    net = _net(4, [0, 1, 2, 3], [1, 2, 3, 0], [10.0, 20.0, 30.0, 40.0])
    ch = net.chains()
    assert ch.n_core == 1
    d, _ = ch.search(np.array([2]), np.array([0.0]), np.array([0], np.int32), k=1, cutoff=1000.0)
    assert d.ravel().tolist() == [30.0, 20.0, 0.0, 30.0]


def test_two_facilities_on_one_chain_and_a_cutoff():
    # A street 6-0-1-2-3-4-5-7, 10 m apart: one chain between the dead ends 6 and 7.
    net = _net(8, [0, 1, 2, 3, 4, 0, 5], [1, 2, 3, 4, 5, 6, 7], [10.0] * 7)
    ch = net.chains()
    d, f = ch.search(np.array([1, 4]), np.array([0.0, 5.0]), np.array([0, 1], np.int32), k=2, cutoff=25.0)
    assert d[:, 0].tolist() == [10.0, 0.0, 10.0, 15.0, 5.0, 15.0, 20.0, 25.0]
    assert f[:, 0].tolist() == [0, 0, 0, 1, 1, 1, 0, 1]
    assert d[:, 1].tolist() == [np.inf, np.inf, 25.0, 20.0, np.inf, np.inf, np.inf, np.inf]
    assert f[:, 1].tolist() == [-1, -1, 1, 0, -1, -1, -1, -1]
    assert ch.n_core == 1  # a path without junction: one of its nodes stands in as core


@pytest.mark.parametrize("k", [1, 3])
def test_random_sparse_graphs_match_scipy_node_by_node(k):
    rng = np.random.default_rng(k)
    nested = 0
    for _ in range(20):
        n = int(rng.integers(30, 120))
        # a random tree plus a few extra edges, then every edge split into a random chain
        u = [int(rng.integers(0, i)) for i in range(1, n)] + rng.integers(0, n, 5).tolist()
        v = list(range(1, n)) + rng.integers(0, n, 5).tolist()
        uu, vv, ww = [], [], []
        nxt = n
        for a, b in zip(u, v, strict=True):
            if a == b:
                continue
            path = [a, *range(nxt, nxt + int(rng.integers(0, 4))), b]
            nxt = max(nxt, path[-2] + 1) if len(path) > 2 else nxt
            for x, y in zip(path[:-1], path[1:], strict=True):
                uu.append(x)
                vv.append(y)
                ww.append(float(rng.integers(1, 50)))
        indptr, indices, weights = _csr(nxt, np.array(uu), np.array(vv), np.array(ww))
        ch = Chains.of(indptr, indices, weights, nest_above=0)
        nested += ch.inner is not None
        src = rng.choice(nxt, 6, replace=False)
        offs = rng.uniform(0, 20, 6)
        d, f = ch.search(src, offs, np.arange(6, dtype=np.int32), k=k, cutoff=150.0)
        d0, f0 = kernels.knn_multi_source(
            indptr, indices, weights, src.astype(np.int32), offs, np.arange(6, dtype=np.int32), k, 150.0, 4.0
        )
        np.testing.assert_allclose(d, d0)
        import scipy.sparse as sp

        g = sp.csr_matrix((weights, indices, indptr), shape=(nxt, nxt))
        full = dijkstra(g, indices=src, limit=1e9) + offs[:, None]
        full[full > 150.0] = np.inf
        np.testing.assert_allclose(d, np.sort(full, axis=0)[:k].T)
        ok = f >= 0
        np.testing.assert_allclose(full[f[ok], np.nonzero(ok)[0]], d[ok])
    assert nested >= 5  # the core contracted again (junctions left with dead ends only)
