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
)
from coprod_sim.stationary import draw_people, draw_traits

__all__ = ["BURN_IN_WEEKS", "EXPOSURE", "PRICES", "baseline_levers", "initial_state", "settle"]

#: Weeks of wellbeing and burnout run before week 0, unrecorded, from the stationary wellbeing, so
#: that strain and burnout (which need weeks of low wellbeing, 7.10) start at their steady state.
BURN_IN_WEEKS = 26

#: Share of their tenure that disabled people at the start have been disabled in post (assumption:
#: about half of them became disabled in post, on average half way through, 7.11).
EXPOSURE = 0.45


def initial_state(config: Config, seats: Seats, rng: np.random.Generator) -> State:
    """Draw the people in every seat and each team's first project (the order of draws is fixed)."""
    org, k, n, is_mgr = config.organisation, config.deliberation.aspects, seats.n, seats.is_manager
    # Hires' chance of being disabled at the start (7.11), at the expected culture: it shapes how
    # disability is spread over ages in the stationary state.
    inclusion = 0.5 * org.attitude_mean + 0.5 * float(access_levels(Config()).mean())
    re = config.retention
    age, tenure, disabled, fluct = draw_people(
        config, n, re.applicant_share * (1.0 - re.hiring_bias * (1.0 - inclusion)), rng
    )
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
    # Service users, drawn last; need_t above is the centre, the real need their mean (7.15).
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
    Wellbeing: around each person's target with the spread the weekly update keeps (7.10); then
    :data:`BURN_IN_WEEKS` weeks of the wellbeing update, recorded nowhere, bring strain and
    burnout (and the crossover between team mates) to their steady state.
    """
    base = baseline_levers(config)
    a = base.accessibility
    refresh_levers(c, base)
    refresh_own(s, c, base)
    update_barriers(s, c, seats)
    di = c.dis
    u = rng.random(len(di))
    chance = -np.expm1(np.log1p(-min(a.request_rate * a.accommodations, 1.0 - 1e-12)) * EXPOSURE * s.tenure[di])
    grant(s, c, base, di[(s.barrier[di] > REQUEST_THRESHOLD) & (u < chance)], latent)  # paid before week 0
    update_barriers(s, c, seats)
    target = target_wellbeing(s, c, seats, base)
    s.wellbeing[:] = clip01(target + stationary_sd(base) * rng.standard_normal(seats.n))
    for _ in range(BURN_IN_WEEKS):
        update_wellbeing(s, c, seats, base, rng)
