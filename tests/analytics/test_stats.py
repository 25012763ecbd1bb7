"""Percentiles and confidence intervals against values worked out by hand and printed tables."""

from __future__ import annotations

import pytest

from app.analytics.stats import (
    MIN_GROUP,
    Moments,
    mean_difference,
    percentile,
    proportion_difference,
    student_t_quantile,
)


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([(60, 1), (72, 1)], 0.5) == pytest.approx(66)
    assert percentile([(60, 1), (72, 1)], 0.9) == pytest.approx(70.8)
    assert percentile([(47, 1), (60, 1), (72, 1)], 0.9) == pytest.approx(69.6)
    # 1, 1, 1, 2, 10 (counts as a histogram, in any order)
    assert percentile([(10, 1), (1, 3), (2, 1)], 0.5) == 1
    assert percentile([(10, 1), (1, 3), (2, 1)], 0.75) == 2
    assert percentile([(10, 1), (1, 3), (2, 1)], 0.9) == pytest.approx(2 + 0.6 * 8)
    assert percentile([(5, 1)], 0.9) == 5
    assert percentile([], 0.5) is None


@pytest.mark.parametrize(("df", "table"), [(5, 2.571), (10, 2.228), (30, 2.042), (39, 2.023), (120, 1.980)])
def test_student_t_quantile_matches_printed_tables(df: int, table: float) -> None:
    assert student_t_quantile(df) == pytest.approx(table, abs=0.0015)


def test_proportion_difference_normal_approximation() -> None:
    # 4/40 = 0.1 against 9/30 = 0.3: se = sqrt(0.1·0.9/40 + 0.3·0.7/30) = sqrt(0.00925) = 0.0961769
    result = proportion_difference(4, 40, 9, 30)
    assert result.estimate == pytest.approx(-0.2)
    assert result.low == pytest.approx(-0.2 - 1.959964 * 0.0961769, abs=1e-6)
    assert result.high == pytest.approx(-0.2 + 1.959964 * 0.0961769, abs=1e-6)


def test_welch_mean_difference() -> None:
    # A: 20 orders with 2 views and 20 with 0 → mean 1, variance 40/39. B: 30 orders with 0 → mean 0, variance 0.
    # se = sqrt(40/39/40) = 0.1601282; df = 39; t(0.975, 39) = 2.0227 → 1 ± 0.32389
    result = mean_difference(Moments(40, 40, 80), Moments(30, 0, 0))
    assert result.estimate == pytest.approx(1.0)
    assert result.low == pytest.approx(0.67611, abs=2e-4)
    assert result.high == pytest.approx(1.32389, abs=2e-4)


def test_welch_unequal_variances() -> None:
    # A: n 30, mean 4, sd 1 (sum 120, squares 30·16 + 29·1 = 509); B: n 40, mean 3.5, sd 2 (140, 40·12.25 + 39·4)
    # va = 1/30, vb = 4/40 → se = sqrt(0.1333…) = 0.365148; df = 0.017778 / (0.0011111/29 + 0.01/39) = 60.35
    # t(0.975, 60.35) ≈ 2.0001 → 0.5 ± 0.73034
    result = mean_difference(Moments(30, 120, 509), Moments(40, 140, 646))
    assert result.estimate == pytest.approx(0.5)
    assert result.low == pytest.approx(0.5 - 0.73034, abs=5e-4)
    assert result.high == pytest.approx(0.5 + 0.73034, abs=5e-4)


def test_below_the_minimum_there_is_no_interval() -> None:
    assert not proportion_difference(1, MIN_GROUP - 1, 5, 100).enough_data
    assert not mean_difference(Moments(100, 300, 1000), Moments(MIN_GROUP - 1, 10, 20)).enough_data
    assert proportion_difference(1, MIN_GROUP, 5, MIN_GROUP).enough_data
