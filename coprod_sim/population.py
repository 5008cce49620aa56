"""The organisation at week 0 (docs/ODD.md 5, Initialization).

Everyone's attributes are drawn from ``model.rng`` in a fixed order; disabled people get an
impairment profile (5.3) and some come forward as experts by experience, with a chance that rises
with their team's attitude (7.11). Ages, tenure and who is disabled with what kind of condition
come from the stationary state of the life-course processes (:mod:`coprod_sim.stationary`), so
the organisation does not drift as it ages. The fit of past projects is what professionals alone
made of them, so that week 0 reflects how the organisation worked until now. :func:`settle` then
puts accommodations, wellbeing and burnout at their steady state under the baseline levers.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from coprod_sim.config import LEVER_SECTIONS, SECTIONS, Config
from coprod_sim.mechanisms.access import REQUEST_THRESHOLD, grant, refresh_own, update_barriers
from coprod_sim.mechanisms.attitudes import susceptibility
from coprod_sim.mechanisms.deliberation import past_fit
from coprod_sim.mechanisms.people_flow import disclosure_chance, give_profile
from coprod_sim.mechanisms.progression import career_merit, initial_grades, successors
from coprod_sim.mechanisms.recruitment import disabled_hire_share, start_ability
from coprod_sim.mechanisms.service_users import draw_users
from coprod_sim.mechanisms.wellbeing import stationary_sd, target_wellbeing, update_wellbeing
from coprod_sim.state import (
    DISABLED_WORKER,
    MANAGER,
    STAFF,
    Caches,
    Seats,
    State,
    access_levels,
    clip01,
    nonzero,
    refresh_levers,
    set_role,
    swap_people,
)
from coprod_sim.stationary import draw_people, draw_traits

__all__ = ["BURN_IN_WEEKS", "EXPOSURE", "PRICES", "baseline_levers", "initial_state", "settle", "settle_careers"]

#: Weeks of wellbeing and burnout run before week 0, unrecorded, from the stationary wellbeing, so
#: that strain and burnout (which need weeks of low wellbeing, 7.10) start at their steady state.
BURN_IN_WEEKS = 26

#: Share of their tenure that disabled people at the start have been disabled in post (assumption:
#: about half of them became disabled in post, on average half way through, 7.11).
EXPOSURE = 0.45


def hires_disabled(config: Config) -> float:
    """Hires' chance of being disabled (7.11) at the expected culture: it shapes how disability is spread over ages.

    The baseline's recruitment (an interview) hires fewer disabled candidates than apply.
    """
    org, re = config.organisation, config.retention
    inclusion = 0.5 * org.attitude_mean + 0.5 * float(access_levels(Config()).mean())
    applicants = re.applicant_share * (1.0 - re.hiring_bias * (1.0 - inclusion))
    return disabled_hire_share(baseline_levers(config).recruitment, applicants)


def initial_state(config: Config, seats: Seats, rng: np.random.Generator) -> State:
    """Draw the people in every seat and each team's first project (the order of draws is fixed)."""
    org, k, n, is_mgr = config.organisation, config.deliberation.aspects, seats.n, seats.is_manager
    age, tenure, disabled, fluct = draw_people(config, n, hires_disabled(config), rng)
    workload, need = draw_traits(config, disabled, (1.0 - access_levels(Config())) / 4.0, rng)
    att = np.clip(rng.normal(org.attitude_mean, org.attitude_sd, n) + is_mgr * org.manager_attitude_shift, 0.0, 1.0)
    s = State(
        person_id=np.arange(n, dtype=np.int64),
        role=np.where(is_mgr, MANAGER, STAFF).astype(np.int8),
        team=seats.team,
        disabled=disabled,
        need=np.zeros((n, 4)),
        covers=np.zeros((n, k), bool),
        att_base=att,
        boost=np.zeros(n),
        attitude=att.copy(),
        att_anchor=att.copy(),  # everyone starts at the view they arrived with (Friedkin & Johnsen 1990)
        suscept=np.zeros(n),  # drawn last (below), so the draws before it are as they were
        lead=np.zeros(n),  # from the newcomers' draws, in settle
        skill=rng.beta(2, 5, n),
        ability=rng.beta(5, 3, n),
        workload=workload,
        engagement=np.clip(rng.normal(config.reciprocity.resting, 0.1, n), 0, 1),
        confidence=rng.beta(4, 4, n),
        wellbeing=np.zeros(n),  # its steady state is set by settle, once barriers are known
        strain=np.zeros(n, np.int16),
        burnout=np.zeros(n, bool),
        tenure=tenure,
        age=age,
        fluct=fluct,
        grade=np.where(
            is_mgr, config.progression.max_grade + 1, rng.binomial(config.progression.max_grade, 0.3, n)
        ).astype(np.int16),
        accommodated=np.zeros(n, bool),
        acc_weekly=np.zeros(n),
        peer_of=np.full(n, -1, np.int64),
        load=np.zeros(n, np.int16),
        peer_u=rng.random(n),
        infl_trace=np.zeros(n),
        token_trace=np.zeros(n),
        review_part=np.zeros(n),
        review_infl=np.zeros(n),
        barrier=np.zeros(n),
        own=np.zeros(n),
        removed=np.zeros(n),
        part_n=np.zeros(n, np.int32),
        infl_sum=np.zeros(n),
        contact_sum=np.zeros(n),
        trained_at=np.zeros(n, np.int32),
        acc_once=np.zeros(n),
        offset=rng.integers(0, 4 * config.deliberation.stage_weeks, seats.n_teams),
        need_t=rng.random((seats.n_teams, k)),
        z=rng.standard_normal((3, seats.n_teams, k)),
        decision=np.full((seats.n_teams, k), 0.5),
        last_fit=np.zeros(seats.n_teams),
        fit_acc=np.zeros(seats.n_teams),
        fit_n=np.zeros(seats.n_teams),
        imposed=np.zeros(seats.n_teams),
        # The organisation starts with the default (baseline) accessibility; a scenario's higher
        # levels are investments paid in week 1 (or when the timeline raises them, 7.2).
        access_paid=access_levels(Config()),
        acc_granted=np.zeros(3, np.int64),
    )
    who = nonzero(disabled)
    if len(who):
        keys = rng.random((len(who), k))
        alike = rng.random(len(who)) >= config.deliberation.diversity
        give_profile(s, config, who, need, keys, alike)
    team_att = np.bincount(seats.team, att, seats.n_teams) / np.bincount(seats.team, minlength=seats.n_teams)
    open_ = (~is_mgr) & disabled & (rng.random(n) < disclosure_chance(config, team_att[seats.team]))
    s.role[open_] = DISABLED_WORKER
    s.suscept[:] = susceptibility(config, rng.standard_normal(n))
    # Everyone in post was hired by the baseline's recruitment (7.11): the ability drawn above is
    # their first candidate's, and the best-scoring candidate's ability is theirs (so the draws
    # before are unchanged).
    s.ability[:] = start_ability(baseline_levers(config).recruitment, s.ability, rng)
    # Service users, drawn after it; need_t above is the centre, the real need their mean (7.18).
    s.users, s.need_t[:] = draw_users(config, s.need_t, rng)
    s.last_fit[:] = past_fit(s, seats, config)
    return s


#: Accessibility parameters that are prices of accommodations (JAN), not policy: week 0 keeps the
#: scenario's, so that accommodations granted before week 0 cost what the scenario says they cost.
PRICES = ("free_share", "one_time_share", "one_time_median", "ongoing_median")


def baseline_levers(config: Config) -> Config:
    """``config`` with every lever at its default (the organisation as it ran before week 0), prices kept."""
    levers = {name: SECTIONS[name]() for name in LEVER_SECTIONS}
    prices = {k: getattr(config.accessibility, k) for k in PRICES}
    levers["accessibility"] = dataclasses.replace(levers["accessibility"], **prices)
    return dataclasses.replace(config, timeline=(), **levers)


def settle(
    s: State, c: Caches, seats: Seats, config: Config, latent: dict[str, np.ndarray], rng: np.random.Generator
) -> None:
    """Put accommodations, wellbeing and burnout at their steady state under the baseline levers (5.6).

    Every scenario on a seed starts from this same organisation; its own levers act from week 1.
    Accommodations: a disabled person whose barriers exceed the request threshold has asked and
    been granted one by now with chance 1 - (1 - request rate x grant chance)^tenure (7.9).
    Careers: grades from tenure, and managers who came up from the top grade (:func:`settle_careers`).
    Wellbeing: around each person's target with the spread the weekly update keeps (7.10); then
    :data:`BURN_IN_WEEKS` weeks of the wellbeing update, recorded nowhere, bring strain and
    burnout (and the crossover between team mates) to their steady state.
    """
    base = baseline_levers(config)
    a = base.accessibility
    s.lead[:] = latent["lead"]  # the first people's own draws, as every newcomer's (7.12)
    refresh_levers(c, base)
    refresh_own(s, c, base)
    update_barriers(s, c, seats)
    di = c.dis
    u = rng.random(len(di))
    chance = -np.expm1(np.log1p(-min(a.request_rate * a.accommodations, 1.0 - 1e-12)) * EXPOSURE * s.tenure[di])
    grant(s, c, base, di[(s.barrier[di] > REQUEST_THRESHOLD) & (u < chance)], latent)  # paid before week 0
    update_barriers(s, c, seats)
    settle_careers(s, c, seats, base, rng)
    update_barriers(s, c, seats)
    target = target_wellbeing(s, c, seats, base)
    s.wellbeing[:] = clip01(target + stationary_sd(base) * rng.standard_normal(seats.n))
    for _ in range(BURN_IN_WEEKS):
        update_wellbeing(s, c, seats, base, rng)


#: Share of their career that disabled people at the start have had their barriers, for their
#: grades (5.6): fitted so that the baseline pay gap of year 1 is near that of years 6-10 (0.061
#: against 0.066 at 3,000 people, seeds 0-4; 7.12). It
#: is above EXPOSURE because a grade lost early is rarely made up and because promotion to
#: manager drains the top grade of those with most merit, which neither binomial law sees.
CAREER_EXPOSURE = 0.8


def settle_careers(s: State, c: Caches, seats: Seats, config: Config, rng: np.random.Generator) -> None:
    """Grades and managers at their steady state (5.6).

    Grades are those each person's tenure has brought them at their merit, and each manager seat
    holds someone promoted from the top grade (7.12).

    Managers were drawn like everyone else; each seat swaps its holder with its successor (who
    would have been promoted into it), the former holder going to the top grade as staff (or, if
    disabled, coming forward as an expert with the usual chance, 7.11).
    """
    initial_grades(s, seats, config, rng, career_merit(s, seats, config, CAREER_EXPOSURE))
    merits = career_merit(s, seats, config, EXPOSURE)
    mgr = seats.manager_seat
    src = successors(s, seats, config, mgr, np.empty(0, np.int64), merits)
    ok = src >= 0
    a, b = src[ok], mgr[ok]
    swap_people(s, c, seats, config, a, b)
    s.grade[b] = config.progression.max_grade + 1
    s.grade[a] = config.progression.max_grade
    # Former managers who are disabled come forward as experts as everyone else did at the start.
    dis = a[s.disabled[a]]
    team_att = c.team_att_sum[s.team[dis]] / seats.team_size[s.team[dis]]
    set_role(s, c, config, dis[rng.random(len(dis)) < disclosure_chance(config, team_att)], DISABLED_WORKER)
