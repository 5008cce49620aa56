"""Analysis of a finished sweep: lever effects with 95% intervals, sensitivity indices, plots.

``analyze(DIR)`` returns tidy pandas frames; ``coprod-sim analyze DIR`` prints them and writes
``DIR/analysis/`` (CSV tables, one PNG per outcome and an HTML report with a text alternative
and a data table for every chart).
"""

from __future__ import annotations

import base64
import html
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from coprod_sim.config import ConfigError
from coprod_sim.io import write_text
from coprod_sim.outputs import label, unit
from coprod_sim.run import summarise
from coprod_sim.stats import student_t, t_interval, t_quantile
from coprod_sim.sweep.runner import load_results, read_manifest

__all__ = ["OUTCOMES", "Analysis", "analyze", "write_report"]

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

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")


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
    return pd.DataFrame(rows)


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
    if df.empty:
        raise ConfigError(f"{out}: no finished runs yet (run 'coprod-sim sweep ... --resume' to finish it)")
    runs = _summaries(df[df["status"] == "ok"], factors)
    return Analysis(
        manifest=manifest,
        runs=runs,
        effects=_effects(runs, factors),
        means=_means(runs, factors),
        indices=_indices(manifest, runs, factors),
    )


def _plot(a: Analysis, outcome: str) -> tuple[bytes, str]:
    """One PNG of an outcome against each factor, and its text alternative."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    factors = [f["path"] for f in a.manifest["experiment"]["factors"] if a.runs[f["path"]].nunique() > 1]
    fig = Figure(figsize=(4.2 * max(len(factors), 1), 3.4), dpi=100)
    axes = fig.subplots(1, max(len(factors), 1), squeeze=False)[0]
    notes = []
    markers = "os^Dv<>p"
    for i, (ax, f) in enumerate(zip(axes, factors, strict=False)):
        colour, marker = _COLOURS[i % len(_COLOURS)], markers[i % len(markers)]
        m = a.means[(a.means.factor == f) & (a.means.outcome == outcome)]
        if len(m):  # few values: means with 95% intervals
            x = _numeric(m["value"]).to_numpy(float)
            ax.errorbar(
                x,
                m["mean"],
                yerr=[m["mean"] - m["lo"], m["hi"] - m["mean"]],
                color=colour,
                marker=marker,
                capsize=4,
                linewidth=1.5,
            )
            notes.append(f"{f}: " + ", ".join(f"{v:g} gives {mu:.3g}" for v, mu in zip(x, m["mean"], strict=True)))
        else:  # sampled designs: every run, and the fitted effect in the text
            ax.scatter(_numeric(a.runs[f]), a.runs[outcome], s=8, color=colour, marker=marker, alpha=0.6)
        e = a.effects[(a.effects.factor == f) & (a.effects.outcome == outcome)]
        if len(e):
            r = e.iloc[0]
            notes.append(
                f"moving {f} from lowest to highest changes it by {r['effect']:+.3g} "
                f"(95% interval {r['lo']:+.3g} to {r['hi']:+.3g})"
            )
        ax.set_xlabel(f)
        ax.set_ylabel(unit(outcome))  # the title names the outcome; a long label would not fit here
        ax.grid(alpha=0.3)
    fig.suptitle(label(outcome))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue(), f"{label(outcome)} against each lever. " + "; ".join(notes) + "."


def write_report(a: Analysis, folder: Path) -> Path:
    """Write CSV tables, PNG plots and ``report.html`` into ``folder``; return the report's path."""
    folder = Path(folder)
    write_text(a.effects.to_csv(index=False), folder / "effects.csv")
    write_text(a.means.to_csv(index=False), folder / "means.csv")
    if a.indices is not None:
        write_text(a.indices.to_csv(index=False), folder / "indices.csv")
    exp = a.manifest["experiment"]
    parts = [
        f"<h1>Sweep {html.escape(exp['name'])}</h1>",
        f"<p>{html.escape(exp['description'])}</p>",
        f"<p>{len(a.runs)} finished runs: {exp['method']} design, {exp['replicates']} replicate seeds per point, "
        f"{exp['steps']} weeks, base scenario {html.escape(exp['scenario'])}.</p>",
        "<h2>Lever effects</h2><p>Change in each outcome when a lever goes from its lowest to its highest "
        "value, other levers held at their average (least squares), with 95% intervals.</p>",
        _table(a.effects),
    ]
    if a.indices is not None:
        parts += ["<h2>Sensitivity indices</h2>", _table(a.indices)]
    parts.append("<h2>Outcomes against levers</h2>")
    for outcome in OUTCOMES:
        if outcome not in a.runs:
            continue
        png, alt = _plot(a, outcome)
        name = f"{outcome}.png"
        (folder / "plots").mkdir(parents=True, exist_ok=True)
        (folder / "plots" / name).write_bytes(png)
        data = a.means[a.means.outcome == outcome]
        parts += [
            f"<h3>{html.escape(label(outcome))}</h3>",
            f'<img src="data:image/png;base64,{base64.b64encode(png).decode()}" alt="{html.escape(alt)}">',
            f"<p>{html.escape(alt)}</p>",
            "<details><summary>Data table</summary>" + _table(data) + "</details>",
        ]
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Sweep "
        f"{html.escape(exp['name'])}</title><style>body{{font-family:sans-serif;max-width:70em;margin:auto;"
        "line-height:1.5}}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}"
        "img{max-width:100%}</style></head><body><main>" + "\n".join(parts) + "</main></body></html>\n"
    )
    return write_text(page, folder / "report.html")


def _table(df: pd.DataFrame) -> str:
    if df is None or df.empty:
        return "<p>Nothing to show (no lever varied, or no finished runs).</p>"
    return df.to_html(index=False, float_format=lambda x: f"{x:.4g}", border=0)
