"""Co-production identifies and removes the barriers participants meet (docs/ODD.md 7.15).

EASPD's first element of co-production (001): "all partners in a co-production process
collectively seek to identify and overcome barriers". In a meeting, a disabled participant
who is heard names the barriers they meet (what they know is their own experience, 7.6), and a
share of them is removed, the larger the more influence they realised: a tokenistic meeting
hears of barriers and changes nothing. Removal lasts while the person stays (a new person in
the seat starts with none removed) and costs money per unit of barrier removed.

Sources: 001 element 1 (identify and overcome barriers); 000 (remove these barriers and make
co-production fully accessible; social model); JAN 2019-2023 via evidence.md 3.4 (the price of
removing a person's barrier). The rate and the proportional form are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.access import refresh_own
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.state import Caches, State

__all__ = ["identify", "remove"]


def remove(s: State, c: Caches, p: Config, who: np.ndarray, share: np.ndarray, costs: Ledger) -> np.ndarray:
    """Remove ``share`` (0-1) of the remaining own barriers of ``who`` (distinct seats); return the units removed.

    Each unit (one person's barrier on the 0-1 scale) costs ``barrier_removal.unit_cost``,
    charged to the accessibility cost part.
    """
    before = s.own[who]
    s.removed[who] += share * (1.0 - s.removed[who])
    refresh_own(s, c, p, who)
    units = before - s.own[who]
    costs.add("accessibility", float(units.sum()) * p.barrier_removal.unit_cost)
    return units


def identify(s: State, c: Caches, p: Config, part: np.ndarray, infl: np.ndarray, costs: Ledger) -> None:
    """After this week's meetings: each disabled participant's barriers fall by rate x the influence they realised."""
    rate = p.barrier_removal.rate
    if rate <= 0 or not len(part):
        return
    dis = s.disabled[part]  # an expert whose condition ended meets no barriers
    if dis.any():
        remove(s, c, p, part[dis], np.minimum(rate * infl[dis], 1.0), costs)
