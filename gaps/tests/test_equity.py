"""Tests for the population-weighted Gini coefficient and Lorenz curve (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gaps.equity import lorenz_curve, weighted_gini


def mean_difference_gini(values):
    """Unweighted population Gini from its definition: sum |x_i - x_j| / (2 n^2 mean)."""
    x = np.asarray(values, dtype=float)
    if x.sum() == 0:
        return 0.0
    return np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean())


def test_equal_values_have_gini_zero():
    assert weighted_gini(values=np.full(5, 0.37), weights=np.array([1, 2, 3, 4, 5])) == (
        pytest.approx(0.0, abs=1e-12)
    )


def test_one_territory_holding_everything_among_n_equal_ones_has_gini_n_minus_1_over_n():
    # n = 4, x = [0, 0, 0, 10], w = 1 each:
    # sum_ij |x_i - x_j| = 2 * 3 * 10 = 60 ; W = 4 ; mu = 10/4 = 2.5
    # G = 60 / (2 * 16 * 2.5) = 60 / 80 = 0.75 = (4 - 1) / 4
    assert weighted_gini(values=np.array([0, 0, 0, 10]), weights=np.ones(4)) == pytest.approx(0.75)
    for n in (2, 7, 50):
        values = np.zeros(n)
        values[n // 2] = 3.0
        assert weighted_gini(values=values, weights=np.full(n, 2.0)) == pytest.approx((n - 1) / n)


def test_a_small_weighted_case_matches_the_hand_computation():
    # x = [1, 3], w = [3, 1]  ->  W = 4, sum w x = 6, mu = 1.5
    # sum_ij w_i w_j |x_i - x_j| = 2 * (3 * 1 * 2) = 12
    # G = 12 / (2 * 16 * 1.5) = 12 / 48 = 0.25
    assert weighted_gini(values=np.array([3.0, 1.0]), weights=np.array([1, 3])) == pytest.approx(
        0.25
    )


def test_territories_with_zero_weight_are_ignored():
    with_ghost = weighted_gini(values=np.array([1.0, 3.0, 1000.0]), weights=np.array([3, 1, 0]))
    assert with_ghost == pytest.approx(0.25)


def test_all_zero_values_are_perfect_equality():
    assert weighted_gini(values=np.zeros(3), weights=np.array([1, 2, 3])) == 0.0
    x, y = lorenz_curve(values=np.zeros(3), weights=np.array([1, 2, 3]))
    np.testing.assert_array_equal(x, y)


def test_zero_total_weight_is_refused():
    with pytest.raises(ValueError, match="weights sum to 0"):
        weighted_gini(values=np.array([1.0, 2.0]), weights=np.zeros(2))
    with pytest.raises(ValueError, match="weights sum to 0"):
        lorenz_curve(values=np.array([]), weights=np.array([]))


@pytest.mark.parametrize(
    ("values", "weights", "message"),
    [
        ([1.0, 2.0], [1.0], "same length"),
        ([[1.0, 2.0]], [[1.0, 1.0]], "values must be one-dimensional"),
        ([1.0, -2.0], [1.0, 1.0], "values contains negative"),
        ([1.0, 2.0], [1.0, -1.0], "weights contains negative"),
        ([1.0, math.nan], [1.0, 1.0], "values contains NaN"),
        ([1.0, 2.0], [math.nan, 1.0], "weights contains NaN"),
        ([1.0, math.inf], [1.0, 1.0], "values contains infinite"),
    ],
)
def test_invalid_inputs_raise_a_value_error_naming_the_argument(values, weights, message):
    with pytest.raises(ValueError, match=message):
        weighted_gini(values=np.array(values), weights=np.array(weights))


def test_lorenz_curve_is_sorted_by_value_and_runs_from_zero_to_one():
    # Sorted by value: (1, w=3), (3, w=1), (4, w=2).  W = 6, sum w x = 3 + 3 + 8 = 14.
    # x = [0, 3/6, 4/6, 6/6] ; y = [0, 3/14, 6/14, 14/14]
    x, y = lorenz_curve(values=np.array([4.0, 1.0, 3.0]), weights=np.array([2, 3, 1]))
    np.testing.assert_allclose(x, [0, 3 / 6, 4 / 6, 1])
    np.testing.assert_allclose(y, [0, 3 / 14, 6 / 14, 1])
    assert x[0] == y[0] == 0.0
    assert x[-1] == y[-1] == 1.0


@st.composite
def weighted_samples(draw):
    n = draw(st.integers(1, 12))
    values = draw(
        st.lists(
            st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.integers(0, 5).map(float)),
            min_size=n,
            max_size=n,
        )
    )
    weights = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    assume(sum(weights) > 0)
    return np.array(values), np.array(weights)


@settings(max_examples=100, deadline=None)
@given(weighted_samples())
def test_weighted_gini_equals_the_gini_of_the_sample_repeated_by_integer_weights(sample):
    values, weights = sample
    expanded = np.repeat(values, weights)

    weighted = weighted_gini(values=values, weights=weights)

    assert weighted == pytest.approx(
        weighted_gini(values=expanded, weights=np.ones(len(expanded))), abs=1e-12
    )
    assert weighted == pytest.approx(mean_difference_gini(expanded), abs=1e-12)
    assert 0.0 <= weighted < 1.0


@settings(max_examples=100, deadline=None)
@given(weighted_samples())
def test_gini_is_one_minus_twice_the_area_under_the_lorenz_curve(sample):
    values, weights = sample
    x, y = lorenz_curve(values=values, weights=weights)

    area = float(np.sum(np.diff(x) * (y[1:] + y[:-1]) / 2))  # trapezoid rule

    assert weighted_gini(values=values, weights=weights) == pytest.approx(1 - 2 * area, abs=1e-12)
    assert np.all(np.diff(x) >= 0)
    assert np.all(np.diff(y) >= 0)
    assert np.all(y <= x + 1e-12)  # the curve never rises above the line of equality
