"""Rates with Wilson score intervals: the interval every sweep table and every agreement
figure (see :mod:`insider_sim.simulation.analysis.validation`) reports."""

from __future__ import annotations

import math

Z95 = 1.96


def wilson(count: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``count`` successes in ``n`` trials (95% for z=1.96)."""
    if n <= 0:
        raise ValueError(f"a rate needs at least one trial, got n={n}")
    if not 0 <= count <= n:
        raise ValueError(f"count {count} is not between 0 and n={n}")
    p = count / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def rate(count: int, n: int) -> dict[str, float | int]:
    """``{count, rate, low, high}`` for ``count`` of ``n`` (n at least 1), rounded to 4 places."""
    low, high = wilson(count, n)
    return {
        "count": count,
        "rate": round(count / n, 4),
        "low": round(low, 4),
        "high": round(high, 4),
    }
