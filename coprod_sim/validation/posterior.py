"""The calibration posterior as shipped and reported: its draws, their summary, trade-offs and figure.

The package ships the draws of the current version's calibration (``coprod_sim/data/posterior.csv``,
one row a draw, one column a calibrated key path) with their provenance beside them
(``posterior.json``: code version, calibration file hash, seed, date, method, settings, model
runs, emulator fit). ``coprod-sim calibrate`` writes both; the defaults in ``config.py`` are the
draws' medians (a test checks it).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.io import atomic_write

__all__ = [
    "POSTERIOR_FILE",
    "describe_table",
    "file_hash",
    "git_describe",
    "load_posterior",
    "plot_posterior",
    "provenance",
    "summary_table",
    "tradeoffs",
]

#: The shipped draws; their provenance is the same name with ``.json``.
POSTERIOR_FILE = Path(__file__).resolve().parents[1] / "data" / "posterior.csv"
#: A pair of parameters trades off when their posterior correlation is at least this in size.
TRADEOFF_R = 0.3


def load_posterior(path: Path | None = None) -> pd.DataFrame | None:
    """Return the posterior draws (``draw`` dropped: one column per key path), or None if there is no file."""
    path = Path(path) if path else POSTERIOR_FILE
    if not path.is_file():
        return None
    df = pd.read_csv(path)
    return df.drop(columns=["draw"], errors="ignore")


def provenance(path: Path | None = None) -> dict[str, Any]:
    """Return the provenance beside a posterior file (``posterior.json``)."""
    path = Path(path) if path else POSTERIOR_FILE
    return json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (which calibration file a posterior came from)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def git_describe() -> str:
    """``git describe`` of the code, or ``unknown`` outside a repository."""
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def summary_table(draws: pd.DataFrame, prior: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Per parameter: the prior range, the posterior median and 5-95% interval, and how much it narrowed.

    ``narrowing`` is the posterior's 90% interval over the prior's (uniform: 90% of the range): 1
    means the targets say nothing about the parameter, small means it is well identified.
    """
    rows = []
    for path, (lo, hi) in prior.items():
        q05, q50, q95 = np.quantile(draws[path], [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": path,
                "prior_low": lo,
                "prior_high": hi,
                "median": q50,
                "q05": q05,
                "q95": q95,
                "narrowing": (q95 - q05) / (0.9 * (hi - lo)),
            }
        )
    return pd.DataFrame(rows)


def tradeoffs(draws: pd.DataFrame, threshold: float = TRADEOFF_R) -> list[tuple[str, str, float]]:
    """Pairs of parameters whose posterior correlation is at least ``threshold`` in size, strongest first."""
    r = draws.corr().to_numpy()
    cols = list(draws.columns)
    pairs = [
        (cols[i], cols[j], float(r[i, j]))
        for i in range(len(cols))
        for j in range(i + 1, len(cols))
        if abs(r[i, j]) >= threshold
    ]
    return sorted(pairs, key=lambda p: -abs(p[2]))


def describe_table(table: pd.DataFrame, pairs: list[tuple[str, str, float]]) -> list[str]:
    """Return the prior/posterior table and the trade-offs, as printed lines."""
    lines = [f"  {'parameter':<26} {'prior':>17} {'median':>10} {'5-95%':>22} {'narrowing':>9}"]
    for r in table.to_dict("records"):
        prior = f"{r['prior_low']:.3g}-{r['prior_high']:.3g}"
        band = f"{r['q05']:.3g}-{r['q95']:.3g}"
        lines.append(f"  {r['parameter']:<26} {prior:>17} {r['median']:>10.3g} {band:>22} {r['narrowing']:>9.2f}")
    if pairs:
        lines.append(f"Pairs that trade off (posterior correlation |r| >= {TRADEOFF_R}):")
        lines += [f"  {a} and {b}: r = {r:+.2f}" for a, b, r in pairs]
    else:
        lines.append(f"No pair trades off (every posterior correlation |r| < {TRADEOFF_R}).")
    return lines


def plot_posterior(draws: pd.DataFrame, prior: dict[str, tuple[float, float]], path: Path) -> Path:
    """Marginal histograms against the uniform prior (diagonal) and pairwise scatter (below), as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(prior)
    d = len(names)
    fig, axes = plt.subplots(d, d, figsize=(2.1 * d, 2.1 * d), squeeze=False)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            ax = axes[i][j]
            if j > i:
                ax.axis("off")
                continue
            if i == j:
                lo, hi = prior[a]
                ax.hist(draws[a], bins=25, range=(lo, hi), density=True, color="#0072B2", label="posterior")
                ax.axhline(1.0 / (hi - lo), color="#D55E00", linestyle="--", label="prior")
                ax.set_yticks([])
            else:
                ax.scatter(draws[b], draws[a], s=3, alpha=0.4, color="#0072B2")
                ax.set_xlim(*prior[b])
                ax.set_ylim(*prior[a])
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(b, fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(a, fontsize=7)
    axes[0][0].legend(fontsize=6, loc="upper right")
    fig.suptitle("Calibration posterior: marginals against the uniform prior (dashed), and pairs", fontsize=9)
    fig.tight_layout()
    atomic_write(Path(path), lambda tmp: fig.savefig(tmp, dpi=90, format="png", metadata={"Software": None}))
    plt.close(fig)
    return Path(path)
