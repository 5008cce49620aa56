"""Leaving, retiring, hiring, onset of disability and recovery (docs/ODD.md 7.11), and disability profiles (5.3).

All changes of who is in a seat, and of who is disabled, happen in one batch each week: everyone
ages a week, leavers and those reaching the retirement age are replaced at once in the same seat
by the best of the vacancy's candidates (:mod:`coprod_sim.mechanisms.recruitment`),
some who stay become disabled (more often the older they are), some fluctuating conditions end,
and new disabled people get an impairment profile, barriers and (if they come forward) the
expert-by-experience role.

Sources: model.md (leaving rises with low wellbeing and burnout); DWP 2019 and Burchardt 2003
(disabled people's exits; onset of about 3% of workers a year); Burchardt 2000 (many spells of
disability are short; lasting ones rarely end); FRS 2021/22 via HoC Library CBP-9602 and US CPS
1998 (disability rises with age); DWP 2023 (average age of leaving work about 65); Boushey & Glynn
2012 (cost of replacing a leaver); 000 ("invisible barriers created by employers"); HoC Library
CBP-7540 (24% of working-age people disabled); Harrison & Carroll 1991 (hires bring the outside
culture); Accenture 2020 (76% of disabled employees not fully open). The base rate, the age
gradient, hires' ages and the dependence of disclosure on the team's attitude are assumptions.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.access import attitudinal, combined_barrier, refresh_own
from coprod_sim.mechanisms.attitudes import susceptibility
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.mechanisms.peer_support import ties_exist, unassign
from coprod_sim.mechanisms.progression import successors
from coprod_sim.mechanisms.recruitment import COMMUNICATION, select
from coprod_sim.newcomers import Newcomers
from coprod_sim.state import (
    DISABLED_WORKER,
    MANAGER,
    STAFF,
    Caches,
    Seats,
    State,
    clip01,
    move_people,
    nonzero,
    refresh_disabled,
    set_role,
)

__all__ = [
    "WEEKS_PER_YEAR",
    "Exits",
    "disclosure_chance",
    "flow",
    "give_profile",
    "hire",
    "hire_ages",
    "hiring_inclusion",
    "onset_hazard",
    "promote_within",
    "weekly",
]

#: Weeks in a year, as ages and yearly rates are counted.
WEEKS_PER_YEAR = 52


class Exits(NamedTuple):
    """Leavers of one week, by group."""

    disabled: int = 0
    nondisabled: int = 0
    disabled_workers: int = 0


def disclosure_chance(p: Config, team_att: np.ndarray) -> np.ndarray:
    """Chance of taking the expert-by-experience role; equals ``organisation.disclosure`` at attitude 0.5."""
    return clip01(p.organisation.disclosure * (0.5 + team_att))


def give_profile(s: State, p: Config, who: np.ndarray, need: np.ndarray, keys: np.ndarray, alike: np.ndarray) -> None:
    """Impairment profile and lived-experience aspects of newly disabled people.

    Each knows ``coverage`` aspects, those whose random key is among the smallest; people who
    are ``alike`` (``diversity`` below 1) all know the same aspects (000: diversity).
    """
    d = p.deliberation
    s.need[who] = need
    covers = keys <= np.partition(keys, d.coverage - 1, axis=1)[:, d.coverage - 1 : d.coverage]
    covers[alike] = np.arange(d.aspects) < d.coverage
    s.covers[who] = covers


def weekly(yearly: float) -> float:
    """Weekly chance of an event with the given yearly chance."""
    return 1.0 - (1.0 - min(yearly, 1.0)) ** (1.0 / WEEKS_PER_YEAR)


def hire_ages(p: Config) -> tuple[int, int, int]:
    """Youngest and (one past the) oldest age at hire, and the retirement age, in weeks."""
    re = p.retention
    lo = round(re.hire_age_min * WEEKS_PER_YEAR)
    return lo, max(round(re.hire_age_max * WEEKS_PER_YEAR), lo + 1), round(re.retirement_age * WEEKS_PER_YEAR)


def onset_hazard(p: Config, age: np.ndarray) -> np.ndarray:
    """Weekly chance of becoming disabled at these ages (weeks): ``onset_rate`` at 40, rising exponentially."""
    org = p.organisation
    return _onset_hazard(org.onset_rate, org.onset_age_gradient, age)


def _onset_hazard(rate: float, gradient: float, age: np.ndarray) -> np.ndarray:
    """:func:`onset_hazard` from the two parameters it reads."""
    yearly = rate * np.exp(gradient * (age / WEEKS_PER_YEAR - 40.0))
    return 1.0 - (1.0 - np.minimum(yearly, 1.0)) ** (1.0 / WEEKS_PER_YEAR)


def hiring_inclusion(s: State, c: Caches) -> float:
    """How open recruitment is: culture and accessibility (000, employers' invisible barriers)."""
    return 0.5 * float(s.attitude.sum()) / len(s.attitude) + 0.5 * c.access_mean


def flow(
    s: State,
    c: Caches,
    seats: Seats,
    p: Config,
    rng: np.random.Generator,
    newcomers: Newcomers,
    costs: Ledger,
) -> Exits:
    """Leavers and retirees are replaced; some who stay become disabled, some recover. One batch a week."""
    s.tenure += 1
    s.age += 1
    left = _leavers(s, p, rng)
    n_dis = int(s.disabled[left].sum())
    exits = Exits(n_dis, len(left) - n_dis, int((s.role[left] >= DISABLED_WORKER).sum()))
    leave = promote_within(s, c, seats, p, left)
    onset = _onsets(s, p, rng, leave)
    ended = _recoveries(s, p, rng, leave)
    if len(ended):
        _end_conditions(s, c, p, ended)
    # Every seat whose disability can change this week: leavers' and promoted people's seats
    # (hires and moves), onsets and ended conditions.
    touched = np.concatenate([left, leave, onset, ended])
    if len(leave) == 0 and len(onset) == 0:
        if len(ended):
            refresh_disabled(s, c, touched)
        return exits
    changed = np.concatenate([leave, onset])
    mates_att = 1.0 - attitudinal(s, c, seats, changed)  # team mates' attitude (leavers' own excluded)
    hired_dis = hire(s, c, seats, p, leave, newcomers, costs)
    s.disabled[onset] = True
    new_dis = np.concatenate([hired_dis, onset])
    if len(new_dis):
        lat = newcomers.latent
        need, keys, alike = lat["need"][new_dis], lat["keys"][new_dis], lat["alike"][new_dis]
        give_profile(s, p, new_dis, need, keys, alike >= p.deliberation.diversity)
    refresh_disabled(s, c, touched)
    refresh_own(s, c, p, changed)
    s.barrier[new_dis] = combined_barrier(s.own[new_dis], attitudinal(s, c, seats, new_dis))  # this week already
    _roles(s, c, seats, p, changed, len(leave), mates_att, newcomers.latent["forward"][changed])
    return exits


def promote_within(s: State, c: Caches, seats: Seats, p: Config, leave: np.ndarray) -> np.ndarray:
    """Fill manager seats vacated this week by promotion from the top grade (7.12); return the seats to hire into.

    Each promoted person moves into the manager seat and their own seat is refilled by a hire
    instead; a manager seat nobody at the top grade can fill is refilled from outside.
    """
    vacant = leave[seats.is_manager[leave]]
    if not len(vacant):
        return leave
    src = successors(s, seats, p, vacant, leave)
    inside = src >= 0
    if not inside.any():
        return leave
    src, dst = src[inside], vacant[inside]
    move_people(s, c, p, src, dst)
    s.grade[dst] = p.progression.max_grade + 1
    # leave is sorted and holds every dst once: find them by bisection instead of np.isin.
    stay = np.ones(len(leave), bool)
    stay[np.searchsorted(leave, dst)] = False
    return np.sort(np.concatenate([leave[stay], src]))


def _leavers(s: State, p: Config, rng: np.random.Generator) -> np.ndarray:
    """Who leaves: weekly hazard base x exp(k (reference - wellbeing) + b burnout), at most 0.5; and who retires."""
    re = p.retention
    u = rng.random(len(s.role), dtype=np.float32)  # every seat's draw, every week (common random numbers)
    retiring = nonzero(s.age >= hire_ages(p)[2])
    if re.base_hazard <= 0:
        return retiring
    # Exact hazards only where u is below the largest possible one (the same draws, so the same
    # leavers, as computing everyone's hazard).
    top = re.base_hazard * math.exp(re.wellbeing * (re.reference - float(s.wellbeing.min())) + re.burnout)
    cand = nonzero(u < min(top, 0.5))
    if len(cand):
        h = re.base_hazard * np.exp(re.wellbeing * (re.reference - s.wellbeing[cand]) + re.burnout * s.burnout[cand])
        cand = cand[u[cand] < np.minimum(h, 0.5)]
    if not len(retiring):
        return cand
    if len(cand) + len(retiring) > 256:
        return np.union1d(cand, retiring)
    # A handful of seats a week in most organisations: a set is cheaper than np.union1d's sort.
    return np.array(sorted(set(cand.tolist()).union(retiring.tolist())), dtype=cand.dtype)


def _top_onset(p: Config) -> float:
    """Return the largest weekly chance of onset (at the retirement age), computed once per parameter set."""
    org = p.organisation
    return _top_onset_of(org.onset_rate, org.onset_age_gradient, hire_ages(p)[2])


@lru_cache(maxsize=16)
def _top_onset_of(rate: float, gradient: float, retirement: int) -> float:
    """Return the hazard at ``retirement`` weeks by the same array operations as every week's (so the same bits)."""
    return float(_onset_hazard(rate, gradient, np.array([retirement]))[0])


def _onsets(s: State, p: Config, rng: np.random.Generator, leave: np.ndarray) -> np.ndarray:
    """People who become disabled this week, at a chance that rises with age, leavers excepted.

    Seats are drawn at the largest weekly chance (at the retirement age) with replacement (repeats
    merge), and each is kept with its own age's chance over that one (thinning): close to one draw
    per person, and the same number of draws whatever the state.
    """
    n = len(s.role)
    top = _top_onset(p)
    hit = rng.integers(0, n, rng.binomial(n, top))
    keep = rng.random(len(hit))
    if not len(hit):
        return np.empty(0, np.int64)
    hit = hit[keep * top < onset_hazard(p, s.age[hit])].tolist()
    leaving = set(leave.tolist())
    return np.array(sorted({i for i in hit if not s.disabled[i] and i not in leaving}), dtype=np.int64)


def _recoveries(s: State, p: Config, rng: np.random.Generator, leave: np.ndarray) -> np.ndarray:
    """People whose fluctuating condition ends this week (leavers excepted), drawn as onsets are."""
    n = len(s.role)
    hit = rng.integers(0, n, rng.binomial(n, weekly(p.organisation.recovery_rate)))
    hit = hit[s.disabled[hit] & s.fluct[hit]].tolist()  # most seats drawn are not disabled
    if not hit:
        return np.empty(0, np.int64)
    leaving = set(leave.tolist())
    return np.array(sorted({i for i in hit if i not in leaving}), dtype=np.int64)


def _end_conditions(s: State, c: Caches, p: Config, who: np.ndarray) -> None:
    """End the conditions of ``who``: no barriers, accommodation or expert role any more (an onset brings them back)."""
    s.disabled[who] = False
    for arr in (s.need, s.covers, s.own, s.barrier, s.accommodated, s.acc_weekly, s.acc_once, s.removed):
        arr[who] = 0
    experts = who[s.role[who] >= DISABLED_WORKER]
    if len(experts):
        if ties_exist(s, c, p):  # their peer ties end, as supported people and as supporters
            unassign(s, experts)
            unassign(s, nonzero(np.isin(s.peer_of, experts)))
        set_role(s, c, p, experts, STAFF)
    # The disabled seats (c.dis) are recomputed once by flow, after hires and onsets.


def _roles(
    s: State,
    c: Caches,
    seats: Seats,
    p: Config,
    changed: np.ndarray,
    n_hired: int,
    mates_att: np.ndarray,
    forward: np.ndarray,
) -> None:
    """Roles of changed seats: disabled non-managers come forward as experts with a chance set by their team."""
    mgr = seats.is_manager[changed]
    dis = s.disabled[changed]
    come_forward = (~mgr) & dis & (forward < disclosure_chance(p, mates_att))
    keep = np.where(s.role[changed] >= DISABLED_WORKER, s.role[changed], STAFF)
    base = np.where(np.arange(len(changed)) < n_hired, STAFF, keep)  # hires start as staff
    set_role(s, c, p, changed, np.where(mgr, MANAGER, np.where(come_forward, DISABLED_WORKER, base)))


def hire(
    s: State, c: Caches, seats: Seats, p: Config, who: np.ndarray, newcomers: Newcomers, costs: Ledger
) -> np.ndarray:
    """Put a new person in each seat of ``who``; return the seats whose new person is disabled."""
    org, re = p.organisation, p.retention
    m = len(who)
    if m == 0:
        return who
    costs.add("turnover", m * re.replacement_cost * org.wage_week)
    # Leavers' peer ties end; their supportees look for a new supporter next week.
    if ties_exist(s, c, p):
        unassign(s, who)
        unassign(s, nonzero(np.isin(s.peer_of, who)))
    s.load[who] = 0
    p_dis = re.applicant_share * (1.0 - re.hiring_bias * (1.0 - hiring_inclusion(s, c)))
    s.person_id[who] = newcomers.new_ids(m)
    # The same laws as at the start (5.2), from each seat's next newcomer draws.
    newcomers.arrive(who)
    lat = newcomers.latent
    u, z = lat["u"][who].T, lat["z"][who].T
    # The best-scoring of the vacancy's candidates is hired (interview or practical assessment).
    hired = select(p, lat["recruit"][who], p_dis)
    dis = hired.disabled
    s.disabled[who] = dis
    lat["need"][who, COMMUNICATION] = hired.comm  # their profile (5.3), if disabled now or later
    # New hires bring the outside culture (Harrison & Carroll 1991: selection and socialisation).
    att = clip01(org.attitude_mean + org.attitude_sd * z[0] + seats.is_manager[who] * org.manager_attitude_shift)
    if m == 1:  # most weeks; add.at (needed when two hires share a team) is slower
        c.team_att_sum[s.team[who]] += att - s.attitude[who]
    else:
        np.add.at(c.team_att_sum, s.team[who], att - s.attitude[who])
    s.att_base[who] = att
    s.attitude[who] = att
    s.att_anchor[who] = att  # the anchor is the view they arrive with (7.8)
    s.suscept[who] = susceptibility(p, lat["susc"][who])
    s.lead[who] = lat["lead"][who]
    s.skill[who], s.ability[who], s.confidence[who] = lat["skill"][who], hired.ability, lat["confidence"][who]
    s.workload[who] = clip01(org.workload + org.workload_sd * z[1])
    c.workload_demand[who] = p.wellbeing.workload * s.workload[who]
    s.wellbeing[who] = clip01(0.6 + 0.1 * z[2])
    s.engagement[who] = p.reciprocity.resting
    s.peer_u[who] = u[1]
    lo, hi, _ = hire_ages(p)
    s.age[who] = lo + (lat["age"][who] * (hi - lo)).astype(np.int32)
    s.fluct[who] = lat["cond"][who] < org.recovery_share
    s.grade[who] = np.where(seats.is_manager[who], p.progression.max_grade + 1, 0)
    # Everything else starts from zero: no barriers until a profile is drawn, no training boost,
    # strain, burnout, tenure, accommodation or history of meetings.
    for arr in s.reset_on_hire():
        arr[who] = 0
    return who[dis]
