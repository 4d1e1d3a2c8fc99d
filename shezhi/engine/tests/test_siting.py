from itertools import combinations

import numpy as np
import pytest

from shezhi.engine.errors import InputError
from shezhi.engine.metrics import Pairs
from shezhi.engine.siting import mclp, mclp_greedy, p_median, p_median_objective
from shezhi.engine.snap import snap_nodes


def _random_pairs(seed, n_dem=40, n_site=9, cutoff=1e9):
    rng = np.random.default_rng(seed)
    dem = rng.uniform(0, 2000, (n_dem, 2))
    site = rng.uniform(0, 2000, (n_site, 2))
    d = np.hypot(*(dem[:, None, :] - site[None, :, :]).transpose(2, 0, 1))
    o, f = np.nonzero(d <= cutoff)
    w = rng.integers(1, 50, n_dem).astype(float)
    return Pairs(o.astype(np.int32), f.astype(np.int32), d[o, f], n_dem, n_site, cutoff), w, d


def _covered(d, w, sites, radius):
    return float(w[(d[:, list(sites)] <= radius).any(axis=1)].sum())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mclp_is_the_brute_force_optimum(seed):
    pairs, w, d = _random_pairs(seed)
    for p in (1, 2, 3):
        best = max(_covered(d, w, s, 600) for s in combinations(range(9), p))
        exact = mclp(pairs, w, p=p, radius=600)
        assert exact.objective == pytest.approx(best)
        assert exact.gap == pytest.approx(0, abs=1e-9)
        assert _covered(d, w, exact.sites, 600) == pytest.approx(best)
        heur = mclp_greedy(pairs, w, p=p, radius=600)
        assert heur.objective <= best + 1e-9
        assert heur.bound >= best - 1e-9  # the LP bound really bounds the optimum
        assert heur.gap == pytest.approx((heur.bound - heur.objective) / heur.bound)


def test_mclp_counts_only_what_existing_sites_leave_uncovered():
    pairs, w, d = _random_pairs(4)
    existing = [0]
    left = w * ~(d[:, 0] <= 600)
    best = max(_covered(d, left, s, 600) for s in combinations(range(9), 2))
    assert mclp(pairs, w, p=2, radius=600, existing=existing).objective == pytest.approx(best)


@pytest.mark.parametrize("seed", [1, 2])
def test_p_median_is_the_brute_force_optimum(seed):
    pairs, w, d = _random_pairs(seed)
    for p in (1, 2, 3):
        best = min(float((w * d[:, list(s)].min(axis=1)).sum()) for s in combinations(range(9), p))
        s = p_median(pairs, w, p=p)
        assert s.objective == pytest.approx(best)
        assert p_median_objective(pairs, w, s.sites) == pytest.approx(best)
        assert s.gap < 1e-4


def test_bad_siting_inputs_are_named():
    pairs, w, _ = _random_pairs(1)
    with pytest.raises(InputError, match="p must be between 1 and the 9 candidates"):
        mclp(pairs, w, p=10, radius=500)
    with pytest.raises(InputError, match="weights has shape"):
        p_median(pairs, w[:3], p=1)
    short, w2, _ = _random_pairs(1, cutoff=100)
    with pytest.raises(InputError, match="no candidate site within reach"):
        p_median(short, w2, p=1)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_mclp_equals_spopt_on_the_real_network(chengdu):
    spopt = pytest.importorskip("spopt.locate", reason="spopt is in the bench extra: make setup-bench")
    pulp = pytest.importorskip("pulp")
    rng = np.random.default_rng(9)
    homes = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 300, replace=False))
    sites = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 40, replace=False))
    w = rng.integers(1, 100, 300).astype(float)
    pairs = chengdu.accessibility(homes).pairs(sites, cutoff_m=800)
    cost = np.full((300, 40), np.inf)
    cost[pairs.origin, pairs.facility] = pairs.distance
    theirs = spopt.MCLP.from_cost_matrix(cost, w, service_radius=800, p_facilities=5)
    theirs = theirs.solve(pulp.PULP_CBC_CMD(msg=False))
    ours = mclp(pairs, w, p=5, radius=800)
    assert ours.objective == pytest.approx(pulp.value(theirs.problem.objective))
