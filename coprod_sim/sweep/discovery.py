"""Scenario discovery: the lever ranges under which a sweep's runs meet a target, found with PRIM.

``coprod-sim analyze DIR --target "fit_mean > 0.7 and cost_per_year < 1.2e6"`` marks each run
that meets the target (:mod:`coprod_sim.sweep.target`) and asks PRIM, the Patient Rule Induction
Method (Friedman and Fisher 1999; used for scenario discovery by Bryant and Lempert 2010), for
boxes of lever values where such runs are dense. The algorithm is the ``prim`` package (Project
Platypus, derived from the EMA Workbench's PRIM and RAND's sdtoolkit); this module chooses its
inputs, picks one box on each peeling trajectory and says the result in words.

Choices, and why:

* **Each finished run is one case**, not the seed mean of a design point. Runs of one point
  share its lever values, so a box's *density* is the share of runs in it, over every seed,
  that meet the target: chance stays in the number instead of being averaged away, as the
  organisation would live one run, not a mean.
* **Levers**: the experiment's parameters that take more than one value. A true/false lever
  is 0/1 (PRIM peels it as a whole number: a box keeps off, on or both); a text lever is left
  out, because PRIM's categorical peel iterates over a Python set, whose order of strings
  changes between processes, and the same folder must give the same boxes.
* **Which box on a trajectory**: PRIM peels from all runs towards ever smaller, denser boxes.
  We keep the step with the highest harmonic mean of coverage and density (the first on a tie,
  so the larger box), a balance between finding most of the runs that meet the target and
  being sure of a run in the box; the whole trajectory is written and drawn.
* **More boxes**: PRIM is then run on the runs outside the boxes found, up to
  :data:`MAX_BOXES`, while a new box is denser than the sweep as a whole.
* **Ranges shown** are those of the lever values of the runs inside the box (PRIM cuts midway
  between values; a grid's lever reads better as the values it took).

PRIM's settings are its defaults: peel and paste 5% at a time, boxes of at least 5% of runs.
"""

from __future__ import annotations

import html
import io
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import ConfigError
from coprod_sim.io import write_text
from coprod_sim.limits import shown
from coprod_sim.outputs import summary_names
from coprod_sim.sweep.plain import COLOURS, MANY_VALUES, fixed, html_table, is_boolean, lever_label, lever_value
from coprod_sim.sweep.target import Target, parse_target

__all__ = [
    "DISCOVERY_ABOUT",
    "MAX_BOXES",
    "Discovery",
    "discover",
    "find_boxes",
    "format_discovery",
    "target_columns",
    "tradeoff_figure",
    "write_discovery",
]

#: At most this many boxes: beyond three, a strategist is reading noise.
MAX_BOXES = 3
#: Fewer runs meeting the target than this, and the printout says a box is only a hint.
FEW = 10
#: PRIM's own settings (its defaults), written into the manifest of the discovery for the record.
PEEL_ALPHA, PASTE_ALPHA, MASS_MIN = 0.05, 0.05, 0.05


@dataclass
class Discovery:
    """What :func:`discover` found.

    ``boxes``: one row per box and restricted lever (``box, lever, low, high``, the range of the
    lever's values in the box's runs). ``stats``: one row per box (``box, coverage, density,
    mass, runs, meets``). ``trajectory``: every step of each box's peeling and pasting
    (``box, step, coverage, density, mass, restricted, chosen``).
    """

    target: Target
    levers: list[str]
    left_out: list[str]  # text levers PRIM does not take (see the module's notes)
    runs: int
    meets: int
    boxes: pd.DataFrame
    stats: pd.DataFrame
    trajectory: pd.DataFrame


def target_columns(runs: pd.DataFrame) -> list[str]:
    """Return the outputs a target may name: the summary outputs present in the sweep's runs."""
    return [c for c in summary_names() if c in runs]


def discover(runs: pd.DataFrame, levers: list[str], text: str) -> Discovery:
    """Find the lever ranges where the runs (one row each) meet the target ``text``.

    Raises
    ------
    ConfigError
        A target that cannot be read, that no run or every run meets, or a sweep with no lever
        PRIM can use: one line naming the expression and what is allowed.
    """
    columns = target_columns(runs)
    target = parse_target(text, columns)
    runs = runs.sort_values(["point", "replicate"], kind="stable") if "replicate" in runs else runs
    meets = target.meets({c: runs[c].to_numpy(float) for c in target.columns})
    where = f"--target {shown(text)}"
    ranges = "; ".join(f"{c} from {runs[c].min():.4g} to {runs[c].max():.4g}" for c in target.columns)
    outputs = f"outputs: {', '.join(columns)}"
    if not meets.any():
        raise ConfigError(
            f"{where}: no run of the {len(runs)} meets it ({ranges} in this sweep); ask for less; {outputs}"
        )
    if meets.all():
        raise ConfigError(f"{where}: every one of the {len(runs)} runs meets it ({ranges}); ask for more; {outputs}")
    varied = [f for f in levers if runs[f].nunique() > 1]
    used = [f for f in varied if runs[f].dtype != object]
    if not used:
        raise ConfigError(f"{where}: this sweep varies no numeric or true/false lever, so there is no range to find")
    x = pd.DataFrame({f: runs[f].astype(np.int64) if runs[f].dtype == bool else runs[f] for f in used})
    stats, boxes, trajectory = find_boxes(x.reset_index(drop=True), meets)
    return Discovery(
        target=target,
        levers=used,
        left_out=[f for f in varied if f not in used],
        runs=len(runs),
        meets=int(meets.sum()),
        boxes=boxes,
        stats=stats,
        trajectory=trajectory,
    )


def _choose(trajectory: pd.DataFrame) -> int:
    """Return the step with the best balance of coverage and density (harmonic mean; first on a tie)."""
    c, d = trajectory["coverage"].to_numpy(float), trajectory["density"].to_numpy(float)
    f = np.where(c + d > 0, 2 * c * d / np.where(c + d > 0, c + d, 1), 0.0)
    return int(np.argmax(f))


def find_boxes(x: pd.DataFrame, meets: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Run PRIM on levers ``x`` (one row a run) and ``meets``; return (stats, boxes, trajectory) frames.

    Boxes are found one after another on the runs outside those already found (PRIM's covering),
    at most :data:`MAX_BOXES`, while a new box is denser than the sweep as a whole.
    """
    try:
        import prim  # the optional dependency, only when a target is asked for
    except ImportError:
        raise ConfigError(
            "--target needs the PRIM package, an optional dependency: pip install 'coprod-sim[discovery]'"
        ) from None

    base = float(np.mean(meets))
    with warnings.catch_warnings():  # the library's pandas and numpy notices are not the user's business
        warnings.simplefilter("ignore")
        p = prim.Prim(x, meets.astype(bool), peel_alpha=PEEL_ALPHA, paste_alpha=PASTE_ALPHA, mass_min=MASS_MIN)
        stats, boxes, steps = [], [], []
        taken = np.zeros(len(x), dtype=bool)
        while len(stats) < MAX_BOXES and (meets & ~taken).any():
            box = p.find_box()
            if box is None:
                break
            traj = box.peeling_trajectory.reset_index(drop=True)
            chosen = _choose(traj)
            box.select(chosen)
            inside = np.zeros(len(x), dtype=bool)
            inside[np.asarray(box.yi, dtype=int)] = True
            if traj["res dim"].iloc[chosen] == 0 or meets[inside].mean() <= base:
                break  # no lever restricted, or no better than picking runs at random: not a box
            n = len(stats) + 1
            taken |= inside
            stats.append(_box_stats(n, inside, meets))
            boxes += _box_ranges(n, x, inside, box.limits)
            steps.append(_steps(n, traj, chosen))
    return (
        pd.DataFrame(stats, columns=["box", "coverage", "density", "mass", "runs", "meets"]),
        pd.DataFrame(boxes, columns=["box", "lever", "low", "high"]),
        pd.concat(steps, ignore_index=True) if steps else pd.DataFrame(columns=_STEP_COLUMNS),
    )


_STEP_COLUMNS = ["box", "step", "coverage", "density", "mass", "restricted", "chosen"]


def _box_stats(n: int, inside: np.ndarray, meets: np.ndarray) -> dict[str, float]:
    """Coverage (share of all runs meeting the target that are in the box), density and mass."""
    hits = int((meets & inside).sum())
    return {
        "box": n,
        "coverage": hits / int(meets.sum()),
        "density": hits / int(inside.sum()),
        "mass": int(inside.sum()) / len(meets),
        "runs": int(inside.sum()),
        "meets": hits,
    }


def _box_ranges(n: int, x: pd.DataFrame, inside: np.ndarray, limits: pd.DataFrame) -> list[dict[str, object]]:
    """One row per restricted lever, in the experiment's order.

    A side PRIM cut is shown as the nearest value of a run inside the box; a side it left alone
    as the lever's lowest or highest value in the sweep, so that "up to" and "or more" read true.
    """
    rows = []
    for lever in x.columns:
        if lever in limits.index:
            values, everywhere = x.loc[inside, lever], x[lever]
            low = values.min() if limits.loc[lever, "min"] > everywhere.min() else everywhere.min()
            high = values.max() if limits.loc[lever, "max"] < everywhere.max() else everywhere.max()
            rows.append({"box": n, "lever": lever, "low": low, "high": high})
    return rows


def _steps(n: int, traj: pd.DataFrame, chosen: int) -> pd.DataFrame:
    """Return the box's peeling and pasting trajectory as a tidy frame."""
    return pd.DataFrame(
        {
            "box": n,
            "step": np.arange(len(traj)),
            "coverage": traj["coverage"].to_numpy(float),
            "density": traj["density"].to_numpy(float),
            "mass": traj["mass"].to_numpy(float),
            "restricted": traj["res dim"].to_numpy(int),
            "chosen": np.arange(len(traj)) == chosen,
        },
        columns=_STEP_COLUMNS,
    )


#: What the numbers of a box mean, above the boxes in the printout and the report.
DISCOVERY_ABOUT = (
    "PRIM looks for ranges of the levers (boxes) where runs meet the target. Each finished run counts once, "
    "every seed. Coverage: the share of the runs meeting the target that are in the box. Density: the share "
    "of the runs in the box that meet it. Mass: the share of all runs in the box."
)


def _runs(n: int) -> str:
    return f"{n} run" if n == 1 else f"{n} runs"


def _range_words(runs: pd.DataFrame, lever: str, low: Any, high: Any) -> str:
    """Say a lever's range in a box, against the values it took in the sweep: 'on', '0.4 or more', ..."""
    if is_boolean(runs, lever):
        return lever_value(low, True) if low == high else "off or on"
    digits = 6 if runs[lever].nunique() <= MANY_VALUES else 3
    lo, hi = lever_value(low, digits=digits), lever_value(high, digits=digits)
    if low == high:
        return lo
    if low <= runs[lever].min():
        return f"up to {hi}"
    if high >= runs[lever].max():
        return f"{lo} or more"
    return f"from {lo} to {hi}"


def _box_lines(d: Discovery, runs: pd.DataFrame, row: pd.Series) -> list[str]:
    """Return the lines of one box: its numbers, each lever's range, then one sentence in words."""
    n = int(row["box"])
    ranges = d.boxes[d.boxes["box"] == n]
    lines = [
        f"  Box {n}: coverage {fixed(row['coverage'], 2)}, density {fixed(row['density'], 2)}, "
        f"mass {fixed(row['mass'], 2)} ({_runs(int(row['runs']))} in it, {int(row['meets'])} meeting the target)"
    ]
    words = []
    for _, r in ranges.iterrows():
        where = _range_words(runs, r["lever"], r["low"], r["high"])
        lines.append(f"    {lever_label(r['lever'])} ({r['lever']}): {where}")
        words.append(f"{lever_label(r['lever']).rstrip('.').lower()} {where}")
    sentence = (
        f"With {' and '.join(words)}, {row['density']:.0%} of runs meet the target "
        f"({row['density'] / (d.meets / d.runs):.1f} times the {d.meets / d.runs:.0%} of the whole sweep); "
        f"these runs are {row['coverage']:.0%} of all the runs that meet it."
    )
    return lines + [f"    {t}" for t in textwrap.wrap(sentence, 96)]


def format_discovery(d: Discovery, runs: pd.DataFrame) -> str:
    """Return what ``coprod-sim analyze --target`` prints after the analysis: the boxes, in words."""
    lines = [f"Scenario discovery: {d.target.text.strip()}", *textwrap.wrap(DISCOVERY_ABOUT, 100)]
    lines.append(f"  {d.meets} of {d.runs} runs ({d.meets / d.runs:.0%}) meet the target.")
    if d.meets < FEW:
        verb = "run meets" if d.meets == 1 else "runs meet"
        lines.append(f"  Only {d.meets} {verb} it: a box drawn around so few is a hint to test, not a finding.")
    if d.left_out:
        lines.append(f"  Left out (text levers, not ranges): {', '.join(d.left_out)}")
    if d.stats.empty:
        lines.append("  No box: no range of the levers holds these runs more densely than the sweep as a whole.")
    for _, row in d.stats.iterrows():
        lines += _box_lines(d, runs, row)
    outside = d.meets - int(d.stats["meets"].sum()) if not d.stats.empty else d.meets
    if outside and not d.stats.empty:
        lines.append(f"  {outside} of the runs that meet the target lie outside every box.")
    return "\n".join(lines)


def tradeoff_figure(d: Discovery) -> tuple[Any, str]:
    """Return the coverage-density trade-off of each box's peeling trajectory, and its text alternative."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, 4.4), dpi=100)
    ax = fig.subplots()
    notes = []
    for i, (n, g) in enumerate(d.trajectory.groupby("box", sort=True)):
        colour, marker = COLOURS[i % len(COLOURS)], "os^"[i % 3]
        ax.plot(g["coverage"], g["density"], color=colour, marker=marker, markersize=4, linewidth=1, label=f"Box {n}")
        c = g[g["chosen"]].iloc[0]
        ax.plot([c["coverage"]], [c["density"]], color=colour, marker=marker, markersize=12, markerfacecolor="none")
        ax.annotate(f"box {n}", (c["coverage"], c["density"]), textcoords="offset points", xytext=(-40, -16))
        first, last = g.iloc[0], g.iloc[-1]
        notes.append(
            f"box {n} goes in {len(g) - 1} steps from coverage {fixed(first['coverage'], 2)} and density "
            f"{fixed(first['density'], 2)} to coverage {fixed(last['coverage'], 2)} and density "
            f"{fixed(last['density'], 2)}; the box kept (circled) has coverage {fixed(c['coverage'], 2)} "
            f"and density {fixed(c['density'], 2)}"
        )
    ax.set_xlabel("Coverage: share of the runs meeting the target that are in the box")
    ax.set_ylabel("Density: share of runs in the box meeting it")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    if notes:
        ax.legend(loc="lower left")
    fig.suptitle(textwrap.fill(f"Trade-off of PRIM's boxes for {d.target.text.strip()}", 70))
    fig.tight_layout()
    alt = "Coverage against density as PRIM narrows each box. " + ("; ".join(notes) or "No box was found") + "."
    return fig, alt


def write_discovery(d: Discovery, runs: pd.DataFrame, folder: Path) -> str:
    """Write ``boxes.csv``, ``trajectory.csv`` and ``plots/tradeoff.png`` into ``folder``; return the report section.

    ``boxes.csv`` has one row per box and restricted lever with the box's numbers; the values are
    unrounded, for further analysis.
    """
    import base64

    folder = Path(folder)
    table = d.stats.merge(d.boxes, on="box", how="left") if not d.stats.empty else d.stats
    write_text(table.to_csv(index=False), folder / "boxes.csv")
    write_text(d.trajectory.to_csv(index=False), folder / "trajectory.csv")
    fig, alt = tradeoff_figure(d)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})  # the same bytes from the same folder
    (folder / "plots").mkdir(parents=True, exist_ok=True)
    (folder / "plots" / "tradeoff.png").write_bytes(buf.getvalue())
    text = format_discovery(d, runs).splitlines()
    rows = [
        [str(r["step"]), fixed(r["coverage"], 2), fixed(r["density"], 2), fixed(r["mass"], 2), str(r["restricted"])]
        for _, r in d.trajectory.iterrows()
    ]
    headers = ["Step", "Coverage", "Density", "Mass", "Levers restricted"]
    return "\n".join(
        [
            f"<h2>Scenario discovery: {html.escape(d.target.text.strip())}</h2>",
            f"<p>{html.escape(DISCOVERY_ABOUT)}</p>",
            "<pre>" + html.escape("\n".join(text[1 + len(textwrap.wrap(DISCOVERY_ABOUT, 100)) :])) + "</pre>",
            f'<img src="data:image/png;base64,{base64.b64encode(buf.getvalue()).decode()}" alt="{html.escape(alt)}">',
            f"<p>{html.escape(alt)}</p>",
            "<details><summary>Data table</summary>" + html_table(headers, rows, "PRIM's trajectory", 1) + "</details>",
        ]
    )
