"""Composite scores and their uncertainty (OECD/JRC Handbook; COINr's ``get_sensitivity``).

Pure NumPy, no database: ``X`` is communities × indicators (NaN where a value is missing).

1. **Direction**: lower-is-better indicators are negated, so higher is always better.
2. **Normalisation** per indicator: ``minmax`` → 0–100 (a constant column → 50);
   ``zscore`` → (x − mean)/sd (sd 0 → 0); ``rank`` → percentile rank 0–100 (ties averaged).
3. **Imputation**: a missing value takes the indicator's mean normalised value (marked
   ``imputed`` in the breakdown).
4. **Aggregation** with the published weights (Σw = 1): ``arithmetic`` Σ wᵢxᵢ, or
   ``geometric`` Π xᵢ^wᵢ on a positive scale (min-max moved to 1–100; rank is already
   positive; z-scores are refused for geometric aggregation, as COINr warns).
5. **Uncertainty**: ``draws`` Monte Carlo replications, each with every weight multiplied by
   U(1 − s, 1 + s) and renormalised, and the normalisation drawn uniformly from the methods
   allowed for the aggregation; each community's rank in every replication gives its median
   rank and 5–95 % band. Vectorised: one matrix product per normalisation method and one
   argsort over all replications.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

METHODS = ("minmax", "zscore", "rank")


def allowed_methods(aggregation: str) -> tuple[str, ...]:
    return ("minmax", "rank") if aggregation == "geometric" else METHODS


def normalise(X: np.ndarray, directions: np.ndarray, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(normalised matrix with missing values imputed, mask of imputed cells)."""
    X = np.asarray(X, dtype=float) * np.asarray(directions, dtype=float)[None, :]
    missing = np.isnan(X)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "minmax":
            lo, hi = np.nanmin(X, axis=0), np.nanmax(X, axis=0)
            span = hi - lo
            Z = np.where(span > 0, (X - lo) / np.where(span > 0, span, 1) * 100, 50.0)
        elif method == "zscore":
            mu, sd = np.nanmean(X, axis=0), np.nanstd(X, axis=0)
            Z = np.where(sd > 0, (X - mu) / np.where(sd > 0, sd, 1), 0.0)
        elif method == "rank":
            R = rankdata(np.where(missing, np.nan, X), axis=0, nan_policy="omit")
            counts = (~missing).sum(axis=0)
            Z = R / np.maximum(counts, 1) * 100
        else:
            raise ValueError(method)
    col_mean = np.nanmean(np.where(missing, np.nan, Z), axis=0) if Z.size else Z
    col_mean = np.where(np.isnan(col_mean), 50.0 if method != "zscore" else 0.0, col_mean)
    Z = np.where(missing, col_mean[None, :], Z)
    return Z, missing


def _positive(Z: np.ndarray, method: str) -> np.ndarray:
    if method == "minmax":
        return 1 + Z * 0.99
    if method == "rank":
        return np.maximum(Z, 1e-9)
    raise ValueError("geometric aggregation needs min-max or rank normalisation")


def aggregate(Z: np.ndarray, W: np.ndarray, method: str, aggregation: str) -> np.ndarray:
    """Scores, communities × replications, for weight rows ``W`` (replications × indicators)."""
    if aggregation == "geometric":
        return np.exp(np.log(_positive(Z, method)) @ W.T)
    return Z @ W.T


def ranks(S: np.ndarray) -> np.ndarray:
    """Rank 1 = highest score, per column (ties: the lower rank, competition style for
    one column; arbitrary but fixed order in the Monte Carlo)."""
    if S.ndim == 1:
        return rankdata(-S, method="min").astype(int)
    order = np.argsort(-S, axis=0, kind="stable")
    R = np.empty_like(order)
    np.put_along_axis(R, order, np.arange(1, S.shape[0] + 1)[:, None].repeat(S.shape[1], axis=1), axis=0)
    return R


@dataclass
class Result:
    scores: np.ndarray
    ranks: np.ndarray
    normalised: np.ndarray
    imputed: np.ndarray
    median_rank: np.ndarray
    p05: np.ndarray
    p95: np.ndarray


def check_weights(weights: np.ndarray) -> None:
    if weights.ndim != 1 or not len(weights) or np.any(weights < 0) or not np.isfinite(weights).all():
        raise ValueError("weights")
    if abs(weights.sum() - 1.0) > 1e-6:
        raise ValueError("sum")


def compute(
    X: np.ndarray,
    directions: np.ndarray,
    weights: np.ndarray,
    *,
    normalisation: str,
    aggregation: str,
    draws: int = 1000,
    spread: float = 0.25,
    seed: int = 0,
) -> Result:
    X = np.asarray(X, dtype=float)
    weights = np.asarray(weights, dtype=float)
    check_weights(weights)
    if normalisation not in allowed_methods(aggregation):
        raise ValueError("method")
    Z, imputed = normalise(X, directions, normalisation)
    scores = aggregate(Z, weights[None, :], normalisation, aggregation)[:, 0]
    rk = ranks(scores)
    rng = np.random.default_rng(seed)
    methods = allowed_methods(aggregation)
    W = weights[None, :] * rng.uniform(1 - spread, 1 + spread, size=(draws, len(weights)))
    W /= W.sum(axis=1, keepdims=True)
    choice = rng.integers(0, len(methods), size=draws)
    S = np.empty((X.shape[0], draws))
    for i, method in enumerate(methods):
        idx = np.flatnonzero(choice == i)
        if idx.size:
            Zm = Z if method == normalisation else normalise(X, directions, method)[0]
            S[:, idx] = aggregate(Zm, W[idx], method, aggregation)
    R = ranks(S)
    p05, med, p95 = np.percentile(R, [5, 50, 95], axis=1)
    return Result(scores, rk, Z, imputed, med, p05, p95)
