"""What decides each verdict: which drawn parameters the paired differences of ``compare --uncertainty full`` depend on.

Method: a rank correlation (Spearman's rho) between each drawn parameter and the paired
difference, draw by draw, over the given Latin hypercube draws. Rank (and partial rank)
correlation is the standard sensitivity measure on a Latin hypercube sample (Helton & Davis 2003,
Reliab. Eng. Syst. Saf. 81:23-69; Helton et al. 2006, Reliab. Eng. Syst. Saf. 91:1175-1209): it
needs no special design, only that each parameter's effect be monotone, and with ~80 draws and
~54 parameters it is what such a sample can estimate. Measures that estimate a conditional
distribution for each parameter (the delta measure, PAWN) or a joint regression (partial rank
correlation, standardised rank regression: 54 coefficients from 80 draws) have too few draws per
slice or too few degrees of freedom at this size. Importance is ``|rho|``.

Chance: seed noise is part of each draw, so an unrelated parameter also correlates a little.
The difference is shuffled across draws many times (each shuffle makes every parameter a dummy
parameter from the same draws: Khorashadi Zadeh et al. 2017, Environ. Model. Softw. 91:210-222),
and the threshold is the 95th percentile of the strongest |rho| of any parameter in a shuffle
(the max-statistic permutation test, Westfall & Young 1993): a parameter is named only if it
beats that, so that among ~54 parameters a driver is named by chance alone in about one verdict
in twenty. The threshold is the row ``(chance)`` of ``drivers.csv``. ``lo`` and ``hi`` are a 90%
bootstrap interval of ``|rho|`` over the draws.

Prices: a setting that only prices what the organisation does (pay, an hourly rate, an hour count
that is only paid for, what a project is worth: :data:`PRICES_ONLY`) enters the costs (the ledger
of 7.13, and the cost of absence) and nothing else, so it cannot move any outcome but cost and
payback. It is ranked only for those two: for any other outcome it could only be named by chance
(about one verdict in twenty), and there the bar is set by the settings that can move it.
tests/test_drivers.py checks, bit for bit, that each changes no output but costs.

Payback: the week in which the extra cost is paid back, draws not paid back within the horizon
tied after the last week. Ranks need only the order, so this censoring costs no assumption about
when they would pay back.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from coprod_sim import outputs
from coprod_sim.config import PARAMS

__all__ = [
    "BOOTSTRAPS",
    "CHANCE",
    "COLUMNS",
    "DRIVERS_METHOD",
    "LEVEL",
    "PAYBACK",
    "PRICES_ONLY",
    "SHUFFLES",
    "chart_outcomes",
    "drawn_parameters",
    "driver_words",
    "drivers_figure",
    "drivers_text",
    "is_cost_outcome",
    "named_drivers",
    "plain_name",
    "rank_drivers",
    "table_drivers",
    "write_drivers",
]

#: The row of drivers.csv that holds what an unrelated parameter reaches by chance.
CHANCE = "(chance)"
#: The outcome name of payback in drivers.csv.
PAYBACK = "payback_week"
#: drivers.csv's columns: the issue's four, then the signed rho, the bootstrap interval, the rank,
#: whether it beats chance and the parameter in plain words.
COLUMNS = ["scenario", "outcome", "parameter", "importance", "rho", "lo", "hi", "rank", "beats_chance", "plain"]
#: The method in one line, recorded in compare.json beside the files it made.
DRIVERS_METHOD = (
    "Spearman rank correlation of each drawn parameter with the paired difference (payback: the week, draws not "
    "paid back tied last), named if above the 95th percentile of the strongest |rho| over 1,000 shuffles of the "
    "draws (max-statistic permutation test); prices (settings that enter only the costs) ranked for cost and "
    "payback only; lo and hi: 90% bootstrap interval (200 resamples)"
)
#: Settings that enter only the costs (7.13; and absence's cost): changing one changes no output but the costs
#: (checked bit for bit in tests/test_drivers.py), so they are ranked only for the cost outcomes.
PRICES_ONLY: frozenset[str] = frozenset(
    {
        "accessibility.capex_per_person",
        "accessibility.upkeep_share",
        "costs.project_value",
        "costs.rework",
        "involvement.deliberation_hours",
        "involvement.facilitation_hours",
        "involvement.hours",
        "organisation.wage_week",
        "peer_support.cost_week",
        "retention.replacement_cost",
        "review.cost",
        "support.cost_hour",
        "support.hours",
        "training.cost_per_hour",
        "training.hours",
    }
)
SHUFFLES = 1000  # the 95th percentile of the max is then known to about +-0.01 in |rho|
BOOTSTRAPS = 200
LEVEL = 0.95  # a driver is named if it beats the strongest unrelated parameter in 95% of shuffles


def _standard_ranks(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """Ranks along ``axis`` (ties averaged), centred and scaled to unit length; a constant column is all zeros."""
    r = rankdata(a, axis=axis)
    r = r - r.mean(axis=axis, keepdims=True)
    norm = np.sqrt((r**2).sum(axis=axis, keepdims=True))
    return np.divide(r, norm, out=np.zeros_like(r), where=norm > 0)


def rank_drivers(x: pd.DataFrame, y: np.ndarray, rng: np.random.Generator) -> tuple[pd.DataFrame, float]:
    """Rank the columns of ``x`` (parameters, one row a draw) by how strongly ``y`` depends on them.

    Returns a frame (``parameter, importance, rho, lo, hi, rank, beats_chance``), strongest first,
    and the chance threshold (the 95th percentile of the strongest |rho| over shuffles of ``y``).
    If ``y`` is the same in every draw, or no parameter is given, nothing can decide it:
    importance and threshold are NaN.
    """
    y = np.asarray(y, dtype=float)
    xv = x.to_numpy(dtype=float)
    n = len(y)
    if n < 3 or np.ptp(y) == 0 or xv.shape[1] == 0:
        empty = pd.DataFrame({"parameter": list(x.columns), "importance": np.nan, "rho": np.nan, "lo": np.nan})
        empty = empty.assign(hi=np.nan, rank=np.nan, beats_chance=False)
        return empty, float("nan")
    xs, ys = _standard_ranks(xv), _standard_ranks(y)
    rho = xs.T @ ys
    shuffled = np.stack([ys[rng.permutation(n)] for _ in range(SHUFFLES)], axis=1)
    strongest = np.abs(xs.T @ shuffled).max(axis=0)
    threshold = float(np.quantile(strongest, LEVEL))
    picks = rng.integers(n, size=(BOOTSTRAPS, n))  # each row one bootstrap sample of the draws
    boot = np.abs(np.einsum("bnd,bn->bd", _standard_ranks(xv[picks], axis=1), _standard_ranks(y[picks], axis=1)))
    lo, hi = np.quantile(boot, [0.05, 0.95], axis=0)
    table = pd.DataFrame(
        {"parameter": list(x.columns), "importance": np.abs(rho), "rho": rho, "lo": lo, "hi": hi}
    ).sort_values(["importance", "parameter"], ascending=[False, True], kind="stable")
    table["rank"] = np.arange(1, len(table) + 1)
    table["beats_chance"] = table["importance"] > threshold
    return table.reset_index(drop=True), threshold


def drawn_parameters(draws_table: pd.DataFrame) -> pd.DataFrame:
    """Return the drawn parameters of a draws table: numeric columns that vary (fixed cards do not decide anything)."""
    x = draws_table.drop(columns=["draw", "seed"])
    keep = [c for c in x.columns if pd.api.types.is_numeric_dtype(x[c]) and x[c].nunique() > 1]
    return x[keep].astype(float)


def is_cost_outcome(outcome: str) -> bool:
    """Whether ``outcome`` is a cost (money, by the outputs' catalogue, or payback): the outcomes prices can move."""
    return outcome == PAYBACK or outputs.is_money(outcome)


def table_drivers(
    names: Sequence[str],
    runs: pd.DataFrame,
    weeks: Mapping[str, Sequence[float | None]],
    horizon: int,
    draws_table: pd.DataFrame,
    labels: Mapping[str, str],
    outcomes: Sequence[str],
) -> pd.DataFrame:
    """Drivers of every scenario's paired difference from the first, per outcome and for payback.

    ``runs`` has one row per scenario and draw (draws numbered from 1, as ``draws_table``);
    ``weeks`` each scenario's payback week per draw (None: not within ``horizon``). The shuffles'
    random stream comes from the draws' seeds, so the same draws give the same table. Prices
    (:data:`PRICES_ONLY`) are ranked only for the cost outcomes.
    """
    x_all = drawn_parameters(draws_table)
    x_moving = x_all[[c for c in x_all.columns if c not in PRICES_ONLY]]
    seeds = [int(s) for s in draws_table["seed"]]
    base = runs[runs.scenario == names[0]].set_index("draw").loc[draws_table["draw"]]
    frames = []
    for j, name in enumerate(names[1:], 1):
        mine = runs[runs.scenario == name].set_index("draw").loc[draws_table["draw"]]
        ys = {k: mine[k].to_numpy(float) - base[k].to_numpy(float) for k in outcomes}
        ys[PAYBACK] = np.array([horizon + 1 if w is None else w for w in weeks[name]], dtype=float)
        for k, (key, y) in enumerate(ys.items()):
            ok = np.isfinite(y)  # an outcome undefined in a draw (no disabled worker left) drops that draw
            rng = np.random.default_rng([j, k, *seeds])
            x = x_all if is_cost_outcome(key) else x_moving
            table, threshold = rank_drivers(x[ok], y[ok], rng)
            chance = {"parameter": CHANCE, "importance": threshold, "rank": np.nan, "beats_chance": False}
            table = pd.concat([table, pd.DataFrame([chance])], ignore_index=True)
            frames.append(table.assign(scenario=name, outcome=key))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out["plain"] = [plain_name(p, labels) if p != CHANCE else "chance between runs" for p in out["parameter"]]
    out["rank"] = out["rank"].astype("Int64")
    return out[COLUMNS]


def plain_name(path: str, labels: Mapping[str, str]) -> str:
    """Return the parameter in plain words: its card's ``plain``, else its definition's words in lower case."""
    if labels.get(path):
        return labels[path]
    p = PARAMS.get(path)
    if p is None:
        return path
    doc = p.doc.split(" (")[0].split(";")[0].rstrip(".")
    doc = doc[:1].lower() + doc[1:]
    # "how sharply ..." already reads after "depends mostly on"; "effect of ..." needs its article.
    return doc if doc.split(" ")[0] in ("how", "what", "whether", "when", "which", "who") else "the " + doc


def named_drivers(d: pd.DataFrame, scenario: str, outcome: str, top: int = 2) -> tuple[list[str], float] | None:
    """Return the plain names of the (at most ``top``) strongest drivers that beat chance, and their rho² summed.

    None if nothing can decide it (the difference is the same in every draw).
    """
    rows = d[(d.scenario == scenario) & (d.outcome == outcome) & (d.parameter != CHANCE)]
    if rows.empty or not np.isfinite(rows["importance"]).any():
        return None
    named = rows[rows.beats_chance.astype(bool)].head(top)
    return list(named["plain"]), float((named["importance"] ** 2).sum())


def driver_words(d: pd.DataFrame, scenario: str, outcome: str, question: str) -> str | None:
    """One sentence: what ``question`` ("Whether it pays back ...") depends on, or that no assumption decides it.

    "Mostly" only when the named drivers together account for at least half the spread of the
    differences' ranks (the sum of their rho², about their share when the draws are uncorrelated).
    """
    got = named_drivers(d, scenario, outcome)
    if got is None:
        return None
    names, share = got
    if not names:
        return f"{question}: no single assumption decides it; none stands out from chance between runs."
    which = " and on ".join(names)
    if share >= 0.5:
        return f"{question} depends mostly on {which}."
    return (
        f"{question} depends most on {which} (about {share:.0%} of the spread between draws; chance and the other "
        "assumptions make up the rest)."
    )


def drivers_text(d: pd.DataFrame, scenario: str, outcome: str, top: int = 8) -> str:
    """Return the chart's text alternative for one panel: the top parameters with their importance, and chance."""
    rows = d[(d.scenario == scenario) & (d.outcome == outcome)]
    chance = rows[rows.parameter == CHANCE]["importance"].iloc[0]
    shown = rows[rows.parameter != CHANCE].head(top)
    if not np.isfinite(chance):
        return "the same in every draw, so no parameter decides it"
    parts = [f"{r.plain} {r.importance:.2f}" for r in shown.itertuples()]
    return f"{', '.join(parts)}; chance reaches {chance:.2f}"


def chart_outcomes(d: pd.DataFrame) -> list[str]:
    """Return the outcomes worth a chart panel: payback and cost always, then those some parameter decides."""
    decided = d[d.beats_chance.astype(bool)].outcome.unique()
    rest = [k for k in dict.fromkeys(d.outcome) if k in decided and k not in (PAYBACK, "cost_per_year")]
    return [k for k in (PAYBACK, "cost_per_year") if k in set(d.outcome)] + rest


def write_drivers(d: pd.DataFrame, names: Sequence[str], folder: Any) -> str:
    """Write ``drivers.csv`` and ``drivers.png`` into ``folder``; return the chart's text alternative."""
    import io
    from pathlib import Path

    from coprod_sim.io import atomic_write, write_text

    folder = Path(folder)
    write_text(d.to_csv(index=False), folder / "drivers.csv")
    fig, alt = drivers_figure(d, names, chart_outcomes(d))
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Software": None})  # the same bytes from the same draws
    atomic_write(folder / "drivers.png", lambda tmp: tmp.write_bytes(buf.getvalue()))
    return alt


def _panel_title(outcome: str) -> str:
    return (
        "Payback week"
        if outcome == PAYBACK
        else outputs.label(outputs.summary(outcome).column if outcome != "cost_per_year" else outcome)
    )


def drivers_figure(d: pd.DataFrame, names: Sequence[str], outcomes: Sequence[str], top: int = 8) -> tuple[Any, str]:
    """Return a ranked bar chart per scenario difference (columns) and outcome (rows), and its text alternative.

    Bars are |rho|, the strongest ``top`` parameters, blue if they beat chance and grey if not;
    the dashed line is what chance reaches.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    diffs = list(names[1:])
    fig = Figure(figsize=(8.0 * len(diffs), (0.3 * top + 1.1) * len(outcomes) + 0.6), dpi=100)
    axes = fig.subplots(len(outcomes), len(diffs), squeeze=False)
    alt = []
    for col, name in enumerate(diffs):
        for row, outcome in enumerate(outcomes):
            ax = axes[row][col]
            rows = d[(d.scenario == name) & (d.outcome == outcome)]
            shown = rows[rows.parameter != CHANCE].head(top).iloc[::-1]
            chance = rows[rows.parameter == CHANCE]["importance"].iloc[0]
            ax.set_title(f"{_panel_title(outcome)}\n{name} against {names[0]}", fontsize=9)
            ax.set_xlim(0, 1)
            alt.append(f"{_panel_title(outcome)}, {name} against {names[0]}: {drivers_text(d, name, outcome, top)}")
            if not np.isfinite(chance):  # the same in every draw: no bars to draw
                ax.set_yticks([])
                ax.text(0.5, 0.5, "The same in every draw:\nno parameter decides it", ha="center", va="center")
                continue
            colours = ["#0072B2" if b else "#999999" for b in shown.beats_chance]
            # Long names (a parameter without a card's plain name) wrap, so the bars keep their width.
            names_shown = [textwrap.fill(x, 45) for x in shown["plain"]]
            ax.barh(range(len(shown)), shown["importance"], color=colours, tick_label=names_shown)
            ax.axvline(chance, color="#D55E00", linestyle="--", linewidth=1.2)
            ax.tick_params(axis="y", labelsize=8)
    for ax in axes[-1]:
        ax.set_xlabel("|rank correlation| with the difference; blue: beats chance (dashed line)", fontsize=8)
    fig.tight_layout()
    return fig, "What decides each difference. " + ". ".join(alt) + "."
