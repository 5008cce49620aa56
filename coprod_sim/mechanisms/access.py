"""Accessibility, barriers and reasonable accommodations (docs/ODD.md 7.2, 7.5, 7.9).

Social model of disability (000): barriers come from the organisation (inaccessible places,
information, communication and timing, and attitudes), not from the person.

Sources: 000 (social model; principle of access); 003 (inaccessible environment, information,
prejudice; accessible information, time and timing); 001 element 3 (fully inclusive
environments, reasonable accommodations); UNCRPD Art. 27(i); Shaping Our Lives, Tickboxes and
Tokenism (over half had difficulty getting access needs met); JAN 2019-2023 (cost mixture and
effectiveness of accommodations); SCIE Guide 51 (resources for accessibility). Equal weights of
the five barrier types, the request rate, the 0.1 threshold and the lognormal spread are
assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.state import Caches, Seats, State, access_levels

__all__ = [
    "REQUEST_THRESHOLD",
    "accommodate",
    "attitudinal",
    "combined_barrier",
    "grant",
    "invest",
    "refresh_own",
    "update_barriers",
]

#: Barriers above which a disabled person asks for an accommodation (an assumption).
REQUEST_THRESHOLD = 0.1


def invest(s: State, p: Config, costs: Ledger) -> None:
    """Pay for raising any accessibility level above the highest paid for so far."""
    now, paid = access_levels(p), s.access_paid
    inc = float(np.clip(now - paid, 0, None).sum())
    if inc > 0:
        costs.add("accessibility", inc * p.accessibility.capex_per_person * len(s.role))
        np.maximum(paid, now, out=paid)


def attitudinal(s: State, c: Caches, seats: Seats, who: np.ndarray) -> np.ndarray:
    """Attitudinal barrier people meet: 1 - mean attitude of their team mates."""
    team = s.team[who]
    others = (c.team_att_sum[team] - s.attitude[who]) / seats.team_others[team]
    return 1.0 - others


def combined_barrier(own: np.ndarray, attitudinal_barrier: np.ndarray) -> np.ndarray:
    """Mean of the five barrier types: four from the organisation's arrangements, one from attitudes."""
    return (4.0 * own + attitudinal_barrier) / 5.0


def refresh_own(s: State, c: Caches, p: Config, who: np.ndarray | None = None) -> None:
    """Recompute the barriers people meet from the organisation's own arrangements (default: all disabled).

    These change only with accessibility levers, a new disability or an accommodation, so they
    are kept rather than recomputed every week.
    """
    who = c.dis if who is None else who
    own = s.need[who] @ c.open
    own *= 1.0 - p.accessibility.accommodation_effect * s.accommodated[who]
    own *= 1.0 - s.removed[who]  # what co-production has removed (7.15, 7.17)
    s.own[who] = own


def update_barriers(s: State, c: Caches, seats: Seats) -> None:
    """Barriers each disabled person meets this week; the attitudinal part is kept for wellbeing."""
    di = c.dis
    c.att_barrier_dis = attitudinal(s, c, seats, di)
    s.barrier[di] = combined_barrier(s.own[di], c.att_barrier_dis)


def accommodate(
    s: State, c: Caches, p: Config, rng: np.random.Generator, latent: dict[str, np.ndarray], costs: Ledger
) -> None:
    """Disabled people with unmet barriers ask; some are granted (counted by kind in ``acc_granted``)."""
    a = p.accessibility
    # Asking and being granted, in one draw: every seat's, every week (common random numbers).
    u = rng.random(len(s.role), dtype=np.float32)
    di = c.dis
    cand = di[~s.accommodated[di] & (s.barrier[di] > REQUEST_THRESHOLD)]
    if len(cand) == 0:
        return
    rate = a.request_rate * np.where(s.peer_of[cand] >= 0, p.peer_effects.knowledge, 1.0)
    granted = cand[u[cand] < np.minimum(rate, 1.0) * a.accommodations]
    if len(granted) == 0:
        return
    once, one, ongoing = grant(s, c, p, granted, latent)
    costs.add("accommodations", float(once.sum()))
    n_one, n_ongoing = np.count_nonzero(one), np.count_nonzero(ongoing)
    s.acc_granted += np.array([len(granted) - n_one - n_ongoing, n_one, n_ongoing])


def grant(
    s: State, c: Caches, p: Config, granted: np.ndarray, latent: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Give ``granted`` their accommodation; return its one-time costs and whether each is one-time, ongoing.

    JAN cost mixture: free, one-time (lognormal around the median) or ongoing. What the person
    needs decides the kind and cost (drawn when they arrived).
    """
    a = p.accessibility
    s.accommodated[granted] = True
    refresh_own(s, c, p, granted)
    kind, size = latent["acc_kind"][granted], latent["acc_size"][granted]
    one = (kind >= a.free_share) & (kind < a.free_share + a.one_time_share)
    ongoing = kind >= a.free_share + a.one_time_share
    draws = np.exp(size)
    once = one * draws * a.one_time_median
    s.acc_once[granted] = once
    s.acc_weekly[granted] = ongoing * draws * a.ongoing_median / 52.0
    return once, one, ongoing
