"""compare --uncertainty full: verdicts as probabilities over paired parameter draws (issue 14 item 3)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from coprod_sim import outputs
from coprod_sim.cards import default_cards
from coprod_sim.cli import main
from coprod_sim.compare import TABLE_OUTCOMES
from coprod_sim.config import ConfigError
from coprod_sim.scenarios import load_scenario
from coprod_sim.uncertainty import (
    CARDS_ONLY,
    POSTERIOR_AND_CARDS,
    choose_cards,
    choose_posterior,
    compare_full,
    draws,
    format_verdicts,
)

SMALL = {"organisation.people": 100}
TINY = ["--steps", "26", "--set", "organisation.people=60"]


def small(name: str, **extra: object):
    return load_scenario(name).with_overrides({**SMALL, **extra})


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "coprod_sim.cli", *args], capture_output=True, text=True)


def test_a_scenario_against_itself_is_better_in_half_the_draws_and_never_costs_more():
    a, b = small("baseline"), small("baseline")
    c = compare_full([a, b], draws(4, 3, default_cards()), steps=26)
    assert c.names == ["baseline (1)", "baseline (2)"]
    v = c.verdicts.set_index("outcome")
    assert list(v.index) == list(TABLE_OUTCOMES)
    directed = [k for k in TABLE_OUTCOMES if outputs.better(k) is not None]
    assert (v.loc[directed, "p_better"] == 0.5).all()  # every draw a tie, and ties count half
    undirected = [k for k in TABLE_OUTCOMES if outputs.better(k) is None]
    assert undirected and v.loc[undirected, "p_better"].isna().all()  # no better direction: no p_better
    assert (v[["median", "lo", "hi"]].fillna(0) == 0).all().all()
    pay = c.payback.iloc[0]
    assert pay["p_payback"] == 1.0 and pay["median_week"] == 0.0  # never costs more: paid back at once
    assert "No difference worth reporting in the middle 90% of draws" in format_verdicts(c)


def test_a_strong_lever_is_better_in_every_draw_and_cost_is_paired():
    base, plan = small("baseline"), small("transformative")
    c = compare_full([base, plan], draws(4, 1, default_cards()), steps=104)
    v = c.verdicts.set_index("outcome")
    assert v.loc["participation_rate_mean", "p_better"] == 1.0
    assert v.loc["tokenism_rate_mean", "p_better"] == 1.0  # lower is better, and it is lower
    assert v.loc["participation_rate_mean", "lo"] > 0 and v.loc["tokenism_rate_mean", "hi"] < 0
    # The differences are paired draw by draw: recompute one from the runs.
    runs = c.runs.pivot(index="draw", columns="scenario", values="fit_mean")
    d = runs["transformative"] - runs["baseline"]
    assert v.loc["fit_mean", "median"] == pytest.approx(np.median(d))
    assert v.loc["fit_mean", "p_better"] == pytest.approx(np.mean(d > 0) + 0.5 * np.mean(d == 0))
    text = format_verdicts(c)
    assert "Disabled workers taking part in meetings: better in 4 of 4 draws (median +" in text
    assert "Tokenism in meetings: better in 4 of 4 draws (median \u2212" in text


def test_draws_pair_one_seed_and_one_parameter_set_and_take_a_posterior_later():
    cards = default_cards()
    d = draws(5, 2, cards)
    assert d.source == CARDS_ONLY and len(d.seeds) == 5 == len(set(d.seeds))
    assert d.overrides == draws(5, 2, cards).overrides and d.seeds == draws(5, 2, cards).seeds
    posterior = pd.DataFrame({"retention.wellbeing": [3.5, 4.0, 4.6], "training.effect": [0.1, 0.2, 0.3]})
    p = draws(5, 2, cards, posterior=posterior)
    assert p.seeds == d.seeds and "posterior" in p.source
    for row, plain in zip(p.overrides, d.overrides, strict=True):
        pairs = list(zip(posterior["retention.wellbeing"], posterior["training.effect"], strict=True))
        assert (row["retention.wellbeing"], row["training.effect"]) in pairs  # rows kept whole
        assert {k: v for k, v in row.items() if k in plain} == plain  # the card draws do not move
    with pytest.raises(ConfigError, match=r"both give costs\.rework"):
        draws(2, 1, cards, posterior=pd.DataFrame({"costs.rework": [0.3]}))
    # A draw's posterior row depends on the seed and its own index, not on how many draws there are.
    longer = draws(8, 2, cards, posterior=posterior)
    rows = [(r["retention.wellbeing"], r["training.effect"]) for r in longer.overrides]
    assert rows[:5] == [(r["retention.wellbeing"], r["training.effect"]) for r in p.overrides]
    assert len(set(rows[:3])) == 3 and rows[3:6] == rows[:3]  # every row once before any repeats


def test_full_uncertainty_draws_the_shipped_posterior_except_what_a_scenario_sets():
    from coprod_sim.validation.posterior import load_posterior

    shipped = load_posterior()
    a, b = small("baseline"), small("peer_support")
    chosen, notes = choose_posterior([a, b])
    assert list(chosen.columns) == list(shipped.columns) and notes == []
    d = draws(4, 1, choose_cards([a, b])[0], posterior=chosen)
    assert d.source == POSTERIOR_AND_CARDS and all(set(shipped.columns) <= set(o) for o in d.overrides)
    c = small("baseline", **{"training.effect": 0.05})
    chosen, notes = choose_posterior([a, c], pinned=["attitudes.contact"])
    assert "training.effect" not in chosen.columns and "attitudes.contact" not in chosen.columns
    assert any(n.startswith("training.effect: a scenario sets it") for n in notes)
    assert any(n.startswith("attitudes.contact: set with --set") for n in notes)


def test_a_default_card_on_a_lever_the_scenarios_differ_on_is_left_out_with_a_note():
    a, b = small("baseline"), small("baseline", **{"costs.rework": 0.8})
    cards, notes = choose_cards([a, b], pinned=["organisation.team_size"])
    assert "costs.rework" not in cards.cards and "organisation.team_size" not in cards.cards
    assert any(n.startswith("costs.rework: the scenarios set it differently") for n in notes)
    assert any(n.startswith("organisation.team_size: set with --set") for n in notes)


def _tiny_cli(out, *extra: str) -> str:
    args = ["compare", "baseline", "peer_support", "--uncertainty", "full", "--draws", "3", *TINY]
    r = cli(*args, "--out", str(out), *extra)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_files_have_the_issue_columns_and_do_not_depend_on_workers(tmp_path):
    text = _tiny_cli(tmp_path / "one", "--workers", "1")
    _tiny_cli(tmp_path / "two", "--workers", "2")
    assert POSTERIOR_AND_CARDS in text and "peer_support against baseline, over 3 draws:" in text
    verdicts = pd.read_csv(tmp_path / "one" / "verdicts.csv")
    assert list(verdicts.columns) == ["scenario", "outcome", "p_better", "median", "lo", "hi"]
    assert list(pd.read_csv(tmp_path / "one" / "payback.csv").columns) == ["scenario", "p_payback", "median_week"]
    drivers = pd.read_csv(tmp_path / "one" / "drivers.csv")
    assert list(drivers.columns[:4]) == ["scenario", "outcome", "parameter", "importance"]
    assert (tmp_path / "one" / "drivers.png").read_bytes().startswith(b"\x89PNG")
    meta = json.loads((tmp_path / "one" / "compare.json").read_text(encoding="utf-8"))
    assert meta["drivers"].startswith("Spearman rank correlation")
    assert meta["drivers_png_text"].startswith("What decides each difference. Payback week, peer_support against")
    for name in ("verdicts.csv", "payback.csv", "draws.csv", "verdicts.txt", "drivers.csv", "drivers.png"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--draws", "0"], "--draws: '0': allowed is a whole number, 1 or more"),
        (["--draws", "many"], "'many' is not a whole number"),
        (["--assumptions", "no_such_cards.toml"], "no_such_cards.toml"),
        (["--replicates", "3"], "--replicates 3: with --uncertainty full each draw runs on its own seed"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_before_any_run(extra, fragment, tmp_path):
    r = cli("compare", "baseline", "transformative", "--uncertainty", "full", *extra, "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and fragment in r.stderr, r.stderr
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--draws", "5"], "--draws: only used with --uncertainty full"),
        (["--assumptions", "x.toml"], "--assumptions: only used with --uncertainty full"),
        (["--engine", "dask"], "--engine dask: only used with --uncertainty full"),
    ],
)
def test_full_only_options_are_refused_for_a_seeds_comparison(extra, fragment, tmp_path, capsys):
    assert main(["compare", "baseline", *extra, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and fragment in err
    assert not (tmp_path / "o").exists()


def test_a_workshop_card_on_a_lever_the_scenarios_differ_on_is_refused(tmp_path, capsys):
    cards = tmp_path / "ours.toml"
    cards.write_text(
        '[cards]\nagreed_by = "Access Group"\ndate = 2026-11-20\nwhy = "Our view."\n\n'
        '[power.transfer]\nlo = 0.1\nhi = 0.5\ndistribution = "uniform"\nsource = "workshop judgement"\n',
        encoding="utf-8",
    )
    args = ["compare", "baseline", "transformative", "--uncertainty", "full", "--assumptions", str(cards)]
    assert main([*args, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "[power.transfer]: the scenarios compared differ on it" in err
    bad = tmp_path / "bad.toml"
    bad.write_text("[cards\n", encoding="utf-8")
    assert main([*args[:-1], str(bad), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "bad.toml" in err
    assert not (tmp_path / "o").exists()


def test_results_are_in_draw_order_whatever_order_the_draws_finish_in(monkeypatch):
    import time
    from concurrent.futures import ThreadPoolExecutor

    from coprod_sim import uncertainty

    scenarios, drawn = [small("baseline"), small("peer_support")], draws(4, 5, default_cards())
    alone = compare_full(scenarios, drawn, steps=13)
    real = uncertainty.run_draw

    def late_first(task):  # the first draw finishes last
        time.sleep(0.2 * (4 - task[0]))
        return real(task)

    monkeypatch.setattr(uncertainty, "run_draw", late_first)
    with ThreadPoolExecutor(4) as pool:
        pooled = compare_full(scenarios, drawn, steps=13, executor=pool, workers=lambda: 4)
    pd.testing.assert_frame_equal(alone.runs, pooled.runs)
    pd.testing.assert_frame_equal(alone.verdicts, pooled.verdicts)
    pd.testing.assert_frame_equal(alone.payback, pooled.payback)


def test_a_card_on_a_lever_a_timeline_moves_is_the_plans_not_a_belief(tmp_path):
    from coprod_sim.scenarios import data_dir

    timed = tmp_path / "timed.toml"
    shipped = (data_dir("scenarios") / "accessibility_first.toml").read_text(encoding="utf-8")
    timed.write_text(shipped + '\n[[timeline]]\nstep = 10\nlever = "training.hours"\nvalue = 6\n', encoding="utf-8")
    cards, notes = choose_cards([small("baseline"), load_scenario(str(timed))])
    assert "training.hours" not in cards.cards and "training.interval" in cards.cards
    assert any(n.startswith("training.hours: ") for n in notes)
    ours = tmp_path / "ours.toml"
    ours.write_text(
        '[cards]\nagreed_by = "Access Group"\ndate = 2026-11-20\nwhy = "Our view."\n\n'
        '[training.coverage]\nlo = 0.1\nhi = 0.5\ndistribution = "uniform"\nsource = "workshop judgement"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"timeline of accessibility_first changes it"):
        choose_cards([small("baseline"), small("accessibility_first")], ours)
