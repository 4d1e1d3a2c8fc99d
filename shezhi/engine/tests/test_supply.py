import numpy as np
import pytest

from shezhi.engine.errors import InputError
from shezhi.engine.metrics import Pairs
from shezhi.engine.snap import snap_nodes
from shezhi.engine.supply import gaussian_weights, step_weights, two_step_fca


def _pairs():
    # origins 0,1,2; facilities 0,1. Origin 2 reaches nothing.
    return Pairs(
        origin=np.array([0, 1, 0, 1], np.int32),
        facility=np.array([0, 0, 1, 1], np.int32),
        distance=np.array([100.0, 400.0, 900.0, 200.0]),
        n_origins=3,
        n_facilities=2,
        cutoff=1000.0,
    )


def test_classic_2sfca_by_hand():
    c = two_step_fca(_pairs(), [100, 300, 50], [10, 20])
    # Both facilities serve both origins: R = 10/400 and 20/400.
    assert c.ratio.tolist() == [0.025, 0.05]
    assert c.access.tolist() == pytest.approx([0.075, 0.075, 0.0])


def test_max_cost_narrows_the_catchment():
    c = two_step_fca(_pairs(), [100, 300, 50], [10, 20], max_cost=500)
    # Facility 0 serves origins 0 and 1 (R = 10/400); facility 1 only origin 1 (R = 20/300).
    assert c.ratio.tolist() == pytest.approx([0.025, 20 / 300])
    assert c.access.tolist() == pytest.approx([0.025, 0.025 + 20 / 300, 0.0])


def test_stepped_e2sfca_by_hand():
    w = step_weights({300: 1.0, 600: 0.5, 1000: 0.1})
    c = two_step_fca(_pairs(), [100, 300, 50], [10, 20], weight=w)
    d0 = 100 * 1.0 + 300 * 0.5
    d1 = 100 * 0.1 + 300 * 1.0
    assert c.demand.tolist() == pytest.approx([d0, d1])
    assert c.access[0] == pytest.approx(10 / d0 * 1.0 + 20 / d1 * 0.1)
    assert c.access[1] == pytest.approx(10 / d0 * 0.5 + 20 / d1 * 1.0)


def test_gaussian_weights_decay_from_one():
    w = gaussian_weights(300)
    assert w(np.array([0.0]))[0] == 1.0
    assert w(np.array([300.0]))[0] == pytest.approx(np.exp(-0.5))


def test_bad_inputs_are_named():
    with pytest.raises(InputError, match=r"demand: rows \[1\]"):
        two_step_fca(_pairs(), [1, -1, 1], [1, 1])
    with pytest.raises(InputError, match="supply has shape"):
        two_step_fca(_pairs(), [1, 1, 1], [1])
    with pytest.raises(InputError, match="exceeds the pairs' cut-off"):
        two_step_fca(_pairs(), [1, 1, 1], [1, 1], max_cost=2000)


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::FutureWarning")
def test_it_equals_pysal_access_on_the_real_network(chengdu):
    access = pytest.importorskip("access", reason="PySAL access is in the bench extra: make setup-bench")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(5)
    homes = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 400, replace=False))
    clinics = snap_nodes(chengdu, rng.choice(chengdu.n_nodes, 30, replace=False))
    pop = rng.integers(50, 3000, 400).astype(float)
    beds = rng.integers(5, 200, 30).astype(float)
    pairs = chengdu.accessibility(homes).pairs(clinics, cutoff_m=1500)
    cost = pd.DataFrame({"origin": pairs.origin, "dest": pairs.facility, "cost": pairs.distance})
    acc = access.Access(
        demand_df=pd.DataFrame({"geoid": np.arange(400), "pop": pop}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": np.arange(30), "beds": beds}),
        supply_index="geoid",
        supply_value="beds",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    for name, ours_w, theirs_w in [
        ("2sfca", None, None),
        (
            "e2sfca",
            step_weights({500: 1, 1000: 0.68, 1500: 0.22}),
            access.weights.step_fn({500: 1, 1000: 0.68, 1500: 0.22}),
        ),
        ("g2sfca", gaussian_weights(600), access.weights.gaussian(600)),
    ]:
        if theirs_w is None:
            theirs = acc.two_stage_fca(name=name, max_cost=1500)[f"{name}_beds"]
        else:
            theirs = acc.enhanced_two_stage_fca(name=name, max_cost=1500, weight_fn=theirs_w)[f"{name}_beds"]
        ours = two_step_fca(pairs, pop, beds, weight=ours_w).access
        present = theirs.dropna()
        assert present.size > 300
        np.testing.assert_allclose(ours[present.index.to_numpy()], present.to_numpy(), rtol=1e-9, atol=0)
        missing = np.setdiff1d(np.arange(400), present.index.to_numpy())
        assert (ours[missing] == 0).all()
