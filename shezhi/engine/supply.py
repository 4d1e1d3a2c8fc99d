"""Supply and demand (供需): two-step floating catchment (2SFCA) and its enhanced variants.

Built on the sparse (origin, facility, walk) pairs within the catchment
(:meth:`shezhi.engine.metrics.Accessibility.pairs`), never on a dense facilities × origins
matrix. The definitions are PySAL ``access``'s (Luo & Wang 2003; Luo & Qi 2009):

* step 1, each facility ``j``: ``R_j = S_j / Σ_i P_i W(d_ij)`` over origins with
  ``d_ij ≤ max_cost``;
* step 2, each origin ``i``: ``A_i = Σ_j R_j W(d_ij)`` over the same pairs.

``W ≡ 1`` is the classic 2SFCA; a stepped ``W`` (:func:`step_weights`) is E2SFCA; a Gaussian
``W`` (:func:`gaussian_weights`) is the kernel variant. Origins without a facility in reach get
0; a facility with no weighted demand in reach has ``R_j = inf`` only in
``ratio`` and adds nothing to any origin.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shezhi.engine.errors import CategoryError, InputError
from shezhi.engine.metrics import Pairs

WeightFn = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def step_weights(steps: Mapping[float, float]) -> WeightFn:
    """A stepped distance decay: weight ``steps[t]`` for the smallest ``t ≥ d``, 0 beyond all.

    Same as ``access.weights.step_fn``.

    >>> w = step_weights({300: 1.0, 500: 0.68, 1000: 0.22})
    >>> w(np.array([0.0, 300.0, 301.0, 1000.0, 1001.0])).tolist()
    [1.0, 1.0, 0.68, 0.22, 0.0]
    """
    if not steps:
        raise InputError("step_weights needs at least one (threshold, weight) step")
    if min(steps.values()) < 0:
        raise InputError("step weights must not be negative")
    cut = np.array(sorted(steps), dtype=np.float64)
    val = np.array([steps[c] for c in sorted(steps)] + [0.0], dtype=np.float64)

    def weight(d: NDArray[np.float64]) -> NDArray[np.float64]:
        return val[np.searchsorted(cut, d, side="left")]

    return weight


def gaussian_weights(sigma: float) -> WeightFn:
    """Gaussian decay ``exp(-d² / 2σ²)`` (1 at distance 0), as ``access.weights.gaussian``.

    >>> round(float(gaussian_weights(500)(np.array([500.0]))[0]), 6)
    0.606531
    """
    if sigma <= 0:
        raise InputError(f"sigma must be positive, got {sigma}")

    def weight(d: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.exp(-d * d / (2.0 * sigma * sigma))

    return weight


@dataclass(frozen=True)
class Catchment:
    """Result of a floating-catchment computation.

    ``access[i]`` is origin ``i``'s supply per unit of demand; ``ratio[j]`` facility ``j``'s
    supply over the weighted demand in its catchment; ``demand[j]`` that weighted demand.
    """

    access: NDArray[np.float64]
    ratio: NDArray[np.float64]
    demand: NDArray[np.float64]


def two_step_fca(
    pairs: Pairs,
    demand: ArrayLike,
    supply: ArrayLike,
    *,
    max_cost: float | None = None,
    weight: WeightFn | None = None,
) -> Catchment:
    """2SFCA, or E2SFCA / Gaussian 2SFCA with a ``weight`` function.

    Parameters
    ----------
    pairs : Pairs
        Origin–facility walks within the catchment (their cut-off must cover ``max_cost``).
    demand : array_like, shape (n_origins,)
        Population (or households) at each origin, non-negative.
    supply : array_like, shape (n_facilities,)
        Capacity of each facility (beds, places, m²), non-negative.
    max_cost : float, optional
        Catchment size in metres; the pairs' cut-off by default.
    weight : callable, optional
        Distance decay ``W(d)``, vectorised; ``W ≡ 1`` by default.

    Examples
    --------
    Two homes (100 and 300 residents) and one clinic of capacity 8, 200 m and 600 m away:

    >>> homes, clinic = np.array([0, 1], np.int32), np.array([0, 0], np.int32)
    >>> p = Pairs(homes, clinic, np.array([200.0, 600.0]), n_origins=2, n_facilities=1, cutoff=1000.0)
    >>> two_step_fca(p, [100, 300], [8]).access.tolist()
    [0.02, 0.02]
    >>> two_step_fca(p, [100, 300], [8], weight=step_weights({500: 1.0, 1000: 0.5})).access.tolist()
    [0.032, 0.016]
    """
    d_pop = np.asarray(demand, dtype=np.float64)
    s_cap = np.asarray(supply, dtype=np.float64)
    if d_pop.shape != (pairs.n_origins,):
        raise InputError(f"demand has shape {d_pop.shape}, expected ({pairs.n_origins},) origins")
    if s_cap.shape != (pairs.n_facilities,):
        raise InputError(f"supply has shape {s_cap.shape}, expected ({pairs.n_facilities},) facilities")
    for name, arr in (("demand", d_pop), ("supply", s_cap)):
        bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
        if bad.size:
            raise InputError(f"{name}: rows {bad[:5].tolist()} are negative or not finite")
    if pairs.n_facilities == 0:
        raise CategoryError("two_step_fca: the category has no facilities")
    limit = pairs.cutoff if max_cost is None else float(max_cost)
    if limit > pairs.cutoff:
        raise InputError(f"max_cost {limit} m exceeds the pairs' cut-off {pairs.cutoff} m")
    keep = pairs.distance <= limit
    o, f, dist = pairs.origin[keep], pairs.facility[keep], pairs.distance[keep]
    w = np.ones(dist.size) if weight is None else np.asarray(weight(dist), dtype=np.float64)
    dem = np.bincount(f, weights=d_pop[o] * w, minlength=pairs.n_facilities)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = s_cap / dem
    contrib = ratio[f] * w
    contrib[w == 0] = 0.0  # a zero weight adds nothing, even from a facility without demand
    access = np.bincount(o, weights=contrib, minlength=pairs.n_origins)
    return Catchment(access, ratio, dem)
