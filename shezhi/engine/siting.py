"""Siting (选址): maximal covering location (MCLP) and p-median on network distances.

Exact solutions are mixed-integer programs solved by HiGHS through
:func:`scipy.optimize.milp`, built directly as sparse matrices from the sparse
(demand, candidate, walk) pairs (no modelling layer: that is where spopt/PuLP spend their
time). For large MCLP instances :func:`mclp_greedy` adds sites greedily, improves them by
best swaps, and reports its gap to the LP-relaxation bound, so its quality is known.

Both problems take the :class:`~shezhi.engine.metrics.Pairs` from demand points (origins)
to candidate sites (facilities).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from shezhi.engine.errors import InputError
from shezhi.engine.metrics import Pairs


@dataclass(frozen=True)
class Siting:
    """A chosen set of sites.

    Attributes
    ----------
    sites : candidate indices chosen, ascending.
    objective : covered demand (MCLP) or total weighted distance (p-median).
    bound : best proven bound on the optimum (upper for MCLP, lower for p-median).
    gap : relative optimality gap ``|bound - objective| / |bound|`` (0 when proven optimal).
    method : ``"milp"``, ``"greedy+swap"``.
    """

    sites: NDArray[np.int64]
    objective: float
    bound: float
    gap: float
    method: str


def _check(pairs: Pairs, weights: ArrayLike, p: int) -> NDArray[np.float64]:
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (pairs.n_origins,):
        raise InputError(f"weights has shape {w.shape}, expected ({pairs.n_origins},) demand points")
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise InputError(f"weights: rows {bad[:5].tolist()} are negative or not finite")
    if not 1 <= p <= pairs.n_facilities:
        raise InputError(f"p must be between 1 and the {pairs.n_facilities} candidates, got {p}")
    return w


def _coverage(
    pairs: Pairs, radius: float, w: NDArray[np.float64], existing: ArrayLike | None
) -> tuple[sparse.csr_matrix, NDArray[np.float64], NDArray[np.int64]]:
    """Demand × candidate 0/1 coverage within ``radius`` of the demand not yet covered."""
    if radius > pairs.cutoff:
        raise InputError(f"radius {radius} m exceeds the pairs' cut-off {pairs.cutoff} m")
    keep = pairs.distance <= radius
    a = sparse.csr_matrix(
        (np.ones(int(keep.sum())), (pairs.origin[keep], pairs.facility[keep])),
        shape=(pairs.n_origins, pairs.n_facilities),
    )
    a.data[:] = 1.0  # duplicates collapse to one
    w = w.copy()
    if existing is not None:
        ex = np.zeros(pairs.n_facilities, dtype=bool)
        ex[np.asarray(existing, dtype=np.int64)] = True
        w[np.asarray(a[:, ex].sum(axis=1)).ravel() > 0] = 0.0
    rows = np.flatnonzero((np.diff(a.indptr) > 0) & (w > 0))
    return a[rows], w[rows], rows


def mclp(
    pairs: Pairs,
    weights: ArrayLike,
    *,
    p: int,
    radius: float,
    existing: ArrayLike | None = None,
    time_limit: float = 300.0,
    mip_rel_gap: float = 0.0,
) -> Siting:
    """Maximal covering location, exactly by MILP (HiGHS).

    Chooses ``p`` candidates to maximise the demand within ``radius`` of a chosen (or an
    ``existing``) site; demand the existing sites already cover counts for nothing.

    Examples
    --------
    Three demand points, two candidates; candidate 1 covers the two heavier points:

    >>> pairs = Pairs(np.array([0, 1, 2], np.int32), np.array([0, 1, 1], np.int32),
    ...               np.array([100.0, 200.0, 300.0]), n_origins=3, n_facilities=2, cutoff=500.0)
    >>> s = mclp(pairs, [5, 3, 4], p=1, radius=500)
    >>> s.sites.tolist(), s.objective, s.gap
    ([1], 7.0, 0.0)
    """
    w = _check(pairs, weights, p)
    a, wd, _ = _coverage(pairs, radius, w, existing)
    n_dem, n_site = a.shape
    if n_dem == 0:
        return Siting(np.arange(p, dtype=np.int64), 0.0, 0.0, 0.0, "milp")
    # variables: x (sites, binary) then y (demand covered, continuous in [0, 1]; integral at optimum)
    c = np.concatenate([np.zeros(n_site), -wd])
    cover = sparse.hstack([-a, sparse.identity(n_dem, format="csr")], format="csr")  # y_i - Σ x_j ≤ 0
    count = sparse.csr_matrix(np.concatenate([np.ones(n_site), np.zeros(n_dem)])[None, :])
    res = milp(
        c,
        constraints=[LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, p, p)],
        integrality=np.concatenate([np.ones(n_site), np.zeros(n_dem)]),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    if res.x is None:
        raise InputError(f"MCLP: HiGHS found no solution ({res.message})")
    x = res.x[:n_site] > 0.5
    sites = np.flatnonzero(x)
    objective = float(wd[np.asarray(a[:, x].sum(axis=1)).ravel() > 0].sum())
    bound = float(-res.mip_dual_bound) if res.mip_dual_bound is not None else objective
    return Siting(sites, objective, bound, _gap(objective, bound), "milp")


def _gap(objective: float, bound: float) -> float:
    if bound == 0:
        return 0.0
    return max(0.0, abs(bound - objective) / abs(bound))


def mclp_lp_bound(a: sparse.csr_matrix, wd: NDArray[np.float64], p: int) -> float:
    """Upper bound on the covered demand: the LP relaxation of the MCLP."""
    n_dem, n_site = a.shape
    c = np.concatenate([np.zeros(n_site), -wd])
    cover = sparse.hstack([-a, sparse.identity(n_dem, format="csr")], format="csr")
    count = sparse.csr_matrix(np.concatenate([np.ones(n_site), np.zeros(n_dem)])[None, :])
    res = milp(
        c,
        constraints=[LinearConstraint(cover, -np.inf, 0.0), LinearConstraint(count, p, p)],
        bounds=Bounds(0.0, 1.0),
    )
    return float(-res.fun)


def mclp_greedy(
    pairs: Pairs,
    weights: ArrayLike,
    *,
    p: int,
    radius: float,
    existing: ArrayLike | None = None,
    max_swaps: int = 1000,
    bound: bool = True,
) -> Siting:
    """MCLP by greedy addition then best-improvement swaps, with its gap to the LP bound.

    Examples
    --------
    >>> pairs = Pairs(np.array([0, 1, 2], np.int32), np.array([0, 1, 1], np.int32),
    ...               np.array([100.0, 200.0, 300.0]), n_origins=3, n_facilities=2, cutoff=500.0)
    >>> s = mclp_greedy(pairs, [5, 3, 4], p=1, radius=500)
    >>> s.sites.tolist(), s.objective, s.gap
    ([1], 7.0, 0.0)
    """
    w = _check(pairs, weights, p)
    a, wd, _ = _coverage(pairs, radius, w, existing)
    n_dem, n_site = a.shape
    at = a.T.tocsr()
    count = np.zeros(n_dem)
    chosen = np.zeros(n_site, dtype=bool)
    for _ in range(p):
        gains = at @ (wd * (count == 0))
        gains[chosen] = -1.0
        j = int(np.argmax(gains))
        chosen[j] = True
        count += a[:, j].toarray().ravel()
    for _ in range(max_swaps):
        best_delta, best = 1e-12, None
        for j in np.flatnonzero(chosen):
            aj = a[:, j].toarray().ravel()
            loss = float(wd[(aj > 0) & (count == 1)].sum())
            gains = at @ (wd * ((count - aj) == 0))
            gains[chosen] = -np.inf
            k = int(np.argmax(gains))
            if gains[k] - loss > best_delta:
                best_delta, best = gains[k] - loss, (j, k)
        if best is None:
            break
        j, k = best
        chosen[j], chosen[k] = False, True
        count += a[:, k].toarray().ravel() - a[:, j].toarray().ravel()
    objective = float(wd[count > 0].sum())
    ub = mclp_lp_bound(a, wd, p) if bound and n_dem else objective
    return Siting(np.flatnonzero(chosen), objective, ub, _gap(objective, ub), "greedy+swap")


def p_median(
    pairs: Pairs,
    weights: ArrayLike,
    *,
    p: int,
    time_limit: float = 300.0,
    mip_rel_gap: float = 1e-4,
) -> Siting:
    """p-median: choose ``p`` sites minimising the demand-weighted walk to the nearest chosen site.

    Each demand point may be served only by candidates in ``pairs`` (within its cut-off); the
    strong formulation ``z_ij ≤ x_j`` is solved by HiGHS.

    Raises
    ------
    InputError
        A demand point with positive weight has no candidate within the pairs' cut-off.

    Examples
    --------
    >>> pairs = Pairs(np.array([0, 0, 1, 1], np.int32), np.array([0, 1, 0, 1], np.int32),
    ...               np.array([100.0, 500.0, 400.0, 100.0]), n_origins=2, n_facilities=2, cutoff=1e9)
    >>> s = p_median(pairs, [1, 3], p=1)
    >>> s.sites.tolist(), s.objective
    ([1], 800.0)
    """
    w = _check(pairs, weights, p)
    need = w > 0
    reach = np.bincount(pairs.origin, minlength=pairs.n_origins) > 0
    lost = np.flatnonzero(need & ~reach)
    if lost.size:
        raise InputError(f"p-median: demand rows {lost[:5].tolist()} have no candidate site within reach")
    keep = need[pairs.origin]
    o, f, d = pairs.origin[keep], pairs.facility[keep], pairs.distance[keep]
    rows, o_new = np.unique(o, return_inverse=True)
    n_dem, n_site, n_z = rows.size, pairs.n_facilities, o.size
    z = np.arange(n_z)
    # variables: x (n_site, binary), then z (one per pair, continuous [0, 1])
    c = np.concatenate([np.zeros(n_site), w[o] * d])
    assign = sparse.csr_matrix((np.ones(n_z), (o_new, n_site + z)), shape=(n_dem, n_site + n_z))
    link = sparse.csr_matrix(
        (np.concatenate([np.ones(n_z), -np.ones(n_z)]), (np.tile(z, 2), np.concatenate([n_site + z, f]))),
        shape=(n_z, n_site + n_z),
    )
    count = sparse.csr_matrix(np.concatenate([np.ones(n_site), np.zeros(n_z)])[None, :])
    res = milp(
        c,
        constraints=[
            LinearConstraint(assign, 1.0, 1.0),
            LinearConstraint(link, -np.inf, 0.0),
            LinearConstraint(count, p, p),
        ],
        integrality=np.concatenate([np.ones(n_site), np.zeros(n_z)]),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": time_limit, "mip_rel_gap": mip_rel_gap, "disp": False},
    )
    if res.x is None:
        raise InputError(f"p-median: HiGHS found no solution ({res.message})")
    sites = np.flatnonzero(res.x[:n_site] > 0.5)
    objective = p_median_objective(pairs, w, sites)
    bound = float(res.mip_dual_bound) if res.mip_dual_bound is not None else objective
    return Siting(sites, objective, bound, _gap(objective, bound), "milp")


def p_median_objective(pairs: Pairs, weights: ArrayLike, sites: ArrayLike) -> float:
    """Demand-weighted walk from each demand point to its nearest site among ``sites``."""
    w = np.asarray(weights, dtype=np.float64)
    open_ = np.zeros(pairs.n_facilities, dtype=bool)
    open_[np.asarray(sites, dtype=np.int64)] = True
    m = open_[pairs.facility]
    best = np.full(pairs.n_origins, np.inf)
    np.minimum.at(best, pairs.origin[m], pairs.distance[m])
    need = w > 0
    return float((w[need] * best[need]).sum())
