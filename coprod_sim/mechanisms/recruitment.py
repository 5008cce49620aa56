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

from coprod_sim.config import Config, Recruitment
from coprod_sim.newcomers import POOL_COLUMNS

__all__ = ["COMMUNICATION", "Hired", "disabled_hire_share", "score", "select", "start_ability"]

#: Column of the communication barrier in a person's need (barrier types in the order of 7.5).
COMMUNICATION = 2


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


def select(p: Config, pool: np.ndarray, p_dis: float) -> Hired:
    """Hire the best-scoring of the first ``recruitment.candidates`` candidates for each vacancy.

    ``pool`` holds the candidates' draws, one row per vacancy (``Newcomers.pool``); a candidate is
    disabled with chance ``p_dis`` (the disabled share of applicants, 7.11).
    """
    k, c = p.recruitment.candidates, POOL_COLUMNS
    disabled = pool[:, c["u"]][:, :k] < p_dis
    ability, comm = pool[:, c["ability"]][:, :k], pool[:, c["comm"]][:, :k]
    best = np.argmax(score(p.recruitment, disabled, ability, comm, pool[:, c["z"]][:, :k]), axis=1)
    rows = np.arange(len(pool))
    return Hired(disabled[rows, best], ability[rows, best], comm[rows, best])


def start_ability(rc: Recruitment, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Return the ability of the people in post at the start: each was hired by ``rc`` from their own candidates.

    ``first`` is each person's first candidate's ability; the other candidates and every score's
    error are drawn from ``rng``. Who is disabled at the start comes from the stationary state
    (5.2), so the candidates are scored as if none were disabled: an approximation for the
    disabled among them, whose interview mark-down would have asked for a higher ability.
    """
    n, k = len(first), rc.candidates
    ability = np.column_stack([first, rng.beta(5, 3, (n, k - 1))])
    z = rng.standard_normal((n, k))
    best = np.argmax(score(rc, np.zeros((n, k), bool), ability, ability, z), axis=1)
    return ability[np.arange(n), best]


@lru_cache(maxsize=64)
def disabled_hire_share(rc: Recruitment, p_dis: float) -> float:
    """Return the expected share of hires who are disabled when a share ``p_dis`` of candidates are (5.2).

    Estimated from 100,000 vacancies drawn as the newcomers' candidates are, with a fixed seed (the
    same number for the same parameters; standard error about 0.001), and kept per parameter set.
    """
    rng = np.random.default_rng(20261203)
    n, k = 100_000, rc.candidates
    disabled = rng.random((n, k)) < p_dis
    ability, comm, z = rng.beta(5, 3, (n, k)), rng.beta(0.8, 1.5, (n, k)), rng.standard_normal((n, k))
    best = np.argmax(score(rc, disabled, ability, comm, z), axis=1)
    return float(disabled[np.arange(n), best].mean())
