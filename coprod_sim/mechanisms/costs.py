"""Running costs and the cost ledger (docs/ODD.md 7.13).

Sources: SCIE Guide 51 (budget for the cost of co-production); Bianchi et al. 2017 (transaction
costs) via evidence.md 1.4; JAN 2019-2023 for accommodations; other amounts are assumptions.
The co-production part (7.6) is charged by the meeting through :func:`coproduction`.
"""

from __future__ import annotations

from coprod_sim.config import Config
from coprod_sim.state import PEER_SUPPORTER, Caches, Seats, State, add_up

__all__ = ["COST_PARTS", "WEEK_HOURS", "Ledger", "account", "coproduction", "hourly_wage", "total"]

#: Paid hours in a week (a full-time week); hourly pay is ``organisation.wage_week`` / WEEK_HOURS.
WEEK_HOURS = 37.5

#: The eight cost parts, in the order they are reported and summed.
COST_PARTS = (
    "training",
    "accessibility",
    "accommodations",
    "coproduction",
    "peer_support",
    "review",
    "turnover",
    "rework",
)


class Ledger(dict[str, float]):
    """Costs of one week by part, each starting at 0 (the sum is taken in ``COST_PARTS`` order)."""

    def __init__(self) -> None:
        super().__init__(dict.fromkeys(COST_PARTS, 0.0))

    def add(self, part: str, amount: float) -> None:
        """Add ``amount`` to a cost part."""
        self[part] += amount


def hourly_wage(p: Config) -> float:
    """Pay for one hour of a person's time (``organisation.wage_week`` over a 37.5-hour week)."""
    return p.organisation.wage_week / WEEK_HOURS


def coproduction(p: Config, participants: int, meetings: int, seats_heard: float, costs: Ledger) -> None:
    """Charge this week's co-production time (docs/ODD.md 7.6): facilitation, deliberation, paid experts.

    ``meetings`` are team meetings with at least one disabled participant; ``seats_heard`` is the
    sum over them of participants x professionals present: each professional spends
    ``involvement.deliberation_hours`` more for each participant (accessible pace, explaining,
    hearing more voices; SCIE Guide 51, Bianchi et al. 2017: staff time is a cost of
    co-production). Paid experts' own meeting time is added when ``power.paid`` is true.
    """
    inv = p.involvement
    paid = participants * inv.hours if p.power.paid else 0.0
    hours = paid + meetings * inv.facilitation_hours + seats_heard * inv.deliberation_hours
    costs.add("coproduction", hours * hourly_wage(p))


def account(s: State, c: Caches, seats: Seats, p: Config, costs: Ledger) -> None:
    """Weekly running costs: accessibility upkeep, ongoing accommodations, the peer-support programme.

    Upkeep is a share of what the accessibility levels in force would cost to put in place, so a
    lowered level costs less to keep (and refunds nothing, 7.2).
    """
    a = p.accessibility
    costs.add("accessibility", c.access_mean * 4 * a.capex_per_person * seats.n * a.upkeep_share)
    costs.add("accommodations", float(s.acc_weekly.sum()))
    if p.peer_support.enabled:
        n_sup = int((s.role == PEER_SUPPORTER).sum())
        costs.add(
            "peer_support",
            n_sup * p.peer_support.cost_week + float(s.load.sum()) * p.peer_support.hours_per_person * hourly_wage(p),
        )


def total(costs: Ledger) -> float:
    """Sum of the week's cost parts, added left to right in ``COST_PARTS`` order."""
    return float(add_up(costs.values()))
