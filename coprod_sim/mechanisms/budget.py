"""Resource transfer: a share of a budget allocated by co-decision (docs/ODD.md 7.17).

Seed 003: co-production involves "co-decision making in the allocation of resources", and in
transformative co-production "power and resources are transferred from managers to users and
carers". The organisation holds a yearly budget for disabled workers' needs
(``power.budget`` per disabled worker); ``power.budget_share`` of it is allocated in the
co-production meetings. Each week every disabled worker who takes part decides over their own
per-head part of the week's co-decided pot; of it, the share of an equal partner's influence they
realised is spent where their needs are (the barriers they meet, at ``barrier_removal.unit_cost``
a unit). The parts of those not at the table, and the unrealised rest, stay with managers' usual
spending, which the model does not represent (no effect, no cost here). Nothing is spent beyond
what removes a participant's remaining barriers.

Sources: 003 (co-decision in the allocation of resources; power and resources transferred);
001 element 1 (overcome barriers). The budget's size and the rule that realised influence
decides how much is spent as participants say are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger
from coprod_sim.mechanisms.removal import remove
from coprod_sim.state import Caches, State

__all__ = ["allocate", "weekly_pot"]


def weekly_pot(p: Config, n_dw: int) -> float:
    """Return this week's co-decided budget in GBP: budget_share x budget x disabled workers / 52."""
    return p.power.budget_share * p.power.budget * n_dw / 52.0


def allocate(s: State, c: Caches, p: Config, part: np.ndarray, infl: np.ndarray, costs: Ledger) -> None:
    """Spend this week's co-decided budget on the barriers the participants meet, as far as they were heard."""
    pot = weekly_pot(p, len(c.dw))
    if pot <= 0 or not len(part):
        return
    dis = s.disabled[part]
    who, q = part[dis], infl[dis]
    unit = p.barrier_removal.unit_cost
    if not len(who) or unit <= 0:
        return
    # Each participant decides over their own per-head part of the week's pot (those not at the
    # table decide nothing), spent as they say to the extent they realised influence.
    money = (pot / len(c.dw)) * q
    own = s.own[who]
    # Units of barrier the money buys, at most the barrier left; as a share of what is left.
    share = np.divide(np.minimum(money / unit, own), own, out=np.zeros(len(who)), where=own > 0)
    remove(s, c, p, who, share, costs)
