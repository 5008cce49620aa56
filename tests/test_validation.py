"""Validation and calibration: probes, pattern statistics, files, CLI, and a fast subset of patterns.

The full validation (every pattern, 10 seeds each) is its own command, `coprod-sim validate`;
here each probe and statistic is checked on cases with a known answer, and the cheap patterns
are run with fewer seeds.
"""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pandas as pd
import pytest

from coprod_sim.cli import main
from coprod_sim.config import Config, ConfigError
from coprod_sim.model import CoProdModel
from coprod_sim.state import DISABLED_WORKER, MANAGER, STAFF
from coprod_sim.sweep.design import Factor
from coprod_sim.validation.calibrate import calibrate, load_calibration
from coprod_sim.validation.patterns import (
    evaluate,
    load_patterns,
    load_validation_experiment,
    pattern_values,
    validate,
    validation_dir,
)
from coprod_sim.validation.probes import PROBES, hedges_g, simulate_probes

PATTERNS = {p.id: p for p in load_patterns()}


# -- probes -------------------------------------------------------------------------------------
def test_hedges_g_matches_the_textbook_formula():
    a, b = np.array([3.0, 4.0, 5.0, 6.0]), np.array([1.0, 2.0, 3.0])
    sp = math.sqrt((3 * a.var(ddof=1) + 2 * b.var(ddof=1)) / 5)
    j = 1 - 3 / (4 * 7 - 9)
    assert hedges_g(a, b) == pytest.approx(j * (4.5 - 2.0) / sp)
    assert math.isnan(hedges_g(a, b[:2]))  # too few to compare
    assert math.isnan(hedges_g(np.ones(4), np.ones(4)))  # no spread


def test_probes_are_complete_reproducible_and_in_range():
    cfg = Config().with_overrides({"organisation.people": 600, "peer_support.enabled": True})
    a = simulate_probes(cfg, 3, 120)
    assert list(a) == list(PROBES)
    b = simulate_probes(cfg, 3, 120)
    assert json.dumps(a) == json.dumps(b)  # NaN-aware byte equality
    for k in ("share_disabled", "peer_supported_share", "inadequate_share", "acc_free_share", "good_share"):
        assert 0.0 <= a[k] <= 1.0, k
    assert a["exit_ratio"] > 0 and a["included_n"] > 0
    assert a["acc_free_share"] + a["acc_one_time_share"] + a["acc_ongoing_share"] == pytest.approx(1.0)
    assert math.isnan(a["training_g"])  # nobody was trained
    assert math.isnan(a["contact_r"]) or -1 <= a["contact_r"] <= 1


def test_histories_count_meetings_contact_and_training():
    tl = [{"step": 5, "lever": "training.target", "value": "all"}]
    cfg = Config.from_dict({"timeline": tl, "training": {"coverage": 0.5}, "power": {"transfer": 0.4}})
    m = CoProdModel(seed=2, config=cfg, organisation_people=400)
    s = m.state
    before = s.accommodated.copy()  # accommodations granted before week 0 (ODD 5.6) are not counted
    for _ in range(30):
        role, pid, part, contact = s.role.copy(), s.person_id.copy(), s.part_n.copy(), s.contact_sum.copy()
        m.step()
        same = s.person_id == pid
        # Only experts by experience take part; only professionals have equal-status contact.
        assert (s.part_n - part)[same & (role <= STAFF)].sum() == 0
        assert (s.contact_sum - contact)[same & (role >= DISABLED_WORKER)].sum() == 0
    # Realised influence is 0-1 per meeting attended.
    assert (s.infl_sum >= 0).all() and (s.infl_sum <= s.part_n + 1e-9).all()
    assert s.part_n.sum() > 0 and s.contact_sum.sum() > 0
    assert set(np.unique(s.trained_at)) <= {0, 5}
    assert 0.3 < np.mean(s.trained_at[s.tenure > 25] == 5) < 0.7
    people = m.people()
    assert (people["equal_status_contact"] == s.contact_sum).all()
    assert (people["influence_realised"] == s.infl_sum).all()
    # A new hire starts with no history.
    hired = s.person_id >= 400
    assert (s.part_n[hired] <= 30).all() and (s.trained_at[hired & (s.tenure < 25)] == 0).all()
    assert m.accommodations_granted.sum() >= (s.accommodated & ~before)[~hired].sum() > 0
    assert before.sum() > 0


def test_training_g_reads_the_last_session():
    tl = [{"step": 2, "lever": "training.target", "value": "all"}]
    cfg = Config.from_dict({"timeline": tl, "training": {"coverage": 0.5, "interval": 5200}})
    cfg = cfg.with_overrides({"organisation.people": 1000})
    # Effects of about 0.2 and 0.6 SD of attitude: the smaller one well clear of sampling error
    # (about 0.06 with 500 trained and 500 not).
    low = simulate_probes(cfg.with_overrides({"training.effect": 0.03}), 1, 3)
    high = simulate_probes(cfg.with_overrides({"training.effect": 0.09}), 1, 3)
    assert low["weeks_since_training"] == 1
    assert 0 < low["training_g"] < high["training_g"]


def test_managers_count_as_professionals_for_contact():
    cfg = Config().with_overrides({"organisation.people": 400, "power.transfer": 0.5})
    m = CoProdModel(seed=1, config=cfg)
    for _ in range(40):
        m.step()
    assert m.state.contact_sum[m.state.role == MANAGER].sum() > 0


# -- pattern statistics -------------------------------------------------------------------------
def _runs(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    df["status"] = "ok"
    return df


def test_between_run_statistics_pair_replicates():
    rows = []
    for rep, (mt, mc) in enumerate([(0.5, 0.4), (0.6, 0.4)]):
        rows.append(
            {
                "point": 0,
                "replicate": rep,
                "x.c": 0.0,
                "attitude_mean": mc,
                "attitude_sd": 0.1,
                "attitude_mean_prev": mc,
                "attitude_sd_prev": 0.1,
                "good_share": 0.5,
            }
        )
        rows.append(
            {
                "point": 1,
                "replicate": rep,
                "x.c": 1.0,
                "attitude_mean": mt,
                "attitude_sd": 0.1,
                "attitude_mean_prev": mc + 0.2,
                "attitude_sd_prev": 0.1,
                "good_share": 0.75,
            }
        )
    runs = _runs(rows).rename(columns={"x.c": "training.coverage"})
    p = PATTERNS["training_decay"]
    assert pattern_values(dataclasses.replace(p, statistic="smd_between", at="end"), runs) == pytest.approx([1, 2])
    assert pattern_values(p, runs) == pytest.approx([0.5, 1.0])  # end over prev
    odds = dataclasses.replace(p, statistic="odds_between", column="good_share")
    assert pattern_values(odds, runs) == pytest.approx([3.0, 3.0])
    v = evaluate([p], {p.experiment: runs})[0]
    assert v.mean == pytest.approx(0.75) and not v.passed  # 0.75 > 0.5: did not decay enough


def _verdict(values, low=0.0, high=1.0):
    from coprod_sim.stats import mean_interval
    from coprod_sim.validation.patterns import Verdict

    p = dataclasses.replace(PATTERNS["exit_ratio"], low=low, high=high, target=None, target_text="band")
    vals = np.asarray(values, float)
    mean, lo, hi = mean_interval(vals)
    return Verdict(p, vals, mean, lo, hi)


def test_the_verdict_accounts_for_monte_carlo_error():
    # Mean 0.5 with a narrow interval: pass. The same mean with an interval reaching past 1: unclear.
    assert _verdict([0.49, 0.5, 0.51]).result == "pass"
    wide = _verdict([0.0, 0.5, 1.4])
    assert 0.0 <= wide.mean <= 1.0 and wide.result == "unclear" and not wide.passed
    # Its interval must shrink to the distance to the nearer edge: n x (half / distance)^2.
    half, dist = (wide.hi - wide.lo) / 2, min(wide.mean, 1.0 - wide.mean)
    assert wide.replicates_to_decide == math.ceil(3 * (half / dist) ** 2)
    # Wholly outside: fail; one replicate (no interval): unclear; no value: fail.
    assert _verdict([1.2, 1.3, 1.25]).result == "fail"
    assert _verdict([0.5]).result == "unclear" and _verdict([0.5]).replicates_to_decide is None
    assert _verdict([np.nan, np.nan]).result == "fail"
    assert _verdict([0.49, 0.5, 0.51]).replicates_to_decide is None


def test_the_report_names_unclear_verdicts_and_how_to_decide_them():
    from coprod_sim.validation.report import format_table, markdown_table, summary

    vs = [_verdict([0.49, 0.5, 0.51]), _verdict([0.0, 0.5, 1.4]), _verdict([1.2, 1.3, 1.25])]
    assert summary(vs).startswith("1 of 3 patterns pass, 1 fail, 1 unclear")
    text = format_table(vs)
    assert f"unclear (about {vs[1].replicates_to_decide} replicates would decide)" in text
    assert "FAIL" in text and "**FAIL**" in markdown_table(vs)


def test_a_pattern_needs_its_points():
    runs = _runs([{"point": 0, "replicate": 0, "share_disabled": 0.2}])
    with pytest.raises(ConfigError, match=r"does not vary training\.coverage"):
        pattern_values(PATTERNS["training_decay"], runs)


# -- files ---------------------------------------------------------------------------------------
def test_shipped_patterns_cover_the_issue_and_name_their_sources():
    ids = set(PATTERNS)
    assert {
        "representation_uk",
        "representation_eu",
        "exit_ratio",
        "contact_r",
        "training_g",
        "training_decay",
        "peer_confidence",
        "peer_uptake",
        "consultation_inadequate",
        "views_included",
        "accommodation_free",
        "accommodation_one_time",
        "accommodation_ongoing",
    } <= ids
    for p in PATTERNS.values():
        assert p.source and p.evidence and p.mapping
        load_validation_experiment(p.experiment)  # every experiment loads and keeps probes


GOOD = """[[pattern]]
id = "x"
name = "X"
published = "p"
mapping = "m"
source = "s"
evidence = "READ"
experiment = "baseline_uk"
statistic = "mean"
column = "share_disabled"
target = 0.2
low = 0.1
high = 0.3
role = "independent"
"""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('role = "independent"', 'role = "fitted"'), "role = 'fitted': allowed is"),
        (('statistic = "mean"', 'statistic = "median"'), "statistic = 'median'"),
        (("low = 0.1", "low = 0.4"), "low must be below high"),
        (("target = 0.2", "target = 0.35"), "must lie within"),
        (('column = "share_disabled"', 'column = "share_disabld"'), "Did you mean 'share_disabled'"),
        (('experiment = "baseline_uk"', 'experiment = "baseline_us"'), "no such validation experiment"),
        (('source = "s"', 'sorce = "s"'), "unknown key 'sorce'"),
        (("[[pattern]]", "[[patterns]]"), r"unknown table \[patterns\] Did you mean 'pattern'"),
        (("target = 0.2", 'target = "high"'), "target = 'high': allowed is a number"),
        (('id = "x"', 'id = "x"\nwhere = { "power.transfer" = 2.0 }'), "power.transfer"),
    ],
)
def test_bad_patterns_file_is_one_clear_line(tmp_path, capsys, change, message):
    f = tmp_path / "p.toml"
    f.write_text(GOOD.replace(*change))
    with pytest.raises(ConfigError, match=message) as err:
        load_patterns(f)
    assert str(f) in str(err.value) and "\n" not in str(err.value)
    assert main(["validate", "--patterns", str(f), "--out", str(tmp_path / "o")]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_calibration_file_is_valid_and_its_targets_are_fitted_patterns():
    spec = load_calibration()
    assert {t.id for t in spec.targets} == {p.id for p in PATTERNS.values() if p.role == "calibration"}
    for f in spec.parameters:
        assert f.param.lo <= f.low < f.high <= f.param.hi


def test_bad_calibration_file(tmp_path, capsys):
    f = tmp_path / "c.toml"
    text = (validation_dir().parent / "calibration" / "calibration.toml").read_text()
    f.write_text(text.replace('path = "attitudes.contact"', 'path = "attitudes.contactt"'))
    assert main(["calibrate", "--spec", str(f), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "attitudes.contactt" in err and "Did you mean" in err and "Traceback" not in err


def test_a_misspelt_key_in_a_calibration_parameter_is_named(tmp_path):
    f = tmp_path / "c.toml"
    text = (validation_dir().parent / "calibration" / "calibration.toml").read_text()
    f.write_text(text.replace("low = 0.0\nhigh = 10.0", "low = 0.0\nhihg = 10.0", 1))
    with pytest.raises(
        ConfigError, match=r"parameters 1: unknown key 'hihg' Did you mean 'high'\? Allowed: path, low, high"
    ):
        load_calibration(f)


def test_a_calibration_range_outside_the_parameter_says_what_is_allowed(tmp_path):
    f = tmp_path / "c.toml"
    text = (validation_dir().parent / "calibration" / "calibration.toml").read_text()
    f.write_text(text.replace("low = 0.0\nhigh = 10.0", "low = 0.0\nhigh = 99.0", 1))
    with pytest.raises(ConfigError, match=r"retention\.wellbeing: low = 0\.0, high = 99\.0: .* a number from 0 to 20$"):
        load_calibration(f)


# -- the command ---------------------------------------------------------------------------------
def test_validate_writes_the_table_and_exits_by_the_verdict(tmp_path, capsys):
    f = tmp_path / "p.toml"
    jan = GOOD.replace('column = "share_disabled"', 'column = "acc_free_share"').replace(
        'experiment = "baseline_uk"', 'experiment = "training_pulse"'
    )
    f.write_text(jan.replace("target = 0.2", "target = 0.494").replace("high = 0.3", "high = 0.9"))
    out = tmp_path / "v"
    # 3 seeds: with 2 the t-interval (t = 12.7) of this share of a few dozen accommodations reaches
    # past the band whenever the two seeds differ by 0.1, as they do at the posterior-median defaults.
    assert main(["validate", "--patterns", str(f), "--replicates", "3", "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "1 of 1 patterns pass" in text and "[READ]" in text
    table = pd.read_csv(out / "validation.csv")
    assert table.loc[0, "result"] == "pass" and table.loc[0, "replicates"] == 3
    assert (out / "patterns.png").stat().st_size > 1000 and (out / "report.html").exists()
    # The same runs against an impossible tolerance fail, and the status says so.
    f.write_text(
        jan.replace("low = 0.1", "low = 0.9")
        .replace("target = 0.2", "target = 0.95")
        .replace("high = 0.3", "high = 1.0")
    )
    assert main(["validate", "--patterns", str(f), "--replicates", "3", "--workers", "1", "--out", str(out)]) == 1
    assert "FAIL" in capsys.readouterr().out


# -- a fast subset of the patterns (the full set: `coprod-sim validate`) -------------------------
FAST = (
    "representation_uk",
    "exit_ratio",
    "contact_r",
    "training_g",
    "training_g_org",
    "training_decay",
    "training_sustained",
    "accommodation_free",
    "accommodation_one_time",
    "accommodation_ongoing",
)


def test_fast_patterns_hold(tmp_path):
    """The cheaper patterns with the first 4 of the 10 validation seeds; each must pass.

    Their 10-seed values are in docs/validation.md. The peer-support, Mencap and TLAP patterns
    need 10,000 people and are left to `coprod-sim validate`.
    """
    verdicts = validate(tmp_path, replicates=4, patterns=[PATTERNS[i] for i in FAST])
    # With 4 seeds an interval may reach across an edge (unclear); its mean must still be inside.
    failed = [(v.pattern.id, round(v.mean, 3)) for v in verdicts if v.result == "fail"]
    unclear = [v for v in verdicts if v.result == "unclear"]
    assert all(v.pattern.low <= v.mean <= v.pattern.high for v in unclear), [v.pattern.id for v in unclear]
    # Known failure (docs/ODD.md, Findings): with recovery from fluctuating conditions and
    # interviews that mark disabled candidates down, the baseline keeps about 0.11 disabled (10
    # seeds: 0.114), short of the 0.143 allowed, even with no hiring bias. Pinned, so that a
    # change that closes (or widens) the gap is seen.
    known = [f for f in failed if f[0] == "representation_uk"]
    assert [f for f in failed if f[0] != "representation_uk"] == []
    assert len(known) == 1 and 0.10 < known[0][1] < 0.143
    assert all(np.isfinite(v.values).all() and len(v.values) == 4 for v in verdicts)


def test_a_small_calibration_runs_writes_its_files_and_repeats(tmp_path):
    """Two waves of 8 points on one parameter and one target: the machinery, not the fit."""
    spec = dataclasses.replace(
        load_calibration(),
        parameters=(Factor("training.effect", low=0.01, high=0.08),),
        targets=(PATTERNS["training_g"],),
        samples=8,
        waves=2,
        replicates=1,
        particles=200,
        draws=40,
        confirm_draws=3,
        confirm_replicates=1,
    )
    a = calibrate(tmp_path / "a", spec)
    assert 0.01 <= a.values["training.effect"] <= 0.08
    assert len(a.points) == 16 and a.points["training_g"].between(0, 2).all()
    assert list(a.confirmed["target"]) == ["training_g"] and a.runs == 16 + 3
    assert (tmp_path / "a" / "calibrated.toml").read_text().count("effect = ") == 1
    assert len(pd.read_csv(tmp_path / "a" / "posterior.csv")) == 40
    b = calibrate(tmp_path / "b", spec)
    assert a.values == b.values
    for name in ("points.csv", "posterior.csv", "confirmed.csv"):  # the same seed gives the same posterior
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_the_posterior_predictive_rule_needs_the_band_to_hold_the_bulk_of_the_draws():
    from coprod_sim.validation.patterns import Verdict

    base = _verdict([0.49, 0.5, 0.51])  # pass on chance alone
    inside = np.linspace(0.2, 0.8, 20)
    assert dataclasses.replace(base, predictive=inside).result == "pass"
    across = np.linspace(0.5, 1.5, 20)  # the central 90% reaches past the band's top
    v = dataclasses.replace(base, predictive=across)
    assert v.chance_result == "pass" and v.predictive_result == "unclear" and v.result == "unclear"
    outside = np.linspace(1.2, 1.5, 20)
    assert dataclasses.replace(base, predictive=outside).result == "fail"
    # One draw in forty outside lies in the 5% tail the rule leaves out (quantiles interpolate).
    tail = np.r_[np.linspace(0.2, 0.8, 39), 5.0]
    assert dataclasses.replace(base, predictive=tail).predictive_result == "pass"
    # Chance still counts: a failing mean fails whatever the draws say.
    assert dataclasses.replace(_verdict([1.2, 1.3, 1.25]), predictive=inside).result == "fail"
    assert isinstance(base, Verdict) and base.predictive_result is None and "predictive_q05" not in base.row()


def test_validate_runs_each_experiment_at_posterior_draws(tmp_path):
    from coprod_sim.validation.report import format_table

    posterior = pd.DataFrame({"training.effect": [0.0005, 0.0006, 0.0007]})  # far too weak for g = 0.38
    verdicts = validate(tmp_path, replicates=2, patterns=[PATTERNS["training_g"]], posterior=posterior)
    (v,) = verdicts
    assert len(v.predictive) == 3 and np.isfinite(v.predictive).all()
    assert v.predictive_result == "fail" and v.result == "fail"
    assert (tmp_path / "runs" / "training_pulse-posterior" / "manifest.json").is_file()
    assert "posterior 3 draws, 90%" in format_table(verdicts)
