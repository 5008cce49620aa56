"""The peer-support programme: recruiting supporters and matching seekers (docs/ODD.md 7.4).

Peer ties live in the state (``peer_of``: each person's supporter, ``load``: each supporter's
number of people); the network drawn for people (``CoProdModel.graph``) shows them.

Sources: 000 (peer support improves knowledge transfer, job performance and burnout, citing Goth
2018); Disability Rights UK 2012 as quoted in 000; 003 (mutual support, peer support); Peterson
et al. 2008 (22.9% uptake). Selection by confidence, the matching rule and the 14 training hours
are assumptions.
"""

from __future__ import annotations

import math

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger, hourly_wage
from coprod_sim.state import DISABLED_WORKER, PEER_SUPPORTER, Caches, State, nonzero, set_role

__all__ = ["TRAINING_HOURS", "run_programme", "ties_exist", "unassign"]

#: Hours of training a new peer supporter gets.
TRAINING_HOURS = 14


def run_programme(s: State, c: Caches, p: Config, costs: Ledger) -> None:
    """Recruit or release supporters to the target ratio, then match those who seek support."""
    ps = p.peer_support
    supporters = nonzero(s.role == PEER_SUPPORTER)
    if not ps.enabled:
        if len(supporters):
            unassign(s, nonzero(s.peer_of >= 0))
            set_role(s, c, p, supporters, DISABLED_WORKER)
        return
    n_dw = len(c.dw)
    target = math.ceil(ps.ratio * n_dw) if n_dw > 1 else 0
    if len(supporters) < target:
        cand = nonzero((s.role == DISABLED_WORKER) & ~s.burnout & (s.peer_of < 0))
        if len(cand):
            best = cand[np.argsort(-s.confidence[cand], kind="stable")[: target - len(supporters)]]
            set_role(s, c, p, best, PEER_SUPPORTER)
            costs.add("peer_support", len(best) * TRAINING_HOURS * (hourly_wage(p) + p.training.cost_per_hour))
    elif len(supporters) > target:
        drop = supporters[np.argsort(s.load[supporters], kind="stable")[: len(supporters) - target]]
        unassign(s, nonzero(np.isin(s.peer_of, drop)))
        set_role(s, c, p, drop, DISABLED_WORKER)
    _match(s, ps.uptake, ps.max_load)


def _match(s: State, uptake: float, max_load: int) -> None:
    """Match each seeker, in seat order, to a supporter with room: in their team if possible, else the least loaded."""
    seekers = nonzero((s.role == DISABLED_WORKER) & (s.peer_of < 0) & (s.peer_u < uptake))
    if len(seekers) == 0:
        return
    sup = nonzero(s.role == PEER_SUPPORTER)
    for seat in seekers.tolist():
        free = sup[s.load[sup] < max_load]
        if len(free) == 0:
            break
        same = free[s.team[free] == s.team[seat]]
        pool = same if len(same) else free
        j = int(pool[np.argmin(s.load[pool])])  # ties go to the lowest seat
        s.peer_of[seat] = j
        s.load[j] += 1


def ties_exist(s: State, c: Caches, p: Config) -> bool:
    """Whether anyone may have a peer tie (a programme running, or supporters still in post).

    Peer supporters are among the expert-by-experience seats (``c.dw``), so only those are looked at.
    """
    return bool(p.peer_support.enabled or (s.role[c.dw] == PEER_SUPPORTER).any())


def unassign(s: State, seats: np.ndarray) -> None:
    """End the peer ties of the people in ``seats`` (as supported people)."""
    for seat in seats.tolist():
        j = int(s.peer_of[seat])
        if j >= 0:
            s.load[j] -= 1
        s.peer_of[seat] = -1
