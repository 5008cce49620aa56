"""Service users (issue 13 item 8, ODD 7.18): their needs are the real needs; outcomes by views included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from coprod_sim.model import CoProdModel
from coprod_sim.scenarios import load_scenario
from coprod_sim.validation.probes import probe_model

SEEDS = range(5)


def _run(weeks: int, seed: int, config=None, **kw) -> CoProdModel:
    m = CoProdModel(seed=seed, config=config, **kw)
    for _ in range(weeks):
        m.step()
    return m


def test_a_teams_real_need_is_the_mean_of_its_users_needs():
    m = CoProdModel(seed=3, organisation_people=120)
    u, s = m.state.users, m.state
    assert u.need.shape == (m.n_teams, m.config.service_users.per_team, m.config.deliberation.aspects)
    np.testing.assert_allclose(s.need_t, u.need.mean(axis=1))
    for _ in range(30):  # every team starts at least one new project
        m.step()
    np.testing.assert_allclose(s.need_t, u.need.mean(axis=1))
    assert ((u.need >= 0) & (u.need <= 1)).all()


def test_users_per_team_follows_the_scenario():
    m = CoProdModel(seed=1, organisation_people=60, service_users_per_team=3)
    assert m.state.users.need.shape[:2] == (m.n_teams, 3)


def test_users_whose_views_are_included_fare_better():
    """Where co-production gives participants weight, a user who took part gets a service nearer their own need.

    Measured within finished projects (the same team and decision) as the fit to one's own need
    above the standard service's, users whose views were included less the others: +0.002 to
    +0.011 in the transformative scenario (5 seeds, 600 people, 3 years; +0.004 to +0.007 before
    re-calibration). With users'
    proposals not carrying their own needs (the mechanism removed) it was -0.004 to -0.001, and
    this test fails. Pooled across teams, included users gain about 0.02 more, mostly because they
    are in teams that co-produce more (a difference between teams that the within-project measure
    leaves out; pooled, the test passed with the mechanism removed); in the baseline, where
    participants hold little weight, the within-project gap is -0.004 to +0.004 (no direction).
    """
    cfg = load_scenario("transformative").config
    gaps = []
    for seed in SEEDS:
        u = _run(156, seed, cfg, organisation_people=600).state.users
        assert u.within[1] > 100  # projects with users of both kinds
        gaps.append(u.within[0] / u.within[1])
    assert all(g > 0.0 for g in gaps) and np.mean(gaps) > 0.003, gaps


def test_without_service_users_taking_part_the_split_is_undefined():
    """Null: service_users.invite 0, nobody's views are included; the good-outcome split and its ratio are undefined."""
    m = _run(60, 2, organisation_people=300, service_users_invite=0.0)
    u = m.state.users
    assert u.part_n.sum() == 0 and u.outcomes[0] == 0 and u.outcomes[2] > 0
    ts = m.timeseries()
    assert ts["users_included_share"].dropna().eq(0.0).all()
    assert ts["users_good_included"].isna().all()
    assert ts["users_good_share"].iloc[1:].dropna().between(0, 1).all()
    probes = probe_model(m, None)
    assert math.isnan(probes["users_views_or"]) and probes["users_included_share"] == 0.0


def test_user_outputs_stay_in_bounds_and_add_up():
    m = _run(80, 4, organisation_people=300, power_transfer=0.3)
    ts = m.timeseries()
    for col in ("users_good_share", "users_good_included", "users_good_excluded", "users_included_share"):
        v = ts[col].dropna()
        assert len(v) > 40 and v.between(0.0, 1.0).all(), col
    assert math.isnan(ts["users_good_share"].iloc[0])  # no project finished at week 0
    inc, inc_good, exc, exc_good = m.state.users.outcomes
    assert 0 <= inc_good <= inc and 0 <= exc_good <= exc and inc > 0
    last = ts.iloc[-1]
    share = last["users_included_share"]
    pooled = share * last["users_good_included"] + (1 - share) * last["users_good_excluded"]
    assert last["users_good_share"] == pytest.approx(pooled)


def test_service_users_are_deterministic():
    a = _run(40, 7, organisation_people=200)
    b = _run(40, 7, organisation_people=200)
    ua, ub = a.state.users, b.state.users
    for name in ("need", "included", "last_fit", "part_n", "outcomes", "within"):
        np.testing.assert_array_equal(getattr(ua, name), getattr(ub, name))
    assert a.timeseries().equals(b.timeseries())


def test_service_users_table_has_one_row_per_user():
    m = _run(30, 5, organisation_people=120)
    df = m.service_users()
    assert len(df) == m.n_teams * m.config.service_users.per_team
    assert df["meetings"].sum() == m.state.users.part_n.sum() and df["last_fit"].between(0, 1).all()
