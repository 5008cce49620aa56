"""Careers: promotion through the grades and into management, by merit as managers judge it (docs/ODD.md 7.12).

Everyone below manager has a *merit* in promotion rounds: performance net of barriers (000, the
social model), times access to development (training, stretch work, mentoring, networks), which
barriers reduce, times managers' evaluation, which a medical-model manager discounts for people
known to be disabled. Grade promotions happen with a chance proportional to merit; a manager seat
left by a leaver or retiree is filled from the top grade, the best-placed candidate most likely
(weighted draw without replacement, weights merit to the power ``selection``), and only from
outside when nobody is at the top grade.

Sources: UNCRPD Art. 27(a), (e) (equal career advancement); 000 ("helping PwD progressing in their
career"; performance net of barriers); Accenture 2020 (67% of executives vs 41% of employees think
disabled staff are enabled to thrive: managers' view differs from staff's); ONS, Disability pay
gaps in the UK 2014-2023 (occupation is the largest factor of the 12.7% gap); Civil Service
Statistics 2023 (disabled 15.8% of all civil servants, 10.0% of the Senior Civil Service). The
rates and the strength of each channel are assumptions, checked against those two figures.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import DISABLED_WORKER, Seats, State, nonzero

__all__ = ["career_merit", "development", "grade_pay", "initial_grades", "merit", "promote", "successors"]


def development(s: State, p: Config, who: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Access to development of ``who`` (0-1): barriers take away ``development_barrier`` of it.

    The lever ``careers.development_access`` restores that share of what barriers take.
    """
    pr = p.progression
    return 1.0 - pr.development_barrier * (1.0 - p.careers.development_access) * s.barrier[who]


def merit(s: State, seats: Seats, p: Config, who: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Merit of ``who`` as their manager judges it: performance net of barriers x development x evaluation.

    The evaluation discounts the merit of people known to be disabled (expert-by-experience
    roles) by ``evaluation_bias`` x (1 - their manager's attitude); ``careers.fair_evaluation`` (structured,
    criteria-based appraisal) removes that share of the discount.
    """
    pr = p.progression
    perf = s.ability[who] * (1.0 - s.barrier[who])  # performance net of barriers (social model)
    mgr_att = s.attitude[seats.manager_seat[s.team[who]]]
    known = s.role[who] >= DISABLED_WORKER
    fair = 1.0 - pr.evaluation_bias * (1.0 - p.careers.fair_evaluation) * (1.0 - mgr_att) * known
    return perf * development(s, p, who) * fair


def _merit_of(s: State, seats: Seats, p: Config, who: np.ndarray) -> np.ndarray:
    """:func:`merit` of ``who``, worked out only where it is not simply ability (the same values).

    With no barrier and not known to be disabled every factor but ability is exactly 1.0
    (1 - 0 x anything), and x times 1.0 is x: most candidates' merit is their ability.
    """
    m = s.ability[who]
    other = nonzero((s.barrier[who] != 0.0) | (s.role[who] >= DISABLED_WORKER))
    if len(other):
        m[other] = merit(s, seats, p, who[other])
    return m


def promote(s: State, seats: Seats, p: Config, rng: np.random.Generator, t: int) -> None:
    """On promotion weeks, promote people below the top grade by one grade with chance ``rate`` x merit."""
    pr = p.progression
    if t % pr.interval:
        return
    eligible = (~seats.is_manager) & (s.grade < pr.max_grade)
    up = eligible & (rng.random(seats.n) < pr.rate * merit(s, seats, p))
    s.grade[up] += 1


def successors(
    s: State,
    seats: Seats,
    p: Config,
    vacant: np.ndarray,
    leaving: np.ndarray,
    merits: np.ndarray | None = None,
) -> np.ndarray:
    """Who is promoted into each vacant manager seat: a top-grade seat, or -1 (hired from outside).

    Candidates are people at the top grade who are not leaving; the seats go to those with the
    largest ``selection`` x log(merit) + g, g a standard Gumbel variable fixed for each person on
    arrival (``lead``: qualities for management that no measure of merit sees). For one seat this
    is a draw in proportion to merit ** ``selection`` (Gumbel-max; several seats: Gumbel top-k,
    Efraimidis & Spirakis 2006): 0 ignores merit, large values give the seat to the best-placed.
    Nothing is drawn in the week (common random numbers: the weekly streams are untouched).
    ``merits`` (everyone's) replaces :func:`merit` (week 0: merit over a career, :func:`career_merit`).
    """
    out = np.full(len(vacant), -1, np.int64)
    pool = s.grade == p.progression.max_grade  # managers are one grade above: never in the pool
    pool[leaving] = False
    cand = nonzero(pool)
    if not len(vacant) or not len(cand):
        return out
    m = _merit_of(s, seats, p, cand) if merits is None else merits[cand]
    score = np.log(np.maximum(m, 1e-12)) * p.progression.selection
    u = np.maximum(s.lead[cand], 1e-12)  # np.clip's values with two ufunc calls (its wrapper costs more)
    np.minimum(u, 1.0 - 1e-12, out=u)
    key = score - np.log(-np.log(u))
    k = min(len(vacant), len(cand))
    best = np.argpartition(-key, k - 1)[:k] if k < len(cand) else np.arange(len(cand))
    out[:k] = cand[best[np.argsort(-key[best], kind="stable")]]
    return out


def career_merit(s: State, seats: Seats, p: Config, exposure: float) -> np.ndarray:
    """Everyone's merit averaged over their career so far (week 0).

    Disabled people were disabled for ``exposure`` of it on average and before that had no
    barriers (merit = ability).
    """
    now = merit(s, seats, p)
    return np.where(s.disabled, exposure * now + (1.0 - exposure) * s.ability, now)


def initial_grades(s: State, seats: Seats, p: Config, rng: np.random.Generator, merits: np.ndarray) -> None:
    """Grades at week 0 from each person's tenure: the promotion rounds they have had, at their career merit.

    A person who has had r rounds at chance q per round is at grade min(Binomial(r, q), top): the
    exact law of :func:`promote` for a constant chance.
    """
    pr = p.progression
    below = nonzero(~seats.is_manager)
    rounds = s.tenure[below] // pr.interval
    q = np.minimum(pr.rate * merits[below], 1.0)
    s.grade[below] = np.minimum(rng.binomial(rounds, q), pr.max_grade)


def grade_pay(p: Config, grades: int) -> np.ndarray:
    """Relative pay of grades 0 .. ``grades`` - 1 (grade 0 = 1): ``pay_step`` more per grade."""
    return (1.0 + p.progression.pay_step) ** np.arange(grades)
