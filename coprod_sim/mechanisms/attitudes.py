"""Attitudes move toward the network's view (docs/ODD.md 7.8).

Sources: Harrison & Carroll 1991 (socialisation by managers and co-workers); DeGroot 1974 and
Friedkin-Johnsen (evidence.md 2.6); 003 ("senior management has put CP into action"); 004
(leadership against stigma and bias). Rates and weights are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import Caches, Seats, State, clip01

__all__ = ["update_attitudes"]


def update_attitudes(s: State, c: Caches, seats: Seats, p: Config) -> None:
    """Move each base attitude toward the weighted mean of team mates' and cross-team ties' attitudes.

    Team sums reuse this week's sum of everyone's attitude; managers weigh more. Afterwards the
    team attitude sums are made exact again (barriers, meetings and disclosure read them).
    """
    at = p.attitudes
    wa = seats.w_att * s.attitude
    team = c.team_att_sum + (at.manager_weight - 1.0) * s.attitude[seats.manager_seat]
    nbr = seats.spread(team)
    nbr -= wa
    nbr += seats.cross_sum(wa)
    nbr *= seats.inv_den
    nbr -= s.attitude
    nbr *= at.influence
    s.att_base += nbr
    clip01(s.att_base)
    s.attitude = np.add(s.att_base, s.boost, out=s.attitude)
    np.minimum(s.attitude, 1.0, out=s.attitude)
    c.team_att_sum = seats.tsum(s.attitude)
