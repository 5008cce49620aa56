"""Issue 13, item 7 (second half): stages that matter by position, the measured support condition
of the co-production level, and the inclusive recruitment pathway (Specialisterne)."""

import numpy as np

from coprod_sim.config import Config
from tests.conftest import paired

STAGES = ("planning", "design", "delivery", "evaluation")


def _one_stage_fits(extra: dict) -> tuple[np.ndarray, np.ndarray]:
    """Late fit with disabled workers invited to planning only and to delivery only (power transfer 0.3)."""
    off = {f"involvement.{st}": False for st in STAGES}
    base = Config().with_overrides({"power.transfer": 0.3, "organisation.people": 1200, **off, **extra})
    plan = base.with_overrides({"involvement.planning": True})
    deliv = base.with_overrides({"involvement.delivery": True})
    return paired(plan, deliv, lambda ts: ts["fit"].iloc[52:].mean())


def test_planning_weighs_more_than_delivery():
    """Lock-in (docs/ODD.md 7.6, "Stages by position"): what planning decides constrains later
    stages, so the same participants lift fit more in planning than in delivery. Measured at 1,200
    people, seeds 0-4: +0.0005 to +0.0009. Null: with deliberation.lock_in 0 the stages differ only
    as a dose and the two are equal within -0.0001 to +0.0001."""
    plan, deliv = _one_stage_fits({})
    assert (plan - deliv >= 0.0003).all()
    plan, deliv = _one_stage_fits({"deliberation.lock_in": 0.0})
    assert (np.abs(plan - deliv) <= 0.0002).all()
