"""Research: open a sweep folder; heatmaps over two levers, lines over one, sensitivity indices, filter, download."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from coprod_sim.config import ConfigError
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.controls import ChartWithTable, Choice, WholeNumber
from coprod_sim.dashboard.levers import plain_label, plain_value
from coprod_sim.outputs import in_range, label, number, phrase
from coprod_sim.stats import t_interval
from coprod_sim.sweep.analysis import OUTCOMES, Analysis, analyze

__all__ = [
    "ResearchView",
    "binned",
    "grid_means",
    "lever_axis",
    "line_means",
    "open_sweep",
    "sweep_folders",
    "varying",
]

MAX_LEVELS = 8  # more distinct values than this (sampled designs) are grouped into bins


def sweep_folders(root: Path = Path("results")) -> list[str]:
    """Sweep folders (with a manifest.json) under ``root``, newest first."""
    if not root.is_dir():
        return []
    found = [p.parent for p in root.glob("*/manifest.json")]
    return [str(p) for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def open_sweep(folder: str) -> Analysis:
    """Analyse a sweep folder; anything wrong becomes one ``ConfigError`` line (no traceback)."""
    path = Path(folder.strip()).expanduser()
    if not folder.strip():
        raise ConfigError("Type the path of a sweep folder (made by 'coprod-sim sweep').")
    if not path.is_dir():
        raise ConfigError(f"{path}: no such folder")
    try:
        return analyze(path)
    except ConfigError:
        raise
    except Exception as exc:  # a damaged chunk file, a manifest from elsewhere: say so plainly
        raise ConfigError(f"{path}: cannot read this sweep ({type(exc).__name__}: {exc})") from None


def binned(values: pd.Series) -> pd.Series:
    """Values as they are (at most MAX_LEVELS distinct ones), or the mid-points of equal-count bins."""
    v = values.astype(float)
    if v.nunique() <= MAX_LEVELS:
        return v
    edges = np.unique(np.quantile(v, np.linspace(0, 1, MAX_LEVELS + 1)))
    idx = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, len(edges) - 2)
    mids = (edges[:-1] + edges[1:]) / 2
    return pd.Series(np.round(mids[idx], 6), index=values.index)


def lever_axis(runs: pd.DataFrame, path: str) -> tuple[pd.Series, dict[float, str]]:
    """Return a lever's values as numbers to place on an axis, and the name of each.

    A switch is 0 ("off") and 1 ("on"); a choice (training.target's "all") is its position in
    sorted order, named by its value; a number is itself (binned when a sampled design gives many).
    """
    col = runs[path]
    if col.dtype == bool or set(col.dropna().unique()) <= {True, False}:
        values = col.astype(bool).astype(float)
    elif pd.api.types.is_numeric_dtype(col):
        values = binned(col)
    else:
        order = sorted(col.astype(str).unique())
        values = col.astype(str).map({c: float(i) for i, c in enumerate(order)})
        return values, {float(i): plain_value(path, c) for i, c in enumerate(order)}
    names = {float(v): plain_value(path, bool(v)) if col.dtype == bool else f"{v:g}" for v in sorted(values.unique())}
    return values, names


def varying(runs: pd.DataFrame, factors: list[str]) -> list[str]:
    """Return the levers that take more than one value in these runs, most values first (design order on ties)."""
    counts = {f: runs[f].nunique() for f in factors}
    return sorted((f for f in factors if counts[f] > 1), key=lambda f: -counts[f])


def grid_means(runs: pd.DataFrame, x: str, y: str, outcome: str) -> tuple[list[float], list[float], np.ndarray]:
    """Mean of ``outcome`` for each (x, y) cell, over replicates and all other levers."""
    df = pd.DataFrame({"x": lever_axis(runs, x)[0], "y": lever_axis(runs, y)[0], "z": runs[outcome].astype(float)})
    table = df.groupby(["y", "x"])["z"].mean().unstack("x")
    return list(table.columns), list(table.index), table.to_numpy()


def line_means(runs: pd.DataFrame, x: str, outcome: str, by: str | None = None) -> pd.DataFrame:
    """Mean of ``outcome`` with a 95% t-interval at each value (or bin) of lever ``x``.

    With ``by``, one line for each value of that other lever (column ``group``): a line over one
    lever never mixes runs where another is on with runs where it is off.
    """
    df = pd.DataFrame({"x": lever_axis(runs, x)[0], "z": runs[outcome].astype(float)})
    df["group"] = lever_axis(runs, by)[0] if by else 0.0
    rows = []
    for (group, value), g in df.dropna().groupby(["group", "x"]):
        z = g["z"].to_numpy()
        m, lo, hi = t_interval(z)
        lo, hi = in_range(outcome, lo, hi)
        rows.append({"group": float(group), "value": float(value), "mean": m, "lo": lo, "hi": hi, "n": len(z)})
    return pd.DataFrame(rows, columns=["group", "value", "mean", "lo", "hi", "n"])


def lever_name(path: str) -> str:
    """Return a lever's plain name, short enough for an axis; its key path when it has only a long description."""
    name = plain_label(path)
    return name if len(name) <= 60 else path


@solara.component
def ResearchView() -> None:
    """Pick a sweep folder, then look at outcomes over one or two levers and the sensitivity indices."""
    folders = solara.use_memo(sweep_folders, [])  # looked for once, when the view opens
    folder = solara.use_reactive(folders[0] if folders else "")
    result = solara.use_reactive(None)
    error = solara.use_reactive("")
    opened = solara.use_reactive("")  # said when a sweep opens (the focus stays on Open)
    x = solara.use_reactive("")
    y = solara.use_reactive("")
    outcome = solara.use_reactive("influence_share_mean")
    filt = solara.use_reactive("")
    low = solara.use_reactive(0.0)
    high = solara.use_reactive(1.0)

    def load() -> None:
        try:
            a = open_sweep(folder.value)
        except ConfigError as exc:  # keep what is shown; say what is wrong next to the field
            error.value, opened.value = str(exc), ""
            return
        error.value = ""
        opened.value = f"Opened {folder.value}: {len(a.runs)} finished runs; the charts and tables are below."
        moving = varying(a.runs, [f["path"] for f in a.manifest["experiment"]["factors"]])
        if moving:  # open on the levers that vary: one with a single value draws nothing to compare
            x.value = moving[0]
            y.value = moving[1] if len(moving) > 1 else moving[0]
            filt.value = moving[0]
            vals = lever_axis(a.runs, moving[0])[0]
            low.value, high.value = float(vals.min()), float(vals.max())
        result.value = a

    solara.HTML(tag="h2", unsafe_innerHTML="Open a sweep", classes=["cp-heading"])
    solara.Text(
        "A sweep folder is what 'coprod-sim sweep' writes (with a manifest.json and a runs folder)."
        + (f" Found here: {', '.join(folders[:5])}." if folders else " None found under ./results.")
    )
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.InputText("Sweep folder", value=folder, continuous_update=False)
        solara.Button("Open", on_click=load, color="primary")
    with solara.Div(attributes={"aria-live": "polite"}):  # announced, whichever it is
        if error.value:
            solara.HTML(tag="p", unsafe_innerHTML=escape(error.value), classes=["cp-message"])
        elif opened.value:
            solara.HTML(tag="p", unsafe_innerHTML=escape(opened.value))
    a: Analysis | None = result.value
    if a is not None:
        SweepPictures(a, x, y, outcome, filt, low, high)


@solara.component
def SweepPictures(
    a: Analysis,
    x: solara.Reactive[str],
    y: solara.Reactive[str],
    outcome: solara.Reactive[str],
    filt: solara.Reactive[str],
    low: solara.Reactive[float],
    high: solara.Reactive[float],
) -> None:
    """Show an opened sweep: what it holds, the choices of levers and outcome, the filter, charts and tables."""
    factors = [f["path"] for f in a.manifest["experiment"]["factors"]]
    moving = varying(a.runs, factors)
    outcomes = [o for o in OUTCOMES if o in a.runs]
    exp = a.manifest["experiment"]
    fixed = [f"{lever_name(f)}: {plain_value(f, a.runs[f].iloc[0])}" for f in factors if f not in moving]
    solara.Text(
        f"{exp['name']}: {len(a.runs)} finished runs, {a.runs['point'].nunique()} design points, "
        f"{exp['design']['method'] if isinstance(exp.get('design'), dict) else exp.get('method', '')} design; "
        f"levers that vary: {', '.join(lever_name(f) for f in moving) or 'none'}"
        + (f"; the same in every run: {', '.join(fixed)}." if fixed else ".")
    )
    if not moving:
        solara.HTML(
            tag="p", unsafe_innerHTML="No lever varies in this sweep: nothing to compare.", classes=["cp-message"]
        )
        return
    for choice in (x, y, filt):  # a newly opened sweep may have other levers
        if choice.value not in moving:
            choice.value = moving[0]
    if outcome.value not in outcomes:
        outcome.value = outcomes[0]
    runs = a.runs
    if filt.value in runs:
        runs = runs[lever_axis(runs, filt.value)[0].between(low.value, high.value)]
    names = [lever_name(f) for f in moving]
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        Choice("Outcome", outcomes, outcome, names=[label(o) for o in outcomes])
        Choice("Lever across (x)", moving, x, names=names)
        Choice("Lever up (y), and one line for each of its values", moving, y, names=names)
    solara.HTML(tag="h3", unsafe_innerHTML="Filter", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        Choice("Filter on lever", moving, filt, names=names)

        def bound(x: float | None) -> str:
            return "" if x is not None else "Type a number, such as 0.25 (a switch: off 0, on 1)."

        onoff = " (off 0, on 1)" if a.runs[filt.value].dtype == bool else ""
        WholeNumber("From" + onoff, low.value, low.set, bound, whole=False)
        WholeNumber("To", high.value, high.set, bound, whole=False)
        solara.Text(f"{len(runs)} of {len(a.runs)} runs kept.")
        solara.FileDownload(
            lambda: runs.to_csv(index=False).encode(), "sweep_runs_filtered.csv", label="Download kept runs (CSV)"
        )
    if runs.empty:
        solara.HTML(tag="p", unsafe_innerHTML="No run is inside the filter.", classes=["cp-message"])
        return
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        if x.value != y.value:
            HeatmapWithTable(runs, x.value, y.value, outcome.value)
        LinesWithTable(runs, x.value, None if y.value == x.value else y.value, outcome.value)
    EffectTables(a, outcome.value)


@solara.component
def HeatmapWithTable(runs: pd.DataFrame, x: str, y: str, outcome: str) -> None:
    """Show the mean of ``outcome`` over two levers, as a heatmap with its colour key and data table."""
    xs, ys, z = grid_means(runs, x, y, outcome)
    xn, yn = lever_axis(runs, x)[1], lever_axis(runs, y)[1]
    title = f"{label(outcome)}: mean over runs"
    chart = svg.heatmap(
        xs,
        ys,
        z,
        title=title,
        x_label=lever_name(x),
        y_label=lever_name(y),
        z_label=label(outcome),
        x_text=[xn[v] for v in xs],
        y_text=[yn[v] for v in ys],
    )
    rows = [[yn[yv], *[number(outcome, float(v)) for v in z[j]]] for j, yv in enumerate(ys)]
    table = svg.data_table([f"{lever_name(y)} \\ {lever_name(x)}", *[xn[v] for v in xs]], rows, "Heatmap values")
    ChartWithTable(chart, table, title)


@solara.component
def LinesWithTable(runs: pd.DataFrame, x: str, by: str | None, outcome: str) -> None:
    """Show the mean of ``outcome`` over lever ``x`` with 95% bands, one line per value of lever ``by``."""
    lm = line_means(runs, x, outcome, by)
    xn = lever_axis(runs, x)[1]
    gn = lever_axis(runs, by)[1] if by else {0.0: label(outcome)}
    series = []
    for k, (group, g) in enumerate(lm.groupby("group", sort=True)):
        # Short names beside the line ends; the title names the lever ("one line for each value of ...").
        name = (f"switched {gn[group]}" if gn[group] in ("on", "off") else f"at {gn[group]}") if by else gn[group]
        series.append(svg.Series(name, g["mean"], g["lo"], g["hi"], style=k))
    xs = sorted(lm["value"].unique())
    # Lines share the x values only where every group has them; a group's missing value is a gap.
    series = [
        svg.Series(s.name, *(_on(xs, lm[lm["group"] == grp], c) for c in ("mean", "lo", "hi")), style=s.style)
        for s, grp in zip(series, sorted(lm["group"].unique()), strict=True)
    ]
    title = f"{label(outcome)} over {lever_name(x)}" + (f", one line for each value of {lever_name(by)}" if by else "")
    chart = svg.line_chart(
        xs,
        series,
        title=title,
        y_label="mean, 95% interval",
        x_label=lever_name(x),
        x_names=xn if len(xn) <= 8 else None,
    )
    head = [lever_name(x), *([lever_name(by)] if by else []), "mean", "95% low", "95% high", "runs"]
    rows = [
        [
            xn.get(r.value, f"{r.value:g}"),
            *([gn[r.group]] if by else []),
            *(number(outcome, v) for v in (r.mean, r.lo, r.hi)),
            int(r.n),
        ]
        for r in lm.itertuples()
    ]
    ChartWithTable(chart, svg.data_table(head, rows, title), title)


def _on(xs: list[float], g: pd.DataFrame, col: str) -> list[float]:
    at = dict(zip(g["value"], g[col], strict=True))
    return [float(at.get(v, np.nan)) for v in xs]


@solara.component
def EffectTables(a: Analysis, outcome: str) -> None:
    """Show the lever effects on ``outcome`` (lowest to highest value) and any sensitivity indices, as tables."""
    solara.HTML(tag="h3", unsafe_innerHTML="Lever effects (lowest to highest value)", classes=["cp-heading"])
    eff = a.effects[a.effects["outcome"] == outcome]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=svg.data_table(
            ["Lever", "effect", "95% low", "95% high"],
            [
                [lever_name(r.factor), *(number(outcome, v, signed=True) for v in (r.effect, r.lo, r.hi))]
                for r in eff.itertuples()
            ],
            f"Change in {phrase(outcome)} from each lever's lowest to highest value (least squares)",
        ),
    )
    if a.indices is not None and not a.indices.empty:
        solara.HTML(tag="h3", unsafe_innerHTML="Sensitivity indices", classes=["cp-heading"])
        ind = a.indices[a.indices["outcome"] == outcome] if "outcome" in a.indices else a.indices
        cols = [c for c in ind.columns if c != "outcome"]
        solara.HTML(
            tag="div",
            unsafe_innerHTML=svg.data_table(
                cols, ind[cols].itertuples(index=False, name=None), f"Sensitivity of {phrase(outcome)}"
            ),
        )
