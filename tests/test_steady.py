"""A steady, credible baseline (issue 13, items 4 and 5; docs/ODD.md 5 and 7.10-7.11).

The baseline organisation starts in the stationary state of its life-course processes (ages,
onset of disability that rises with age, recovery from fluctuating conditions, retirement) with
wellbeing and burnout settled, so over ten years it does not drift; and its magnitudes are those
of published figures: burnout of disabled people 1.2 to 3.5 times others' (Meeks et al. 2024:
about 1.3 to 1.5), 6% to 30% of people leaving a year (CIPD: 15.6% to 18.1%).

Measured when written (2,000 people, 520 weeks, seeds 1-5, mean over seeds, first year against
last), on the combined, re-calibrated Model 2: disabled share 0.1139 -> 0.1146 (+0.6%), burnout
of disabled people 0.237 -> 0.224 (-5.5%), their wellbeing 0.454 -> 0.463 (+1.9%); burnout ratio
over the run 2.17 to 2.51 by seed; leavers 17% to 18% a year. (With 4 workload candidates at
week 0 instead of 32, stationary.CANDIDATES, burnout of disabled people fell 16% to 20%.)
Before (permanent disability, no ageing, week 0 unsettled): +17%, -21% (from 0 in
week 0) and +7%; ratio 6.1; 8 of these 10 tests fail there.
"""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.config import Config
from coprod_sim.model import CoProdModel

PEOPLE = 2000  # a baseline organisation large enough for yearly means of its disabled people
SEEDS = (1, 2, 3, 4, 5)
WEEKS = 520


def _run(seed: int, **overrides):
    m = CoProdModel(seed=seed, config=Config.from_flat(None, organisation_people=PEOPLE, **overrides))
    for _ in range(WEEKS):
        m.step()
    return m


@pytest.fixture(scope="module")
def baseline():
    return [_run(seed) for seed in SEEDS]


def _year(ts, column: str, year: int) -> float:
    """Mean of a column over weeks 1-52 of the given year (1-based)."""
    return float(ts[column].iloc[1 + 52 * (year - 1) : 1 + 52 * year].mean())


@pytest.mark.parametrize("column", ["share_disabled", "burnout_disabled", "wellbeing_disabled"])
def test_the_baseline_moves_less_than_15_percent_in_ten_years(baseline, column):
    first = np.mean([_year(m.timeseries(), column, 1) for m in baseline])
    last = np.mean([_year(m.timeseries(), column, 10) for m in baseline])
    assert abs(last - first) / first < 0.15, (column, first, last)


def test_week_0_is_already_the_steady_state(baseline):
    # Burnout needs weeks of low wellbeing; a week 0 that is not settled starts with none.
    for m in baseline:
        ts = m.timeseries()
        first_year = _year(ts, "burnout_disabled", 1)
        assert abs(ts["burnout_disabled"].iloc[0] - first_year) < 0.3 * first_year
        assert abs(ts["wellbeing_disabled"].iloc[0] - _year(ts, "wellbeing_disabled", 1)) < 0.02


def test_burnout_of_disabled_people_is_1_2_to_3_5_times_others(baseline):
    for m in baseline:
        ts = m.timeseries().iloc[1:]
        ratio = ts["burnout_disabled"].mean() / ts["burnout_nondisabled"].mean()
        assert 1.2 <= ratio <= 3.5, ratio


def test_yearly_leavers_are_6_to_30_percent_of_head_count(baseline):
    for m in baseline:
        ts = m.timeseries().iloc[1:]
        leavers = (ts["exits_disabled"] + ts["exits_nondisabled"]).sum() / (WEEKS / 52) / PEOPLE
        assert 0.06 <= leavers <= 0.30, leavers


def test_ages_keep_their_distribution_and_nobody_works_past_retirement(baseline):
    for seed, m in zip(SEEDS, baseline, strict=True):
        start = CoProdModel(seed=seed, organisation_people=PEOPLE).state.age
        assert abs(start.mean() - m.state.age.mean()) < 52  # within a year
        assert m.state.age.max() < round(m.config.retention.retirement_age * 52)
        assert start.min() >= round(m.config.retention.hire_age_min * 52)


def _older_over_younger(m: CoProdModel) -> float:
    years, dis = m.state.age / 52, m.state.disabled
    return dis[years >= 50].mean() / dis[years < 35].mean()


def test_disability_rises_with_age_more_when_onset_does():
    # Even with a flat onset, disability accumulates with time in post; the age gradient adds to it.
    # Week 0 of a large organisation: the stationary state's age profile (measured: 1.6 against 1.1).
    rising = [_older_over_younger(CoProdModel(seed=s, organisation_people=20_000)) for s in SEEDS[:3]]
    flat = [
        _older_over_younger(CoProdModel(seed=s, organisation_people=20_000, organisation_onset_age_gradient=0.0))
        for s in SEEDS[:3]
    ]
    assert min(rising) > 1.4
    assert np.mean(rising) > np.mean(flat) + 0.3


def _ended(seed: int, weeks: int, **overrides) -> int:
    """People whose disability ended while they stayed in post."""
    m = CoProdModel(seed=seed, config=Config.from_flat(None, organisation_people=PEOPLE, **overrides))
    n = 0
    for _ in range(weeks):
        who, was = m.state.person_id.copy(), m.state.disabled.copy()
        m.step()
        n += int((was & ~m.state.disabled & (m.state.person_id == who)).sum())
    return n


def test_fluctuating_conditions_end_and_only_they_do():
    assert _ended(1, 52) > 10
    assert _ended(1, 52, organisation_recovery_rate=0.0) == 0
    assert _ended(1, 52, organisation_recovery_share=0.0) == 0


def test_without_recovery_the_share_climbs_from_where_it_starts():
    # The null: with lasting conditions only, disability accumulates well above the share the
    # baseline starts from and keeps (the drift of the model before recovery existed).
    drift = []
    for seed in SEEDS[:3]:
        m = _run(seed, organisation_recovery_share=0.0)
        ts = m.timeseries()
        drift.append(_year(ts, "share_disabled", 10) / _year(ts, "share_disabled", 1) - 1)
    assert np.mean(drift) > 0.15
