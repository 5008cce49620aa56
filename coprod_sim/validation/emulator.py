"""Emulators of a stochastic model's target statistics: the mean over seeds, and the seed variance.

One emulator per target, fitted to design points in the unit cube (parameters scaled to the prior
box). The mean is a polynomial surface fitted by least squares; its degree (full quadratic or full
cubic, interactions included) is chosen by leave-one-out error, computed exactly from the hat
matrix (the PRESS statistic, Allen 1974), which also gives the hold-out R^2 reported. The seed
variance is a quadratic surface (no interactions) fitted to the log of each point's sample variance,
corrected for the bias of a log chi-square (E log(s^2/sigma^2) = digamma(nu/2) + log(2/nu)), as in
the joint mean-and-variance emulators of history matching (Vernon et al. 2010; Andrianakis et al.
2015). The emulator's own error variance is what the leave-one-out error leaves after the Monte
Carlo error of the points' means, never less than a tenth of it: an emulator never claims to be
exact.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma

__all__ = ["Emulator", "fit_emulator", "polynomial"]

#: Candidate degrees of the mean surface, tried in order; the one with the least hold-out error wins.
DEGREES = (2, 3)


def polynomial(u: np.ndarray, degree: int, interactions: bool = True) -> np.ndarray:
    """Return the columns of a polynomial in ``u`` (rows of points in [0, 1]), centred to [-1, 1].

    With ``interactions``, every monomial up to ``degree``; without, 1 and the powers of each
    coordinate.
    """
    z = 2.0 * np.asarray(u, float) - 1.0
    n, d = z.shape
    cols = [np.ones(n)]
    for k in range(1, degree + 1):
        if interactions:
            cols += [np.prod(z[:, list(c)], axis=1) for c in itertools.combinations_with_replacement(range(d), k)]
        else:
            cols += [z[:, j] ** k for j in range(d)]
    return np.column_stack(cols)


def _loo(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Least-squares coefficients and leave-one-out residuals, or None if the fit is not determined."""
    n, p = x.shape
    if n < p + 3:
        return None
    q, r = np.linalg.qr(x)
    if np.min(np.abs(np.diag(r))) < 1e-10 * np.max(np.abs(np.diag(r))):
        return None
    coef = np.linalg.solve(r, q.T @ y)
    h = np.sum(q**2, axis=1)
    resid = (y - x @ coef) / np.clip(1.0 - h, 1e-9, None)
    return coef, resid


@dataclass(frozen=True)
class Emulator:
    """A target's emulator: the mean surface, the seed-variance surface, and its own error."""

    degree: int
    coef: np.ndarray
    var_coef: np.ndarray
    error_var: float  # variance of the emulator's error in the mean
    r2: float  # leave-one-out (hold-out) R^2 of the points' means
    n: int  # points it was fitted to

    def mean(self, u: np.ndarray) -> np.ndarray:
        """Predicted mean over seeds at points ``u`` (unit cube)."""
        return polynomial(u, self.degree) @ self.coef

    def seed_var(self, u: np.ndarray) -> np.ndarray:
        """Predicted variance between seeds of one run's statistic at ``u``."""
        return np.exp(polynomial(u, 2, interactions=False) @ self.var_coef)


def _variance_surface(u: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Coefficients of log seed variance (bias-corrected), quadratic without interactions."""
    counts = np.isfinite(values).sum(axis=1)
    ok = counts >= 2
    d = u.shape[1]
    basis = polynomial(u[ok], 2, interactions=False)
    if not ok.any():  # one seed a point: no seed variance to see; the emulator error carries it
        return np.r_[np.log(1e-12), np.zeros(2 * d)]
    nu = counts[ok] - 1.0
    s2 = np.nanvar(values[ok], axis=1, ddof=1)
    logs = np.log(np.clip(s2, 1e-300, None)) - (digamma(nu / 2.0) + np.log(2.0 / nu))
    if ok.sum() < 2 * d + 4:  # too few for a surface: a constant
        return np.r_[np.mean(logs), np.zeros(2 * d)]
    coef, *_ = np.linalg.lstsq(basis, logs, rcond=None)
    return coef


def fit_emulator(u: np.ndarray, values: np.ndarray) -> Emulator:
    """Fit a target's emulator to points ``u`` (n x d, unit cube) and ``values`` (n x seeds, NaN if missing).

    Raises ``ValueError`` when even a quadratic surface is not determined by the points.
    """
    u = np.asarray(u, float)
    values = np.asarray(values, float)
    counts = np.isfinite(values).sum(axis=1)
    keep = counts > 0
    u, values, counts = u[keep], values[keep], counts[keep]
    y = np.nanmean(values, axis=1)
    var_coef = _variance_surface(u, values)
    best = None
    for degree in DEGREES:
        fit = _loo(polynomial(u, degree), y)
        if fit is not None and (best is None or np.mean(fit[1] ** 2) < np.mean(best[2] ** 2)):
            best = (degree, *fit)
    if best is None:
        raise ValueError(f"{len(y)} points cannot determine a quadratic surface in {u.shape[1]} parameters")
    degree, coef, resid = best
    press = float(np.mean(resid**2))
    noise = float(np.mean(np.exp(polynomial(u, 2, interactions=False) @ var_coef) / counts))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / total if total > 0 else float("nan")
    return Emulator(degree, coef, var_coef, max(press - noise, 0.1 * press), r2, len(y))
