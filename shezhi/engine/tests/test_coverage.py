import numpy as np
import pytest

from shezhi.engine.errors import InputError
from shezhi.engine.metrics import coverage, minutes_to_metres
from shezhi.engine.snap import snap_nodes


def test_weighted_shares_per_area_by_hand():
    c = coverage(
        [50, 250, 700, np.inf, 100],
        [300, 1000],
        weights=[10, 30, 20, 40, 0],
        areas=["g1", "g1", "g2", "g2", "g3"],
    )
    assert c.areas.tolist() == ["g1", "g2", "g3"]
    assert c.share[0].tolist() == [1.0, 1.0]
    assert c.share[1].tolist() == [0.0, pytest.approx(1 / 3)]
    assert np.isnan(c.share[2]).all()  # no population: no share, not 0 %
    assert c.total.tolist() == [0.4, 0.6]
    assert c.weight.tolist() == [40, 60, 0]


def test_bad_weights_are_named():
    with pytest.raises(InputError, match=r"rows \[1\]"):
        coverage([1, 2], [5], weights=[1, -1])
    with pytest.raises(InputError, match="weights has 1 rows"):
        coverage([1, 2], [5], weights=[1])


def test_elderly_walk_covers_less_on_the_real_network(chengdu):
    rng = np.random.default_rng(11)
    homes = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 500, replace=False))
    clinics = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 15, replace=False))
    near = chengdu.accessibility(homes).nearest(clinics, k=1, cutoff_m=2000)
    adult = coverage(near.distance[:, 0], minutes_to_metres([5, 10, 15]))
    elderly = coverage(near.distance[:, 0], minutes_to_metres([5, 10, 15], 1.0))
    assert (elderly.total <= adult.total).all()
    assert elderly.total[2] < adult.total[2]
    assert 0 < adult.total[0] < adult.total[2] <= 1
