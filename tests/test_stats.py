"""The one 95% Student-t interval every caller shares (coprod_sim.stats)."""

import math

import numpy as np
import pytest

from coprod_sim.stats import mean_interval, t_bands, t_interval, t_quantile


def test_t_interval_of_a_small_sample():
    m, lo, hi = t_interval(np.array([1.0, 2.0, 3.0]))
    assert m == 2.0
    assert t_quantile(2) == pytest.approx(4.302652729911275)
    assert hi - m == pytest.approx(4.302652729911275 / math.sqrt(3)) and m - lo == pytest.approx(hi - m)


def test_one_value_has_the_half_width_the_caller_asks_for():
    assert np.isnan(t_interval(np.array([5.0]))[1:]).all()
    assert t_interval(np.array([5.0]), single=0.0) == (5.0, 5.0, 5.0)
    assert np.isnan(t_interval(np.array([]))).all()


def test_mean_interval_uses_the_finite_values_only():
    assert mean_interval(np.array([1.0, np.nan, 2.0, 3.0, np.inf])) == t_interval(np.array([1.0, 2.0, 3.0]))


def test_bands_position_by_position():
    runs = [np.array([1.0, 4.0, np.nan]), np.array([2.0, 4.0, 7.0]), np.array([3.0, 4.0, np.nan])]
    mean, lo, hi = t_bands(runs)
    assert mean.tolist()[:2] == [2.0, 4.0] and mean[2] == 7.0
    assert (lo[0], hi[0]) == pytest.approx(t_interval(np.array([1.0, 2.0, 3.0]))[1:])
    assert lo[1] == hi[1] == 4.0  # no spread
    assert np.isnan(lo[2]) and np.isnan(hi[2])  # one value: no band
