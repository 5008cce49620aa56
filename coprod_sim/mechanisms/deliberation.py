"""The co-production meeting: invitation, taking part, decision weights, proposals, fit (docs/ODD.md 7.6).

Every team meets once a week at the current stage of its project (planning, design, delivery,
evaluation). Disabled workers who are invited and take part hold a share of the decision weight
(equality and power transfer); their lived experience covers some aspects of the real needs, and
anyone outside their own experience leans towards the standard service unless they hold the
social model. Everyone's misreading of the needs shares a part with the rest of the team, so the
fit gains only from what participants know that professionals do not. The decision moves towards
the meeting's proposal, more slowly with many participants and little facilitation skill; each
stage ends with an output whose fit to the needs is measured, and a project's fit is the mean of
its four outputs. Each stage's output closes part of the room for change (lock-in), so what
planning decides constrains the later stages. The team's service users take part beside disabled
workers and speak for their own needs, which make up the real needs (7.18). Power transferred
beyond what professionals would give strains and provokes unprepared professionals (7.10 reads it).

Sources: 000 (stages; equality; diversity; reciprocity; disabled people as experts; "not
incurring unnecessary spending", citing OECD 2011); 001 element 1 and 003 (shift of power;
deficit- versus asset-based approach; "being consulted"); Choi & Robertson 2014 (power as
decision weights; multi-dimensional preferences); Ahn & Lee (logistic participation,
procedural-injustice threshold); Parrado et al. 2013 (self-efficacy); Shaping Our Lives (access
difficulties); TLAP 2014 and Mencap 2012 (influence and tokenism); Allport 1954, Pettigrew &
Tropp 2006, McManus et al. 2011 (equal-status contact); SCIE Guide 51 (cost of co-production);
Kalbfeld 2019 (no critical-mass threshold: influence is graded); Scott et al. 2019 and Smaldino &
Lubell 2011 (broader involvement makes agreement harder); 003 limitations ("CP may challenge
existing framework of service provision"); Arnstein 1969 and Boehm 1981 (late involvement and late
changes have less effect; lock-in). Durations, the error structure, the listening formula,
the shape of the realised-influence curve, the step rule and the sizes of crowding and resistance
are assumptions.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms import budget, removal, service_users
from coprod_sim.mechanisms.attitudes import learn, resist
from coprod_sim.mechanisms.costs import Ledger, coproduction
from coprod_sim.mechanisms.received_support import received
from coprod_sim.mechanisms.support import informed_share
from coprod_sim.state import SELECT_FROM, SHARED_ERROR, STAFF, Caches, Phase, Seats, State, clip01, nonzero

__all__ = ["TRACE_RATE", "Meeting", "fit", "meet", "past_fit", "realised_influence"]

#: Weight of this week in the exponential traces of influence and tokenism.
TRACE_RATE = 0.1

#: Loadings of one person's error about a need on the part the team shares and on their own part.
_SHARED, _OWN = math.sqrt(SHARED_ERROR), math.sqrt(1.0 - SHARED_ERROR)


class Weights(NamedTuple):
    """Per team, this week: who holds how much of the decision, and how it is received."""

    att_p: np.ndarray  # professionals' weighted mean attitude
    skill_p: np.ndarray  # professionals' weighted mean co-production skill
    share: np.ndarray  # participants' share of the decision weight (0 without them)
    has_d: np.ndarray  # someone took part (a disabled worker or a service user)
    realised: np.ndarray  # influence each participant realised, 0-1 (0 without them)
    imposed: np.ndarray  # weight given by power transfer beyond what professionals would give


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
    #: Participations by people who received support this week (a peer supporter or
    #: accessibility; :func:`coprod_sim.mechanisms.received_support.received`): the level's support condition.
    supported: int = 0

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
    q = np.sqrt(np.bincount(team, w * w, t)) / W
    own = (d.outsider_noise * _OWN * q)[:, None] * s.z[1]
    past = s.need_t + beta[:, None] * (0.5 - s.need_t) + d.outsider_noise * _SHARED * s.z[0] + own
    return fit(past, s.need_t)


def meet(
    s: State, c: Caches, seats: Seats, p: Config, rng: np.random.Generator, phase: Phase, costs: Ledger
) -> Meeting:
    """One meeting per team at its current stage; return what the outputs need of it."""
    stage, starting, stage_end, done = phase
    if len(starting):
        _start_projects(s, starting, rng, p)
    mgr_att = s.attitude[seats.manager_seat]
    part, tp, dteam = _take_part(s, c, seats, p, rng, stage, mgr_att)
    upart = service_users.take_part(s.users, c, p, rng, stage, mgr_att)
    n_w = np.bincount(tp, minlength=seats.n_teams).astype(float)
    n_u = np.bincount(upart[0], minlength=seats.n_teams).astype(float)
    n_d = n_w + n_u  # participants: disabled workers and service users (7.18)
    w = _weights(s, c, seats, p, dteam, n_d, mgr_att)
    s.imposed = w.imposed
    service_users.include(s.users, *upart)
    _decide(s, c, p, w, (n_w, n_u), part, tp, upart, stage)
    _stage_outputs(s, p, stage_end, done, costs)
    infl_p = w.realised[tp]
    _reciprocate(s, c, p, part, infl_p)
    has_d = n_w > 0  # teams where some disabled worker took part
    if len(part):
        _contact(s, c, seats, p, w, has_d)
        removal.identify(s, c, p, part, infl_p, costs)  # barriers participants named (7.15)
        budget.allocate(s, c, p, part, infl_p, costs)  # the co-decided budget (7.17)
    n_dw, n_part_teams = len(c.dw), int(np.count_nonzero(has_d))
    n_users = int(n_u.sum())
    meetings = n_part_teams if not n_users else int(np.count_nonzero(w.has_d))
    coproduction(p, len(part) + n_users, meetings, float(np.dot(n_d, c.n_prof)), costs)
    unrealised = float(len(part) - infl_p.sum())
    met = stage[has_d]  # the stages at which some team met with disabled participants
    # The participants' share in meetings with disabled workers (service users present share it).
    share_sum = float(w.share[has_d].sum())
    return Meeting(
        participation_rate=len(part) / n_dw if n_dw else math.nan,
        influence_share=share_sum / n_part_teams if n_part_teams else math.nan,
        tokenism_rate=unrealised / len(part) if len(part) else math.nan,
        stages_mask=int(np.bitwise_or.reduce(np.left_shift(1, met))) if len(met) else 0,
        counts=(len(part), n_dw, unrealised, share_sum, n_part_teams),
        supported=int(np.count_nonzero(received(s, c, part, p.support.independent))) if len(part) else 0,
    )


def _start_projects(s: State, starting: np.ndarray, rng: np.random.Generator, p: Config) -> None:
    """Start new projects: new needs, new (persistent) estimation errors, the standard service.

    The real needs are the mean of the team's service users' own needs about the project (7.18).
    """
    aspects = p.deliberation.aspects
    centre = rng.random((len(starting), aspects))
    s.z[:, starting] = rng.standard_normal((3, len(starting), aspects))
    s.need_t[starting] = service_users.new_needs(s.users, p, starting, centre, rng)
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
    dteam = s.team[c.dw]
    # Invited and then taking part, in one draw: every seat's, every week (common random numbers).
    draw = rng.random(seats.n, dtype=np.float32)
    # Only disabled workers whose team is at an involved stage are invited; the others' chance is
    # 0 and no draw (>= 0) is below it, so in large organisations they are left out first.
    involved = c.involved[stage[dteam]]
    if seats.n < SELECT_FROM or involved.all():
        dw, team = c.dw, dteam
    else:
        at = nonzero(involved)
        dw, team, involved = c.dw[at], dteam[at], involved[at]
    floor = p.involvement.invite_floor
    p_inv = involved * (floor + (1.0 - floor) * mgr_att[team])
    logit = (
        pa.base
        + pa.engagement * (s.engagement[dw] - 0.5)
        + pa.confidence * (s.confidence[dw] - 0.5)
        - pa.barrier * s.barrier[dw]
        + pa.peer * (s.peer_of[dw] >= 0)
        - 2.0 * s.burnout[dw]
    )
    p_take = 1.0 / (1.0 + np.exp(-logit))
    part_mask = draw[dw] < p_inv * p_take
    return dw[part_mask], team[part_mask], dteam


def _weights(
    s: State, c: Caches, seats: Seats, p: Config, dteam: np.ndarray, n_d: np.ndarray, mgr_att: np.ndarray
) -> Weights:
    """Weigh professionals by role, participants as far as professionals listen (000) plus power transfer (001, 003).

    The influence each participant realises is :func:`realised_influence` of their per-head
    weight relative to an equal share; the imposed weight is what power transfer adds to the
    share professionals would have given of their own accord.
    """
    d = p.deliberation
    # Professionals' mean attitude: everyone's team sum, less disabled workers, managers weighted.
    mgr_att_sum = (d.manager_weight - 1.0) * mgr_att
    att_p = (c.team_att_sum - np.bincount(dteam, s.attitude[c.dw], seats.n_teams) + mgr_att_sum) * c.inv_wp
    skill_p = seats.tsum(c.w_prof * s.skill) * c.inv_wp
    listen = 0.5 * att_p + 0.5 * skill_p
    W_D = n_d * listen
    s_nat = W_D / np.maximum(W_D + c.W_P, 1e-12)
    pi = p.power.transfer
    has_d = n_d > 0
    share = np.where(has_d, pi + (1.0 - pi) * s_nat, 0.0)
    imposed = np.where(has_d, pi * (1.0 - s_nat), 0.0)
    ratio = np.where(has_d, share * (n_d + c.n_prof) / np.maximum(n_d, 1.0), 0.0)
    realised = realised_influence(ratio, d.token_ratio, d.influence_steepness)
    return Weights(att_p, skill_p, share, has_d, realised, imposed)


def _decide(
    s: State,
    c: Caches,
    p: Config,
    w: Weights,
    counts: tuple[np.ndarray, np.ndarray],
    part: np.ndarray,
    tp: np.ndarray,
    upart: tuple[np.ndarray, np.ndarray],
    stage: np.ndarray,
) -> None:
    """Pool proposals and move each team's decision towards them.

    Anyone leans toward the standard service on aspects outside their own experience unless they
    hold the social model (003); disabled people know the aspects their own experience covers
    (000). Everyone's error has a part the team shares, so pooling more heads removes only their
    own parts: participants add to the fit only what their lived experience knows better. Many
    participants and little facilitation skill slow the decision (crowding). Each stage's output
    closes part of the room for change (lock-in), so later stages move the decision less.
    ``counts`` are the disabled workers and the service users taking part, per team; ``upart``
    who of the users (teams, places).
    """
    d = p.deliberation
    n_w, n_u = counts
    n_d = n_w + n_u
    out = d.outsider_noise
    # Professionals: err = beta (0.5 - need) + out (a z0 + b q_P z1), and x = need + err, in place.
    err = np.subtract(0.5, s.need_t)
    err *= (d.standard_bias * (1.0 - w.att_p))[:, None]
    x = np.multiply(s.z[0], out * _SHARED)
    err += x
    np.multiply(s.z[1], (out * _OWN * c.q_p)[:, None], out=x)
    err += x
    teams_d = nonzero(w.has_d)
    if len(teams_d):
        sh = w.share[teams_d, None]
        p_err = _participants_error(s, p, teams_d, (n_w[teams_d], n_u[teams_d]), part, tp, upart)
        err[teams_d] = sh * p_err + (1.0 - sh) * err.take(teams_d, axis=0)
    np.add(s.need_t, err, out=x)
    x -= s.decision
    crowded = d.crowding > 0 and len(teams_d)
    if d.lock_in > 0 or crowded:
        # What earlier stages decided constrains this one: a step of step_size x (1 - lock_in)^stage.
        step = (
            (d.step_size * (1.0 - d.lock_in) ** np.arange(4))[stage] if d.lock_in > 0 else np.full(len(x), d.step_size)
        )
        if crowded:
            step[teams_d] /= 1.0 + d.crowding * n_d[teams_d] * (1.0 - w.skill_p[teams_d])
        x *= step[:, None]
    else:
        x *= d.step_size
    s.decision += x


def _participants_error(
    s: State,
    p: Config,
    teams_d: np.ndarray,
    counts: tuple[np.ndarray, np.ndarray],
    part: np.ndarray,
    tp: np.ndarray,
    upart: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Error of the participants' pooled proposal, per team that had any and aspect.

    On an aspect that some participants know from lived experience the others defer to them, and
    the proposal is the mean of those who know: error ``expert_noise`` in size. On an aspect none
    of them knows they are outsiders like anyone: error ``outsider_noise`` in size and the pull to
    the standard service that their attitudes leave. Either way the part of the error the team
    shares is the team's (``z[0]``) and the rest their own, pooled over those speaking (``z[2]``).
    A service user taking part knows their own need on every aspect (003: "service users are
    experts in determining their own requirements") and proposes it, so the proposal leans to the
    needs of the users present: a narrow group serves the others less (7.18).
    """
    d = p.deliberation
    K = d.aspects
    n_w, n_u = counts
    # Participants' aspects counted per team that had any (teams_d is sorted and holds every tp):
    # each team's row among teams_d, looked up (the same rows as searchsorted, in one gather).
    row = np.empty(len(s.need_t), np.intp)
    row[teams_d] = np.arange(len(teams_d))
    at = row[tp]
    flat = (at[:, None] * K + np.arange(K))[s.covers[part]]
    m = np.bincount(flat, minlength=len(teams_d) * K).reshape(-1, K) + n_u[:, None]
    known = m > 0
    # Mean over disabled workers taking part; only read where nobody knows, so none are users.
    unsure = np.bincount(at, 1.0 - s.attitude[part], len(teams_d)) / np.maximum(n_w, 1.0)
    unsure *= 1.0 - informed_share(p)  # independent support: informed of the options (7.16)
    speaking = np.where(known, m, n_w[:, None])
    size = np.where(known, d.expert_noise, d.outsider_noise)
    err = np.where(known, 0.0, (d.standard_bias * unsure)[:, None] * (0.5 - s.need_t.take(teams_d, axis=0)))
    ti, ji = upart
    if len(ti):
        # Users' own needs less the team's, summed over those present, shared among all who know.
        need = s.users.need  # (teams, users, aspects): the users' rows by flat index, one gather
        dev = need.reshape(-1, K).take(ti * need.shape[1] + ji, axis=0)
        dev -= s.need_t.take(ti, axis=0)
        flat = (row[ti][:, None] * K + np.arange(K)).ravel()
        dev_sum = np.bincount(flat, dev.ravel(), len(teams_d) * K).reshape(-1, K)
        err += dev_sum / np.maximum(m, 1)
    err += size * (_SHARED * s.z[0].take(teams_d, axis=0) + _OWN * s.z[2].take(teams_d, axis=0) / np.sqrt(speaking))
    return err


def _stage_outputs(s: State, p: Config, stage_end: np.ndarray, done: np.ndarray, costs: Ledger) -> None:
    """Each stage ends with an output; a finished project's fit is the mean of its outputs (000, 001).

    Early stages count as much as late ones. The first project of a team joined mid-way has fewer
    outputs. Poor fit costs rework.
    """
    u = s.users
    if len(stage_end):
        decision = s.decision.take(stage_end, axis=0)
        s.fit_acc[stage_end] += fit(decision, s.need_t.take(stage_end, axis=0))
        # take(axis=0) copies whole rows: the same values as u.need[stage_end], about twice as fast.
        u.fit_acc[stage_end] += service_users.own_fit(decision, u.need.take(stage_end, axis=0))
        s.fit_n[stage_end] += 1.0
    if len(done):
        n_out = np.maximum(s.fit_n[done], 1.0)
        standard = service_users.own_fit(np.full((len(done), u.need.shape[2]), 0.5), u.need.take(done, axis=0))
        service_users.finish(u, p, done, u.fit_acc[done] / n_out[:, None], standard)
        project = s.fit_acc[done] / n_out
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


def _contact(s: State, c: Caches, seats: Seats, p: Config, w: Weights, has_d: np.ndarray) -> None:
    """Professionals' attitudes after a meeting with disabled participants: contact, and resistance.

    Equal-status contact (Allport; Pettigrew & Tropp 2006) moves them toward the social model in
    proportion to the influence the participants realised, so contact in a meeting where they were
    barely heard counts for little. Weight imposed by power transfer on professionals without the
    skill to work with it provokes resistance that moves them back (003 limitations: "CP may
    challenge existing framework of service provision").
    """
    at = p.attitudes
    who = seats.members(nonzero(has_d))  # meetings where disabled workers took part
    who = who[c.prof[who]]
    team = s.team[who]
    q = w.realised[team]
    # Both are one's own experience, so they move the anchor too (7.8), and both are shares of the
    # distance left (contact x realised <= 1, resistance x imposed <= 1): attitudes stay in [0, 1].
    learn(s, who, at.contact * q)
    if at.resistance > 0 and p.power.transfer > 0:
        resist(s, who, at.resistance * w.imposed[team] * (1.0 - s.skill[who]))
    s.contact_sum[who] += q
