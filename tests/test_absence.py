"""Sickness absence (docs/ODD.md 7.10): expected from burnout, its gap by disability emerges from burnout's.

The excess of disabled people's absence must come from the barriers and discrimination that put
more of them in burnout: with both switched off the excess is gone.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from coprod_sim.config import Config
from coprod_sim.mechanisms.wellbeing import absence
from coprod_sim.run import simulate

SEEDS = (1, 2, 3)


def _years_3_to_5(seed: int, **overrides: float):
    cfg = Config.from_flat(Config(), organisation_people=1000, **overrides)
    return simulate(cfg, seed=seed, steps=260).timeseries.iloc[104:]


def test_absence_is_the_base_plus_the_excess_of_those_in_burnout():
    p = Config()
    wb = p.wellbeing
    assert absence(p, 0, 10) == wb.absence_base
    assert absence(p, 10, 10) == pytest.approx(wb.absence_base + wb.absence_burnout)
    assert absence(p, 3, 10) == pytest.approx(wb.absence_base + 0.3 * wb.absence_burnout)
    assert math.isnan(absence(p, 0, 0))


@pytest.mark.parametrize("seed", SEEDS)
def test_disabled_people_lose_more_hours_because_more_are_burnt_out(seed):
    ts = _years_3_to_5(seed)
    wb = Config().wellbeing
    for col in ("absence_disabled", "absence_nondisabled"):
        x = ts[col].to_numpy()
        assert np.all((x >= wb.absence_base) & (x <= wb.absence_base + wb.absence_burnout))
    ratio = ts.absence_disabled.mean() / ts.absence_nondisabled.mean()
    assert ratio > 1.15, ratio  # 1.29 to 1.35 at 2,000 people over years 6-10 (ODD 7.10)
    # The cost is the pay of the hours everyone lost, at the model's weekly wage.
    row = ts.iloc[-1]
    n = row.n_people
    share = (row.absence_disabled * row.n_disabled + row.absence_nondisabled * (n - row.n_disabled)) / n
    assert row.absence_cost == pytest.approx(Config().organisation.wage_week * share * n)


@pytest.mark.parametrize("seed", SEEDS)
def test_without_barriers_and_discrimination_the_excess_is_gone(seed):
    ts = _years_3_to_5(seed, wellbeing_barriers=0.0, wellbeing_discrimination=0.0)
    ratio = ts.absence_disabled.mean() / ts.absence_nondisabled.mean()
    assert ratio < 1.05, ratio  # 0.93 to 0.96 at 2,000 people
