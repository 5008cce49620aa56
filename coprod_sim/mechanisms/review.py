"""Co-produced review that makes past influence visible (docs/ODD.md 7.7).

Sources: 000 and 003 (review component: co-produce reviews and evaluations; ensure visibility of
impact). The form is an assumption.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.state import Caches, State

__all__ = ["review"]


def review(s: State, c: Caches, p: Config, t: int, n_teams: int, costs: Ledger) -> None:
    """On review weeks, raise disabled workers' engagement by the mean influence they realised in their meetings."""
    rv = p.review
    if not rv.enabled or t % rv.interval:
        return
    dw = c.dw
    seen = s.review_infl[dw] / np.maximum(s.review_part[dw], 1.0)
    s.engagement[dw] += p.reciprocity.review_gain * seen * (1.0 - s.engagement[dw])
    s.review_part[:] = 0.0
    s.review_infl[:] = 0.0
    costs.add("review", rv.cost * n_teams)
