"""Progress status against targets: Open SDG's growth-rate method (sdg-build ProgressMeasure).

With a target (the 2025 target up to 2025, the 2035 target after):

* ``target_achieved`` when the latest value has reached the target (in the indicator's
  direction);
* else the observed compound annual growth rate ``CAGRo = (x_t / x_0)^(1/(t − t_0)) − 1``
  is compared with the one required to reach the target on time,
  ``CAGRr = (target / x_0)^(1/(T − t_0)) − 1``; ``ratio = CAGRo / CAGRr``:
  ``≥ 0.95`` on track, ``≥ 0.6`` needs acceleration, ``≥ 0`` limited progress, ``< 0``
  deterioration.

Without a target, ``CAGRo`` (sign reversed for a lower-is-better indicator): ``> 0.015`` on
track, ``> 0.005`` needs acceleration, ``≥ 0`` limited progress, ``< 0`` deterioration.

Where a growth rate is undefined (a zero or negative baseline or value), the same
thresholds are applied to linear rates, ``(x_t − x_0)/(t − t_0)`` against
``(target − x_0)/(T − t_0)`` (without a target, relative to ``|x_0|``, or the sign of the
change when ``x_0 = 0``). Fewer than one year between baseline and value: no status.
"""

from __future__ import annotations

from dataclasses import dataclass

ON_TRACK, ACCELERATE, LIMITED, DETERIORATION, ACHIEVED = (
    "on_track",
    "needs_acceleration",
    "limited_progress",
    "deterioration",
    "target_achieved",
)

LABELS = {
    ACHIEVED: ("已达标", "target achieved"),
    ON_TRACK: ("进展顺利", "on track"),
    ACCELERATE: ("需加快", "needs acceleration"),
    LIMITED: ("进展有限", "limited progress"),
    DETERIORATION: ("倒退", "deterioration"),
}
TARGET_THRESHOLDS = (0.95, 0.6, 0.0)
GROWTH_THRESHOLDS = (0.015, 0.005, 0.0)


@dataclass(frozen=True)
class Status:
    code: str
    ratio: float | None  # observed / required growth (with a target) or the observed growth
    target: float | None
    target_year: int | None
    method: str  # "cagr" or "linear"

    @property
    def zh(self) -> str:
        return LABELS[self.code][0]

    @property
    def en(self) -> str:
        return LABELS[self.code][1]


def _grade(x: float, thresholds: tuple[float, float, float], strict: bool) -> str:
    hi, mid, lo = thresholds
    if (x > hi) if strict else (x >= hi):
        return ON_TRACK
    if (x > mid) if strict else (x >= mid):
        return ACCELERATE
    if x >= lo:
        return LIMITED
    return DETERIORATION


def status(
    *,
    base: float,
    base_year: int,
    value: float,
    year: int,
    direction: int,
    target_2025: float | None = None,
    target_2035: float | None = None,
) -> Status | None:
    """The progress status of ``value`` in ``year`` from ``base`` in ``base_year``."""
    if year <= base_year:
        return None
    target, target_year = (
        (target_2025, 2025) if year <= 2025 and target_2025 is not None else (target_2035, 2035)
    )
    if target is None:
        target, target_year = (target_2025, 2025) if target_2025 is not None else (None, None)
    t = year - base_year
    if target is not None:
        if (value - target) * direction >= 0:
            return Status(ACHIEVED, None, target, target_year, "cagr")
        span = max(target_year - base_year, 1)
        if base > 0 and value > 0 and target > 0:
            observed = (value / base) ** (1 / t) - 1
            required = (target / base) ** (1 / span) - 1
            method = "cagr"
        else:
            observed, required, method = (value - base) / t, (target - base) / span, "linear"
        if required == 0:  # the baseline already met the target and the value has slipped
            return Status(DETERIORATION, None, target, target_year, method)
        ratio = observed / required
        return Status(
            _grade(ratio, TARGET_THRESHOLDS, strict=False), round(ratio, 4), target, target_year, method
        )
    if base > 0 and value > 0:
        growth, method = (value / base) ** (1 / t) - 1, "cagr"
    elif base != 0:
        growth, method = (value - base) / t / abs(base), "linear"
    else:
        growth, method = (1.0 if value > 0 else -1.0 if value < 0 else 0.0), "linear"
    growth *= direction
    return Status(_grade(growth, GROWTH_THRESHOLDS, strict=True), round(growth, 4), None, None, method)
