"""Service users: the people who use each team's services (docs/ODD.md 7.18).

Each team serves ``service_users.per_team`` modelled users, each standing for an equal share of
the people it serves. When a project starts, every user's own need about it is drawn around a
centre for the team; the team's real need, which the fit of services measures, is the mean of
its users' needs. Users are invited to the team's meetings at the stages disabled people are
involved in, and take part as disabled workers do (confidence and barriers, logistic). What a
user knows is their own need: taking part pulls the decision towards it, as far as the meeting
gives participants weight. Their views count as included in a project when they took part in at
least one of its meetings; their outcome is good when the finished project fits their own need
better than the standard service would, by at least ``service_users.good_margin`` (the survey
asked whether things were better).

Sources: seeds 001, 003 and 004 (people who use services as the main co-producers; 003: "service
users are experts in determining their own requirements"); Ahn & Lee, Parrado et al. 2013 and
Shaping Our Lives (participation, as for disabled workers); TLAP 2014 (views included and
outcomes, a validation pattern, not an input). Sizes, the spread of needs and the good-outcome
threshold are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import SELECT_FROM, Caches, Users, clip01, nonzero

#: Width of a uniform draw with standard deviation 1.
SQRT12 = 12.0**0.5

__all__ = ["SQRT12", "draw_users", "finish", "include", "new_needs", "outcome_counts", "own_fit", "take_part"]


def draw_users(p: Config, centre: np.ndarray, rng: np.random.Generator) -> tuple[Users, np.ndarray]:
    """Draw every team's users and their needs about the first project; return them and the teams' real needs.

    ``centre`` holds each team's centre of needs, (teams, aspects).
    """
    su = p.service_users
    shape = (centre.shape[0], su.per_team)
    disabled = rng.random(shape) < su.disabled_share
    # Mean barrier su.barrier among disabled users, spread as Beta(2, 2) around it, at most 1.
    intensity = np.where(disabled, np.minimum(2.0 * su.barrier * rng.beta(2.0, 2.0, shape), 1.0), 0.0)
    users = Users(
        disabled=disabled,
        intensity=intensity,
        confidence=rng.beta(4.0, 4.0, shape),
        need=np.empty((*shape, centre.shape[1])),
        included=np.zeros(shape, bool),
        fit_acc=np.zeros(shape),
        last_fit=np.zeros(shape),
        last_included=np.zeros(shape, bool),
        part_n=np.zeros(shape, np.int32),
        last_counts=np.zeros((shape[0], 4), np.int64),
    )
    return users, new_needs(users, p, np.arange(shape[0]), centre, rng)


def new_needs(u: Users, p: Config, teams: np.ndarray, centre: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw the users' own needs about the teams' new projects; return the teams' real needs (their means).

    Users' needs scatter around the team's centre (003: each is the expert in their own
    requirements), uniformly with standard deviation ``service_users.need_spread`` (the shape is an
    assumption; a uniform draw costs a fifth of a normal one); nobody's views are included yet.
    """
    need = rng.random((len(teams), u.need.shape[1], u.need.shape[2]))
    need -= 0.5
    need *= SQRT12 * p.service_users.need_spread
    need += centre[:, None, :]
    clip01(need)
    u.need[teams] = need
    u.included[teams] = False
    u.fit_acc[teams] = 0.0
    return need.mean(axis=1)


def own_fit(decision: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Fit of each team's decision (teams, aspects) to each of its users' own needs (teams, users, aspects).

    The fit of 7.6, 1 - 2 x mean absolute distance in [0, 1]; ``need`` is a copy it may overwrite.
    (einsum sums the few aspects of each user in one pass, about twice as fast as ``sum`` here.)
    """
    need -= decision[:, None, :]
    np.abs(need, out=need)
    f = np.einsum("ijk->ij", need)
    f *= -2.0 / need.shape[2]
    f += 1.0
    return clip01(f)


def take_part(
    u: Users, c: Caches, p: Config, rng: np.random.Generator, stage: np.ndarray, mgr_att: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Draw which users take part in their team's meeting this week: their teams and places, team by team.

    Invited at the stages disabled people are involved in, as far as the manager is open, times
    ``service_users.invite``; taking part is logistic in confidence and barriers with the
    coefficients of disabled workers (engagement and peer support are not modelled for users).
    Barriers are those accessibility leaves.
    """
    pa = p.participation
    key = (float(c.open.sum()), pa.base, pa.confidence, pa.barrier)
    if key != u.p_take_key:
        # Users' traits are fixed, so the chance changes only with the barriers left (levers).
        logit = pa.base + pa.confidence * (u.confidence - 0.5) - pa.barrier * key[0] * u.intensity
        u.p_take = 1.0 / (1.0 + np.exp(-logit))
        u.p_take_key = key
    # Every user's draw, every week, so the draws do not depend on the state (common random numbers).
    draw = rng.random(u.disabled.shape, dtype=np.float32)
    floor = p.involvement.invite_floor
    p_inv = p.service_users.invite * c.involved[stage] * (floor + (1.0 - floor) * mgr_att)
    # Only invited teams can take part: elsewhere the chance is 0 and no draw (>= 0) is below it,
    # so comparing the invited teams' rows alone gives the same places, in the same order.
    invited = nonzero(p_inv > 0.0) if draw.size >= SELECT_FROM else None
    if invited is None or len(invited) == len(p_inv):
        return (draw < u.p_take * p_inv[:, None]).nonzero()
    rows, places = (draw[invited] < u.p_take[invited] * p_inv[invited, None]).nonzero()
    return invited[rows], places


def include(u: Users, ti: np.ndarray, ji: np.ndarray) -> None:
    """Record attendance (users ``ji`` of teams ``ti``): taking part in a meeting of the project includes one's views.

    How much their views then weigh is the meeting's (7.6): included views can still be outweighed.
    """
    u.part_n[ti, ji] += 1  # one place per user: no repeats
    u.included[ti, ji] = True


def finish(u: Users, p: Config, done: np.ndarray, own_fit: np.ndarray, standard_fit: np.ndarray) -> None:
    """Record the outcomes of finished projects, (len(done), users) each.

    ``own_fit`` is the project's fit to each user's own need, ``standard_fit`` what the standard
    service would fit it.
    """
    gain = own_fit - standard_fit
    good = gain >= p.service_users.good_margin
    inc = u.included[done]
    u.last_fit[done] = own_fit
    u.last_included[done] = inc
    counts = np.empty((len(done), 4), np.int64)  # whole numbers, filled column by column
    n_inc = np.sum(inc, axis=1, out=counts[:, 0])
    inc_good = np.sum(inc & good, axis=1, out=counts[:, 1])
    n_exc = np.subtract(inc.shape[1], n_inc, out=counts[:, 2])
    np.subtract(good.sum(axis=1), inc_good, out=counts[:, 3])
    new = counts.sum(axis=0)
    u.last_total += new - u.last_counts[done].sum(axis=0)
    u.last_counts[done] = counts
    u.outcomes += new
    both = nonzero((n_inc > 0) & (n_exc > 0))
    if len(both):
        g, i = gain[both], inc[both]
        g_inc = (g * i).sum(axis=1)
        diff = g_inc / n_inc[both] - (g.sum(axis=1) - g_inc) / n_exc[both]
        u.within += (float(diff.sum()), len(both))


def outcome_counts(u: Users) -> np.ndarray:
    """Users, by their last finished project: views included, of whom good; not included, of whom good."""
    return u.last_total
