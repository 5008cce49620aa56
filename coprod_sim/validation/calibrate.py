"""Calibration of free parameters to published targets: least squares over Latin hypercubes.

The specification is data (``experiments/calibration/calibration.toml``): the free parameters
with their ranges, the target patterns, and the search settings. Each round is one Latin
hypercube of parameter values, run for every target's validation experiment with the sweep
machinery (so it runs on local processes or Dask, resumes, and is reproducible from its seed).
A quadratic response surface per target, fitted by least squares to the round's points, predicts
the loss over the box; the next box is centred on the predicted minimum and shrunk. The last
round's minimum is run again with more seeds and reported as the result.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import PARAMS, ConfigError, check_keys, check_tables, param, suggest
from coprod_sim.io import write_json, write_text
from coprod_sim.limits import MAX_DESIGN_POINTS, MAX_REPLICATES, MAX_RUNS, MAX_SEED, shown
from coprod_sim.scenarios import data_dir, read_toml
from coprod_sim.stats import mean_interval
from coprod_sim.sweep.design import Experiment, Factor
from coprod_sim.validation.patterns import (
    Pattern,
    load_patterns,
    load_validation_experiment,
    pattern_values,
    run_experiment,
)

__all__ = ["Calibration", "CalibrationSpec", "calibrate", "describe", "load_calibration"]

_SETTINGS = ("samples", "rounds", "shrink", "replicates", "confirm_replicates", "seed", "targets")


@dataclass(frozen=True)
class CalibrationSpec:
    """What to calibrate, to what, and how hard to search."""

    parameters: tuple[Factor, ...]
    targets: tuple[Pattern, ...]
    samples: int
    rounds: int
    shrink: float
    replicates: int
    confirm_replicates: int
    seed: int
    path: Path | None = None


@dataclass
class Calibration:
    """The result: every point run, per-round boxes, and the confirmed calibrated values."""

    spec: CalibrationSpec
    points: pd.DataFrame  # round, point, parameters, each target's mean, loss
    boxes: list[dict[str, tuple[float, float]]]
    values: dict[str, float]  # calibrated parameter values (the confirmed point)
    confirmed: pd.DataFrame  # target, mean, lo, hi, low, high, within

    @property
    def loss(self) -> float:
        """Loss of the confirmed point."""
        return float(self.confirmed["loss_term"].sum())


def _calibration_dir() -> Path:
    return data_dir("experiments") / "calibration"


def load_calibration(path: Path | None = None) -> CalibrationSpec:
    """Load and validate the calibration file; errors are one line naming file, key and value."""
    path = Path(path) if path else _calibration_dir() / "calibration.toml"
    data = read_toml(path, "calibration")
    where = f"{path}: "
    check_tables(data, ("[calibration]", "[[parameters]]"), where)
    cal = check_keys(data.get("calibration", {}), _SETTINGS, where, name="calibration")

    def whole(key: str, lo: int, hi: int) -> int:
        v = cal.get(key)
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ConfigError(f"{where}calibration.{key} = {shown(v)}: allowed is a whole number from {lo:,} to {hi:,}")
        return v

    shrink = cal.get("shrink")
    if isinstance(shrink, bool) or not isinstance(shrink, int | float) or not 0 < shrink < 1:
        raise ConfigError(f"{where}calibration.shrink = {shown(shrink)}: allowed is a number between 0 and 1")
    spec = CalibrationSpec(
        parameters=_parameters(data.get("parameters", []), where),
        targets=_targets(cal.get("targets", []), where),
        samples=whole("samples", 4, MAX_DESIGN_POINTS),
        rounds=whole("rounds", 1, 100),
        shrink=float(shrink),
        replicates=whole("replicates", 1, MAX_REPLICATES),
        confirm_replicates=whole("confirm_replicates", 1, MAX_REPLICATES),
        seed=whole("seed", 0, MAX_SEED),
        path=path,
    )
    if spec.samples * spec.replicates > MAX_RUNS:  # each round sweeps samples x replicates of each target
        raise ConfigError(
            f"{where}calibration.samples = {spec.samples:,} x calibration.replicates = {spec.replicates:,} makes "
            f"{spec.samples * spec.replicates:,} runs a round for each target: allowed is at most {MAX_RUNS:,}"
        )
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


def _round_experiment(base: Experiment, factors: tuple[Factor, ...], spec: CalibrationSpec, k: int) -> Experiment:
    """Turn a validation experiment into a Latin hypercube over the free parameters (round ``k``)."""
    fixed = {f.path: f.values[0] for f in base.factors if f.values is not None and len(f.values) == 1}
    if len(fixed) != len(base.factors):
        raise ConfigError(f"{base.path}: a calibration target's experiment must have one design point")
    return dataclasses.replace(
        base,
        name=f"{base.name}-round{k}",
        scenario=base.scenario.with_overrides(fixed),
        factors=factors,
        method="lhs",
        samples=spec.samples,
        replicates=spec.replicates,
        seed=spec.seed + k,
    )


def _features(x: np.ndarray) -> np.ndarray:
    """Columns of a quadratic surface without interactions: 1, x, x^2 (x scaled to the box)."""
    return np.hstack([np.ones((len(x), 1)), x, x**2])


def _target_means(spec: CalibrationSpec, runs: dict[str, pd.DataFrame], n_points: int) -> pd.DataFrame:
    """Each target's mean over replicates at each point (NaN where no replicate shows it)."""
    out = {}
    for p in spec.targets:
        df = runs[p.experiment]
        ok = df[df["status"] == "ok"]
        out[p.id] = ok.groupby("point")[p.column].mean().reindex(range(n_points)).to_numpy(float)
    return pd.DataFrame(out)


def _loss(means: pd.DataFrame, targets: tuple[Pattern, ...]) -> np.ndarray:
    terms = [((means[p.id] - p.centre) / p.half_width) ** 2 for p in targets]
    return np.sum(terms, axis=0)


def calibrate(
    out: Path,
    spec: CalibrationSpec | None = None,
    *,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Calibration:
    """Run the calibration into ``out`` (one sweep folder per round and experiment) and return it."""
    spec = spec or load_calibration()
    out = Path(out)
    say = progress or (lambda _msg: None)
    names = list(dict.fromkeys(p.experiment for p in spec.targets))
    bases = {n: load_validation_experiment(n) for n in names}
    lo0 = np.array([f.low for f in spec.parameters])
    hi0 = np.array([f.high for f in spec.parameters])
    lo, hi = lo0.copy(), hi0.copy()
    paths = [f.path for f in spec.parameters]
    rows, boxes = [], []
    rng = np.random.default_rng(spec.seed)
    best = (lo + hi) / 2
    for k in range(1, spec.rounds + 1):
        boxes.append({p: (float(a), float(b)) for p, a, b in zip(paths, lo, hi, strict=True)})
        factors = tuple(Factor(p, low=float(a), high=float(b)) for p, a, b in zip(paths, lo, hi, strict=True))
        runs, design = {}, None
        for name, base in bases.items():
            exp = _round_experiment(base, factors, spec, k)
            say(f"round {k}/{spec.rounds}: {name}, {spec.samples} points x {spec.replicates} seeds")
            runs[name] = run_experiment(exp, out / f"round{k}" / name, executor=executor, resume=resume)
            design = exp.points()
        assert design is not None
        means = _target_means(spec, runs, len(design))
        loss = _loss(means, spec.targets)
        rows.append(pd.concat([design.assign(round=k), means, pd.DataFrame({"loss": loss})], axis=1))
        best = _predicted_best(design[paths].to_numpy(float), means, spec.targets, lo, hi, rng)
        half = (hi - lo) * spec.shrink / 2
        lo = np.clip(best - half, lo0, hi0)
        hi = np.clip(best + half, lo0, hi0)

    values = {p: _rounded(float(v), PARAMS[p].type) for p, v in zip(paths, best, strict=True)}
    say(f"confirming {values} with {spec.confirm_replicates} seeds")
    verdict_rows = []
    for name, base in bases.items():
        exp = dataclasses.replace(
            base,
            name=f"{base.name}-confirm",
            scenario=base.scenario.with_overrides(values),
            replicates=spec.confirm_replicates,
        )
        df = run_experiment(exp, out / "confirm" / name, executor=executor, resume=resume)
        verdict_rows += [_confirmed(p, pattern_values(p, df)) for p in spec.targets if p.experiment == name]
    result = Calibration(
        spec=spec,
        points=pd.concat(rows, ignore_index=True),
        boxes=boxes,
        values=values,
        confirmed=pd.DataFrame(verdict_rows),
    )
    _write(result, out)
    return result


def _predicted_best(
    points: np.ndarray,
    means: pd.DataFrame,
    targets: tuple[Pattern, ...],
    lo: np.ndarray,
    hi: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Return the parameter values in the box ``lo``-``hi`` where the fitted surfaces predict the least loss.

    Response surfaces on the box scaled to [0, 1]; the predicted loss is minimised over many
    candidates drawn from the box (seeded, so the search is reproducible).
    """
    x = (points - lo) / (hi - lo)
    cand = rng.random((20000, len(lo)))
    pred = np.zeros(len(cand))
    for p in targets:
        y = means[p.id].to_numpy(float)
        fin = np.isfinite(y)
        coef, *_ = np.linalg.lstsq(_features(x[fin]), y[fin], rcond=None)
        pred += ((_features(cand) @ coef - p.centre) / p.half_width) ** 2
    return lo + cand[int(np.argmin(pred))] * (hi - lo)


def _confirmed(p: Pattern, values: np.ndarray) -> dict[str, Any]:
    """One row of the confirmation: a target's mean over the confirming seeds, its interval and loss."""
    m, a, b = mean_interval(values)
    return {
        "target": p.id,
        "goal": p.centre,
        "mean": m,
        "ci_low": a,
        "ci_high": b,
        "tolerance_low": p.low,
        "tolerance_high": p.high,
        "within": bool(p.low <= m <= p.high),
        "loss_term": ((m - p.centre) / p.half_width) ** 2,
    }


def _rounded(v: float, kind: type) -> float:
    """Two significant figures: the precision the targets support."""
    if kind is int:
        return round(v)
    return float(f"{v:.2g}") if v else 0.0


def _write(c: Calibration, out: Path) -> None:
    write_text(c.points.to_csv(index=False), out / "points.csv")
    write_text(c.confirmed.to_csv(index=False), out / "confirmed.csv")
    write_json(
        {
            "spec": str(c.spec.path),
            "settings": {k: getattr(c.spec, k) for k in _SETTINGS if k != "targets"},
            "targets": [p.id for p in c.spec.targets],
            "boxes": c.boxes,
            "values": c.values,
            "confirmed": c.confirmed.to_dict(orient="records"),
            "loss": c.loss,
        },
        out / "calibration.json",
    )
    lines = ["# Calibrated values (coprod-sim calibrate); paste into a scenario or config.py defaults"]
    by_section: dict[str, list[str]] = {}
    for path, v in c.values.items():
        sec, key = path.split(".")
        by_section.setdefault(sec, []).append(f"{key} = {v!r}")
    for sec, kv in by_section.items():
        lines += ["", f"[{sec}]", *kv]
    write_text("\n".join(lines) + "\n", out / "calibrated.toml")


def describe(c: Calibration) -> str:
    """Plain-text summary of a calibration."""
    lines = ["Calibrated values:"]
    lines += [f"  {p} = {v:g}" for p, v in c.values.items()]
    lines.append(f"Confirmed with {c.spec.confirm_replicates} seeds (mean [95%], tolerance):")
    for r in c.confirmed.to_dict("records"):
        mark = "within" if r["within"] else "OUTSIDE"
        lines.append(
            f"  {r['target']:<20} {r['mean']:.3g} [{r['ci_low']:.3g}, {r['ci_high']:.3g}]  "
            f"goal {r['goal']:g} ({r['tolerance_low']:g}-{r['tolerance_high']:g}) {mark}"
        )
    lines.append(f"Loss {c.loss:.3g} (sum of squared distances from the goals, in half tolerances)")
    return "\n".join(lines)
