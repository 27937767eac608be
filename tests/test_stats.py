"""Wilson score intervals against values computed by hand (z = 1.96)."""

from __future__ import annotations

import pytest
from insider_sim.simulation.sweep.stats import rate, wilson


@pytest.mark.parametrize(
    ("count", "n", "low", "high"),
    [
        (0, 10, 0.0, 0.2775),
        (5, 10, 0.2366, 0.7634),
        (10, 10, 0.7225, 1.0),
        (1, 1, 0.2065, 1.0),
        (3, 20, 0.0524, 0.3604),
        (0, 1, 0.0, 0.7935),
    ],
)
def test_known_intervals(count: int, n: int, low: float, high: float) -> None:
    assert wilson(count, n) == pytest.approx((low, high), abs=1e-4)


def test_interval_is_symmetric_and_holds_the_rate() -> None:
    for n in (1, 7, 30):
        for count in range(n + 1):
            low, high = wilson(count, n)
            assert 0 <= low <= count / n <= high <= 1
            mirror_low, mirror_high = wilson(n - count, n)
            assert low == pytest.approx(1 - mirror_high)
            assert high == pytest.approx(1 - mirror_low)


def test_wider_z_gives_a_wider_interval() -> None:
    low95, high95 = wilson(4, 10)
    low99, high99 = wilson(4, 10, z=2.576)
    assert low99 < low95 and high99 > high95


@pytest.mark.parametrize(("count", "n"), [(0, 0), (3, 2), (-1, 5)])
def test_impossible_counts_are_refused(count: int, n: int) -> None:
    with pytest.raises(ValueError):
        wilson(count, n)


def test_rate_rounds_to_four_places() -> None:
    assert rate(5, 10) == {"count": 5, "rate": 0.5, "low": 0.2366, "high": 0.7634}
