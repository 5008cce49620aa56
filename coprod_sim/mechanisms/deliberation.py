"""The co-production meeting: invitation, taking part, decision weights, proposals, fit (docs/ODD.md 7.6).

Every team meets once a week at the current stage of its project (planning, design, delivery,
evaluation). Disabled workers who are invited and take part hold a share of the decision weight
(equality and power transfer); their lived experience covers some aspects of the real needs, and
professionals lean towards the standard service unless they hold the social model. The decision
moves towards the meeting's proposal; each stage ends with an output whose fit to the needs is
measured, and a project's fit is the mean of its four outputs.

Sources: 000 (stages; equality; diversity; reciprocity; disabled people as experts; "not
incurring unnecessary spending", citing OECD 2011); 001 element 1 and 003 (shift of power;
deficit- versus asset-based approach; "being consulted"); Choi & Robertson 2014 (power as
decision weights; multi-dimensional preferences); Ahn & Lee (logistic participation,
procedural-injustice threshold); Parrado et al. 2013 (self-efficacy); Shaping Our Lives (access
difficulties); TLAP 2014 and Mencap 2012 (influence and tokenism); Allport 1954, Pettigrew &
Tropp 2006, McManus et al. 2011 (equal-status contact); SCIE Guide 51 (cost of co-production);
Kalbfeld 2019 (no critical-mass threshold: influence is graded). Durations, the error structure,
the listening formula, the shape of the realised-influence curve and the step rule are
assumptions.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger, hourly_wage
from coprod_sim.state import PROFESSIONAL_CORRELATION, STAFF, Caches, Phase, Seats, State, clip01, nonzero

__all__ = ["TRACE_RATE", "Meeting", "fit", "meet", "past_fit", "realised_influence"]

#: Weight of this week in the exponential traces of influence and tokenism.
TRACE_RATE = 0.1


class Meeting(NamedTuple):
    """What this week's meetings give the outputs (NaN where undefined: nobody took part)."""

    participation_rate: float
    influence_share: float
    tokenism_rate: float
    stages_mask: int  # bit s set: some team met with disabled participants at stage s
    # Counts for the quarterly level, pooled so quiet weeks do not dilute the rates: participations,
    # disabled workers, sum over participations of unrealised influence (1 - realised), sum of
    # shares, meetings with participants.
    counts: tuple[int, int, float, float, int]

    @classmethod
    def none_yet(cls, any_disabled_workers: bool) -> Meeting:
        """Return the week-0 record: no meeting has happened."""
        return cls(0.0 if any_disabled_workers else math.nan, math.nan, math.nan, 0, (0, 0, 0.0, 0.0, 0))


def fit(decision: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Fit of a service to the real needs: 1 - 2 x mean absolute distance, in [0, 1]."""
    return clip01(1.0 - (2.0 / need.shape[-1]) * np.abs(decision - need).sum(axis=-1))


def realised_influence(ratio: np.ndarray, half: float, steepness: float) -> np.ndarray:
    """Share of an equal partner's influence realised, from weight held relative to an equal share (0-1).

    A Hill curve: ratio^k / (ratio^k + half^k). Half of it is realised at ``half`` times an equal
    per-head share (``deliberation.token_ratio``); ``steepness`` k sets how sharply it rises there.
    As k grows it tends to the old all-or-nothing threshold at ``half``; no value of it is a cliff.
    """
    rk = np.power(np.maximum(ratio, 0.0), steepness)
    hk = half**steepness
    return rk / np.maximum(rk + hk, 1e-300)


def past_fit(s: State, seats: Seats, p: Config) -> np.ndarray:
    """Fit of the projects before week 0: professionals' pull to the standard service, no disabled input.

    Professionals are weighted as in meetings (managers more, experts by experience not at all),
    so that week 0 reflects how the organisation worked until now.
    """
    d, team, t = p.deliberation, s.team, seats.n_teams
    w = np.where(seats.is_manager, d.manager_weight, 1.0) * (s.role <= STAFF)
    W = np.maximum(np.bincount(team, w, t), 1e-12)
    beta = d.standard_bias * (1.0 - np.bincount(team, w * s.att_base, t) / W)
    sd = d.outsider_noise * np.sqrt(
        PROFESSIONAL_CORRELATION + (1 - PROFESSIONAL_CORRELATION) * np.bincount(team, w * w, t) / W**2
    )
    past = s.need_t + beta[:, None] * (0.5 - s.need_t) + sd[:, None] * s.z[0]
    return fit(past, s.need_t)


def meet(
    s: State, c: Caches, seats: Seats, p: Config, rng: np.random.Generator, phase: Phase, costs: Ledger
) -> Meeting:
    """One meeting per team at its current stage; return what the outputs need of it."""
    d = p.deliberation
    stage, starting, stage_end, done = phase
    if len(starting):
        _start_projects(s, starting, rng, d.aspects)
    mgr_att = s.attitude[seats.manager_seat]
    part, tp, dteam = _take_part(s, c, seats, p, rng, stage, mgr_att)
    n_d = np.bincount(tp, minlength=seats.n_teams).astype(float)
    att_p, share, has_d, realised = _weights(s, c, seats, p, dteam, n_d, mgr_att)
    _decide(s, c, p, att_p, share, has_d, part, tp)
    _stage_outputs(s, p, stage_end, done, costs)
    infl_p = realised[tp]
    _reciprocate(s, c, p, part, infl_p)
    if len(part):
        _contact(s, c, seats, p, realised)
    # Staff time to make meetings with disabled participants accessible and facilitated (SCIE
    # Guide 51: budget for the cost of co-production); paid experts' own time on top.
    n_dw, n_part_teams = len(c.dw), int(np.count_nonzero(has_d))
    unrealised = float(len(part) - infl_p.sum())
    paid_hours = len(part) * p.involvement.hours if p.power.paid else 0.0
    facilitation = n_part_teams * p.involvement.facilitation_hours
    costs.add("coproduction", (paid_hours + facilitation) * hourly_wage(p))
    met = stage[has_d]  # the stages at which some team met with disabled participants
    share_sum = float(share[has_d].sum())
    return Meeting(
        participation_rate=len(part) / n_dw if n_dw else math.nan,
        influence_share=share_sum / n_part_teams if n_part_teams else math.nan,
        tokenism_rate=unrealised / len(part) if len(part) else math.nan,
        stages_mask=int(np.bitwise_or.reduce(np.left_shift(1, met))) if len(met) else 0,
        counts=(len(part), n_dw, unrealised, share_sum, n_part_teams),
    )


def _start_projects(s: State, starting: np.ndarray, rng: np.random.Generator, aspects: int) -> None:
    """Start new projects: new needs, new (persistent) estimation errors, the standard service."""
    s.need_t[starting] = rng.random((len(starting), aspects))
    s.z[:, starting] = rng.standard_normal((3, len(starting), aspects))
    s.decision[starting] = 0.5
    s.fit_acc[starting] = 0.0
    s.fit_n[starting] = 0.0


def _take_part(
    s: State, c: Caches, seats: Seats, p: Config, rng: np.random.Generator, stage: np.ndarray, mgr_att: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw who is invited (stage involved, manager's openness) and takes part (logistic).

    Returns the participants' seats, their teams, and the teams of all disabled workers.
    """
    pa = p.participation
    dw = c.dw
    dteam = s.team[dw]
    floor = p.involvement.invite_floor
    p_inv = c.involved[stage[dteam]] * (floor + (1.0 - floor) * mgr_att[dteam])
    logit = (
        pa.base
        + pa.engagement * (s.engagement[dw] - 0.5)
        + pa.confidence * (s.confidence[dw] - 0.5)
        - pa.barrier * s.barrier[dw]
        + pa.peer * (s.peer_of[dw] >= 0)
        - 2.0 * s.burnout[dw]
    )
    p_take = 1.0 / (1.0 + np.exp(-logit))
    # Invited and then taking part, in one draw: every seat's, every week (common random numbers).
    part_mask = rng.random(seats.n, dtype=np.float32)[dw] < p_inv * p_take
    return dw[part_mask], dteam[part_mask], dteam


def _weights(
    s: State, c: Caches, seats: Seats, p: Config, dteam: np.ndarray, n_d: np.ndarray, mgr_att: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weigh professionals by role, participants as far as professionals listen (000) plus power transfer (001, 003).

    Returns professionals' mean attitude, participants' share of the weight, whether any took
    part, and the influence each participant realised (:func:`realised_influence` of their
    per-head weight relative to an equal share; 0 where nobody took part).
    """
    d = p.deliberation
    # Professionals' mean attitude: everyone's team sum, less disabled workers, managers weighted.
    mgr_att_sum = (d.manager_weight - 1.0) * mgr_att
    att_p = (c.team_att_sum - np.bincount(dteam, s.attitude[c.dw], seats.n_teams) + mgr_att_sum) * c.inv_wp
    listen = 0.5 * att_p + 0.5 * seats.tsum(c.w_prof * s.skill) * c.inv_wp
    W_D = n_d * listen
    s_nat = W_D / np.maximum(W_D + c.W_P, 1e-12)
    pi = p.power.transfer
    share = np.where(n_d > 0, pi + (1.0 - pi) * s_nat, 0.0)
    has_d = n_d > 0
    ratio = np.where(has_d, share * (n_d + c.n_prof) / np.maximum(n_d, 1.0), 0.0)
    return att_p, share, has_d, realised_influence(ratio, d.token_ratio, d.influence_steepness)


def _decide(
    s: State,
    c: Caches,
    p: Config,
    att_p: np.ndarray,
    share: np.ndarray,
    has_d: np.ndarray,
    part: np.ndarray,
    tp: np.ndarray,
) -> None:
    """Pool proposals and move each team's decision towards them.

    Professionals lean toward the standard service unless they hold the social model (003);
    disabled people know the aspects their own experience covers (000).
    """
    d = p.deliberation
    beta = d.standard_bias * (1.0 - att_p)
    # err = beta (0.5 - need) + sd_p z, and x = need + err, in place (large organisations).
    err = np.subtract(0.5, s.need_t)
    err *= beta[:, None]
    x = np.multiply(c.sd_p[:, None], s.z[0])
    err += x
    np.add(s.need_t, err, out=x)
    teams_d = nonzero(has_d)
    if len(teams_d):
        K = d.aspects
        # Participants' aspects counted per team that had any (teams_d is sorted and holds every tp).
        at = np.searchsorted(teams_d, tp)
        flat = (at[:, None] * K + np.arange(K))[s.covers[part]]
        n_cov = np.bincount(flat, minlength=len(teams_d) * K).reshape(-1, K)
        err_d = np.where(
            n_cov > 0,
            d.expert_noise / np.sqrt(np.maximum(n_cov, 1)) * s.z[2, teams_d],
            d.outsider_noise * s.z[1, teams_d],
        )
        sh = share[teams_d, None]
        x[teams_d] = s.need_t[teams_d] + sh * err_d + (1.0 - sh) * err[teams_d]
    x -= s.decision
    x *= d.step_size
    s.decision += x


def _stage_outputs(s: State, p: Config, stage_end: np.ndarray, done: np.ndarray, costs: Ledger) -> None:
    """Each stage ends with an output; a finished project's fit is the mean of its outputs (000, 001).

    Early stages count as much as late ones. The first project of a team joined mid-way has fewer
    outputs. Poor fit costs rework.
    """
    if len(stage_end):
        s.fit_acc[stage_end] += fit(s.decision[stage_end], s.need_t[stage_end])
        s.fit_n[stage_end] += 1.0
    if len(done):
        project = s.fit_acc[done] / np.maximum(s.fit_n[done], 1.0)
        s.fit_acc[done] = 0.0
        s.fit_n[done] = 0.0
        s.last_fit[done] = project
        costs.add("rework", float((p.costs.rework * (1.0 - project)).sum() * p.costs.project_value))


def _reciprocate(s: State, c: Caches, p: Config, part: np.ndarray, infl_p: np.ndarray) -> None:
    """Reciprocity (000): realised influence builds engagement and confidence, the unrealised rest wears them down.

    Each participant gains in proportion to the influence they realised and tires in proportion
    to the rest (``infl_p`` in 0-1), so the response to the weight they held is smooth.
    """
    rc = p.reciprocity
    dw = c.dw
    if len(part):
        gain = rc.gain * (1.5 if p.power.paid else 1.0)
        lost = 1.0 - infl_p
        e, cf = s.engagement[part], s.confidence[part]
        s.engagement[part] = e + gain * infl_p * (1.0 - e) - rc.fatigue * lost * e
        s.confidence[part] = cf + 0.5 * gain * infl_p * (1.0 - cf) - 0.5 * rc.fatigue * lost * cf
    s.engagement[dw] += rc.drift * (rc.resting - s.engagement[dw])
    # Traces of recent realised and unrealised influence (only disabled workers take part).
    s.infl_trace[dw] *= 1.0 - TRACE_RATE
    s.token_trace[dw] *= 1.0 - TRACE_RATE
    if len(part):
        s.infl_trace[part] += TRACE_RATE * infl_p
        s.token_trace[part] += TRACE_RATE * lost
        s.review_part[part] += 1.0
        s.review_infl[part] += infl_p
        s.part_n[part] += 1
        s.infl_sum[part] += infl_p


def _contact(s: State, c: Caches, seats: Seats, p: Config, realised: np.ndarray) -> None:
    """Equal-status contact (Allport; Pettigrew & Tropp 2006): professionals move as far as participants were heard.

    The move is in proportion to the influence the team's participants realised (0 where nobody
    took part), so contact in a meeting where they were barely heard counts for little.
    """
    mask = seats.spread(realised > 0.0)
    mask &= c.prof
    who = nonzero(mask)
    q = realised[s.team[who]]
    s.att_base[who] += p.attitudes.contact * q * (1.0 - s.att_base[who])
    s.contact_sum[who] += q
