"""Statistics for the dashboard: percentiles of a histogram and 95 % confidence intervals for differences.

Proportions use the normal approximation (Wald interval of p1 − p2); means use Welch's standard error with the
Student t quantile for the Welch–Satterthwaite degrees of freedom (Cornish–Fisher expansion of the normal quantile,
Abramowitz & Stegun 26.7.5, within 0.001 of tables for df ≥ 5). Below MIN_GROUP observations per group there is
not enough data and no interval is given.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

MIN_GROUP = 30
CONFIDENCE = 0.95


def percentile(histogram: Sequence[tuple[float, int]], fraction: float) -> float | None:
    """The `fraction` quantile of values given as (value, count) pairs, interpolated linearly between ranks
    (the same definition as PostgreSQL's percentile_cont)."""
    ordered = sorted((value, count) for value, count in histogram if count > 0)
    total = sum(count for _, count in ordered)
    if total == 0:
        return None
    position = fraction * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value, count in ordered:
        if low is None and low_rank < seen + count:
            low = value
        if high_rank < seen + count:
            high = value
            break
        seen += count
    assert low is not None and high is not None
    return low + (high - low) * (position - low_rank)


@dataclass(frozen=True, slots=True)
class Difference:
    """Group A minus group B with its 95 % interval; `low`/`high` are None when there is not enough data."""

    estimate: float | None
    low: float | None
    high: float | None

    @property
    def enough_data(self) -> bool:
        return self.low is not None


NOT_ENOUGH = Difference(None, None, None)


def _z() -> float:
    return NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def student_t_quantile(df: float) -> float:
    """Two-sided 95 % critical value of Student's t with `df` degrees of freedom."""
    z = _z()
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / df ** (power + 1) for power, term in enumerate(terms))


def proportion_difference(hits_a: int, n_a: int, hits_b: int, n_b: int) -> Difference:
    """p_a − p_b with a normal-approximation 95 % interval."""
    if min(n_a, n_b) < MIN_GROUP:
        return NOT_ENOUGH
    p_a, p_b = hits_a / n_a, hits_b / n_b
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    diff = p_a - p_b
    return Difference(diff, diff - _z() * se, diff + _z() * se)


@dataclass(frozen=True, slots=True)
class Moments:
    """Count, sum and sum of squares of a sample: enough for its mean and variance."""

    n: int
    total: float
    squares: float

    @property
    def mean(self) -> float | None:
        return self.total / self.n if self.n else None

    @property
    def variance(self) -> float:
        return (self.squares - self.total**2 / self.n) / (self.n - 1) if self.n > 1 else 0.0


def mean_difference(a: Moments, b: Moments) -> Difference:
    """mean_a − mean_b with a Welch 95 % interval."""
    if min(a.n, b.n) < MIN_GROUP:
        return NOT_ENOUGH
    assert a.mean is not None and b.mean is not None
    diff = a.mean - b.mean
    va, vb = max(a.variance, 0.0) / a.n, max(b.variance, 0.0) / b.n
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(diff, diff, diff)
    df = (va + vb) ** 2 / (va**2 / (a.n - 1) + vb**2 / (b.n - 1))
    margin = student_t_quantile(df) * se
    return Difference(diff, diff - margin, diff + margin)
