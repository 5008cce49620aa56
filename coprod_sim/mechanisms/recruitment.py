"""Recruitment: who of a vacancy's candidates is hired, by interview or by practical assessment (docs/ODD.md 7.11).

Each vacancy has ``recruitment.candidates`` candidates (drawn with the seat's newcomer, 5.2):
disabled or not, with an ability and, if disabled, a communication barrier. The recruiter scores
each and hires the best. An interview's score measures ability loosely and marks disabled
candidates down for how they communicate, which has nothing to do with their ability; a practical
assessment of the work (the Specialisterne pathway) measures ability more closely and does not.

Sources: 000 (practical example Specialisterne; "invisible barriers created by employers");
evidence.md 3.11 (Specialisterne: about 1 in 6 of those assessed hired); Schmidt & Hunter 1998
(validity of unstructured interviews .38, of work sample tests .54); Sasson et al. 2017 (first
impressions of autistic people are unfavourable, from style not substance); Ameri et al. 2018
(26% fewer expressions of employer interest for applicants who disclose a disability). The
scoring rule and the use of the communication barrier are assumptions.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

import numpy as np
from scipy.special import betaincinv, ndtri

from coprod_sim.config import Config, Recruitment

__all__ = ["COMMUNICATION", "POOL", "Hired", "candidates", "disabled_hire_share", "score", "select", "start_ability"]

#: Column of the communication barrier in a person's need (barrier types in the order of 7.5).
COMMUNICATION = 2

#: Candidates expanded for every vacancy: the most ``recruitment.candidates`` can be. Fixed, so
#: each candidate's draws do not depend on how many are assessed.
POOL = 6

#: SplitMix64 constants (Steele, Lea & Flood 2014): a counter-based generator, so each vacancy's
#: candidates are a pure function of one key drawn with the newcomer, vectorised over vacancies.
_GOLDEN, _MIX1, _MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)

#: Inverse CDFs of ability (Beta(5, 3), as at the start, 5.2) and of a barrier type's intensity
#: (Beta(0.8, 1.5), 5.3), tabulated once and interpolated (within about 1e-3 of the exact quantile).
_GRID = np.linspace(0.0, 1.0, 4097)
_ABILITY_Q = betaincinv(5.0, 3.0, _GRID)
_NEED_Q = betaincinv(0.8, 1.5, _GRID)


def _uniforms(keys: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Return uniforms in (0, 1), one per key and column in ``cols``: SplitMix64 of (53 bits of the key, column)."""
    with np.errstate(over="ignore"):
        x = (keys * 2.0**53).astype(np.uint64)[:, None] * np.uint64(4 * POOL) + cols.astype(np.uint64)
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _MIX1
        z = (z ^ (z >> np.uint64(27))) * _MIX2
        z ^= z >> np.uint64(31)
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _quantile(u: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Linear interpolation in a table of a quantile function on the evenly spaced :data:`_GRID`."""
    x = u * (len(table) - 1)
    lo = np.minimum(x.astype(np.intp), len(table) - 2)
    return table[lo] + (x - lo) * (table[lo + 1] - table[lo])


def candidates(keys: np.ndarray, k: int = POOL) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return each vacancy's first ``k`` candidates: uniform (disabled if low), ability, communication need, error.

    Candidate j's four draws are columns j, POOL + j, 2 POOL + j and 3 POOL + j of the key's
    expansion, so the first ``k`` candidates are the same whatever ``k`` is.
    """
    u = _uniforms(keys, (np.arange(4)[:, None] * POOL + np.arange(k)).ravel())
    ability = _quantile(u[:, k : 2 * k], _ABILITY_Q)
    comm = _quantile(u[:, 2 * k : 3 * k], _NEED_Q)
    return u[:, :k], ability, comm, ndtri(u[:, 3 * k :])


class Hired(NamedTuple):
    """The candidate hired for each vacancy."""

    disabled: np.ndarray
    ability: np.ndarray
    comm: np.ndarray  # communication barrier intensity (their need of that type, 5.3)


def score(rc: Recruitment, disabled: np.ndarray, ability: np.ndarray, comm: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Return the recruiter's score of each candidate: ability, plus error, less an interview's mark-down."""
    if rc.practical_assessment:
        return ability + rc.assessment_noise * z
    return ability + rc.interview_noise * z - rc.interview_penalty * comm * disabled


def select(p: Config, keys: np.ndarray, p_dis: float) -> Hired:
    """Hire the best-scoring of the first ``recruitment.candidates`` candidates for each vacancy.

    ``keys`` are the vacancies' keys (the newcomers' ``recruit`` draws); a candidate is disabled
    with chance ``p_dis`` (the disabled share of applicants, 7.11).
    """
    u, ability, comm, z = candidates(keys, p.recruitment.candidates)
    disabled = u < p_dis
    best = np.argmax(score(p.recruitment, disabled, ability, comm, z), axis=1)
    rows = np.arange(len(keys))
    return Hired(disabled[rows, best], ability[rows, best], comm[rows, best])


def start_ability(rc: Recruitment, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return the ability of the people in post at the start: each was hired by ``rc`` from their own candidates.

    ``first`` is each person's first candidate's ability; the other candidates and every score's
    error are drawn from ``rng``. Who is disabled at the start comes from the stationary state
    (5.2), so the candidates are scored as if none were disabled: an approximation for the
    disabled among them, whose interview mark-down would have asked for a higher ability.
    """
    n, k = len(first), rc.candidates
    ability = np.column_stack([first, _quantile(rng.random((n, k - 1)), _ABILITY_Q)])
    z = rng.standard_normal((n, k))
    best = np.argmax(score(rc, np.zeros((n, k), bool), ability, ability, z), axis=1)
    return ability[np.arange(n), best]


@lru_cache(maxsize=64)
def disabled_hire_share(rc: Recruitment, p_dis: float) -> float:
    """Return the expected share of hires who are disabled when a share ``p_dis`` of candidates are (5.2).

    Estimated from 50,000 vacancies drawn as the newcomers' candidates are, with a fixed seed (the
    same number for the same parameters; standard error about 0.002), and kept per parameter set.
    """
    keys = np.random.default_rng(20261203).random(50_000)  # vacancies drawn as hires' keys are
    u, ability, comm, z = candidates(keys, rc.candidates)
    disabled = u < p_dis
    best = np.argmax(score(rc, disabled, ability, comm, z), axis=1)
    return float(disabled[np.arange(len(keys)), best].mean())
