"""Analysis of sweeps: effects with intervals in the right direction, Sobol/Morris indices, report."""

import pytest

from coprod_sim.cli import main
from coprod_sim.config import ConfigError
from coprod_sim.outputs import label
from coprod_sim.sweep.analysis import analyze, write_report
from coprod_sim.sweep.design import load_experiment
from coprod_sim.sweep.runner import sweep

EXP = """
[experiment]
name = "a"
description = "analysis test"
replicates = {reps}
steps = {steps}
seed = 2

[design]
method = "{method}"
{samples}

[[parameters]]
path = "organisation.people"
{people}

[[parameters]]
path = "power.transfer"
{power}
"""


def run_sweep(
    tmp_path, method="grid", reps=3, steps=40, samples=4, people="values = [150]", power="values = [0.0, 0.5]"
):
    path = tmp_path / f"{method}.toml"
    size = "" if method == "grid" else f"samples = {samples}"
    path.write_text(EXP.format(method=method, reps=reps, steps=steps, samples=size, people=people, power=power))
    return sweep(load_experiment(path), tmp_path / method).out


def test_grid_effects_have_the_right_sign_and_intervals(tmp_path):
    a = analyze(run_sweep(tmp_path))
    assert len(a.runs) == 6 and a.indices is None
    e = a.effects.set_index(["factor", "outcome"])
    infl = e.loc[("power.transfer", "influence_share_mean")]
    assert infl["lo"] > 0.3 and infl["lo"] <= infl["effect"] <= infl["hi"]  # power 0 -> 0.5 raises influence
    tok = e.loc[("power.transfer", "tokenism_rate_mean")]
    assert tok["hi"] < 0
    m = a.means[(a.means.factor == "power.transfer") & (a.means.outcome == "influence_share_mean")]
    assert list(m["value"]) == [0.0, 0.5] and (m["n"] == 3).all()
    assert "organisation.people" not in set(a.effects["factor"])  # not varied


def test_sobol_and_morris_indices(tmp_path):
    rng = {"people": "low = 60\nhigh = 200", "power": "low = 0.0\nhigh = 0.6"}
    sob = analyze(run_sweep(tmp_path, "sobol", reps=1, steps=20, samples=8, **rng))
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sob.indices.columns)
    st = sob.indices[sob.indices.outcome == "influence_share_mean"].set_index("factor")["ST"]
    assert st["power.transfer"] > st["organisation.people"]  # power drives influence
    mor = analyze(run_sweep(tmp_path, "morris", reps=1, steps=20, samples=6, **rng))
    mu = mor.indices[mor.indices.outcome == "influence_share_mean"].set_index("factor")["mu_star"]
    assert mu["power.transfer"] > mu["organisation.people"]


def test_report_has_text_alternatives_and_tables(tmp_path):
    out = run_sweep(tmp_path)
    report = write_report(analyze(out), out / "analysis")
    page = report.read_text()
    assert page.count("<img") == page.count('alt="') > 5
    assert "95% interval" in page and "<details><summary>Data table</summary>" in page
    assert (out / "analysis" / "effects.csv").exists() and list((out / "analysis" / "plots").glob("*.png"))


def test_analyze_command_prints_each_outcome_by_its_label(tmp_path, capsys):
    out = run_sweep(tmp_path, steps=20)
    assert main(["analyze", str(out)]) == 0
    text = capsys.readouterr().out
    assert f"\n  {label('influence_share_mean')}\n" in text and "power.transfer" in text
    assert (out / "analysis" / "report.html").exists()


def test_not_a_sweep_folder(tmp_path):
    with pytest.raises(ConfigError, match=r"no manifest\.json"):
        analyze(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a coprod-sim sweep manifest"):
        analyze(tmp_path)
