"""Training in co-production and the social model of disability (docs/ODD.md 7.3).

Sources: 000 and 003 (culture: provide training in co-production); Bezrukova et al. 2016 (overall
g = .38, calibrated through ``training.effect``; attitudes decay, cognitive learning does not;
larger effects with other initiatives); 003 limitations (sustained organisational support). The
form of the sustaining structure and the rates are assumptions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import Ledger, hourly_wage
from coprod_sim.state import MANAGER, STAFF, State

__all__ = ["TrainingPlan", "active", "on_levers_changed", "sustain", "train"]


@dataclass
class TrainingPlan:
    """When training happens: the next session, the last one, and whether any boost exists yet."""

    next_week: int = 1  # training configured from the start runs in week 1
    last_week: int | None = None
    trained: bool = False  # no training boost exists yet, so nothing to decay


def active(p: Config) -> bool:
    """Whether a training programme is running (a target group and some coverage)."""
    return p.training.target != "none" and p.training.coverage > 0


def sustain(p: Config) -> float:
    """How far the organisation's structure sustains training (0-1): power transfer and review."""
    full = p.attitudes.sustain_power
    return 0.5 * min(1.0, p.power.transfer / full) + 0.5 * float(p.review.enabled)


def train(s: State, p: Config, rng: np.random.Generator, t: int, plan: TrainingPlan, costs: Ledger) -> None:
    """Fade or consolidate training boosts; on a session week, train a share of the target group."""
    tr = p.training
    if plan.trained:
        sus = sustain(p)
        # Attitude boosts fade unless structure (power transfer, review) consolidates them (003).
        moved = s.boost * (p.attitudes.consolidation * sus)
        s.att_base += moved
        # What is consolidated becomes the person's own view: the anchor moves with it, so the
        # Friedkin-Johnsen pull (7.8) keeps it instead of undoing it.
        s.att_anchor += moved
        np.minimum(s.att_anchor, 1.0, out=s.att_anchor)
        s.boost -= moved
        s.boost *= 1.0 - tr.decay * (1.0 - sus)
    if not active(p) or t < plan.next_week:
        return
    plan.last_week = t
    plan.next_week = t + tr.interval
    n = len(s.role)
    group = {"managers": s.role == MANAGER, "staff": s.role == STAFF, "all": np.ones(n, bool)}[tr.target]
    trained = group & (rng.random(n) < tr.coverage)
    s.boost[trained] += tr.effect
    s.trained_at[trained] = t
    plan.trained = True
    np.minimum(s.boost, 1.0, out=s.boost)
    s.skill[trained] += tr.skill_effect * (1.0 - s.skill[trained])
    costs.add("training", int(trained.sum()) * tr.hours * (tr.cost_per_hour + hourly_wage(p)))


def on_levers_changed(plan: TrainingPlan, old: Config, new: Config, t: int) -> None:
    """Reschedule training when a timeline entry starts it, changes its group or its interval (7.1)."""
    if active(new) and (not active(old) or new.training.target != old.training.target):
        plan.next_week = t  # a programme that starts (or changes group) trains this week
    elif new.training.interval != old.training.interval and plan.last_week is not None:
        # A new interval counts from the last session, so a ramp does not restart the schedule.
        plan.next_week = max(t, plan.last_week + new.training.interval)
