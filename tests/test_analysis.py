"""Analysis of sweeps: effects with intervals in the right direction, Sobol/Morris indices, report in words."""

import json
import re
from html.parser import HTMLParser

import pytest

from coprod_sim.cli import main
from coprod_sim.config import ConfigError
from coprod_sim.outputs import decimals, label_with_unit
from coprod_sim.sweep.analysis import OUTCOMES, analyze, format_text, outcome_figure, write_report
from coprod_sim.sweep.design import load_experiment
from coprod_sim.sweep.plain import NOISE, is_noise, lever_label, lever_value, signed
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
    # At least 100 people: a smaller organisation may have nobody in the expert role (no influence).
    rng = {"people": "low = 100\nhigh = 200", "power": "low = 0.0\nhigh = 0.6"}
    sob = analyze(run_sweep(tmp_path, "sobol", reps=1, steps=20, samples=8, **rng))
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sob.indices.columns)
    st = sob.indices[sob.indices.outcome == "influence_share_mean"].set_index("factor")["ST"]
    assert st["power.transfer"] > st["organisation.people"]  # power drives influence
    mor = analyze(run_sweep(tmp_path, "morris", reps=1, steps=20, samples=6, **rng))
    mu = mor.indices[mor.indices.outcome == "influence_share_mean"].set_index("factor")["mu_star"]
    assert mu["power.transfer"] > mu["organisation.people"]
    # Sampled designs have no per-value means: their report used to fail on the empty table.
    for a, about in ((sob, "alone"), (mor, "μ*")):
        page = write_report(a, tmp_path / a.manifest["experiment"]["method"]).read_text()
        assert "Sensitivity indices" in page and about in format_text(a)
        assert not SCIENTIFIC.search(format_text(a)), format_text(a)


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
    assert f"\n  {label_with_unit('influence_share_mean')}\n" in text and "power.transfer" in text
    assert (out / "analysis" / "report.html").exists()


def test_an_unfinished_sweep_is_not_analysed(tmp_path, capsys):
    """A stopped sweep's effects would cover only the levers' values run so far: refused in one line."""
    out = run_sweep(tmp_path, steps=20)
    manifest = json.loads((out / "manifest.json").read_text())
    last = manifest["chunks"].pop()
    manifest["status"] = "running"
    (out / "runs" / last["file"]).unlink()
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["analyze", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"the sweep is unfinished ({len(manifest['chunks'])} of {manifest['n_chunks']} chunks written)" in err
    assert "--resume" in err and not (out / "analysis" / "report.html").exists()


def test_analyze_will_not_write_into_the_sweeps_runs_folder(tmp_path, capsys):
    out = run_sweep(tmp_path, steps=20)
    assert main(["analyze", str(out), "--out", str(out / "runs")]) == 2
    assert "inside the sweep's own runs folder" in capsys.readouterr().err
    assert main(["analyze", str(out)]) == 0  # the sweep is as it was


def test_not_a_sweep_folder(tmp_path):
    with pytest.raises(ConfigError, match=r"no manifest\.json"):
        analyze(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a coprod-sim sweep manifest"):
        analyze(tmp_path)


# -- in words: labels, fixed decimals, noise as 0, true/false levers, a valid report -------------

SCIENTIFIC = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d")  # 8.25e-17, 1.2E+05
TINY_BOOL = """
[experiment]
name = "words"
description = "A true/false lever and a number lever, for the report in words"
replicates = 2
steps = 12
seed = 4

[[parameters]]
path = "organisation.people"
values = [60]

[[parameters]]
path = "peer_support.enabled"
values = [false, true]

[[parameters]]
path = "power.transfer"
values = [0.0, 0.5]
"""


@pytest.fixture(scope="module")
def words(tmp_path_factory):
    """A finished 2 x 2 sweep (8 runs of 12 weeks, 60 people) with a true/false lever, and its analysis."""
    root = tmp_path_factory.mktemp("words")
    (root / "words.toml").write_text(TINY_BOOL)
    out = sweep(load_experiment(root / "words.toml"), root / "sweep").out
    return out, analyze(out)


def test_noise_is_zero_and_real_differences_keep_their_decimals():
    scale = 0.5  # a share
    for noise in (8.25e-17, -3.14e-16, 4.79e-16, NOISE * (1 + scale)):
        assert is_noise(noise, scale) and signed(noise, "participation_rate_mean", scale) == "0"
    assert not is_noise(2 * NOISE * (1 + scale), scale)
    assert signed(0.0123, "participation_rate_mean", scale) == "+0.012"
    assert signed(-0.0002, "participation_rate_mean", scale) == "0.000"  # real, but no direction at 3 decimals
    # The tolerance grows with the outcome's size: a cost of 300,000 a year carries more rounding error.
    assert signed(1e-7, "cost_per_year", 3e5) == "0" and signed(4898.4, "cost_per_year", 3e5) == "+4,898"
    assert signed(0.5, "level_final", 4) == "+0.50" and signed(1.25, "exits_disabled_total", 9) == "+1.2"
    assert lever_value(True) == "on" and lever_value(False) == "off" and lever_value(0.5) == "0.5"


def test_analyze_prints_labels_fixed_decimals_and_no_noise(words, capsys):
    out, a = words
    assert main(["analyze", str(out)]) == 0
    text = capsys.readouterr().out
    assert not SCIENTIFIC.search(text), SCIENTIFIC.search(text)
    for key in OUTCOMES:
        assert key not in text, f"raw key {key} printed"
    for outcome in a.effects["outcome"].unique():
        assert f"\n  {label_with_unit(outcome)}\n" in text
    for path in ("peer_support.enabled", "power.transfer"):  # the key path once, next to its words
        assert [line for line in text.splitlines() if path in line] == [
            line for line in text.splitlines() if line.startswith(f"  {lever_label(path)} ({path}):")
        ]
    assert f"  {lever_label('peer_support.enabled')} (peer_support.enabled): off, on" in text
    assert f"{lever_label('peer_support.enabled')}, off → on" in text
    # Every effect and interval end has its outcome's decimals, or is 0 (noise).
    blocks = re.split(r"\n  (?=\S)", text.split("Lever effects", 1)[1].split("\n\n", 1)[0])[1:]
    assert len(blocks) == a.effects["outcome"].nunique()
    for block in blocks:
        heading, *rows = block.splitlines()
        outcome = next(o for o in OUTCOMES if heading == label_with_unit(o))
        for row in rows:
            m = re.match(r"^    +(\S+) \[(\S+), (\S+)\] +\S", row)
            assert m, row
            for n in m.groups():
                k = decimals(outcome)  # signed, or zero with no sign when it rounds to zero
                assert n == "0" or re.fullmatch(rf"[+-][\d,]+\.\d{{{k}}}|0\.0{{{k}}}|[+-][\d,]+", n), (row, n)
    assert " 0 [0, 0]" in text  # this sweep has outcomes that no lever moves: shown as 0, not as 1e-17


def test_analysis_frames_keep_the_computed_values(words):
    _, a = words
    tiny = a.effects[(a.effects.effect != 0) & (a.effects.effect.abs() < 1e-12)]
    exact = a.effects[a.effects.effect == 0]
    assert len(tiny) + len(exact) > 0  # the CSV keeps what was computed; only what people read says 0


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.cells, self.style, self._where = [], "", None

    def handle_starttag(self, tag, attrs):
        self._where = tag if tag in ("td", "th", "style", "caption") else self._where

    def handle_endtag(self, tag):
        self._where = None if tag == self._where else self._where

    def handle_data(self, data):
        if self._where == "style":
            self.style += data
        elif self._where in ("td", "th", "caption"):
            self.cells.append(data.strip())


def css_problems(css: str) -> list[str]:
    """What is wrong in a flat style sheet: rules ``selector { prop: value; ... }``, nothing else."""
    problems = ["doubled brace"] if "{{" in css or "}}" in css else []
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    pos = 0
    for m in re.finditer(r"([^{}]*)\{([^{}]*)\}", css):
        if css[pos : m.start()].strip():
            problems.append(f"stray text {css[pos : m.start()]!r}")
        pos = m.end()
        selector, *declarations = [m.group(1).strip(), *(d.strip() for d in m.group(2).split(";"))]
        if not re.fullmatch(r"[\w.#:, >*-]+", selector):
            problems.append(f"bad selector {selector!r}")
        if declarations[-1]:
            problems.append(f"{selector}: {declarations[-1]!r} does not end with ';'")
        for d in declarations[:-1]:
            if not re.fullmatch(r"-?[a-z][a-z-]*\s*:\s*[^:;{}]+", d):
                problems.append(f"{selector}: bad declaration {d!r}")
    if css[pos:].strip() or css.count("{") != css.count("}"):
        problems.append(f"unbalanced or stray text {css[pos:]!r}")
    return problems


def test_the_css_check_finds_what_broke_the_old_report():
    old = (
        "body{font-family:sans-serif;max-width:70em;margin:auto;line-height:1.5}}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:2px 6px}img{max-width:100%}"
    )
    assert any("doubled" in p for p in css_problems(old)) and any("stray" in p for p in css_problems(old))
    assert css_problems("td { color: red }")  # a declaration without ';'
    assert css_problems("td { color red; }") and css_problems("td { color: red; ")
    assert css_problems("td { color: red; }") == []


def test_report_has_valid_css_and_tables_in_words(words, tmp_path):
    _, a = words
    page = write_report(a, tmp_path).read_text()
    parsed = _Cells()
    parsed.feed(page)
    assert parsed.style.strip() and css_problems(parsed.style) == []
    cells = " | ".join(parsed.cells)
    assert not SCIENTIFIC.search(cells), SCIENTIFIC.search(cells)
    for key in OUTCOMES:
        assert key not in page, f"raw key {key} in the report"
    assert label_with_unit("influence_share_mean") in parsed.cells and lever_label("power.transfer") in parsed.cells
    assert "off → on" in parsed.cells and {"off", "on"} <= set(parsed.cells)
    assert "0 to 0" in parsed.cells  # an interval inside numerical noise
    for n in re.findall(r"\d+\.\d+", cells):
        assert len(n.split(".")[1]) in (1, 2, 3), n  # fixed decimals: people, levels, shares


def test_a_true_false_lever_is_drawn_as_two_categories(words):
    _, a = words
    fig, alt = outcome_figure(a, "fit_mean")
    axes = {ax.get_xlabel().replace("\n", " "): ax for ax in fig.axes}
    on_off = axes[lever_label("peer_support.enabled")]
    assert [t.get_text() for t in on_off.get_xticklabels()] == ["off", "on"]
    assert all(line.get_linestyle() == "None" for line in on_off.get_lines() if len(line.get_xdata()) == 2)
    number = axes[lever_label("power.transfer")]
    assert any(line.get_linestyle() == "-" for line in number.get_lines())  # numbers stay a line
    assert "off gives" in alt and "on gives" in alt and not SCIENTIFIC.search(alt)
