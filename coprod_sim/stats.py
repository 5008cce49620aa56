"""The 95% Student-t interval of a mean, written once for comparisons, sweeps, validation and the dashboard.

Golden tests hash comparison tables to the last bit, so these are the exact floating-point
expressions every caller used before they shared them: change one and results change.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["mean_interval", "student_t", "t_bands", "t_interval", "t_quantile"]


def student_t() -> Any:
    """Return Student's t distribution, importing scipy.stats only when first needed (0.5-0.9 s)."""
    from scipy import stats

    return stats.t


def t_quantile(df: Any) -> Any:
    """Return the 97.5% quantile of Student's t with ``df`` degrees of freedom (a number or an array)."""
    return student_t().ppf(0.975, df)


def t_interval(x: np.ndarray, single: float = math.nan) -> tuple[float, float, float]:
    """Return the mean of the sample ``x`` and its 95% t-interval, ``(mean, lo, hi)``.

    Every value counts (drop NaN first if it should not). No values give NaN throughout; one
    value has no spread, so its half-width is ``single`` (NaN: no interval; 0.0: the point).
    """
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    half = float(t_quantile(n - 1) * x.std(ddof=1) / math.sqrt(n)) if n > 1 else single
    return m, m - half, m + half


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and 95% t-interval of the finite values of ``x``; a single value has no interval (NaN bounds)."""
    return t_interval(x[np.isfinite(x)])


def t_bands(runs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the mean and 95% t-interval of equally long runs, position by position (``(mean, lo, hi)``).

    Values that are not finite are skipped; a position with fewer than two values has no interval (NaN bounds).
    """
    x = np.vstack(runs)
    ok = np.isfinite(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, np.nansum(x, axis=0) / np.maximum(n, 1), np.nan)
        dev = np.where(ok, x - mean, 0.0)
        sd = np.sqrt((dev**2).sum(axis=0) / np.maximum(n - 1, 1))
        half = t_quantile(np.maximum(n - 1, 1)) * sd / np.sqrt(np.maximum(n, 1))
    half = np.where(n >= 2, half, np.nan)
    return mean, mean - half, mean + half
