"""Attitudes: the Friedkin-Johnsen update (docs/ODD.md 7.8) and what it keeps over ten years.

Each person weighs the network's view by their susceptibility and their own anchor by the rest,
so attitudes keep their spread; with susceptibility 1 the update is DeGroot's and the spread
collapses (the null test). Training and contact that a person experiences move their anchor, so
anchoring does not undo them.
"""

import numpy as np
import pytest

from coprod_sim.config import Config
from coprod_sim.mechanisms.attitudes import update_attitudes
from coprod_sim.model import CoProdModel
from coprod_sim.validation.probes import simulate_probes
from tests.conftest import SEEDS

DEGROOT = {"attitudes.susceptibility": 1.0, "attitudes.susceptibility_sd": 0.0}


def _influence_matrix(m: CoProdModel) -> np.ndarray:
    """The row-stochastic weights of the network's view (team mates and cross-team ties), dense."""
    seats = m.seats
    same_team = seats.team[:, None] == seats.team[None, :]
    np.fill_diagonal(same_team, False)
    ties = same_team + seats.cross.toarray()
    return ties * seats.w_att[None, :] * seats.inv_den[:, None]


def test_one_step_at_full_rate_is_the_friedkin_johnsen_recursion():
    """At influence 1 a week is x(t+1) = S W x(t) + (I - S) u (Friedkin & Johnsen 1999); at S = I, DeGroot's W x."""
    for extra in ({}, DEGROOT):
        cfg = Config().with_overrides({"organisation.people": 90, "attitudes.influence": 1.0, **extra})
        m = CoProdModel(seed=3, config=cfg)
        s = m.state
        s.att_anchor[:] = np.clip(s.attitude + m.rng.normal(0, 0.1, m.n), 0, 1)  # anchors apart from attitudes
        x, u, sig = s.attitude.copy(), s.att_anchor.copy(), s.suscept.copy()
        w = _influence_matrix(m)
        np.testing.assert_allclose(w.sum(axis=1), 1.0)
        update_attitudes(s, m.caches, m.seats, m.p)
        np.testing.assert_allclose(s.attitude, sig * (w @ x) + (1 - sig) * u, atol=1e-12)
        np.testing.assert_allclose(m.caches.team_att_sum, m.seats.tsum(s.attitude), atol=1e-12)
    assert (sig == 1.0).all()  # the DeGroot case really had everyone fully susceptible


def test_weekly_updates_settle_at_the_friedkin_johnsen_equilibrium():
    """x* = (I - S W)^-1 (I - S) u: people settle apart, each nearer their own anchor the less susceptible."""
    m = CoProdModel(seed=5, config=Config().with_overrides({"organisation.people": 80}))
    s = m.state
    w, u, sig = _influence_matrix(m), s.att_anchor.copy(), s.suscept.copy()
    assert sig.std() > 0.05 and 0.3 < sig.mean() < 0.5  # heterogeneous, around the default 0.4
    for _ in range(3000):
        update_attitudes(s, m.caches, m.seats, m.p)
    target = np.linalg.solve(np.eye(m.n) - sig[:, None] * w, (1 - sig) * u)
    np.testing.assert_allclose(s.attitude, target, atol=1e-6)
    assert s.attitude.std() > 0.5 * u.std()
    np.testing.assert_array_equal(s.att_anchor, u)  # the network's pull never moves an anchor


def _spread_ratio(cfg: Config, seed: int) -> float:
    m = CoProdModel(seed=seed, config=cfg)
    sd0 = m.state.attitude.std()
    for _ in range(520):
        m.step()
    return float(m.state.attitude.std() / sd0)


def test_attitudes_keep_their_spread_for_ten_years_and_collapse_without_anchoring():
    """Model 2, item 3: in the baseline the SD of attitude after ten years is at least 0.6 of the SD
    at the start. Measured (300 people, seeds 0-4): 0.64 to 0.73. Null test: with everyone fully
    susceptible (DeGroot, the update of earlier versions) it falls to 0.25 to 0.30.
    """
    anchored = np.array([_spread_ratio(Config(), seed) for seed in SEEDS])
    degroot = np.array([_spread_ratio(Config().with_overrides(DEGROOT), seed) for seed in SEEDS])
    assert (anchored >= 0.6).all(), anchored
    assert (degroot < 0.4).all(), degroot


def _pulse(week: int, extra: dict) -> Config:
    """Half of everyone trained once in ``week`` (the training_pulse validation scenario), 1,000 people."""
    timeline = [
        {"step": week, "lever": "training.target", "value": "all"},
        {"step": week, "lever": "training.interval", "value": 5200},
    ]
    cfg = Config.from_dict({"training": {"coverage": 0.5}, "organisation": {"people": 1000}, "timeline": timeline})
    return cfg.with_overrides(extra) if extra else cfg


def _g_late_over_early(extra: dict) -> np.ndarray:
    """Training g one week after a session in week 260 over g one week after a session in week 52, per seed."""
    g = np.array([[simulate_probes(_pulse(w, extra), seed, w + 1)["training_g"] for w in (52, 260)] for seed in SEEDS])
    return g[:, 1] / g[:, 0]


def test_the_same_training_reads_about_the_same_g_in_year_one_and_year_five():
    """The issue: with DeGroot a training effect calibrated as g = 0.38 in week 52 read as 0.5 to 0.8
    by week 260, because the spread it is divided by collapsed. Anchored, the ratio of the two g is
    measured 0.80 to 0.96 (mean 0.90) at 1,000 people, what is left being the first years' move
    from the anchors' spread to the settled one (ODD 5.2); with DeGroot 0.98 to 1.40 (mean 1.19).
    Before Model 2's re-calibration (slower contact) and service users: 0.95 to 1.34 (mean 1.13)
    and 1.23 to 1.70 (mean 1.48).
    """
    anchored, degroot = _g_late_over_early({}), _g_late_over_early(DEGROOT)
    assert 0.8 < anchored.mean() < 1.1
    # The null falls outside the band the anchored model must stay in.
    assert degroot.mean() > 1.1
    assert (degroot > anchored).all() and degroot.mean() - anchored.mean() > 0.2


@pytest.mark.parametrize("kind", ["contact", "training"])
def test_own_experience_moves_the_anchor_so_anchoring_keeps_its_effect(kind):
    """Contact (7.6) and consolidated training (7.3) move the anchor with the attitude: two years of
    either, then none, and three years later most of the gain is still there (turnover takes some).
    Measured (400 people, seeds 0-4): contact keeps 0.52 to 0.62, training 0.45 to 0.50. If they
    moved only the attitude, anchoring would pull the gain back: measured 0.07 to 0.12 (contact)
    and 0.05 to 0.09 (training).
    """
    if kind == "contact":  # equal-status contact at about 8 times the calibrated rate, so that it shows
        on = {"power.transfer": 0.4, "attitudes.contact": 0.01}
        off = {**on, "attitudes.contact": 0.0}
        stop = {"lever": "power.transfer", "value": 0.0}
    else:  # everyone trained every 13 weeks, with the structure that consolidates it
        on = {"training.target": "all", "training.coverage": 1.0, "training.interval": 13, "review.enabled": True}
        off = {**on, "training.coverage": 0.0}
        stop = {"lever": "training.coverage", "value": 0.0}
    kept = []
    for seed in SEEDS:
        means = []
        for levers in (on, off):
            cfg = Config().with_overrides({"organisation.people": 400, **levers})
            cfg = Config.from_dict({**cfg.to_dict(), "timeline": [{"step": 104, **stop}]})
            m = CoProdModel(seed=seed, config=cfg)
            at = []
            for t in range(1, 261):
                m.step()
                if t in (104, 260):
                    at.append(m.state.attitude.mean())
            means.append(at)
        (a104, a260), (b104, b260) = means
        kept.append((a260 - b260) / (a104 - b104))
    kept = np.array(kept)
    assert (kept > 0.3).all(), kept


def test_newcomers_arrive_at_their_own_anchor_with_their_own_susceptibility():
    m = CoProdModel(seed=2, config=Config().with_overrides({"organisation.people": 300}))
    first_ids = m.state.person_id.copy()
    for _ in range(104):
        m.step()
    s = m.state
    new = s.person_id != first_ids
    assert new.sum() > 10
    # Just hired: not yet moved (tenure 0, before their first update) or moved toward the network.
    just = new & (s.tenure == 0)
    np.testing.assert_array_equal(s.att_anchor[just], s.att_base[just])
    assert ((s.suscept >= 0) & (s.suscept <= 1)).all() and s.suscept[new].std() > 0.05
    # A seat's k-th newcomer has the same susceptibility in any run on this seed (common random numbers).
    other = CoProdModel(seed=2, config=Config().with_overrides({"organisation.people": 300, "power.transfer": 0.3}))
    for _ in range(104):
        other.step()
    # Manager seats are left out: their holders are promoted from other seats (7.12), not newcomers.
    same = (other.newcomers.arrivals == m.newcomers.arrivals) & new & ~m.is_manager
    assert same.sum() > 10
    np.testing.assert_array_equal(other.state.suscept[same], s.suscept[same])
