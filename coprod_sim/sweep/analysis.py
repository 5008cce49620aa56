"""Analysis of a finished sweep: lever effects with 95% intervals, sensitivity indices, plots.

``analyze(DIR)`` returns tidy pandas frames; ``coprod-sim analyze DIR`` prints them in words
(:func:`format_text`) and writes ``DIR/analysis/`` (CSV tables, one PNG per outcome and an HTML
report with a text alternative and a data table for every chart). What people read names
outcomes and levers from their definitions, with fixed decimals and numerical noise as 0
(:mod:`coprod_sim.sweep.plain`).
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import ConfigError
from coprod_sim.io import write_text
from coprod_sim.outputs import label, label_with_unit, unit
from coprod_sim.run import summarise
from coprod_sim.stats import student_t, t_interval, t_quantile
from coprod_sim.sweep.plain import (
    COLOURS,
    MANY_VALUES,
    fixed,
    html_table,
    is_boolean,
    lever_change,
    lever_label,
    lever_value,
    number,
    outcome_scale,
    signed,
)
from coprod_sim.sweep.runner import load_results, read_manifest

__all__ = ["OUTCOMES", "Analysis", "analyze", "format_text", "outcome_figure", "write_report"]

#: Summary outcomes analysed, in order (their words are in coprod_sim.outputs).
OUTCOMES: tuple[str, ...] = (
    "participation_rate_mean",
    "influence_share_mean",
    "tokenism_rate_mean",
    "fit_mean",
    "wellbeing_disabled_final",
    "burnout_disabled_workers_mean",
    "exits_disabled_total",
    "share_disabled_final",
    "attitude_mean_final",
    "cost_per_year",
    "level_final",
)


@dataclass
class Analysis:
    """Tidy results of :func:`analyze`."""

    manifest: dict
    runs: pd.DataFrame  # one row per run: point, replicate, factors, summaries
    effects: pd.DataFrame  # factor, outcome, effect (low -> high), lo, hi, p_value
    means: pd.DataFrame  # factor, value, outcome, mean, lo, hi, n (for grids)
    indices: pd.DataFrame | None  # Sobol (S1, ST with intervals) or Morris (mu_star, sigma)


def _summaries(df: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """One row per run; a sweep that kept time series is summarised here."""
    if "step" not in df:
        return df
    rows = []
    for (point, rep), g in df[df["status"] == "ok"].groupby(["point", "replicate"], sort=True):
        ts = g.sort_values("step")
        rows.append(
            {
                "point": point,
                "replicate": rep,
                "seed": ts["seed"].iloc[0],
                "status": "ok",
                **{f: ts[f].iloc[0] for f in factors},
                **summarise(ts),
            }
        )
    return pd.DataFrame(rows)


def _numeric(col: pd.Series) -> pd.Series:
    return col.astype(float) if col.dtype == bool else col


def _effects(runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Estimate main effects by least squares: change when a factor goes from its lowest to highest value."""
    varied = [f for f in factors if runs[f].nunique() > 1 and runs[f].dtype != object]
    rows = []
    if not varied:
        return pd.DataFrame(columns=["factor", "outcome", "effect", "lo", "hi", "p_value"])
    X = np.column_stack([np.ones(len(runs))] + [_numeric(runs[f]).to_numpy(float) for f in varied])
    span = np.array([_numeric(runs[f]).max() - _numeric(runs[f]).min() for f in varied], float)
    for outcome in OUTCOMES:
        if outcome not in runs:
            continue
        y = runs[outcome].to_numpy(float)
        ok = np.isfinite(y)
        n, k = int(ok.sum()), X.shape[1]
        if n <= k:
            continue
        beta, *_ = np.linalg.lstsq(X[ok], y[ok], rcond=None)
        resid = y[ok] - X[ok] @ beta
        s2 = resid @ resid / (n - k)
        cov = s2 * np.linalg.pinv(X[ok].T @ X[ok])
        t = t_quantile(n - k)
        for j, f in enumerate(varied, start=1):
            se = math.sqrt(max(cov[j, j], 0.0))
            eff = beta[j] * span[j - 1]
            half = t * se * span[j - 1]
            p = 2 * student_t().sf(abs(beta[j] / se), n - k) if se > 0 else (0.0 if beta[j] else 1.0)
            rows.append(
                {"factor": f, "outcome": outcome, "effect": eff, "lo": eff - half, "hi": eff + half, "p_value": p}
            )
    return pd.DataFrame(rows)


def _means(runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Mean of each outcome at each value of each factor, with a 95% t-interval."""
    rows = []
    for f in factors:
        if runs[f].nunique() < 2 or runs[f].nunique() > 12:
            continue
        for value, g in runs.groupby(f, sort=True):
            for outcome in OUTCOMES:
                if outcome not in g:
                    continue
                y = g[outcome].to_numpy(float)
                y = y[np.isfinite(y)]
                if len(y) == 0:
                    continue
                m, lo, hi = t_interval(y, single=0.0)  # one run: its value, with no spread
                rows.append(
                    {
                        "factor": f,
                        "value": value,
                        "outcome": outcome,
                        "mean": m,
                        "lo": lo,
                        "hi": hi,
                        "n": len(y),
                    }
                )
    return pd.DataFrame(rows, columns=["factor", "value", "outcome", "mean", "lo", "hi", "n"])  # columns if none


def _indices(manifest: dict, runs: pd.DataFrame, factors: list[str]) -> pd.DataFrame | None:
    exp = manifest["experiment"]
    method = exp["method"]
    if method not in ("sobol", "morris"):
        return None
    problem = {"num_vars": len(factors), "names": factors, "bounds": [[f["low"], f["high"]] for f in exp["factors"]]}
    design = pd.DataFrame(manifest["design"]).sort_values("point")
    per_point = runs.groupby("point")[list(OUTCOMES)].mean().reindex(design["point"])
    rows = []
    for outcome in OUTCOMES:
        y = per_point[outcome].to_numpy(float)
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue  # SALib needs a finite, varying output at every design point
        if method == "sobol":
            from SALib.analyze import sobol

            si = sobol.analyze(problem, y, calc_second_order=exp["second_order"], seed=exp["seed"])
            for j, f in enumerate(factors):
                rows.append(
                    {
                        "factor": f,
                        "outcome": outcome,
                        "S1": si["S1"][j],
                        "S1_conf": si["S1_conf"][j],
                        "ST": si["ST"][j],
                        "ST_conf": si["ST_conf"][j],
                    }
                )
        else:
            from SALib.analyze import morris

            x = design[factors].to_numpy(float)
            si = morris.analyze(problem, x, y, num_levels=exp["levels"], seed=exp["seed"])
            for j, f in enumerate(factors):
                rows.append(
                    {
                        "factor": f,
                        "outcome": outcome,
                        "mu_star": si["mu_star"][j],
                        "mu_star_conf": si["mu_star_conf"][j],
                        "sigma": si["sigma"][j],
                    }
                )
    return pd.DataFrame(rows)


def analyze(out: Path) -> Analysis:
    """Analyse the sweep in folder ``out`` (finished runs only; failed runs are left out)."""
    out = Path(out)
    manifest_path = out / "manifest.json"
    if not manifest_path.is_file():
        raise ConfigError(f"{out}: no manifest.json here, so this is not a sweep folder (see 'coprod-sim sweep')")
    manifest = read_manifest(out)  # its schema checked; load_results checks every chunk against it
    factors = [f["path"] for f in manifest["experiment"]["factors"]]
    df = load_results(out)
    done, total = len(manifest["chunks"]), manifest["n_chunks"]
    if df.empty or done < total:
        # Effects over the levers' values run so far would read as the design's (a range cut short).
        raise ConfigError(
            f"{out}: the sweep is unfinished ({done} of {total} chunks written); run 'coprod-sim sweep ... "
            f"--out {out} --resume' to finish it, then analyze it"
        )
    runs = _summaries(df[df["status"] == "ok"], factors)
    return Analysis(
        manifest=manifest,
        runs=runs,
        effects=_effects(runs, factors),
        means=_means(runs, factors),
        indices=_indices(manifest, runs, factors),
    )


def _varied(a: Analysis) -> list[str]:
    """Return the levers that take more than one value in the finished runs, in the experiment's order."""
    return [f["path"] for f in a.manifest["experiment"]["factors"] if a.runs[f["path"]].nunique() > 1]


def _draw_lever(ax: Any, a: Analysis, f: str, outcome: str, style: tuple[str, str]) -> list[str]:
    """Draw ``outcome`` against lever ``f`` on ``ax``; return the sentences that say what it shows."""
    colour, marker = style
    boolean = is_boolean(a.runs, f)
    m = a.means[(a.means.factor == f) & (a.means.outcome == outcome)]
    notes = []
    if len(m):  # few values: means with 95% intervals; a true/false lever as two categories, unjoined
        x = _numeric(m["value"]).to_numpy(float)
        err = [m["mean"] - m["lo"], m["hi"] - m["mean"]]
        line = "none" if boolean else "-"
        ax.errorbar(x, m["mean"], yerr=err, color=colour, marker=marker, capsize=4, linewidth=1.5, linestyle=line)
        notes.append(
            f"{lever_label(f)}: "
            + ", ".join(
                f"{lever_value(v, boolean)} gives {number(mu, outcome)}"
                for v, mu in zip(m["value"], m["mean"], strict=True)
            )
        )
    else:  # sampled designs: every run, and the fitted effect in the text
        ax.scatter(_numeric(a.runs[f]), a.runs[outcome], s=8, color=colour, marker=marker, alpha=0.6)
    if boolean:
        ax.set_xticks([0, 1], ["off", "on"])
        ax.set_xlim(-0.5, 1.5)
    e = a.effects[(a.effects.factor == f) & (a.effects.outcome == outcome)]
    if len(e):
        r, scale = e.iloc[0], outcome_scale(a.runs, outcome)
        notes.append(
            f"going {lever_change(a.runs, f, sentence=True)} changes it by {signed(r['effect'], outcome, scale)} "
            f"(95% interval {signed(r['lo'], outcome, scale)} to {signed(r['hi'], outcome, scale)})"
        )
    ax.set_xlabel(textwrap.fill(lever_label(f), 40))
    return notes


def outcome_figure(a: Analysis, outcome: str) -> tuple[Any, str]:
    """Return a matplotlib figure of ``outcome`` against each varied lever, and its text alternative."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    factors = _varied(a)
    fig = Figure(figsize=(4.2 * max(len(factors), 1), 3.6), dpi=100)
    axes = fig.subplots(1, max(len(factors), 1), squeeze=False)[0]
    notes = []
    markers = "os^Dv<>p"
    for i, (ax, f) in enumerate(zip(axes, factors, strict=False)):
        notes += _draw_lever(ax, a, f, outcome, (COLOURS[i % len(COLOURS)], markers[i % len(markers)]))
        ax.set_ylabel(unit(outcome))  # the title names the outcome; a long label would not fit here
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # no "1e5" or "+2.5e5" above the axis
        ax.grid(alpha=0.3)
    fig.suptitle(label(outcome))
    fig.tight_layout()
    return fig, f"{label(outcome)} against each lever. " + "; ".join(notes) + "."


def _plot(a: Analysis, outcome: str) -> tuple[bytes, str]:
    """One PNG of an outcome against each lever, and its text alternative."""
    fig, alt = outcome_figure(a, outcome)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue(), alt


def _lever_lines(a: Analysis) -> list[str]:
    """Return each varied lever in words and the values it took (its key path once, as scenario files write it)."""
    lines = []
    for f in _varied(a):
        values = a.runs[f].drop_duplicates().sort_values()
        boolean = is_boolean(a.runs, f)
        shown = (
            ", ".join(lever_value(v, boolean) for v in values)
            if len(values) <= MANY_VALUES
            else f"from {lever_value(values.min(), digits=3)} to {lever_value(values.max(), digits=3)}"
        )
        lines.append(f"  {lever_label(f)} ({f}): {shown}")
    return lines


def _effect_lines(a: Analysis) -> list[str]:
    """Return the effects, by outcome: each effect with its 95% interval, then the lever and its change."""
    names = {f: f"{lever_label(f)}, {lever_change(a.runs, f)}" for f in _varied(a)}
    rows = []
    for outcome, g in a.effects.groupby("outcome", sort=False):
        scale = outcome_scale(a.runs, outcome)
        rows.append((label_with_unit(outcome), None, None))
        for _, r in g.iterrows():
            interval = f"[{signed(r['lo'], outcome, scale)}, {signed(r['hi'], outcome, scale)}]"
            rows.append((signed(r["effect"], outcome, scale), interval, names.get(r["factor"], r["factor"])))
    # Numbers first, aligned, so that a long lever name does not push them out of line.
    w_eff = max((len(e) for e, i, _ in rows if i is not None), default=0)
    w_int = max((len(i) for _, i, _ in rows if i is not None), default=0)
    return [f"  {e}" if i is None else f"    {e:>{w_eff}} {i:<{w_int}}  {n}" for e, i, n in rows]


def _index_lines(a: Analysis) -> list[str]:
    """Return the sensitivity indices, by outcome, in words."""
    ind = a.indices
    sobol = "S1" in ind
    lines = []
    for outcome, g in ind.groupby("outcome", sort=False):
        lines.append(f"  {label_with_unit(outcome)}")
        for _, r in g.iterrows():
            if sobol:
                text = (
                    f"alone {fixed(r['S1'], 2)} ± {fixed(r['S1_conf'], 2)}, "
                    f"with interactions {fixed(r['ST'], 2)} ± {fixed(r['ST_conf'], 2)}"
                )
            else:
                text = (
                    f"μ* {number(r['mu_star'], outcome)} ± {number(r['mu_star_conf'], outcome)}, "
                    f"σ {number(r['sigma'], outcome)}"
                )
            lines.append(f"    {lever_label(r['factor'])}: {text}")
    return lines


#: What the effects and indices are, above them in the printout and the report.
EFFECTS_ABOUT = (
    "The change in each outcome when a lever goes from its lowest to its highest value, the other levers "
    "held at their average (least squares), with its 95% interval [low, high]. 0: no difference beyond "
    "the computation's rounding error."
)
SOBOL_ABOUT = (
    "Sobol indices: the share of each outcome's variance due to a lever alone (first order, S1) and with "
    "its interactions (total, ST), ± half the 95% interval."
)
MORRIS_ABOUT = (
    "Morris screening: how far each outcome moves with a lever (μ*, the mean absolute elementary effect, "
    "in the outcome's unit, ± half the 95% interval) and how unevenly (σ: high for interactions or curves)."
)


def format_text(a: Analysis) -> str:
    """Return what ``coprod-sim analyze`` prints: the levers, their effects and any sensitivity indices, in words."""
    exp = a.manifest["experiment"]
    lines = [f"Sweep {exp['name']}: {len(a.runs)} finished runs ({exp['method']} design)"]
    if _varied(a):
        lines += ["", "Levers varied", *_lever_lines(a)]
    if not a.effects.empty:
        lines += ["", "Lever effects", *textwrap.wrap(EFFECTS_ABOUT, 100), *_effect_lines(a)]
    if a.indices is not None and not a.indices.empty:
        about = SOBOL_ABOUT if "S1" in a.indices else MORRIS_ABOUT
        lines += ["", "Sensitivity indices", *textwrap.wrap(about, 100), *_index_lines(a)]
    return "\n".join(lines)


def _effects_table(a: Analysis) -> str:
    rows = []
    for _, r in a.effects.iterrows():
        o, scale = r["outcome"], outcome_scale(a.runs, r["outcome"])
        rows.append(
            [
                label_with_unit(o),
                lever_label(r["factor"]),
                lever_change(a.runs, r["factor"]),
                signed(r["effect"], o, scale),
                f"{signed(r['lo'], o, scale)} to {signed(r['hi'], o, scale)}",
            ]
        )
    headers = ["Outcome", "Lever", "From → to", "Change", "95% interval"]
    return html_table(headers, rows, "Change in each outcome from each lever's lowest to highest value", 2)


def _indices_table(a: Analysis) -> str:
    ind = a.indices
    if "S1" in ind:
        headers = ["Outcome", "Lever", "Alone (S1)", "± (95%)", "With interactions (ST)", "± (95%)"]
        cells = [[fixed(r[c], 2) for c in ("S1", "S1_conf", "ST", "ST_conf")] for _, r in ind.iterrows()]
    else:
        headers = ["Outcome", "Lever", "Mean absolute effect (μ*)", "± (95%)", "Spread (σ)"]
        cells = [[number(r[c], r["outcome"]) for c in ("mu_star", "mu_star_conf", "sigma")] for _, r in ind.iterrows()]
    rows = [
        [label_with_unit(r["outcome"]), lever_label(r["factor"]), *c]
        for (_, r), c in zip(ind.iterrows(), cells, strict=True)
    ]
    return html_table(headers, rows, "Sensitivity indices", 2)


def _means_table(a: Analysis, outcome: str) -> str:
    data = a.means[a.means.outcome == outcome]
    rows = [
        [
            lever_label(r["factor"]),
            lever_value(r["value"], is_boolean(a.runs, r["factor"])),
            number(r["mean"], outcome),
            f"{number(r['lo'], outcome)} to {number(r['hi'], outcome)}",
            str(int(r["n"])),
        ]
        for _, r in data.iterrows()
    ]
    headers = ["Lever", "Value", "Mean", "95% interval", "Runs"]
    return html_table(headers, rows, f"{label_with_unit(outcome)} at each value of each lever", 1)


#: The report's style sheet: plain CSS, not a template (a format string doubled its braces once).
REPORT_CSS = """
body { font-family: sans-serif; max-width: 70em; margin: auto; padding: 0 1em; line-height: 1.5; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
caption { text-align: left; font-weight: bold; }
td, th { border: 1px solid #999; padding: 2px 6px; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
img { max-width: 100%; }
"""


def _report_page(a: Analysis, sections: list[str]) -> str:
    exp = a.manifest["experiment"]
    intro = [
        f"<h1>Sweep {html.escape(exp['name'])}</h1>",
        f"<p>{html.escape(exp['description'])}</p>",
        f"<p>{len(a.runs)} finished runs: {exp['method']} design, {exp['replicates']} replicate seeds per point, "
        f"{exp['steps']} weeks, base scenario {html.escape(exp['scenario'])}.</p>",
    ]
    if _varied(a):
        items = "".join(f"<li>{html.escape(line.strip())}</li>" for line in _lever_lines(a))
        intro.append(f"<h2>Levers varied</h2><ul>{items}</ul>")
    return (
        "<!doctype html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Sweep {html.escape(exp['name'])}</title><style>{REPORT_CSS}</style></head>\n<body><main>\n"
        + "\n".join(intro + sections)
        + "\n</main></body></html>\n"
    )


def write_report(a: Analysis, folder: Path, extra: Sequence[str] = ()) -> Path:
    """Write CSV tables, PNG plots and ``report.html`` into ``folder``; return the report's path.

    ``extra`` are further HTML sections, put after the effects and indices (scenario discovery).

    The CSV files keep the computed values and key names, for further analysis; the report and
    its tables use labels, fixed decimals and 0 for numerical noise (:mod:`coprod_sim.sweep.plain`).
    """
    folder = Path(folder)
    write_text(a.effects.to_csv(index=False), folder / "effects.csv")
    write_text(a.means.to_csv(index=False), folder / "means.csv")
    if a.indices is not None:
        write_text(a.indices.to_csv(index=False), folder / "indices.csv")
    parts = ["<h2>Lever effects</h2>", f"<p>{html.escape(EFFECTS_ABOUT)}</p>", _effects_table(a)]
    if a.indices is not None:
        about = SOBOL_ABOUT if "S1" in a.indices else MORRIS_ABOUT
        parts += ["<h2>Sensitivity indices</h2>", f"<p>{html.escape(about)}</p>", _indices_table(a)]
    parts += list(extra)
    parts.append("<h2>Outcomes against levers</h2>")
    for outcome in OUTCOMES:
        if outcome not in a.runs:
            continue
        png, alt = _plot(a, outcome)
        (folder / "plots").mkdir(parents=True, exist_ok=True)
        (folder / "plots" / f"{outcome}.png").write_bytes(png)
        parts += [
            f"<h3>{html.escape(label(outcome))}</h3>",
            f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{html.escape(alt)}">',
            f"<p>{html.escape(alt)}</p>",
            "<details><summary>Data table</summary>" + _means_table(a, outcome) + "</details>",
        ]
    return write_text(_report_page(a, parts), folder / "report.html")
