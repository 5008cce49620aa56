"""Scenario discovery (analyze --target): a safely read target, a known region found, same folder same output."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_sim.cli import main
from coprod_sim.config import ConfigError
from coprod_sim.sweep.discovery import discover, format_discovery
from coprod_sim.sweep.target import MAX_TARGET_CHARS, parse_target
from tests.test_analysis import run_sweep

COLUMNS = ["fit_mean", "cost_per_year", "influence_share_mean"]
DATA = {
    "fit_mean": np.array([0.5, 0.8, 0.9, np.nan]),
    "cost_per_year": np.array([1e6, 1.3e6, 1.1e6, 1e6]),
    "influence_share_mean": np.array([0.1, 0.2, 0.3, 0.4]),
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fit_mean > 0.7", [False, True, True, False]),  # NaN (no value) meets nothing
        ("fit_mean > 0.7 and cost_per_year < 1.2e6", [False, False, True, False]),
        ("fit_mean > 0.85 or influence_share_mean >= 0.4", [False, False, True, True]),
        ("not fit_mean > 0.7", [True, False, False, True]),  # not (NaN > 0.7) is true, as in numpy
        ("0.15 < influence_share_mean <= 0.3", [False, True, True, False]),
        ("cost_per_year / 1_000 - 100 < 1_050", [True, False, True, True]),
        ("-fit_mean < -0.85", [False, False, True, False]),
        ("(fit_mean > 0.6) and not (cost_per_year == 1.3e6)", [False, False, True, False]),
        ("cost_per_year / (influence_share_mean - 0.1) > 1e9", [True, False, False, False]),  # x / 0 is inf
    ],
)
def test_targets_are_evaluated_element_wise(text, expected):
    assert parse_target(text, COLUMNS).meets(DATA).tolist() == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("fit > 0.7", "'fit' is not an output of this sweep"),
        ("power.transfer > 0.2", "is an attribute"),
        ("fit_mean >", "not a condition (invalid syntax)"),
        ("fit_mean", "is not a condition"),
        ("fit_mean + 1", "is not a condition"),
        ("fit_mean > 0.7 and cost_per_year", "'cost_per_year' is not a condition"),
        ("__import__('os').system('true') or fit_mean > 0", "is not a condition"),
        ("fit_mean > __import__('os').system('true')", "is a function call"),
        ("fit_mean.__class__ == 1", "is an attribute"),
        ("fit_mean > 'a'", "is not a finite number"),
        ("fit_mean > True", "True is not a finite number"),
        ("fit_mean > 1e999", "is not a finite number"),
        # Numbers alone: worked out when the target is read, and refused if they say nothing.
        ("cost_per_year / 0 > 1", "'cost_per_year / 0' divides by zero"),
        ("fit_mean > 1 / (2 - 2)", "divides by zero"),
        ("fit_mean > 1e308 * 10", "is not a finite number"),
        ("fit_mean > 0.5 and 1 > 0", "'1 > 0' compares numbers only"),
        ("1 < 2", "compares numbers only"),
        ("fit_mean in (1, 2)", "compares with In"),
        ("fit_mean is 1", "compares with Is"),
        ("(fit_mean > 1) > 0", "is a condition where a number is needed"),
        ("fit_mean ** 2 > 1", "'fit_mean ** 2' uses **; the only arithmetic allowed is + - * /"),
        ("fit_mean % 2 > 1", "uses %"),
        ("[x for x in ()]", "is not a condition"),
        ("", "empty"),
        ("fit_mean > 0\x00", "not a condition"),
        ("(" * 300 + "fit_mean" + ")" * 300 + " > 0", "not a condition"),
        ("fit_mean > 0 and " * 80 + "fit_mean > 0", f"longer than {MAX_TARGET_CHARS:,} characters"),
    ],
)
def test_bad_targets_are_one_line_naming_expression_and_allowed_outputs(text, why):
    with pytest.raises(ConfigError) as err:
        parse_target(text, COLUMNS)
    message = str(err.value)
    assert why in message, message
    assert message.startswith("--target ") and "\n" not in message
    assert "outputs: fit_mean, cost_per_year, influence_share_mean" in message


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from([*COLUMNS, "and", "or", "not", "(", ")", "<", ">=", "==", "+", "*", "0.5", "1e6", "x", "'s'"])
        | st.text(max_size=4),
        max_size=12,
    )
)
def test_any_text_is_a_target_or_one_clear_refusal(tokens):
    try:
        target = parse_target(" ".join(tokens), COLUMNS)
    except ConfigError as exc:
        assert "\n" not in str(exc) and "allowed are" in str(exc)
    else:
        assert target.meets(DATA).shape == (4,)


def synthetic_runs(points=120, replicates=2, seed=5):
    """Levers drawn at random; fit is high exactly where a >= 0.6 and b <= 0.2 (with a little noise)."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(0, 1, points), rng.uniform(0, 0.5, points)
    on = rng.integers(0, 2, points).astype(bool)
    rows = []
    for i in range(points):
        for r in range(replicates):
            region = a[i] >= 0.6 and b[i] <= 0.2
            fit = (0.8 if region else 0.5) + rng.normal(0, 0.03)
            rows.append(
                {
                    "point": i,
                    "replicate": r,
                    "training.coverage": a[i],
                    "power.transfer": b[i],
                    "peer_support.enabled": on[i],
                    "fit_mean": fit,
                    "cost_per_year": 1e6 + 1e5 * on[i],
                }
            )
    return pd.DataFrame(rows)


LEVERS = ["training.coverage", "power.transfer", "peer_support.enabled"]


def test_prim_recovers_the_region_where_the_target_is_met():
    runs = synthetic_runs()
    d = discover(runs, LEVERS, "fit_mean > 0.65")
    assert d.meets == int(((runs["training.coverage"] >= 0.6) & (runs["power.transfer"] <= 0.2)).sum())
    box = d.boxes[d.boxes["box"] == 1].set_index("lever")
    assert set(box.index) == {"training.coverage", "power.transfer"}  # the lever that does not matter is free
    assert box.loc["training.coverage", "low"] == pytest.approx(0.6, abs=0.05)
    assert box.loc["training.coverage", "high"] == runs["training.coverage"].max()  # not cut above
    assert box.loc["power.transfer", "high"] == pytest.approx(0.2, abs=0.03)
    assert box.loc["power.transfer", "low"] == runs["power.transfer"].min()
    first = d.stats.iloc[0]
    assert first["coverage"] >= 0.95 and first["density"] >= 0.95
    assert d.trajectory.groupby("box")["chosen"].sum().eq(1).all()
    text = format_discovery(d, runs)
    assert "0.6" in text and "or more" in text and "up to 0.2" in text  # ranges in words


def test_a_true_false_lever_is_found_as_on_or_off():
    runs = synthetic_runs()
    d = discover(runs, LEVERS, "cost_per_year > 1.05e6")  # met exactly when peer support is on
    box = d.boxes[d.boxes["box"] == 1].set_index("lever")
    assert list(box.index) == ["peer_support.enabled"]
    assert (box.loc["peer_support.enabled", ["low", "high"]] == 1).all()
    assert d.stats.iloc[0][["coverage", "density"]].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(("text", "why"), [("fit_mean > 5", "no run of the 240 meets it"), ("fit_mean > -5", "every")])
def test_a_target_no_run_or_every_run_meets_is_refused(text, why):
    with pytest.raises(ConfigError, match=why) as err:
        discover(synthetic_runs(), LEVERS, text)
    assert "fit_mean from" in str(err.value)  # the range the sweep has, to ask again
    assert "outputs: participation_rate_mean," not in str(err.value)  # synthetic runs: only its two outputs
    assert str(err.value).endswith("outputs: fit_mean, cost_per_year")


def test_analyze_target_on_a_real_sweep_is_deterministic(tmp_path, capsys):
    sweep = run_sweep(tmp_path, reps=2, steps=26, power="values = [0.0, 0.25, 0.5]")
    target = "influence_share_mean > 0.3"
    outputs = []
    for name in ("one", "two"):
        assert main(["analyze", str(sweep), "--out", str(tmp_path / name), "--target", target]) == 0
        outputs.append(capsys.readouterr().out.replace(str(tmp_path / name), "OUT"))
    assert outputs[0] == outputs[1]
    for f in ("boxes.csv", "trajectory.csv", "plots/tradeoff.png"):
        assert (tmp_path / "one" / f).read_bytes() == (tmp_path / "two" / f).read_bytes(), f
    boxes = pd.read_csv(tmp_path / "one" / "boxes.csv")
    assert boxes[["lever", "low", "high"]].values.tolist() == [["power.transfer", 0.5, 0.5]]  # only the highest
    assert "Scenario discovery: influence_share_mean > 0.3" in outputs[0]
    report = (tmp_path / "one" / "report.html").read_text()
    assert "Scenario discovery" in report and "Coverage against density" in report  # the plot's text alternative


@pytest.mark.parametrize(
    ("target", "fragments"),
    [
        ("fit > 1", ["--target 'fit > 1'", "'fit' is not an output", "outputs: participation_rate_mean,"]),
        ("fit_mean >", ["not a condition", "outputs: participation_rate_mean,"]),
        ("fit_mean > 100", ["no run of the 4 meets it", "fit_mean from"]),
    ],
)
def test_analyze_bad_target_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys, target, fragments):
    sweep = run_sweep(tmp_path, reps=2, steps=8)
    code = main(["analyze", str(sweep), "--out", str(tmp_path / "out"), "--target", target])
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("coprod-sim: error: --target"), err
    for fragment in fragments:
        assert fragment in err[0], err[0]
    out = tmp_path / "out"
    assert captured.out == "" and not (out.exists() and any(out.iterdir()))  # no half-made report


def test_a_whole_number_lever_is_cut_at_a_whole_number():
    rng = np.random.default_rng(9)
    people = rng.integers(50, 500, 200)
    runs = pd.DataFrame(
        {"point": np.arange(200), "replicate": 0, "organisation.people": people, "fit_mean": (people <= 200) * 1.0}
    )
    d = discover(runs, ["organisation.people"], "fit_mean > 0.5")
    box = d.boxes.set_index("lever").loc["organisation.people"]
    assert box["low"] == people.min() and 199 <= box["high"] <= 230  # PRIM peels 5% of runs at a time
    assert float(box["high"]).is_integer()
    assert d.stats.iloc[0]["coverage"] == 1.0 and d.stats.iloc[0]["density"] >= 0.9
    assert "up to " in format_discovery(d, runs)
