"""Experiment files: a base scenario, a parameter space and a design, validated at the boundary.

An experiment file is TOML data::

    [experiment]
    name = "lever_grid"
    description = "Training x accessibility x power transfer"
    scenario = "baseline"        # shipped name, or a path relative to this file
    replicates = 5               # seeds per design point (the same seeds for every point)
    steps = 520
    seed = 1                     # master seed of the replicate seeds
    keep = "summary"             # or "timeseries", or "patterns" (validation probes, one row a run)

    [design]
    method = "grid"              # grid | lhs | sobol | morris
    samples = 64                 # lhs: points; sobol: base samples N; morris: trajectories
    levels = 4                   # morris only
    second_order = false         # sobol only

    [[parameters]]
    path = "training.coverage"
    values = [0.0, 0.5, 1.0]     # grid: the values to cross
    # low = 0.0 / high = 1.0     # lhs, sobol, morris: the range to sample

Samplers are stateless and take a seed (SALib for Sobol/Saltelli and Morris).
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import PARAMS, Config, ConfigError, Param, check_keys, check_tables, check_value, param
from coprod_sim.limits import MAX_DESIGN_POINTS, MAX_REPLICATES, MAX_RUNS, MAX_SEED, design_points, shown
from coprod_sim.run import replicate_seeds
from coprod_sim.scenarios import (
    Scenario,
    check_description,
    data_dir,
    load_scenario,
    path_exists,
    read_toml,
    resolve_file,
)

__all__ = ["METHODS", "Experiment", "Factor", "check_size", "experiment_dir", "given_points", "load_experiment"]

METHODS = ("grid", "lhs", "sobol", "morris")
KEEP = ("summary", "timeseries", "patterns")
_EXPERIMENT_KEYS = ("name", "description", "scenario", "replicates", "steps", "seed", "keep")
_DESIGN_KEYS = ("method", "samples", "levels", "second_order")
_USED_BY = {"samples": ("lhs", "sobol", "morris"), "levels": ("morris",), "second_order": ("sobol",)}
_FACTOR_KEYS = ("path", "values", "low", "high")


def experiment_dir() -> Path:
    """Folder of the shipped experiments."""
    return data_dir("experiments")


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values (grid) or a range (sampled designs)."""

    path: str
    values: tuple[Any, ...] | None = None
    low: float | None = None
    high: float | None = None

    @property
    def param(self) -> Param:
        """Metadata of the parameter."""
        return PARAMS[self.path]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: scenario, factors, design, replicates and what to keep."""

    name: str
    description: str
    scenario: Scenario
    factors: tuple[Factor, ...]
    method: str
    samples: int
    levels: int
    second_order: bool
    replicates: int
    steps: int
    seed: int
    keep: str
    path: Path | None = None

    def problem(self) -> dict[str, Any]:
        """Return the SALib problem dictionary of the sampled factors."""
        return {
            "num_vars": len(self.factors),
            "names": [f.path for f in self.factors],
            "bounds": [[f.low, f.high] for f in self.factors],
        }

    def points(self) -> pd.DataFrame:
        """Design points: one row per point, one column per factor (key path), ``point`` first.

        Drawn once per experiment object and then reused (a copy is returned).
        """
        cached = self.__dict__.get("_points")
        if cached is None:
            cached = self._draw_points()
            object.__setattr__(self, "_points", cached)  # a cache on a frozen dataclass
        return cached.copy()

    def records(self) -> list[dict[str, Any]]:
        """Design points as dicts, each value with its parameter's own type (ints stay ints)."""
        return self.points().to_dict(orient="records")

    def _draw_points(self) -> pd.DataFrame:
        if self.method == "grid":
            rows = list(itertools.product(*(f.values for f in self.factors)))
            df = pd.DataFrame(rows, columns=[f.path for f in self.factors])
        else:
            x = self._sample()
            df = pd.DataFrame(x, columns=[f.path for f in self.factors])
            for f in self.factors:
                if f.param.type is int:  # an integer factor takes the nearest whole value
                    df[f.path] = np.rint(df[f.path]).astype(np.int64)
        df.insert(0, "point", np.arange(len(df), dtype=np.int64))
        return df

    def _sample(self) -> np.ndarray:
        k = len(self.factors)
        lo = np.array([f.low for f in self.factors], float)
        hi = np.array([f.high for f in self.factors], float)
        if self.method == "lhs":
            from scipy.stats import qmc

            unit = qmc.LatinHypercube(d=k, seed=np.random.default_rng(self.seed)).random(self.samples)
            return lo + unit * (hi - lo)
        if self.method == "sobol":
            from SALib.sample import sobol

            return sobol.sample(self.problem(), self.samples, calc_second_order=self.second_order, seed=self.seed)
        from SALib.sample import morris

        return morris.sample(self.problem(), self.samples, num_levels=self.levels, seed=self.seed)

    def seeds(self) -> list[int]:
        """Replicate seeds, shared by every design point (common random numbers)."""
        return replicate_seeds(self.seed, self.replicates)

    def config_for(self, row: Mapping[str, Any]) -> Config:
        """Return the validated configuration of one design point."""
        values = {f.path: _plain(row[f.path]) for f in self.factors}
        return self.scenario.config.with_overrides(values, source=f"{self.name} design point")

    def to_dict(self) -> dict[str, Any]:
        """Plain description (for the manifest)."""
        return {
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario.name,
            "scenario_parameters": self.scenario.config.to_dict(),
            "method": self.method,
            "samples": self.samples,
            "levels": self.levels,
            "second_order": self.second_order,
            "replicates": self.replicates,
            "steps": self.steps,
            "seed": self.seed,
            "keep": self.keep,
            "factors": [
                {
                    "path": f.path,
                    "values": list(f.values) if f.values is not None else None,
                    "low": f.low,
                    "high": f.high,
                }
                for f in self.factors
            ],
        }


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def given_points(exp: Experiment, points: pd.DataFrame, name: str, seed: int, replicates: int) -> Experiment:
    """Return ``exp`` with a design of given points (one column per key path), e.g. a calibration's wave.

    Its method is ``"given"``: not one an experiment file can ask for, since the points come from
    a program (the calibration chooses each wave's points from the wave before). The points are
    part of a sweep's identity, so a resumed sweep checks it runs the same ones.
    """
    factors = tuple(Factor(c, low=float(points[c].min()), high=float(points[c].max())) for c in points.columns)
    new = dataclasses.replace(
        exp, name=name, factors=factors, method="given", samples=len(points), replicates=replicates, seed=seed
    )
    df = points.reset_index(drop=True).copy()
    for f in factors:
        if f.param.type is int:
            df[f.path] = np.rint(df[f.path]).astype(np.int64)
    df.insert(0, "point", np.arange(len(df), dtype=np.int64))
    object.__setattr__(new, "_points", df)  # the cache points() reads: the design is given, not drawn
    return new


def _whole(where: str, key: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise ConfigError(f"{where}{key} = {shown(value)}: allowed is a whole number from {lo:,} to {hi:,}")
    return value


def load_experiment(ref: str | Path) -> Experiment:
    """Load and validate an experiment file by path or shipped name.

    Raises
    ------
    ConfigError
        One message naming the file, the key, the value and what is allowed.
    """
    path = resolve_file(ref, experiment_dir(), "experiment")
    where = f"{path}: "
    data = read_toml(path, "experiment")
    check_tables(data, ("[experiment]", "[design]", "[[parameters]]"), where)
    if "experiment" not in data:
        raise ConfigError(f"{where}missing the [experiment] table (name, description, scenario, replicates, steps)")
    settings = _experiment_settings(data["experiment"], path, where)
    design = _design_settings(data.get("design", {}), where)
    factors = _factors(data.get("parameters"), design["method"], where)
    experiment = Experiment(**settings, **design, factors=factors, path=path)
    check_size(experiment, where)
    _check_points(experiment, where)
    return experiment


def check_size(experiment: Experiment, where: str) -> None:
    """Raise :class:`ConfigError` when the design is too big, from its settings, before drawing it.

    The limits (:data:`~coprod_sim.limits.MAX_DESIGN_POINTS`, :data:`~coprod_sim.limits.MAX_RUNS`)
    bound what setting up a sweep holds in memory; the message says which setting to lower.
    """
    e = experiment
    grid = [len(f.values or ()) for f in e.factors]
    n = design_points(e.method, len(e.factors), e.samples, e.second_order, grid)
    if e.method == "grid":
        made = f"a grid of {' x '.join(map(str, grid))} values"
    elif e.method == "lhs":
        made = f"design.samples = {e.samples:,}"
    elif e.method == "sobol":
        order = "true, N(2k + 2)" if e.second_order else "false, N(k + 2)"
        made = f"design.samples N = {e.samples:,} with {len(e.factors)} parameters (k) and second_order = {order}"
    else:
        made = f"design.samples = {e.samples:,} trajectories of {len(e.factors)} parameters (k), N(k + 1)"
    if n > MAX_DESIGN_POINTS:
        raise ConfigError(f"{where}{made} makes {n:,} design points: allowed is at most {MAX_DESIGN_POINTS:,}")
    if n * e.replicates > MAX_RUNS:
        raise ConfigError(
            f"{where}{n:,} design points x experiment.replicates = {e.replicates:,} makes {n * e.replicates:,} runs: "
            f"allowed is at most {MAX_RUNS:,}"
        )


def _experiment_settings(table: Any, path: Path, where: str) -> dict[str, Any]:
    """Validate the [experiment] table: what to run, how often and what to keep."""
    exp = check_keys(table, _EXPERIMENT_KEYS, where, name="experiment")
    name = exp.get("name", path.stem)
    # The name is the default output folder (results/<name>): no path separators, no hidden folder.
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}", name):
        raise ConfigError(
            f"{where}experiment.name = {shown(name)}: allowed is a name of 1 to 100 letters, digits, "
            "'_', '-' or '.', starting with a letter or digit (it names the default output folder)"
        )
    description = check_description(exp.get("description"), f"{where}experiment.description", "what it varies")
    scen_ref = exp.get("scenario", "baseline")
    if not isinstance(scen_ref, str):
        raise ConfigError(f"{where}experiment.scenario = {shown(scen_ref)}: allowed is a scenario name or file path")
    local = path.parent / scen_ref
    try:
        scenario = load_scenario(local if local.suffix == ".toml" and path_exists(local) else scen_ref)
    except ConfigError as exc:  # say which experiment file and key led there
        raise ConfigError(f"{where}experiment.scenario = {shown(scen_ref)}: {exc}") from None
    weeks_range = (PARAMS["simulation.steps"].lo, PARAMS["simulation.steps"].hi)  # a run's length
    settings = {
        "name": name,
        "description": description,
        "scenario": scenario,
        "replicates": _whole(where, "experiment.replicates", exp.get("replicates", 5), 1, MAX_REPLICATES),
        "steps": _whole(where, "experiment.steps", exp.get("steps", scenario.config.simulation.steps), *weeks_range),
        "seed": _whole(where, "experiment.seed", exp.get("seed", 1), 0, MAX_SEED),
        "keep": exp.get("keep", "summary"),
    }
    if settings["keep"] not in KEEP:
        raise ConfigError(
            f"{where}experiment.keep = {shown(settings['keep'])}: allowed is {', '.join(map(repr, KEEP))}"
        )
    return settings


def _design_settings(table: Any, where: str) -> dict[str, Any]:
    """Validate the [design] table: the method and the settings it uses (and only those)."""
    design = check_keys(table, _DESIGN_KEYS, where, name="design")
    method = design.get("method", "grid")
    if method not in METHODS:
        raise ConfigError(f"{where}design.method = {shown(method)}: allowed is one of {', '.join(map(repr, METHODS))}")
    # A key another method uses would be ignored without a word; say so instead.
    for key in design:
        if key != "method" and method not in _USED_BY[key]:
            raise ConfigError(
                f"{where}design.{key} is not used by method = {method!r} (only by {' and '.join(_USED_BY[key])}); "
                "remove it"
            )
    samples = _whole(where, "design.samples", design.get("samples", 16), 1, MAX_DESIGN_POINTS)
    levels = _whole(where, "design.levels", design.get("levels", 4), 2, 100)
    second_order = design.get("second_order", False)
    if not isinstance(second_order, bool):
        raise ConfigError(f"{where}design.second_order = {shown(second_order)}: allowed is true or false")
    return {"method": method, "samples": samples, "levels": levels, "second_order": second_order}


def _check_points(experiment: Experiment, where: str) -> None:
    """Raise :class:`ConfigError` for a design point that is not a valid configuration.

    Checked before any run starts (team_size <= people, say), so a sweep never stops half-way
    on bad input.
    """
    for row in experiment.records():
        try:
            experiment.config_for(row)
        except ConfigError as exc:
            raise ConfigError(f"{where}design point {int(row['point'])}: {exc}") from None


def _factors(table: Any, method: str, where: str) -> tuple[Factor, ...]:
    if not isinstance(table, list) or not table:
        raise ConfigError(f"{where}no [[parameters]] to vary: add at least one [[parameters]] table with a path")
    factors = []
    seen = set()
    for i, item in enumerate(table, start=1):
        at = f"{where}parameters entry {i}: "
        item = check_keys(item, _FACTOR_KEYS, at)
        spec = param(item.get("path"), at)
        p = spec.path
        if p in seen:
            raise ConfigError(f"{at}path = {p!r} appears twice")
        seen.add(p)
        if method == "grid":
            values = item.get("values")
            if not isinstance(values, list) or not values:
                raise ConfigError(f"{at}a grid needs values = [...] for {p} (allowed: {spec.allowed()})")
            checked = tuple(check_value(spec, v, at + "values: ") for v in values)
            factors.append(Factor(path=p, values=checked))
        else:
            if spec.type not in (int, float):
                raise ConfigError(
                    f"{at}{p} is {spec.allowed()}: a {method} design varies numbers only; use a grid for it"
                )
            if "low" not in item or "high" not in item:
                raise ConfigError(f"{at}a {method} design needs low and high for {p} ({spec.allowed()})")
            lo = check_value(spec, item["low"], at + "low: ")
            hi = check_value(spec, item["high"], at + "high: ")
            if not lo < hi:
                raise ConfigError(f"{at}low = {shown(lo)} must be below high = {shown(hi)} for {p}")
            factors.append(Factor(path=p, low=float(lo), high=float(hi)))
    return tuple(factors)
