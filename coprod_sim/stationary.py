"""The stationary state of ages, tenure and disability, from which week 0 is drawn (docs/ODD.md 5).

Seats are always filled, so the people in them are a renewal population: hires arrive at ages
spread evenly between ``retention.hire_age_min`` and ``hire_age_max``, some leave each week, those
who stay age, and everyone retires at ``retention.retirement_age``. Along the way people become
disabled (a chance that rises with age), and fluctuating conditions end (7.11). Following one cohort
of hires week by week of age gives, at each age, how many are still in post and how many of them
are disabled with a lasting or a fluctuating condition: the stationary distribution of the
life-course processes, so an organisation drawn from it does not drift as it ages.

The leaving hazard here is the same for everyone: the mean of the hazard of 7.11 over the wellbeing
of a typical non-disabled person (:func:`typical_hazard`; burnout and disability left out). The
table gives the shape (who is how old, how disability rises with age, which conditions
fluctuate); the share of disabled people at the start is ``organisation.disabled_share`` (5.2).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from scipy.special import ndtr

from coprod_sim.config import Config
from coprod_sim.mechanisms.people_flow import hire_ages, onset_hazard, weekly
from coprod_sim.mechanisms.wellbeing import stationary_sd

__all__ = [
    "CANDIDATES",
    "Cohort",
    "cohort",
    "draw_people",
    "draw_traits",
    "leaving_hazard",
    "shift_share",
    "typical_hazard",
]

#: Workloads (and impairment profiles) drawn per person at the start, one kept by how long it lets them stay.
#: Resampling from few candidates only moves part of the way to the weighted distribution: with 4,
#: disabled people's mean workload at week 0 was 0.455 against 0.428 in year 10, and their burnout
#: fell by a fifth in ten years as the organisation selected what week 0 had not; with 32 the
#: week-0 workloads are those of year 10 (0.426 and 0.421; 2,000 people, seeds 1-3).
CANDIDATES = 32

#: People whose candidates are drawn at once (a fixed size, so results do not depend on n's split).
_CHUNK = 65_536


class Cohort(NamedTuple):
    """Per week of age, from the youngest hire to the week before retirement."""

    age: np.ndarray  # weeks
    density: np.ndarray  # share of the people in post who are this age (sums to 1)
    disabled: np.ndarray  # share of them who are disabled
    fluct: np.ndarray  # share of the disabled whose condition fluctuates


def cohort(p: Config, hire_disabled: float) -> Cohort:
    """Follow one cohort of hires (a share ``hire_disabled`` of them disabled) from hire to retirement."""
    org = p.organisation
    lo, hi, retire = hire_ages(p)
    age = np.arange(lo, retire)
    onset = onset_hazard(p, age).tolist()
    stay = 1.0 - typical_hazard(p)
    rec = weekly(org.recovery_rate)
    f = org.recovery_share
    g = 1.0 / (hi - lo)  # hires per week of age, for ages in [lo, hi)
    n = np.empty((len(age), 3))  # not disabled, lasting condition, fluctuating condition
    none = lasting = fluctuating = 0.0
    for i in range(len(age)):
        if age[i] < hi:
            none += g * (1.0 - hire_disabled)
            lasting += g * hire_disabled * (1.0 - f)
            fluctuating += g * hire_disabled * f
        n[i] = none, lasting, fluctuating
        new, ended = none * onset[i], fluctuating * rec
        none, lasting, fluctuating = (
            stay * (none - new + ended),
            stay * (lasting + new * (1.0 - f)),
            stay * (fluctuating + new * f - ended),
        )
    total = n.sum(axis=1)
    dis = n[:, 1] + n[:, 2]
    return Cohort(
        age=age,
        density=total / total.sum(),
        disabled=dis / np.maximum(total, 1e-300),
        fluct=np.where(dis > 0, n[:, 2] / np.maximum(dis, 1e-300), f),
    )


def typical_hazard(p: Config) -> float:
    """Weekly leaving hazard of 7.11 averaged over a typical non-disabled person's wellbeing.

    Wellbeing is taken as normal around the target at the mean workload (7.10), with the spread of
    the weekly update and of workloads; E[exp(-k w)] of a normal is exp(-k mean + k^2 var / 2).
    The share in burnout is taken as the share below the burnout threshold.
    """
    re, wb, org = p.retention, p.wellbeing, p.organisation
    mean = wb.resting - wb.workload * org.workload
    var = stationary_sd(p) ** 2 + (wb.workload * org.workload_sd) ** 2
    log_h = re.wellbeing * (re.reference - mean) + 0.5 * re.wellbeing**2 * var
    below = 0.5 * math.erfc((mean - wb.burnout_threshold) / math.sqrt(2.0 * var)) if var > 0 else 0.0
    return min(re.base_hazard * math.exp(log_h) * (1.0 + math.expm1(re.burnout) * below), 0.5)


def shift_share(density: np.ndarray, share_at_age: np.ndarray, target: float) -> np.ndarray:
    """Shares at each age moved by one shift of their log-odds so that their mean over ages is ``target``."""
    if target <= 0.0:
        return np.zeros_like(share_at_age)
    if target >= 1.0:
        return np.ones_like(share_at_age)
    x = np.clip(share_at_age, 1e-9, 1.0 - 1e-9)
    logit = np.log(x / (1.0 - x))
    lo, hi = -40.0, 40.0
    for _ in range(60):  # bisection: the mean rises with the shift
        mid = 0.5 * (lo + hi)
        if float(density @ (1.0 / (1.0 + np.exp(-(logit + mid))))) < target:
            lo = mid
        else:
            hi = mid
    return 1.0 / (1.0 + np.exp(-(logit + 0.5 * (lo + hi))))


def draw_people(
    p: Config, n: int, hire_disabled: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ages, tenures (weeks), disability and kind of condition of ``n`` people in post, drawn from the stationary state.

    Age comes from the stationary density; tenure, given age, from the time since hire of people
    of that age still in post (hired at an age in the hire range, then staying each week with
    chance 1 - :func:`typical_hazard`); disabled with the stationary chance at that age, shifted to
    ``organisation.disabled_share`` overall; a disabled person's condition fluctuates with the
    stationary share at that age, anyone else's (should they become disabled) with ``recovery_share``.
    """
    c = cohort(p, hire_disabled)
    u = rng.random((4, n))
    cdf = np.cumsum(c.density)
    idx = np.minimum(np.searchsorted(cdf, u[0] * cdf[-1], side="right"), len(cdf) - 1)
    age = c.age[idx]
    lo, hi, _ = hire_ages(p)
    t_min = np.maximum(age - hi + 1, 0)
    span = (age - lo - t_min + 1).astype(float)  # tenures possible: t_min .. age - lo
    rate = -math.log1p(-typical_hazard(p))
    # Truncated geometric (continuous form), by inverse CDF.
    frac = -np.log1p(-u[1] * -np.expm1(-rate * span)) / rate if rate > 0 else u[1] * span
    tenure = t_min + np.minimum(frac.astype(np.int64), span.astype(np.int64) - 1)
    disabled = u[2] < shift_share(c.density, c.disabled, p.organisation.disabled_share)[idx]
    fluct = u[3] < np.where(disabled, c.fluct[idx], p.organisation.recovery_share)
    return age.astype(np.int32), tenure.astype(np.int32), disabled, fluct


def leaving_hazard(p: Config, target: np.ndarray) -> np.ndarray:
    """Return the expected weekly leaving hazard (7.11) of people whose wellbeing varies around ``target``.

    Wellbeing is taken as normal around the target with the spread of the weekly update (7.10), so
    E[exp(-k w)] = exp(-k target + k^2 sd^2 / 2); the chance of being in burnout is taken as the
    chance of being below the burnout threshold.
    """
    re, wb = p.retention, p.wellbeing
    sd = stationary_sd(p)
    below = ndtr((wb.burnout_threshold - target) / sd) if sd > 0 else (target < wb.burnout_threshold).astype(float)
    log_h = re.wellbeing * (re.reference - target) + 0.5 * re.wellbeing**2 * sd**2
    return re.base_hazard * np.exp(log_h) * (1.0 + math.expm1(re.burnout) * below)


def draw_traits(
    p: Config, disabled: np.ndarray, open_: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Workloads of the people in post and impairment profiles of the disabled among them.

    In a stationary organisation the people in post are the hires weighted by how long each stays,
    1 / hazard. Each person draws :data:`CANDIDATES` workloads as hires do (normal, clipped), and
    each disabled person as many impairment profiles (Beta(0.8, 1.5) per barrier type, paired with
    the workloads); one pair is kept with chance proportional to 1 / :func:`leaving_hazard` at the
    target wellbeing it gives (7.10): less ``wellbeing.workload`` x workload and, for a disabled
    person, less ``wellbeing.barriers`` x own barriers (profile . ``open_``, the share of each type
    left, 7.5) and ``wellbeing.discrimination`` x (1 - ``organisation.attitude_mean``).
    """
    n = len(disabled)
    workload, need = np.empty(n), np.empty((int(disabled.sum()), 4))
    k = 0
    for a in range(0, n, _CHUNK):  # a few chunks even at 1,000,000 people: memory stays small
        d = disabled[a : a + _CHUNK]
        workload[a : a + len(d)], need[k : k + int(d.sum())] = _pick_traits(p, d, open_, rng)
        k += int(d.sum())
    return workload, need


def _pick_traits(
    p: Config, disabled: np.ndarray, open_: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`draw_traits` for one chunk of people."""
    org, wb = p.organisation, p.wellbeing
    n, m = len(disabled), int(disabled.sum())
    workload = np.clip(rng.normal(org.workload, org.workload_sd, (n, CANDIDATES)), 0.0, 1.0)
    need = rng.beta(0.8, 1.5, (m, CANDIDATES, 4))
    target = wb.resting - wb.workload * workload
    target[disabled] -= wb.barriers * (need @ open_) + wb.discrimination * (1.0 - org.attitude_mean)
    # 1 / hazard is smooth in the target: tabulate it finely and look it up (millions of people;
    # the nearest of 4,097 points is within 0.1% of the exact weight).
    lo, hi = float(target.min()), float(target.max()) + 1e-9
    grid = np.linspace(lo, hi, 4097)
    at = ((target - lo) * (4096 / (hi - lo))).round().astype(np.intp)
    # Nobody leaves (base hazard 0): every candidate stays for ever, so all weigh the same.
    cdf = np.cumsum((1.0 / np.maximum(leaving_hazard(p, grid), 1e-300))[at], axis=1)
    pick = np.minimum((rng.random(n)[:, None] * cdf[:, -1:] > cdf).sum(axis=1), CANDIDATES - 1)
    return workload[np.arange(n), pick], need[np.arange(m), pick[disabled]]
