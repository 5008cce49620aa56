"""Research: open a sweep folder; heatmaps over two levers, lines over one, sensitivity indices, filter, download."""

from __future__ import annotations

from html import escape
from pathlib import Path

import numpy as np
import pandas as pd
import solara

from coprod_sim.config import ConfigError
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.controls import ChartWithTable, Choice
from coprod_sim.outputs import label, phrase
from coprod_sim.stats import t_interval
from coprod_sim.sweep.analysis import OUTCOMES, Analysis, analyze

__all__ = ["ResearchView", "binned", "grid_means", "line_means", "open_sweep", "sweep_folders"]

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


def grid_means(runs: pd.DataFrame, x: str, y: str, outcome: str) -> tuple[list[float], list[float], np.ndarray]:
    """Mean of ``outcome`` for each (x, y) cell, over replicates and all other levers."""
    df = pd.DataFrame({"x": binned(runs[x]), "y": binned(runs[y]), "z": runs[outcome].astype(float)})
    table = df.groupby(["y", "x"])["z"].mean().unstack("x")
    return list(table.columns), list(table.index), table.to_numpy()


def line_means(runs: pd.DataFrame, x: str, outcome: str) -> pd.DataFrame:
    """Mean of ``outcome`` with a 95% t-interval at each value (or bin) of lever ``x``."""
    df = pd.DataFrame({"x": binned(runs[x]), "z": runs[outcome].astype(float)}).dropna()
    rows = []
    for value, g in df.groupby("x"):
        z = g["z"].to_numpy()
        m, lo, hi = t_interval(z)
        rows.append({"value": float(value), "mean": m, "lo": lo, "hi": hi, "n": len(z)})
    return pd.DataFrame(rows)


@solara.component
def ResearchView() -> None:
    """Pick a sweep folder, then look at outcomes over one or two levers and the sensitivity indices."""
    folders = solara.use_memo(sweep_folders, [])  # looked for once, when the view opens
    folder = solara.use_reactive(folders[0] if folders else "")
    result = solara.use_reactive(None)
    error = solara.use_reactive("")
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
            error.value = str(exc)
            return
        error.value = ""
        factors = [f["path"] for f in a.manifest["experiment"]["factors"]]
        x.value = factors[0]
        y.value = factors[1] if len(factors) > 1 else factors[0]
        filt.value = factors[0]
        vals = a.runs[factors[0]].astype(float)
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
    if error.value:
        solara.HTML(tag="p", unsafe_innerHTML=escape(error.value), classes=["cp-message"])
    a: Analysis | None = result.value
    if a is None:
        return
    factors = [f["path"] for f in a.manifest["experiment"]["factors"]]
    outcomes = [o for o in OUTCOMES if o in a.runs]
    exp = a.manifest["experiment"]
    solara.Text(
        f"{exp['name']}: {len(a.runs)} finished runs, {a.runs['point'].nunique()} design points, "
        f"{exp['design']['method'] if isinstance(exp.get('design'), dict) else exp.get('method', '')} design; "
        f"levers: {', '.join(factors)}."
    )
    for choice in (x, y, filt):  # a newly opened sweep may have other levers
        if choice.value not in factors:
            choice.value = factors[0]
    if outcome.value not in outcomes:
        outcome.value = outcomes[0]
    runs = a.runs
    if filt.value in runs:
        keep = runs[filt.value].astype(float).between(low.value, high.value)
        runs = runs[keep]

    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        Choice("Outcome", outcomes, outcome, names=[label(o) for o in outcomes])
        Choice("Lever across (x)", factors, x)
        Choice("Lever up (y)", factors, y)
    solara.HTML(tag="h3", unsafe_innerHTML="Filter", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        Choice("Filter on lever", factors, filt)
        solara.InputFloat("From", value=low)
        solara.InputFloat("To", value=high)
        solara.Text(f"{len(runs)} of {len(a.runs)} runs kept.")
        solara.FileDownload(
            lambda: runs.to_csv(index=False).encode(), "sweep_runs_filtered.csv", label="Download kept runs (CSV)"
        )
    if runs.empty:
        solara.HTML(tag="p", unsafe_innerHTML="No run is inside the filter.", classes=["cp-message"])
        return

    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        if x.value != y.value:
            xs, ys, z = grid_means(runs, x.value, y.value, outcome.value)
            heat_title = f"{label(outcome.value)}: mean over runs"
            chart = svg.heatmap(
                xs,
                ys,
                z,
                title=heat_title,
                x_label=x.value,
                y_label=y.value,
                z_label=label(outcome.value),
            )
            rows = [[f"{yv:g}", *[float(v) for v in z[j]]] for j, yv in enumerate(ys)]
            table = svg.data_table([f"{y.value} \\ {x.value}", *[f"{v:g}" for v in xs]], rows, "Heatmap values")
            ChartWithTable(chart, table, heat_title)
        lm = line_means(runs, x.value, outcome.value)
        series = [svg.Series(label(outcome.value), lm["mean"], lm["lo"], lm["hi"])]
        line_title = f"{label(outcome.value)} over {x.value}"
        chart = svg.line_chart(
            lm["value"],
            series,
            title=line_title,
            y_label="mean, 95% interval",
            x_label=x.value,
        )
        table = svg.data_table(
            [x.value, "mean", "95% low", "95% high", "runs"],
            [[f"{r.value:g}", r.mean, r.lo, r.hi, int(r.n)] for r in lm.itertuples()],
            f"{label(outcome.value)} by {x.value}",
        )
        ChartWithTable(chart, table, line_title)

    solara.HTML(tag="h3", unsafe_innerHTML="Lever effects (lowest to highest value)", classes=["cp-heading"])
    eff = a.effects[a.effects["outcome"] == outcome.value]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=svg.data_table(
            ["Lever", "effect", "95% low", "95% high"],
            [[r.factor, r.effect, r.lo, r.hi] for r in eff.itertuples()],
            f"Change in {phrase(outcome.value)} from each lever's lowest to highest value (least squares)",
        ),
    )
    if a.indices is not None and not a.indices.empty:
        solara.HTML(tag="h3", unsafe_innerHTML="Sensitivity indices", classes=["cp-heading"])
        ind = a.indices[a.indices["outcome"] == outcome.value] if "outcome" in a.indices else a.indices
        cols = [c for c in ind.columns if c != "outcome"]
        solara.HTML(
            tag="div",
            unsafe_innerHTML=svg.data_table(
                cols, ind[cols].itertuples(index=False, name=None), f"Sensitivity of {phrase(outcome.value)}"
            ),
        )
