"""The boundary experiments use: run a parameter set for a seed and get outputs back.

``run(parameters, seed, steps)`` is a plain function (no model internals leak out), so sweeps,
EMA Workbench or a notebook can drive the model. ``simulate`` returns the richer result the CLI
writes to disk.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim import outputs
from coprod_sim.config import Config
from coprod_sim.model import CoProdModel
from coprod_sim.outputs import LEVELS, OUTPUT_COLUMNS

__all__ = ["RunResult", "replicate_seeds", "run", "simulate", "simulate_summary", "summarise"]


@dataclass
class RunResult:
    """Outputs of one run plus what is needed to reproduce it."""

    seed: int
    config: Config
    timeseries: pd.DataFrame
    people: pd.DataFrame
    init_seconds: float
    step_seconds: float


def simulate(config: Config, seed: int, steps: int | None = None, *, progress: bool = False) -> RunResult:
    """Build a model from ``config`` and ``seed`` and run it ``steps`` weeks (default: the config's)."""
    steps = config.simulation.steps if steps is None else int(steps)
    t0 = time.perf_counter()
    model = CoProdModel(seed=seed, config=config)
    t1 = time.perf_counter()
    it = range(steps)
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="weeks", unit="wk", delay=1.0, leave=False)
    for _ in it:
        model.step()
    t2 = time.perf_counter()
    # Nothing here reads model.agents, so no Mesa agent is made and Mesa 3.3's class-level
    # record of agents' models (gone in 3.4.2) never holds this model: it is freed on return.
    result = RunResult(
        seed=model.seed,
        config=model.config,
        timeseries=model.timeseries(),
        people=model.people(),
        init_seconds=t1 - t0,
        step_seconds=t2 - t1,
    )
    return result


def summarise(ts: pd.DataFrame | Mapping[str, Sequence[Any]]) -> dict[str, float]:
    """Summary outcomes of one run's time series, each as :func:`coprod_sim.outputs.summaries` says.

    ``ts`` is the run's table, or its columns as lists (``model.datacollector.model_vars``).
    The result's keys are :func:`coprod_sim.outputs.summary_names`, in that order.
    """
    n = len(ts["level"])
    first = 1 if n > 1 else 0
    years = max(n - first, 1) / 52.0
    out: dict[str, float] = {}
    for s in outputs.summaries():
        if s.column == "level":  # text: summarised as its rung, 0 (none) to 4 (transformative)
            rungs = [LEVELS.index(v) for v in ts["level"]]
            out[s.name] = float(rungs[-1] if s.how == "final" else max(rungs))
        else:
            out[s.name] = _summary_value(np.asarray(ts[s.column], dtype=float)[first:], s.how, years)
    return out


def _summary_value(x: np.ndarray, how: str, years: float) -> float:
    """One summary of a column's weeks after week 0 (see :data:`coprod_sim.outputs.HOW`)."""
    if how == "mean":
        return float(np.nanmean(x)) if np.isfinite(x).any() else float("nan")
    if how == "final":
        return float(x[-1])
    total = float(np.nansum(x))
    if how == "total":
        return total
    if how == "per_year":
        return total / years
    raise ValueError(f"a summary of a numeric column cannot be {how!r}")


def simulate_summary(config: Config, seed: int, steps: int | None = None) -> dict[str, float]:
    """Run once and return only the summaries (what a sweep keeps): no tables are built."""
    steps = config.simulation.steps if steps is None else int(steps)
    model = CoProdModel(seed=seed, config=config)
    for _ in range(steps):
        model.step()
    return summarise(model.datacollector.model_vars)


def run(
    parameters: Mapping[str, Any] | Config | None = None, seed: int = 0, steps: int | None = None
) -> dict[str, Any]:
    """Run once and return plain outputs: every per-step column as an array, plus summaries.

    Parameters
    ----------
    parameters : mapping or Config, optional
        Flat names (``{"power_transfer": 0.5}``), dotted paths (``{"power.transfer": 0.5}``) or a
        :class:`Config`. Everything not given keeps its default.
    seed : int
        Seed of all randomness.
    steps : int, optional
        Weeks to run; default ``simulation.steps``.

    Returns
    -------
    dict
        ``{column: ndarray}`` for each per-step output, and ``{summary_name: float}``.
    """
    config = _as_config(parameters)
    result = simulate(config, seed, steps)
    ts = result.timeseries
    out: dict[str, Any] = {c: ts[c].to_numpy() for c in ("step", *OUTPUT_COLUMNS)}
    out.update(summarise(ts))
    return out


def _as_config(parameters: Mapping[str, Any] | Config | None) -> Config:
    if parameters is None:
        return Config()
    if isinstance(parameters, Config):
        return parameters
    dotted = {k: v for k, v in parameters.items() if "." in k}
    flat = {k: v for k, v in parameters.items() if "." not in k}
    cfg = Config().with_overrides(dotted, source="parameters") if dotted else Config()
    return Config.from_flat(cfg, **flat) if flat else cfg


def replicate_seeds(master: int, n: int) -> list[int]:
    """``n`` independent replicate seeds from a master seed (``SeedSequence.spawn``)."""
    children = np.random.SeedSequence(int(master)).spawn(int(n))
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
