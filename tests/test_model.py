"""Unit tests, one or more per mechanism of the model."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest

from coprod_sim.agents import DisabledWorker, Manager, PeerSupporter, Staff
from coprod_sim.config import Config
from coprod_sim.mechanisms.deliberation import fit, realised_influence
from coprod_sim.model import DISABLED_WORKER, LEVELS, OUTPUT_COLUMNS, CoProdModel, classify_level


def stepped(steps: int = 10, seed: int = 1, **kw) -> CoProdModel:
    m = CoProdModel(seed=seed, **kw)
    for _ in range(steps):
        m.step()
    return m


# -- structure, agents, outputs -------------------------------------------------------------
def test_agents_are_thin_views_of_the_arrays():
    m = stepped(5, organisation_people=150, organisation_disabled_share=0.4, peer_support_enabled=True)
    s = m.state
    assert len(m.agents) == m.n
    counts = {cls: len(m.agents_by_type.get(cls, [])) for cls in (Manager, Staff, DisabledWorker, PeerSupporter)}
    assert counts[Manager] == int((s.role == 0).sum()) == m.n_teams
    assert counts[Staff] == int((s.role == 1).sum())
    assert counts[DisabledWorker] == int((s.role == 2).sum())
    assert counts[PeerSupporter] == int((s.role == 3).sum()) > 0
    a = m.agent_at(7)
    s.wellbeing[7] = 0.123
    assert a.wellbeing == pytest.approx(0.123)
    assert a.person_id == s.person_id[7] and a.team == s.team[7]
    for agent in m.agents:
        assert agent.role_code == s.role[agent.seat]
        assert m.agent_at(agent.seat) is agent
    # Disability is a property of anyone: the roles that are not experts by experience can be disabled too.
    assert not (s.disabled[s.role >= 2] == False).any()  # noqa: E712


def test_disabled_managers_and_staff_exist():
    m = CoProdModel(seed=2, organisation_people=600, organisation_disabled_share=0.3)
    s = m.state
    assert (s.disabled & (s.role == 0)).any()
    assert (s.disabled & (s.role == 1)).any()


def test_outputs_have_the_required_columns():
    m = stepped(6, organisation_people=80)
    ts = m.timeseries()
    required = [
        "step",
        "participation_rate",
        "influence_share",
        "tokenism_rate",
        "fit",
        "wellbeing_disabled",
        "wellbeing_nondisabled",
        "burnout_disabled",
        "burnout_nondisabled",
        "exits_disabled",
        "exits_nondisabled",
        "share_disabled",
        "attitude_mean",
        "cost",
        "level",
    ]
    assert list(ts.columns[: len(required)]) == required
    assert list(ts.columns) == ["step", *OUTPUT_COLUMNS]
    assert ts["step"].tolist() == list(range(7))
    assert set(ts["level"]) <= set(LEVELS)
    people = m.people()
    for col in [
        "person_id",
        "role",
        "team",
        "disabled",
        "attitude",
        "wellbeing",
        "burnout",
        "engagement",
        "grade",
        "tenure",
    ]:
        assert col in people.columns
    assert set(people["role"].astype(str)) <= {"manager", "staff", "disabled_worker", "peer_supporter"}
    assert people["person_id"].is_unique


def test_seed_is_recorded_and_strings_are_cast():
    assert CoProdModel(seed="42").seed == 42
    unseeded = CoProdModel(organisation_people=30)
    assert isinstance(unseeded.seed, int)
    again = CoProdModel(seed=unseeded.seed, organisation_people=30)
    np.testing.assert_array_equal(unseeded.state.attitude, again.state.attitude)


# -- co-production cycle: participation, deliberation, fit --------------------------------------
def test_fit_is_one_minus_twice_mean_distance():
    need = np.array([[0.2, 0.8, 0.5, 0.5]])
    assert fit(need.copy(), need)[0] == pytest.approx(1.0)
    assert fit(need + 0.25, need)[0] == pytest.approx(0.5)
    assert fit(need + 0.6, need)[0] == 0.0


def test_power_transfer_is_a_floor_on_influence():
    ts = stepped(60, organisation_people=300, power_transfer=0.6).timeseries()
    infl = ts["influence_share"].dropna()
    assert len(infl) > 20
    assert (infl >= 0.6 - 1e-12).all()
    none = stepped(60, organisation_people=300).timeseries()["influence_share"].dropna()
    assert none.max() < 0.2


def test_realised_influence_is_a_smooth_curve_with_the_old_threshold_as_its_limit():
    ratio = np.linspace(0.0, 3.0, 3001)
    r = realised_influence(ratio, 0.5, 2.0)
    assert r[0] == 0.0 and r[-1] < 1.0
    assert (np.diff(r) > 0).all()  # more weight, more influence
    assert realised_influence(np.array([0.5]), 0.5, 2.0)[0] == pytest.approx(0.5)
    # No cliff: a step of 0.001 in the ratio moves realised influence by at most ~0.002.
    assert np.abs(np.diff(r)).max() < 0.003
    # As the steepness grows it approaches the old all-or-nothing threshold at token_ratio.
    sharp = realised_influence(np.array([0.45, 0.55]), 0.5, 200.0)
    assert sharp[0] < 1e-6 and sharp[1] > 1 - 1e-6


def test_tokenism_is_graded():
    def tokenism(**kw):
        return stepped(40, organisation_people=300, **kw).timeseries()["tokenism_rate"].dropna()

    # Half an equal share realises half the influence; with no midpoint every voice is fully heard.
    assert tokenism(deliberation_token_ratio=0.0).eq(0).all()
    low, mid, high = (tokenism(deliberation_token_ratio=h).mean() for h in (0.2, 0.5, 1.0))
    assert 0 < low < mid < high < 1


def test_barriers_lower_participation():
    def part(**kw):
        return np.mean(
            [
                stepped(104, seed=s, organisation_people=400, **kw).timeseries()["participation_rate"].iloc[1:].mean()
                for s in range(3)
            ]
        )

    assert part(participation_barrier=0.0) > part() + 0.02


def test_no_involvement_means_no_participation():
    ts = stepped(30, organisation_people=200, involvement_delivery=False, involvement_evaluation=False).timeseries()
    assert ts["participation_rate"].eq(0).all()
    assert ts["tokenism_rate"].iloc[1:].isna().all()


def test_stages_follow_the_cycle():
    m = CoProdModel(seed=1, organisation_people=120)
    cycle = 4 * m.config.deliberation.stage_weeks
    before = m.state.need_t.copy()
    for _ in range(cycle):
        m.step()
    # Every team started exactly one new project in a full cycle: all needs redrawn.
    assert (m.state.need_t != before).any(axis=1).all()
    assert ((m.state.last_fit >= 0) & (m.state.last_fit <= 1)).all()


# -- reciprocity and attitudes -------------------------------------------------------------------
def test_tokenism_erodes_and_influence_builds_engagement():
    tok = stepped(156, organisation_people=400, organisation_disabled_share=0.3).timeseries()
    power = stepped(156, organisation_people=400, organisation_disabled_share=0.3, power_transfer=0.4).timeseries()
    # Without power participants realise about 30% of an equal partner's influence (tokenism
    # about 0.7): engagement falls below its resting level 0.5 (measured 0.45-0.47 over seeds 0-3,
    # 0.58-0.61 with power transfer 0.4). Service users taking part share the guaranteed weight,
    # so each disabled worker holds less of it than before they were modelled (0.44-0.46 and
    # 0.62-0.63 then; ODD 7.18).
    assert tok["engagement_disabled"].iloc[-1] < 0.475
    assert power["engagement_disabled"].iloc[-1] > 0.55


def test_training_boost_size():
    tl = [
        {"step": 1, "lever": "training.target", "value": "all"},
        {"step": 1, "lever": "training.coverage", "value": 1.0},
    ]
    m = CoProdModel(seed=4, config=Config.from_dict({"timeline": tl}), organisation_people=400)
    before = m.state.attitude.mean()
    m.step()
    jump = m.state.attitude.mean() - before
    assert jump == pytest.approx(m.config.training.effect, abs=0.01)
    assert m.timeseries()["cost_training"].iloc[1] > 0


def test_contact_needs_equal_status():
    def att(power, **kw):
        return stepped(104, seed=2, organisation_people=400, power_transfer=power, **kw).state.attitude.mean()

    # Equal-status contact moves attitudes (at about 8 times the calibrated rate, so that two years
    # show it clearly; the calibrated size is checked in test_validation) ... Measured +0.018
    # (+0.024 before interviews marked disabled candidates down, 7.11: fewer disabled people, so
    # fewer meetings with them).
    equal = att(0.4, attitudes_contact=0.01) - att(0.4, attitudes_contact=0.0)
    assert equal > 0.015
    # ... contact in meetings where participants realise little influence moves them less, in
    # proportion to the influence realised (graded equal status, no threshold) ...
    token = att(0.0, attitudes_contact=0.01) - att(0.0, attitudes_contact=0.0)
    assert 0 < token < 0.5 * equal
    # ... and with no midpoint every voice counts fully (token_ratio 0): as much as with power.
    heard = att(0.0, attitudes_contact=0.01, deliberation_token_ratio=0.0)
    assert heard - att(0.0, attitudes_contact=0.0, deliberation_token_ratio=0.0) > 2 * token


def test_network_influence_pulls_toward_neighbours():
    m = CoProdModel(seed=5, organisation_people=240, organisation_attitude_sd=0.3)
    sd0 = m.state.attitude.std()
    for _ in range(100):
        m.step()
    assert m.state.attitude.std() < sd0


# -- peer support ---------------------------------------------------------------------------------
def test_peer_programme_assigns_within_capacity():
    m = stepped(
        20,
        organisation_people=500,
        organisation_disabled_share=0.4,
        peer_support_enabled=True,
        peer_support_uptake=1.0,
        peer_support_max_load=3,
    )
    s = m.state
    sup = np.flatnonzero(s.role == 3)
    assert len(sup) >= math.ceil(0.12 * len(np.flatnonzero(s.role >= 2))) - 1
    assert s.disabled[sup].all()
    counts = np.bincount(s.peer_of[s.peer_of >= 0], minlength=m.n)
    np.testing.assert_array_equal(counts, s.load)
    assert s.load.max() <= 3
    assert (s.role[s.peer_of >= 0] == 2).all()


def test_peer_programme_stops_cleanly():
    tl = [{"step": 10, "lever": "peer_support.enabled", "value": False}]
    cfg = Config.from_dict({"peer_support": {"enabled": True}, "timeline": tl})
    m = CoProdModel(seed=1, config=cfg, organisation_people=300, organisation_disabled_share=0.3)
    for _ in range(9):
        m.step()
    assert (m.state.role == 3).any()
    m.step()
    assert not (m.state.role == 3).any()
    assert (m.state.peer_of == -1).all() and (m.state.load == 0).all()
    assert not any(d.get("peer") for _, _, d in m.graph.edges(data=True))


# -- wellbeing, burnout, retention, progression ---------------------------------------------------
def test_burnout_has_hysteresis():
    m = stepped(80, organisation_people=300, organisation_workload=1.0, wellbeing_workload=1.0)
    s = m.state
    weeks = m.config.wellbeing.burnout_weeks
    assert s.burnout.any()
    assert (s.strain[s.burnout] > 0).all()
    assert s.burnout[s.strain >= weeks].all()


def test_turnover_replaces_people_and_keeps_head_count():
    m = CoProdModel(seed=3, organisation_people=200)
    ids0 = set(m.state.person_id.tolist())
    for _ in range(104):
        m.step()
    ts = m.timeseries()
    ids = m.state.person_id
    assert len(ids) == 200 and len(set(ids.tolist())) == 200
    new = set(ids.tolist()) - ids0
    assert len(new) > 0 and min(new) >= 200
    assert int(ts["exits_disabled"].sum() + ts["exits_nondisabled"].sum()) >= len(new)
    assert (ts["n_people"] == 200).all()


def test_hiring_follows_applicant_pool():
    closed = stepped(156, organisation_people=300, retention_applicant_share=0.0, organisation_onset_rate=0.0)
    ts = closed.timeseries()
    assert ts["share_disabled"].is_monotonic_decreasing
    opened = stepped(156, organisation_people=300, retention_applicant_share=1.0, retention_hiring_bias=0.0)
    assert opened.timeseries()["share_disabled"].iloc[-1] > ts["share_disabled"].iloc[0] + 0.1


def test_evaluation_bias_slows_disabled_careers():
    def gap(bias):
        vals = []
        for seed in range(3):
            ts = stepped(
                260,
                seed=seed,
                organisation_people=600,
                organisation_disabled_share=0.3,
                organisation_disclosure=1.0,
                organisation_attitude_mean=0.1,
                progression_evaluation_bias=bias,
            ).timeseries()
            vals.append(ts["progression_gap"].iloc[-1])
        return np.mean(vals)

    assert gap(1.0) > gap(0.0) + 0.1


def test_grades_stay_in_range():
    m = stepped(200, organisation_people=200)
    top = m.config.progression.max_grade
    s = m.state
    assert (s.grade[m.is_manager] == top + 1).all()
    assert s.grade[~m.is_manager].min() >= 0 and s.grade[~m.is_manager].max() <= top


# -- costs ----------------------------------------------------------------------------------------
def test_free_accommodations_cost_nothing():
    ts = stepped(
        104,
        organisation_people=300,
        accessibility_free_share=1.0,
        accessibility_one_time_share=0.0,
        accessibility_accommodations=1.0,
    ).timeseries()
    assert ts["cost_accommodations"].eq(0).all()
    assert ts["accommodated_share"].iloc[-1] > 0.3


def test_accessibility_investment_is_paid_when_raised():
    tl = [{"step": 3, "lever": "accessibility.information", "value": 0.7}]
    m = CoProdModel(seed=1, config=Config.from_dict({"timeline": tl}), organisation_people=100)
    for _ in range(5):
        m.step()
    ts = m.timeseries()
    capex = 0.5 * m.config.accessibility.capex_per_person * 100
    jump = ts["cost_accessibility"].iloc[3] - ts["cost_accessibility"].iloc[2]
    assert jump == pytest.approx(capex, rel=0.05)
    assert ts["cost_accessibility"].iloc[4] < ts["cost_accessibility"].iloc[3]
    assert ts["cost_cumulative"].is_monotonic_increasing


# -- levers over time -----------------------------------------------------------------------------
def test_timeline_ramps_a_lever():
    tl = [{"step": 2, "lever": "power.transfer", "value": 0.4, "ramp": 4}]
    m = CoProdModel(seed=1, config=Config.from_dict({"timeline": tl}), organisation_people=40)
    seen = []
    for _ in range(7):
        m.step()
        seen.append(m.p.power.transfer)
    assert seen == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4, 0.4, 0.4])
    assert m.config.power.transfer == 0.0  # the base configuration is never changed


def test_onset_makes_people_disabled():
    m = stepped(52, organisation_people=300, organisation_onset_rate=0.5, retention_base_hazard=0.0)
    ts = m.timeseries()
    assert ts["share_disabled"].iloc[-1] > ts["share_disabled"].iloc[0] + 0.2


# -- the co-production level ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "level"),
    [
        ((0.01, 0.0, 0.0, 0, False), "none"),
        ((0.3, 0.9, 0.03, 2, False), "consultation"),
        ((0.3, 0.2, 0.2, 2, True), "compliance"),
        ((0.3, 0.2, 0.2, 3, False), "compliance"),
        ((0.3, 0.2, 0.3, 3, True), "intermediate"),
        ((0.5, 0.05, 0.35, 4, True), "intermediate"),
        ((0.5, 0.05, 0.45, 4, True), "transformative"),
    ],
)
def test_level_thresholds(args, level):
    assert classify_level(*args) == level


def test_no_fit_dip_when_projects_are_joined_mid_way():
    # Teams start part-way through a project; its fit averages only the stages observed.
    for seed in range(3):
        ts = stepped(52, seed=seed).timeseries()
        early, later = ts["fit"].iloc[1:14].min(), ts["fit"].iloc[26:53].mean()
        assert early > 0.85 * later, (seed, early, later)


def test_ramping_the_training_interval_keeps_the_schedule():
    tl = [
        {"step": 1, "lever": "training.target", "value": "all"},
        {"step": 1, "lever": "training.coverage", "value": 1.0},
        {"step": 10, "lever": "training.interval", "value": 10, "ramp": 10},
    ]
    m = CoProdModel(seed=1, config=Config.from_dict({"timeline": tl}), organisation_people=60)
    for _ in range(40):
        m.step()
    weeks = m.timeseries().query("cost_training > 0")["step"].tolist()
    assert weeks[0] == 1
    assert all(b - a >= 10 for a, b in itertools.pairwise(weeks))
    assert 2 <= len(weeks) <= 4


def test_training_from_the_scenario_starts_in_week_one():
    m = stepped(3, organisation_people=60, training_target="all", training_coverage=1.0)
    assert m.timeseries()["cost_training"].tolist()[:3] == [0.0, pytest.approx(m.timeseries()["cost_training"][1]), 0.0]
    assert m.timeseries()["cost_training"][1] > 0


def test_large_organisations_sum_cross_team_ties_the_same_way(monkeypatch):
    # Above state.CROSS_SPARSE_FROM people the attitude pull sums ties with a sparse product
    # instead of a bincount: both must give the same bits, or results would depend on size.
    from coprod_sim import state

    cfg = Config().with_overrides({"organisation.people": 3000, "training.target": "all", "training.coverage": 0.5})
    small = CoProdModel(seed=4, config=cfg)
    x = np.random.default_rng(0).random(small.n)
    by_pairs = small.seats.cross_sum(x)
    for _ in range(30):
        small.step()
    monkeypatch.setattr(state, "CROSS_SPARSE_FROM", 0)
    large = CoProdModel(seed=4, config=cfg)
    assert np.array_equal(large.seats.cross_sum(x), by_pairs)
    for _ in range(30):
        large.step()
    assert np.array_equal(small.state.attitude, large.state.attitude)
    assert small.timeseries().equals(large.timeseries())


def test_newcomers_drawn_ahead_in_the_background_are_the_same_people(monkeypatch):
    # Chunks of newcomers are drawn ahead in a thread; whether and when must not matter.
    from coprod_sim import newcomers

    monkeypatch.setattr(newcomers, "PREFETCH_FROM", 0)
    cfg = Config().with_overrides({"organisation.people": 5000})
    ahead = CoProdModel(seed=6, config=cfg)
    for _ in range(60):
        ahead.step()
    monkeypatch.setattr(newcomers, "PREFETCH", False)
    inline = CoProdModel(seed=6, config=cfg)
    for _ in range(60):
        inline.step()
    assert ahead.timeseries().equals(inline.timeseries())
    assert np.array_equal(ahead.newcomers.rows, inline.newcomers.rows)


def test_newcomers_arriving_together_or_one_by_one_are_the_same_people():
    # A large batch of arrivals is grouped by (arrival, chunk) by sorting; each seat must get the
    # row of its own k-th newcomer, as when the same people arrive one at a time.
    from coprod_sim.newcomers import CHUNK, Newcomers

    n = 3 * CHUNK + 100
    rng = np.random.default_rng(0)
    together = Newcomers(n, 8, np.random.default_rng(11))
    alone = Newcomers(n, 8, np.random.default_rng(11))
    for nc in (together, alone):
        nc.arrive(np.arange(n), first=True)  # everyone there at the start: every row set
    for batch in (rng.choice(n, 900, replace=False), rng.choice(n, 1200, replace=False)):
        batch.sort()
        together.arrive(batch)
        for seat in batch:
            alone.arrive(np.array([seat]))
    assert len(np.unique(together.arrivals[batch])) == 2  # the last batch: first and second arrivals
    np.testing.assert_array_equal(together.rows, alone.rows)
    np.testing.assert_array_equal(together.arrivals, alone.arrivals)


# Forking a process whose newcomer thread is running is the case under test, so Python 3.12's
# warning about forking a multi-threaded process is expected here (the package itself never forks).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_finishes_a_run_whose_newcomers_were_being_drawn_ahead(monkeypatch):
    # A fork does not copy the background thread: the child must draw what was pending itself.
    import multiprocessing as mp

    from coprod_sim import newcomers

    monkeypatch.setattr(newcomers, "PREFETCH_FROM", 0)
    m = CoProdModel(seed=2, organisation_people=9000)
    m.step()
    ctx = mp.get_context("fork")
    parent_end, child_end = ctx.Pipe()

    def finish(conn):
        for _ in range(30):
            m.step()
        conn.send(m.timeseries()["wellbeing_disabled"].tolist())

    child = ctx.Process(target=finish, args=(child_end,), daemon=True)
    child.start()
    try:
        assert parent_end.poll(60), "the forked child did not finish (waiting for the parent's thread?)"
        got = parent_end.recv()
    finally:
        child.join(5)
        child.kill()
    for _ in range(30):
        m.step()
    assert got == m.timeseries()["wellbeing_disabled"].tolist()


def test_every_cache_follows_its_rule_after_a_busy_run():
    # Hires, onsets, peer supporters recruited and released, training: then rebuild the caches
    # from the state and compare with the ones kept week by week (state.py states each rule).
    from coprod_sim.state import build_caches

    tl = [
        {"step": 30, "lever": "peer_support.ratio", "value": 0.3},
        {"step": 60, "lever": "peer_support.enabled", "value": False},
    ]
    cfg = Config.from_dict(
        {
            "organisation": {"people": 600, "disabled_share": 0.3},
            "peer_support": {"enabled": True},
            "training": {"target": "all", "coverage": 0.5, "interval": 13},
            "timeline": tl,
        }
    )
    m = CoProdModel(seed=9, config=cfg)
    for _ in range(80):
        m.step()
    kept, fresh = m.caches, build_caches(m.state, m.seats, m.config)
    for name in ("dw", "dis", "prof", "w_prof", "W_P", "W2_P", "n_prof", "inv_wp", "q_p", "workload_demand"):
        np.testing.assert_array_equal(getattr(kept, name), getattr(fresh, name), err_msg=name)
    # Hires adjust the team sums of attitude by difference: equal up to rounding, not bit for bit.
    np.testing.assert_allclose(kept.team_att_sum, fresh.team_att_sum, rtol=0, atol=1e-12)
    # Disabled people's own barriers follow the levers in force, their accommodations and what
    # co-production has removed (7.15, 7.17).
    di = m.caches.dis
    own = (
        m.state.need[di]
        @ m.caches.open
        * (1 - m.p.accessibility.accommodation_effect * m.state.accommodated[di])
        * (1 - m.state.removed[di])
    )
    np.testing.assert_allclose(m.state.own[m.caches.dis], own, rtol=0, atol=1e-15)


def test_malloc_tuning_is_applied_once_and_can_be_left_alone(monkeypatch):
    import sys

    from coprod_sim import heap

    monkeypatch.setattr(heap, "_tuned", None)
    monkeypatch.setenv("COPROD_SIM_MALLOC", "default")
    assert heap.tune_malloc() is False  # told to leave the C library alone
    monkeypatch.setattr(heap, "_tuned", None)
    monkeypatch.delenv("COPROD_SIM_MALLOC")
    tuned = heap.tune_malloc()
    assert tuned is heap.tune_malloc()  # once per process
    if sys.platform.startswith("linux"):
        import platform

        assert tuned == (platform.libc_ver()[0] == "glibc")


def _busy_config() -> Config:
    """A small organisation with many onsets, recoveries, promotions and peer supporters."""
    return Config.from_dict(
        {
            "organisation": {"people": 400, "disabled_share": 0.3, "onset_rate": 0.05, "recovery_rate": 0.5},
            "peer_support": {"enabled": True},
            "involvement": {"planning": False, "design": True},
        }
    )


def _select_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the large organisations' way (select first, update from the seats changed) at any size."""
    from coprod_sim import state
    from coprod_sim.mechanisms import deliberation, service_users

    for module in (state, deliberation, service_users):
        monkeypatch.setattr(module, "SELECT_FROM", 0)


def test_selection_caches_match_the_state_every_week(monkeypatch):
    # From state.SELECT_FROM seats, dw and dis are updated from the seats that changed (set_role,
    # refresh_disabled); checked against a fresh selection every week of a busy run, so a seat the
    # update missed shows in the week it is missed.
    _select_always(monkeypatch)
    m = CoProdModel(seed=4, config=_busy_config())
    for _ in range(120):
        m.step()
        np.testing.assert_array_equal(m.caches.dis, np.flatnonzero(m.state.disabled))
        np.testing.assert_array_equal(m.caches.dw, np.flatnonzero(m.state.role >= DISABLED_WORKER))


def test_large_organisations_way_gives_the_same_results(monkeypatch):
    # Selecting the invited and updating selections from the seats changed (state.SELECT_FROM)
    # must not change a single bit of any output.
    def run() -> tuple:
        m = CoProdModel(seed=5, config=_busy_config())
        for _ in range(80):
            m.step()
        return m.timeseries(), m.people()

    ts, people = run()
    _select_always(monkeypatch)
    ts_sel, people_sel = run()
    pd.testing.assert_frame_equal(ts, ts_sel, check_exact=True)
    pd.testing.assert_frame_equal(people, people_sel, check_exact=True)
