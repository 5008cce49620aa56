"""Every state variable stays in bounds, with no NaN, for random valid parameters and step counts."""

import math

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from coprod_sim.config import Config, ConfigError, iter_params
from coprod_sim.model import LEVELS, CoProdModel

# Keep runs small; the rest of each range is drawn as declared.
CAPS = {
    "organisation.people": (4, 150),
    "organisation.team_size": (2, 40),
    "simulation.steps": (1, 10),
    "deliberation.aspects": (1, 16),
    "deliberation.coverage": (1, 16),
    "training.interval": (1, 30),
    "review.interval": (1, 30),
    "progression.interval": (1, 30),
    "deliberation.stage_weeks": (1, 8),
    "wellbeing.burnout_weeks": (1, 20),
}
PARAMS = list(iter_params())


def _strategy(p):
    if p.type is bool:
        return st.booleans()
    if p.choices:
        return st.sampled_from(p.choices)
    lo, hi = CAPS.get(p.path, (p.lo, p.hi))
    if p.type is int:
        return st.integers(int(lo), int(hi))
    return st.floats(float(lo), float(hi), allow_nan=False, allow_infinity=False)


@st.composite
def configs(draw):
    chosen = draw(st.lists(st.sampled_from(PARAMS), min_size=1, max_size=25, unique_by=lambda p: p.path))
    overrides = {p.path: draw(_strategy(p)) for p in chosen}
    overrides.setdefault("organisation.people", draw(st.integers(4, 150)))
    if overrides.get("organisation.team_size", 12) > overrides["organisation.people"]:
        overrides["organisation.team_size"] = overrides["organisation.people"]
    try:
        cfg = Config().with_overrides(overrides)
    except ConfigError:
        assume(False)
    return cfg


UNIT = (
    "attitude",
    "att_base",
    "att_anchor",
    "suscept",
    "boost",
    "skill",
    "ability",
    "workload",
    "engagement",
    "confidence",
    "wellbeing",
    "barrier",
    "infl_trace",
    "token_trace",
    "peer_u",
    "need",
)
RATES = ("fit", "share_disabled", "attitude_mean", "attitude_managers")
MAYBE_NAN = (
    "influence_share",
    "tokenism_rate",
    "wellbeing_disabled",
    "wellbeing_nondisabled",
    "burnout_disabled",
    "burnout_nondisabled",
    "engagement_disabled",
    "confidence_disabled",
    "attitude_staff",
    "grade_disabled",
    "grade_nondisabled",
    "progression_gap",
    "accommodated_share",
    "peer_supported_share",
    "burnout_disabled_workers",
)


def check_state(m: CoProdModel) -> None:
    s = m.state
    for name in UNIT:
        x = getattr(s, name)
        assert np.isfinite(x).all(), name
        assert (x >= 0).all() and (x <= 1 + 1e-12).all(), name
    assert (s.strain >= 0).all() and (s.tenure >= 0).all()
    assert s.burnout[s.strain >= m.config.wellbeing.burnout_weeks].all()
    assert (s.grade >= 0).all() and (s.grade <= m.config.progression.max_grade + 1).all()
    assert (s.role[m.is_manager] == 0).all() and (s.role[~m.is_manager] != 0).all()
    assert s.disabled[s.role >= 2].all()
    assert (s.need[~s.disabled] == 0).all() and not s.covers[~s.disabled].any()
    counts = np.bincount(s.peer_of[s.peer_of >= 0], minlength=m.n)
    np.testing.assert_array_equal(counts, s.load)
    assert (s.role[s.load > 0] == 3).all()
    assert np.isfinite(s.decision).all() and ((s.last_fit >= 0) & (s.last_fit <= 1)).all()
    assert len(set(s.person_id.tolist())) == m.n
    assert len(m.agents) == m.n


def check_outputs(m: CoProdModel) -> None:
    ts = m.timeseries()
    for col in RATES:
        x = ts[col].to_numpy(float)
        assert np.isfinite(x).all() and (x >= 0).all() and (x <= 1).all(), col
    for col in MAYBE_NAN:
        x = ts[col].to_numpy(float)
        x = x[~np.isnan(x)]
        assert np.isfinite(x).all(), col
        if col not in ("grade_disabled", "grade_nondisabled", "progression_gap"):
            assert (x >= 0).all() and (x <= 1 + 1e-12).all(), col
    costs = ts[[c for c in ts.columns if c.startswith("cost")]].to_numpy(float)
    assert np.isfinite(costs).all() and (costs >= 0).all()
    assert ts["cost_cumulative"].is_monotonic_increasing
    assert set(ts["level"]) <= set(LEVELS)
    assert (ts[["exits_disabled", "exits_nondisabled"]] >= 0).all().all()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(cfg=configs(), steps=st.integers(1, 60), seed=st.integers(0, 2**32))
def test_state_stays_in_bounds(cfg, steps, seed):
    m = CoProdModel(seed=seed, config=cfg)
    check_state(m)
    for _ in range(steps):
        m.step()
    check_state(m)
    check_outputs(m)


def test_long_run_of_every_lever_at_once_stays_in_bounds():
    cfg = Config.from_dict(
        {
            "peer_support": {"enabled": True, "uptake": 1.0},
            "power": {"transfer": 1.0},
            "training": {"target": "all", "coverage": 1.0, "interval": 1},
            "review": {"enabled": True, "interval": 1},
            "organisation": {"people": 200, "disabled_share": 0.9},
        }
    )
    m = CoProdModel(seed=9, config=cfg)
    for _ in range(300):
        m.step()
    check_state(m)
    check_outputs(m)
    assert not math.isnan(m.metrics["influence_share"])
