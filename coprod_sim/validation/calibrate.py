"""Calibration of free parameters to published targets: a posterior by history matching and ABC.

The specification is data (``experiments/calibration/calibration.toml``): the free parameters
with their prior ranges (uniform), the target patterns, and the settings. Each wave of history
matching is a set of parameter points run for every target's validation experiment with the
sweep machinery (so it runs on local processes or Dask, resumes where it stopped, and is
reproducible from its seed); emulators of each target fitted to the waves drive ABC, which gives
the posterior draws (:mod:`coprod_sim.validation.abc`). The first draws are then run through the
model itself with more seeds: the targets' posterior predictive distribution, which confirms the
emulators. The draws are written with their provenance (:mod:`coprod_sim.validation.posterior`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim import __version__
from coprod_sim.config import PARAMS, ConfigError, check_keys, check_tables, param, suggest
from coprod_sim.io import write_json, write_text
from coprod_sim.limits import MAX_DESIGN_POINTS, MAX_REPLICATES, MAX_RUNS, MAX_SEED, shown
from coprod_sim.scenarios import data_dir, read_toml
from coprod_sim.sweep.design import Experiment, Factor, given_points
from coprod_sim.validation.abc import AbcSettings, Posterior, Target, estimate
from coprod_sim.validation.patterns import (
    Pattern,
    load_patterns,
    load_validation_experiment,
    run_experiment,
    validation_dir,
)
from coprod_sim.validation.posterior import (
    describe_table,
    file_hash,
    git_describe,
    plot_posterior,
    summary_table,
    tradeoffs,
)

__all__ = ["Calibration", "CalibrationSpec", "calibrate", "describe", "load_calibration", "rounded"]

_SETTINGS = (
    "samples",
    "waves",
    "replicates",
    "cutoff",
    "particles",
    "draws",
    "confirm_draws",
    "confirm_replicates",
    "seed",
    "targets",
)
METHOD = (
    "history matching (waves of space-filling designs; implausibility cutoff) with emulators of each "
    "target's mean and seed variance, then ABC on the last wave's emulators (Gaussian kernel: model "
    "discrepancy, Monte Carlo error, emulator error) by adaptive importance sampling over the uniform "
    "prior, resampled systematically"
)
SOURCES = (
    "Vernon, Goldstein & Bower (2010) Bayesian Analysis 5(4); Andrianakis et al. (2015) PLoS Comput Biol "
    "11(1); Wilkinson (2013) Stat Appl Genet Mol Biol 12(2); Wilkinson (2014) AISTATS; Hesterberg (1995) "
    "Technometrics 37(2)"
)


@dataclass(frozen=True)
class CalibrationSpec:
    """What to calibrate, to what, and how many model runs to spend."""

    parameters: tuple[Factor, ...]
    targets: tuple[Pattern, ...]
    samples: int
    waves: int
    replicates: int
    cutoff: float
    particles: int
    draws: int
    confirm_draws: int
    confirm_replicates: int
    seed: int
    path: Path | None = None

    def abc(self) -> AbcSettings:
        """Return the settings of history matching and ABC."""
        return AbcSettings(
            self.samples, self.waves, self.replicates, self.cutoff, self.particles, self.draws, self.seed
        )

    def settings(self) -> dict[str, Any]:
        """Return the settings as written to the provenance."""
        return {k: getattr(self, k) for k in _SETTINGS if k != "targets"}


@dataclass
class Calibration:
    """The result: the posterior, every point run, the summary table and the confirmation runs."""

    spec: CalibrationSpec
    posterior: Posterior
    points: pd.DataFrame  # wave, point, parameters, each target's mean over seeds
    draws: pd.DataFrame  # draw, then one column per parameter
    table: pd.DataFrame  # parameter, prior range, median, 5-95%, narrowing
    fit: pd.DataFrame  # target, degree, hold-out R^2, emulator error sd, points
    confirmed: pd.DataFrame  # target, band, the predictive distribution over the confirming draws
    pairs: list[tuple[str, str, float]]
    runs: int  # model runs in all

    @property
    def values(self) -> dict[str, float]:
        """The posterior medians, to two significant figures (the defaults)."""
        return {
            r["parameter"]: rounded(r["median"], PARAMS[r["parameter"]].type) for r in self.table.to_dict("records")
        }


def _calibration_dir() -> Path:
    return data_dir("experiments") / "calibration"


def _whole(cal: dict[str, Any], where: str, key: str, lo: int, hi: int) -> int:
    v = cal.get(key)
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
        raise ConfigError(f"{where}calibration.{key} = {shown(v)}: allowed is a whole number from {lo:,} to {hi:,}")
    return v


def load_calibration(path: Path | None = None) -> CalibrationSpec:
    """Load and validate the calibration file; errors are one line naming file, key and value."""
    path = Path(path) if path else _calibration_dir() / "calibration.toml"
    data = read_toml(path, "calibration")
    where = f"{path}: "
    check_tables(data, ("[calibration]", "[[parameters]]"), where)
    cal = check_keys(data.get("calibration", {}), _SETTINGS, where, name="calibration")
    cutoff = cal.get("cutoff")
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float) or not 1 <= cutoff <= 10:
        raise ConfigError(f"{where}calibration.cutoff = {shown(cutoff)}: allowed is a number from 1 to 10")
    spec = CalibrationSpec(
        parameters=_parameters(data.get("parameters", []), where),
        targets=_targets(cal.get("targets", []), where),
        samples=_whole(cal, where, "samples", 4, MAX_DESIGN_POINTS),
        waves=_whole(cal, where, "waves", 1, 20),
        replicates=_whole(cal, where, "replicates", 1, MAX_REPLICATES),
        cutoff=float(cutoff),
        particles=_whole(cal, where, "particles", 10, 1_000_000),
        draws=_whole(cal, where, "draws", 1, 100_000),
        confirm_draws=_whole(cal, where, "confirm_draws", 1, MAX_DESIGN_POINTS),
        confirm_replicates=_whole(cal, where, "confirm_replicates", 1, MAX_REPLICATES),
        seed=_whole(cal, where, "seed", 0, MAX_SEED),
        path=path,
    )
    for what, n, reps in (
        ("samples", spec.samples, spec.replicates),
        ("confirm_draws", spec.confirm_draws, spec.confirm_replicates),
    ):
        if n * reps > MAX_RUNS:  # each wave (or the confirmation) sweeps n x reps runs of each target
            raise ConfigError(
                f"{where}calibration.{what} = {n:,} x {reps:,} seeds makes {n * reps:,} runs of each "
                f"target's experiment: allowed is at most {MAX_RUNS:,}"
            )
    if spec.confirm_draws > spec.draws:
        raise ConfigError(f"{where}calibration.confirm_draws = {spec.confirm_draws:,}: at most draws ({spec.draws:,})")
    return spec


def _parameters(tables: Any, where: str) -> tuple[Factor, ...]:
    """Validate the [[parameters]] to calibrate: a key path and a range within its allowed values."""
    if not isinstance(tables, list) or not tables:
        raise ConfigError(f"{where}no [[parameters]] to calibrate")
    params = []
    for i, t in enumerate(tables):
        t = check_keys(t, ("path", "low", "high"), f"{where}parameters {i + 1}: ")
        spec = param(t.get("path"), f"{where}parameters {i + 1}: ")
        p = spec.path
        lo, hi = t.get("low"), t.get("high")
        ok = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lo, hi))
        if not ok or not (spec.lo is None or spec.lo <= lo) or not (spec.hi is None or hi <= spec.hi) or lo >= hi:
            raise ConfigError(
                f"{where}parameters {p}: low = {shown(lo)}, high = {shown(hi)}: allowed is low < high, "
                f"both {spec.allowed()}"
            )
        if p in {f.path for f in params}:
            raise ConfigError(f"{where}parameters {p}: named twice")
        params.append(Factor(p, low=float(lo), high=float(hi)))
    return tuple(params)


def _targets(ids: Any, where: str) -> tuple[Pattern, ...]:
    """Validate calibration.targets: ids of 'mean' patterns of one design point."""
    if not isinstance(ids, list) or not ids:
        raise ConfigError(f"{where}calibration.targets = {shown(ids)}: name at least one pattern, e.g. ['exit_ratio']")
    patterns = {p.id: p for p in load_patterns()}
    targets = []
    for tid in ids:
        if not isinstance(tid, str) or tid not in patterns:
            hint = suggest(tid, list(patterns))
            raise ConfigError(f"{where}calibration.targets: {shown(tid)} is not a pattern{hint}")
        p = patterns[tid]
        if p.statistic != "mean" or p.where:
            raise ConfigError(f"{where}calibration.targets: {tid!r} must be a 'mean' pattern of one design point")
        targets.append(p)
    return tuple(targets)


def _fixed(base: Experiment) -> Experiment:
    """Return a validation experiment of one design point, its point folded into the scenario."""
    fixed = {f.path: f.values[0] for f in base.factors if f.values is not None and len(f.values) == 1}
    if len(fixed) != len(base.factors):
        raise ConfigError(f"{base.path}: a calibration target's experiment must have one design point")
    return dataclasses.replace(base, scenario=base.scenario.with_overrides(fixed), factors=())


def _values(runs: pd.DataFrame, p: Pattern, n_points: int, replicates: int) -> np.ndarray:
    """Return a target's value per point and seed (points x seeds; NaN where a run failed or cannot show it)."""
    ok = runs[runs["status"] == "ok"]
    table = ok.pivot_table(index="point", columns="replicate", values=p.column, aggfunc="first", dropna=False)
    return table.reindex(index=range(n_points), columns=range(replicates)).to_numpy(float)


class _Runner:
    """Runs sets of parameter points through every target's experiment, each set in its own folder."""

    def __init__(self, spec: CalibrationSpec, out: Path, executor: Executor | None, resume: bool) -> None:
        self.spec, self.out, self.executor, self.resume = spec, out, executor, resume
        names = list(dict.fromkeys(p.experiment for p in spec.targets))
        self.bases = {n: _fixed(load_validation_experiment(n)) for n in names}
        self.paths = [f.path for f in spec.parameters]
        self.runs = 0

    def __call__(self, label: str, x: np.ndarray, seed: int, replicates: int) -> np.ndarray:
        """Values of each target at points ``x`` (targets x points x seeds)."""
        points = pd.DataFrame(np.asarray(x, float), columns=self.paths)
        frames = {}
        for name, base in self.bases.items():
            exp = given_points(base, points, f"{base.name}-{label}", seed, replicates)
            frames[name] = run_experiment(exp, self.out / label / name, executor=self.executor, resume=self.resume)
            self.runs += len(points) * replicates
        return np.stack([_values(frames[p.experiment], p, len(points), replicates) for p in self.spec.targets])

    def wave(self, k: int, x: np.ndarray) -> np.ndarray:
        """Run a wave of history matching, on its own common seeds."""
        return self(f"wave{k}", x, self.spec.seed + k, self.spec.replicates)


def abc_targets(spec: CalibrationSpec) -> list[Target]:
    """Return the targets as the likelihood sees them (discrepancy sd: half the band's half-width)."""
    reps = {n: load_validation_experiment(n).replicates for n in {p.experiment for p in spec.targets}}
    return [Target(p.id, p.centre, p.half_width / 2.0, reps[p.experiment]) for p in spec.targets]


def calibrate(
    out: Path,
    spec: CalibrationSpec | None = None,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Run the calibration into ``out`` (one sweep folder per wave and experiment) and return it."""
    spec = spec or load_calibration()
    out = Path(out)
    say = progress or (lambda _msg: None)
    runner = _Runner(spec, out, executor, resume)
    lo = np.array([f.low for f in spec.parameters])
    hi = np.array([f.high for f in spec.parameters])
    targets = abc_targets(spec)
    post = estimate(runner.wave, lo, hi, targets, spec.abc(), say)
    paths = runner.paths
    draws = pd.DataFrame(post.draws, columns=paths)
    say(f"confirming: {spec.confirm_draws} posterior draws x {spec.confirm_replicates} seeds through the model")
    confirm = draws.iloc[: spec.confirm_draws].to_numpy(float)
    values = runner("confirm", confirm, spec.seed + 1000, spec.confirm_replicates)
    prior = {f.path: (float(f.low), float(f.high)) for f in spec.parameters}
    result = Calibration(
        spec=spec,
        posterior=post,
        points=_points(post, paths, targets),
        draws=draws.round(6).rename_axis("draw").reset_index().assign(draw=lambda d: d["draw"] + 1),
        table=summary_table(draws, prior),
        fit=_fit_table(post, targets),
        confirmed=_confirmed(spec.targets, values),
        pairs=tradeoffs(draws),
        runs=runner.runs,
    )
    _write(result, out)
    return result


def _points(post: Posterior, paths: list[str], targets: list[Target]) -> pd.DataFrame:
    """Every wave's points with each target's mean over seeds."""
    frames = []
    for k, w in enumerate(post.waves, start=1):
        df = pd.DataFrame(post.lo + w.u * (post.hi - post.lo), columns=paths)
        means = {t.name: np.nanmean(w.values[i], axis=1) for i, t in enumerate(targets)}
        frames.append(
            pd.concat([pd.DataFrame({"wave": k, "point": np.arange(len(df))}), df, pd.DataFrame(means)], axis=1)
        )
    return pd.concat(frames, ignore_index=True)


def _fit_table(post: Posterior, targets: list[Target]) -> pd.DataFrame:
    """Tabulate the last wave's emulators: degree, hold-out R^2, their own error and the seed noise, in sd."""
    u = post.waves[-1].u
    rows = []
    for t, e in zip(targets, post.waves[-1].emulators, strict=True):
        rows.append(
            {
                "target": t.name,
                "degree": e.degree,
                "holdout_r2": e.r2,
                "emulator_sd": float(np.sqrt(e.error_var)),
                "seed_sd": float(np.sqrt(np.median(e.seed_var(u)))),
                "discrepancy_sd": t.sd,
                "points": e.n,
            }
        )
    return pd.DataFrame(rows)


def _confirmed(patterns: tuple[Pattern, ...], values: np.ndarray) -> pd.DataFrame:
    """Each target over the confirming draws: the predictive distribution of its mean over seeds."""
    rows = []
    for p, v in zip(patterns, values, strict=True):
        m = np.nanmean(v, axis=1)
        m = m[np.isfinite(m)]
        q05, q50, q95 = np.quantile(m, [0.05, 0.5, 0.95]) if len(m) else (np.nan,) * 3
        rows.append(
            {
                "target": p.id,
                "goal": p.centre,
                "tolerance_low": p.low,
                "tolerance_high": p.high,
                "draws": len(m),
                "q05": q05,
                "median": q50,
                "q95": q95,
                "share_within": float(np.mean((m >= p.low) & (m <= p.high))) if len(m) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def rounded(v: float, kind: type) -> float:
    """Two significant figures: the precision the targets support."""
    if kind is int:
        return round(v)
    return float(f"{v:.2g}") if v else 0.0


def _provenance(c: Calibration) -> dict[str, Any]:
    spec, post = c.spec, c.posterior
    cal_path = spec.path or _calibration_dir() / "calibration.toml"
    return {
        "method": METHOD,
        "sources": SOURCES,
        "package_version": __version__,
        "git_describe": git_describe(),
        "calibration_file": cal_path.name,
        "calibration_sha256": file_hash(cal_path),
        "patterns_sha256": file_hash(validation_dir() / "patterns.toml"),
        "seed": spec.seed,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "settings": spec.settings(),
        "prior": {f.path: ["uniform", f.low, f.high] for f in spec.parameters},
        "targets": [
            {"id": p.id, "goal": p.centre, "low": p.low, "high": p.high, "discrepancy_sd": p.half_width / 2}
            for p in spec.targets
        ],
        "model_runs": c.runs,
        "waves": [{"wave": k, "points": len(w.u), "box_left": w.kept} for k, w in enumerate(post.waves, start=1)],
        "emulators": c.fit.to_dict(orient="records"),
        "effective_sample_size": post.ess,
        "draws": len(c.draws),
        "posterior": c.table.to_dict(orient="records"),
        "tradeoffs": [{"a": a, "b": b, "r": r} for a, b, r in c.pairs],
        "confirmation": c.confirmed.to_dict(orient="records"),
    }


def _write(c: Calibration, out: Path) -> None:
    write_text(c.points.to_csv(index=False), out / "points.csv")
    write_text(c.confirmed.to_csv(index=False), out / "confirmed.csv")
    write_text(c.draws.to_csv(index=False), out / "posterior.csv")
    write_json(_provenance(c), out / "posterior.json")
    prior = {f.path: (float(f.low), float(f.high)) for f in c.spec.parameters}
    plot_posterior(c.draws.drop(columns="draw"), prior, out / "posterior.png")
    lines = ["# Posterior medians (coprod-sim calibrate): the defaults in config.py"]
    by_section: dict[str, list[str]] = {}
    for path, v in c.values.items():
        sec, key = path.split(".")
        by_section.setdefault(sec, []).append(f"{key} = {v!r}")
    for sec, kv in by_section.items():
        lines += ["", f"[{sec}]", *kv]
    write_text("\n".join(lines) + "\n", out / "calibrated.toml")


def describe(c: Calibration) -> str:
    """Plain-text summary of a calibration: the posterior, the emulators, the confirmation, trade-offs."""
    post = c.posterior
    lines = [
        f"Posterior of {len(c.table)} parameters from {len(c.spec.targets)} targets: {len(post.waves)} waves, "
        f"{c.runs:,} model runs; effective sample size {post.ess:,.0f}, {len(c.draws)} draws kept.",
        "Prior (uniform) and posterior (median, 5-95%); narrowing = posterior 90% width / prior's:",
    ]
    lines += describe_table(c.table, [])[:-1]
    lines.append("Emulators of the last wave (hold-out R^2, leave-one-out):")
    lines += [
        f"  {r['target']:<20} R^2 {r['holdout_r2']:.2f}  degree {r['degree']}  error sd {r['emulator_sd']:.3g}  "
        f"seed sd {r['seed_sd']:.3g}  ({r['points']} points)"
        for r in c.fit.to_dict("records")
    ]
    lines.append(
        f"Confirmed through the model: {c.spec.confirm_draws} posterior draws x {c.spec.confirm_replicates} seeds "
        "(predictive median, 5-95%, share of draws within the band):"
    )
    lines += [
        f"  {r['target']:<20} {r['median']:.3g} [{r['q05']:.3g}, {r['q95']:.3g}]  band {r['tolerance_low']:g}-"
        f"{r['tolerance_high']:g}  {r['share_within']:.0%} within"
        for r in c.confirmed.to_dict("records")
    ]
    lines += describe_table(c.table, c.pairs)[len(c.table) + 1 :]
    lines.append(
        "Defaults (posterior medians, 2 significant figures): " + ", ".join(f"{p} = {v:g}" for p, v in c.values.items())
    )
    return "\n".join(lines)
