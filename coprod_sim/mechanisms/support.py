"""Independent support for informed decisions (docs/ODD.md 7.16).

EASPD's second element (001): "mechanisms must be put in place to ensure that people are
provided with the right level of independent support, which empowers persons with disabilities
to make fully informed decisions on how to engage in a co-productive process"; 003 limitations:
co-production schemes "need to be independent". Every disabled worker receives the level
``support.independent`` of support from an outside advocate. It builds their confidence each
week (which raises taking part, 7.6), and informed of the options, participants lean less to the
standard service on aspects outside their own experience (7.6 reads :func:`informed_share`). It
costs the advocates' hours.

Sources: 001 element 2; 003 limitations; Townsley, Marriott & Ward 2009 (Access to independent
advocacy: an evidence review, Office for Disability Issues: advocacy builds confidence,
self-advocacy and informed choice); the NDTi scoping review of advocacy (little robust evidence
of the size of effects). Sizes, hours and price are assumptions.
"""

from __future__ import annotations

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.state import Caches, State

__all__ = ["informed_share", "support"]


def informed_share(p: Config) -> float:
    """Share of participants' pull to the standard service that independent support removes."""
    return p.support.informed * p.support.independent


def support(s: State, c: Caches, p: Config, costs: Ledger) -> None:
    """Independent support this week: disabled workers' confidence grows; the advocates' hours are paid."""
    sp = p.support
    level = sp.independent
    dw = c.dw
    if level <= 0 or not len(dw):
        return
    cf = s.confidence[dw]
    s.confidence[dw] = cf + sp.confidence * level * (1.0 - cf)
    costs.add("coproduction", level * sp.hours * len(dw) * sp.cost_hour)
