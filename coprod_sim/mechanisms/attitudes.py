"""Attitudes move toward the network's view, anchored to each person's own view (docs/ODD.md 7.8).

The update is Friedkin and Johnsen's (1990, 1999): each person weighs the network's view by their
susceptibility and their own anchor by the rest, so disagreement persists instead of collapsing
into consensus (DeGroot 1974, the special case of susceptibility 1). The anchor is the view a
person arrived with (Harrison & Carroll 1991: hires bring the outside culture); only their own
experience moves it: consolidated training (7.3) and equal-status contact (7.6).

Sources: Friedkin & Johnsen 1990, 1999 and DeGroot 1974 (evidence.md 2.6); Harrison & Carroll 1991
(socialisation by managers and co-workers); 003 ("senior management has put CP into action"); 004
(leadership against stigma and bias). Rates, weights and the susceptibility's size are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import Caches, Seats, State, clip01

__all__ = ["learn", "resist", "susceptibility", "update_attitudes"]


def susceptibility(p: Config, z: np.ndarray) -> np.ndarray:
    """Each arriving person's susceptibility from a standard-normal draw (mean and spread, clipped to 0-1)."""
    at = p.attitudes
    return clip01(at.susceptibility + at.susceptibility_sd * z)


def learn(s: State, who: np.ndarray | slice, gain: np.ndarray | float) -> None:
    """Own experience moves the lasting attitude and the anchor alike: ``gain`` x (1 - value).

    Contact (7.6) changes what a person holds on their own, not only what they show, so the
    anchor keeps it instead of pulling it back (Friedkin & Johnsen 1990: the anchor is set by
    the person's own conditions).
    """
    s.att_base[who] += gain * (1.0 - s.att_base[who])
    s.att_anchor[who] += gain * (1.0 - s.att_anchor[who])


def resist(s: State, who: np.ndarray, loss: np.ndarray | float) -> None:
    """Own experience of imposed change moves the lasting attitude and the anchor back: ``loss`` x value.

    Resistance to power handed over without the skill to work with it (003 limitations) is, like
    contact, what a person lives through, so the anchor keeps it too (Friedkin & Johnsen 1990).
    """
    s.att_base[who] -= loss * s.att_base[who]
    s.att_anchor[who] -= loss * s.att_anchor[who]


def update_attitudes(s: State, c: Caches, seats: Seats, p: Config) -> None:
    """Move each base attitude toward its anchor and the weighted view of team mates and cross-team ties.

    Weekly: ``att_base += influence x (susc x (view - attitude) + (1 - susc) x (anchor - att_base))``;
    it settles where attitude = susc x view + (1 - susc) x anchor, Friedkin and Johnsen's
    equilibrium. Team sums reuse this week's sum of everyone's attitude; managers weigh more.
    Afterwards the team attitude sums are made exact again (barriers, meetings and disclosure
    read them).
    """
    at = p.attitudes
    wa = seats.w_att * s.attitude
    team = c.team_att_sum + (at.manager_weight - 1.0) * s.attitude[seats.manager_seat]
    nbr = seats.spread(team)
    nbr -= wa
    nbr += seats.cross_sum(wa)
    nbr *= seats.inv_den
    nbr -= s.attitude
    nbr *= s.suscept
    # The anchor's pull on the lasting part only: the training boost has its own decay (7.3).
    own = np.subtract(s.att_anchor, s.att_base)
    own *= 1.0 - s.suscept  # exactly 0 at susceptibility 1, so DeGroot is reproduced bit for bit
    nbr += own
    nbr *= at.influence
    s.att_base += nbr
    clip01(s.att_base)
    s.attitude = np.add(s.att_base, s.boost, out=s.attitude)
    np.minimum(s.attitude, 1.0, out=s.attitude)
    c.team_att_sum = seats.tsum(s.attitude)
