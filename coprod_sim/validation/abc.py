"""A posterior of calibrated parameters: history matching, then ABC on emulators.

Direct SMC-ABC needs tens of thousands of model runs; a point of the calibration costs seconds,
so the budget (``calibrate`` under 30 minutes on 2 cores) allows a few hundred. The method:

1. **Waves of history matching** (Vernon, Goldstein & Bower 2010; Andrianakis et al. 2015). Wave 1
   is a Latin hypercube over the prior box, each point run with a few common seeds. Emulators of
   each target's mean and seed variance (:mod:`coprod_sim.validation.emulator`) are fitted, and a
   point is ruled out when its implausibility, the largest over targets of
   ``|emulated mean - goal| / sqrt(discrepancy^2 + seed variance / replicates + emulator error)``,
   exceeds the cutoff (3, Pukelsheim's three-sigma rule). Each later wave is a space-filling set
   (greedy maximin) of points not yet ruled out; its emulators are fitted to every point not ruled
   out by the earlier waves, so they are fitted where the posterior lies.
2. **ABC on the emulators** (Wilkinson 2013: ABC with a Gaussian kernel is exact inference under
   additive Gaussian model error; Wilkinson 2014: ABC accelerated with emulators). The likelihood
   of a parameter set is the product over targets of a normal density of the goal around the last
   wave's emulated mean, with variance the discrepancy (half the band's half-width squared: the
   band holds about 95% of the model error), the Monte Carlo error of the mean the validation
   judges (seed variance over its replicates) and the emulator's own error; it is zero where an
   earlier wave ruled the point out. Importance sampling from the uniform prior, adapted while the
   effective sample size is below ``particles`` (a defensive mixture of a normal fitted to the
   weighted sample and the prior, Hesterberg 1995), gives the weighted posterior sample;
   systematic resampling gives the draws.

Everything random comes from streams of the one seed, so the same seed and the same model runs
give the same posterior; the simulator is a function, so a test can use a cheap fake one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import multivariate_normal, qmc

from coprod_sim.validation.emulator import Emulator, fit_emulator

__all__ = ["AbcSettings", "Posterior", "Target", "Wave", "estimate", "implausibility"]

#: A simulator: (wave number from 1, points in parameter units, n x d) -> values, targets x n x seeds.
Simulator = Callable[[int, np.ndarray], np.ndarray]
#: Candidate points a later wave's design and the importance sampler look at in one go.
_CANDIDATES = 100_000
#: Stages of adaptive importance sampling at most, and the prior's share of each proposal.
_STAGES, _DEFENSIVE = 4, 0.2


@dataclass(frozen=True)
class Target:
    """A calibration target as the likelihood sees it."""

    name: str
    goal: float
    sd: float  # model discrepancy: half the band's half-width (the band holds about 2 sd)
    replicates: int  # seeds the validation judges the statistic from


@dataclass(frozen=True)
class AbcSettings:
    """How many points, waves and seeds; the cutoff; the size of the posterior sample."""

    samples: int  # points a wave
    waves: int
    replicates: int  # seeds a point
    cutoff: float  # implausibility beyond which a point is ruled out
    particles: int  # effective sample size the importance sampler aims at
    draws: int  # draws kept (resampled)
    seed: int


@dataclass(frozen=True)
class Wave:
    """One wave: its points (unit cube), the values run there, its emulators, the share not ruled out."""

    u: np.ndarray
    values: np.ndarray  # targets x points x seeds
    emulators: list[Emulator]
    kept: float  # share of the prior box not ruled out before this wave's design was drawn


@dataclass(frozen=True)
class Posterior:
    """The result: the waves, the weighted sample, its effective size, and the resampled draws."""

    lo: np.ndarray
    hi: np.ndarray
    waves: list[Wave]
    sample: np.ndarray  # weighted posterior sample, parameter units
    weights: np.ndarray
    ess: float
    draws: np.ndarray  # resampled draws, parameter units, in random order

    @property
    def runs(self) -> int:
        """Model runs (points x seeds) over all waves."""
        return int(sum(w.values.shape[1] * w.values.shape[2] for w in self.waves))


def _variances(ems: list[Emulator], targets: list[Target], u: np.ndarray) -> list[np.ndarray]:
    return [t.sd**2 + e.seed_var(u) / t.replicates + e.error_var for e, t in zip(ems, targets, strict=True)]


def implausibility(ems: list[Emulator], targets: list[Target], u: np.ndarray) -> np.ndarray:
    """Return the largest over targets of the standardised distance of the emulated mean from the goal."""
    out = np.zeros(len(u))
    for e, t, v in zip(ems, targets, _variances(ems, targets, u), strict=True):
        out = np.maximum(out, np.abs(e.mean(u) - t.goal) / np.sqrt(v))
    return out


def _ruled_out(waves: list[Wave], targets: list[Target], cutoff: float, u: np.ndarray) -> np.ndarray:
    out = np.zeros(len(u), bool)
    for w in waves:
        out |= implausibility(w.emulators, targets, u) > cutoff
    return out


def _log_likelihood(ems: list[Emulator], targets: list[Target], u: np.ndarray) -> np.ndarray:
    out = np.zeros(len(u))
    for e, t, v in zip(ems, targets, _variances(ems, targets, u), strict=True):
        out -= 0.5 * ((e.mean(u) - t.goal) ** 2 / v + np.log(2 * np.pi * v))
    return out


def _maximin(cand: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Greedy maximin subset of ``n`` candidates: each next point the farthest from those chosen."""
    if len(cand) <= n:
        return cand
    cand = cand[rng.permutation(len(cand))[:5000]]
    chosen = [0]
    dist = np.sum((cand - cand[0]) ** 2, axis=1)
    for _ in range(n - 1):
        i = int(np.argmax(dist))
        chosen.append(i)
        dist = np.minimum(dist, np.sum((cand - cand[i]) ** 2, axis=1))
    return cand[chosen]


def _design(waves: list[Wave], targets: list[Target], s: AbcSettings, d: int, rng: np.random.Generator):
    """Return the next wave's points (unit cube) and the share of the box not ruled out so far."""
    if not waves:
        return qmc.LatinHypercube(d=d, seed=rng).random(s.samples), 1.0
    cand = rng.random((_CANDIDATES, d))
    worst = np.zeros(len(cand))
    for w in waves:
        worst = np.maximum(worst, implausibility(w.emulators, targets, cand))
    ok = worst <= s.cutoff
    if ok.sum() < s.samples:  # too little left: the least implausible points (said in the provenance)
        ok = worst <= np.sort(worst)[min(len(cand), 10 * s.samples) - 1]
    return _maximin(cand[ok], s.samples, rng), float(np.mean(worst <= s.cutoff))


def history_match(
    simulate: Simulator,
    lo: np.ndarray,
    hi: np.ndarray,
    targets: list[Target],
    s: AbcSettings,
    progress: Callable[[str], None] | None = None,
) -> list[Wave]:
    """Run the waves: each a design, its model runs, and emulators fitted where the posterior lies."""
    rng = np.random.default_rng([s.seed, 0])
    waves: list[Wave] = []
    for k in range(1, s.waves + 1):
        u, kept = _design(waves, targets, s, len(lo), rng)
        if progress:
            progress(f"wave {k}/{s.waves}: {len(u)} points x {s.replicates} seeds ({kept:.1%} of the box left)")
        values = np.asarray(simulate(k, lo + u * (hi - lo)), float)
        us = np.vstack([w.u for w in waves] + [u])
        vs = np.concatenate([w.values for w in waves] + [values], axis=1)
        fit = ~_ruled_out(waves, targets, s.cutoff, us)
        fit[-len(u) :] = True  # this wave's points, even if too little was left and they are the least implausible
        ems = [fit_emulator(us[fit], vs[i][fit]) for i in range(len(targets))]
        waves.append(Wave(u, values, ems, kept))
    return waves


def _log_posterior(waves: list[Wave], targets: list[Target], cutoff: float, u: np.ndarray) -> np.ndarray:
    """Log posterior (up to a constant) under the uniform prior on the unit cube."""
    out = np.full(len(u), -np.inf)
    inside = np.all((u >= 0) & (u <= 1), axis=1)
    inside[inside] &= ~_ruled_out(waves[:-1], targets, cutoff, u[inside])
    out[inside] = _log_likelihood(waves[-1].emulators, targets, u[inside])
    return out


def _normalised(logw: np.ndarray) -> np.ndarray:
    if not np.isfinite(logw).any():
        raise ValueError("every candidate is ruled out: the targets cannot be met within the prior box")
    w = np.exp(logw - np.max(logw))
    return w / w.sum()


def importance_sample(
    waves: list[Wave], targets: list[Target], s: AbcSettings, d: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Weighted posterior sample (unit cube), its weights and effective sample size."""
    rng = np.random.default_rng([s.seed, 1])
    u, logq = rng.random((_CANDIDATES, d)), np.zeros(_CANDIDATES)
    for stage in range(_STAGES):
        w = _normalised(_log_posterior(waves, targets, s.cutoff, u) - logq)
        ess = float(1.0 / np.sum(w**2))
        if ess >= s.particles or stage == _STAGES - 1:
            break
        mu = w @ u
        cov = 2.0 * np.cov(u.T, aweights=w).reshape(d, d) + 1e-8 * np.eye(d)  # widened: a proposal, not a fit
        normal = rng.multivariate_normal(mu, cov, _CANDIDATES)
        uniform = rng.random((_CANDIDATES, d))
        u = np.where((rng.random(_CANDIDATES) < _DEFENSIVE)[:, None], uniform, normal)
        inside = np.all((u >= 0) & (u <= 1), axis=1)
        logq = np.log((1 - _DEFENSIVE) * multivariate_normal(mu, cov).pdf(u).reshape(-1) + _DEFENSIVE * inside)
    return u, w, ess


def _resample(w: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Systematic resampling: indices of ``n`` draws, in random order."""
    positions = (rng.random() + np.arange(n)) / n
    idx = np.minimum(np.searchsorted(np.cumsum(w), positions), len(w) - 1)
    return idx[rng.permutation(n)]


def estimate(
    simulate: Simulator,
    lo: np.ndarray,
    hi: np.ndarray,
    targets: list[Target],
    s: AbcSettings,
    progress: Callable[[str], None] | None = None,
) -> Posterior:
    """History matching, then ABC on the emulators: the posterior of parameters in the box ``lo``-``hi``."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    waves = history_match(simulate, lo, hi, targets, s, progress)
    u, w, ess = importance_sample(waves, targets, s, len(lo))
    idx = _resample(w, s.draws, np.random.default_rng([s.seed, 2]))
    return Posterior(lo, hi, waves, lo + u * (hi - lo), w, ess, lo + u[idx] * (hi - lo))
