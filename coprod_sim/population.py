"""The organisation at week 0 (docs/ODD.md 5, Initialization).

Everyone's attributes are drawn from ``model.rng`` in a fixed order; disabled people get an
impairment profile (5.3) and some come forward as experts by experience, with a chance that rises
with their team's attitude (7.11). The fit of past projects is what professionals alone made of
them, so that week 0 reflects how the organisation worked until now.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.attitudes import susceptibility
from coprod_sim.mechanisms.deliberation import past_fit
from coprod_sim.mechanisms.people_flow import disclosure_chance, give_profile
from coprod_sim.state import DISABLED_WORKER, MANAGER, STAFF, Seats, State, access_levels, nonzero

__all__ = ["initial_state"]


def initial_state(config: Config, seats: Seats, rng: np.random.Generator) -> State:
    """Draw the people in every seat and each team's first project (the order of draws is fixed)."""
    org, k, n, is_mgr = config.organisation, config.deliberation.aspects, seats.n, seats.is_manager
    disabled = rng.random(n) < org.disabled_share
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
        workload=np.clip(rng.normal(org.workload, org.workload_sd, n), 0.0, 1.0),
        engagement=np.clip(rng.normal(config.reciprocity.resting, 0.1, n), 0, 1),
        confidence=rng.beta(4, 4, n),
        wellbeing=np.clip(rng.normal(0.6, 0.1, n), 0, 1),
        strain=np.zeros(n, np.int16),
        burnout=np.zeros(n, bool),
        tenure=rng.exponential(300, n).astype(np.int32),
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
        need = rng.beta(0.8, 1.5, (len(who), 4))
        keys = rng.random((len(who), k))
        alike = rng.random(len(who)) >= config.deliberation.diversity
        give_profile(s, config, who, need, keys, alike)
    team_att = np.bincount(seats.team, att, seats.n_teams) / np.bincount(seats.team, minlength=seats.n_teams)
    open_ = (~is_mgr) & disabled & (rng.random(n) < disclosure_chance(config, team_att[seats.team]))
    s.role[open_] = DISABLED_WORKER
    s.last_fit[:] = past_fit(s, seats, config)
    s.suscept[:] = susceptibility(config, rng.standard_normal(n))
    return s
