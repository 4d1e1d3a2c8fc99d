"""Open SDG's growth-rate status, checked against hand-computed cases."""

import numpy as np
import pytest

from shezhi.indicators import composite, progress


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (95, "target_achieved"),
        (92, "on_track"),
        (88, "needs_acceleration"),
        (81, "limited_progress"),
        (70, "deterioration"),
    ],
)
def test_with_target(value, expected):
    # base 80 in 2020, target 95 in 2025: required CAGR = (95/80)^(1/5) − 1 ≈ 3.49 %.
    s = progress.status(base=80, base_year=2020, value=value, year=2024, direction=1, target_2025=95)
    assert s.code == expected


def test_lower_is_better_and_without_target():
    s = progress.status(base=40, base_year=2020, value=30, year=2024, direction=-1, target_2025=24)
    assert s.code == "needs_acceleration"  # ratio (30/40)^(1/4)-1 / ((24/40)^(1/5)-1) ≈ 0.69
    assert progress.status(base=100, base_year=2020, value=110, year=2024, direction=1).code == "on_track"
    assert (
        progress.status(base=100, base_year=2020, value=101, year=2024, direction=1).code
        == "limited_progress"
    )
    assert (
        progress.status(base=100, base_year=2020, value=110, year=2024, direction=-1).code == "deterioration"
    )
    assert (
        progress.status(base=0, base_year=2020, value=1, year=2024, direction=1, target_2025=2).method
        == "linear"
    )
    assert progress.status(base=1, base_year=2024, value=1, year=2024, direction=1) is None


def test_normalisations_and_ranks():
    X = np.array([[1.0, 10], [2, np.nan], [3, 30]])
    Z, imputed = composite.normalise(X, np.array([1, -1]), "minmax")
    assert Z[:, 0].tolist() == [0, 50, 100]
    assert Z[0, 1] == 100
    assert Z[2, 1] == 0
    assert imputed[1, 1]
    assert Z[1, 1] == 50
    assert composite.ranks(np.array([3.0, 1.0, 3.0])).tolist() == [1, 3, 1]
    with pytest.raises(ValueError, match="sum"):
        composite.check_weights(np.array([0.5, 0.4]))
