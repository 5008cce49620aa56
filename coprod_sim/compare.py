"""Compare scenarios on common random numbers: means, 95% intervals, paired differences.

Every scenario runs on the same replicate seeds, so differences between scenarios are paired
(common random numbers): the interval of a difference is that of the per-seed differences,
which is much narrower than comparing two independent means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from coprod_sim import outputs
from coprod_sim.config import Config, ConfigError
from coprod_sim.run import replicate_seeds, simulate, summarise
from coprod_sim.scenarios import Scenario
from coprod_sim.stats import mean_interval, t_bands

__all__ = [
    "TABLE_OUTCOMES",
    "TRAJECTORIES",
    "Comparison",
    "break_even_week",
    "compare",
    "mean_interval",
    "same_horizon",
]

#: Rows of the comparison table, in order: summary names (their words are in coprod_sim.outputs).
TABLE_OUTCOMES: tuple[str, ...] = (
    "participation_rate_mean",
    "influence_share_mean",
    "tokenism_rate_mean",
    "fit_mean",
    "wellbeing_disabled_final",
    "wellbeing_nondisabled_final",
    "burnout_disabled_mean",
    "burnout_disabled_workers_mean",
    "burnout_nondisabled_mean",
    "exits_disabled_total",
    "exits_disabled_workers_total",
    "exits_nondisabled_total",
    "share_disabled_final",
    "engagement_disabled_final",
    "attitude_mean_final",
    "progression_gap_final",
    "cost_per_year",
    "level_final",
)


#: Weekly outputs whose mean and 95% band across seeds a comparison keeps, week by week.
TRAJECTORIES: tuple[str, ...] = (
    "participation_rate",
    "influence_share",
    "tokenism_rate",
    "fit",
    "wellbeing_disabled",
    "burnout_disabled",
    "attitude_mean",
    "cost_cumulative",
)


@dataclass
class Comparison:
    """Result of :func:`compare`."""

    names: list[str]
    seeds: list[int]
    runs: pd.DataFrame  # one row per (scenario, seed): summaries
    table: pd.DataFrame  # tidy: scenario, outcome, mean, lo, hi, diff, diff_lo, diff_hi
    cumulative_cost: dict[str, np.ndarray]  # mean cumulative cost per week, by scenario
    break_even: dict[str, float | None]  # week each scenario's extra cost is paid back
    #: scenario -> output -> (mean, lo, hi) per week, 95% t-interval across seeds (TRAJECTORIES)
    trajectories: dict[str, dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]] | None = None


def _one(args: tuple[str, Config, int, int | None]) -> tuple[str, int, dict[str, float], dict[str, np.ndarray]]:
    name, config, seed, steps = args
    result = simulate(config, seed, steps)
    ts = result.timeseries
    return name, seed, summarise(ts), {c: ts[c].to_numpy(dtype=float) for c in TRAJECTORIES}


def break_even_week(extra: np.ndarray) -> float | None:
    """First week from which cumulative extra cost (scenario minus reference) stays at or below 0.

    ``None`` if it never pays back within the horizon; ``0`` if it never cost more.
    """
    above = np.flatnonzero(extra > 0)
    if len(above) == 0:
        return 0.0
    last = int(above[-1])
    return None if last == len(extra) - 1 else float(last + 1)


def _runs(jobs: list[tuple], workers: int) -> Iterator[tuple]:
    """Yield the result of every job, in order: in this process, or on ``workers`` processes."""
    if workers <= 1 or len(jobs) <= 1:
        yield from map(_one, jobs)
        return
    # The sweep's pool: workers forked from a clean server process, never from this one, whose
    # threads (a model's newcomer draws, a dashboard's server) a fork would copy mid-lock.
    from coprod_sim.sweep.runner import local_executor

    with local_executor(workers) as pool:
        yield from pool.map(_one, jobs)


def same_horizon(scenarios: Sequence[Scenario], steps: int | None) -> None:
    """Refuse scenarios that would run for different numbers of weeks (no ``steps`` given for all).

    Totals and paybacks over 20 weeks against totals over 400 compare nothing: before any run,
    one message names each scenario's ``simulation.steps`` and the way out.
    """
    if steps is not None:
        return
    weeks = {s.name: s.config.simulation.steps for s in scenarios}
    if len(set(weeks.values())) > 1:
        each = "; ".join(f"{name}: simulation.steps = {w}" for name, w in weeks.items())
        raise ConfigError(
            f"the scenarios run for different numbers of weeks ({each}), so their outcomes cannot be "
            "compared; give --steps N for all of them, or the same simulation.steps in each file"
        )


def compare(
    scenarios: Sequence[Scenario],
    replicates: int = 5,
    seed: int = 1,
    steps: int | None = None,
    workers: int = 1,
    progress: bool = False,
    on_run: Callable[[int, int], None] | None = None,
) -> Comparison:
    """Run every scenario on the same ``replicates`` seeds and tabulate outcomes and differences.

    ``on_run(done, total)`` is called after every run (the dashboard shows it as progress).
    """
    same_horizon(scenarios, steps)
    seeds = replicate_seeds(seed, replicates)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        names = [f"{s.name} ({i + 1})" for i, s in enumerate(scenarios)]
    jobs = [(n, s.config, sd, steps) for n, s in zip(names, scenarios, strict=True) for sd in seeds]
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(jobs), desc="runs", unit="run", delay=1.0, leave=False)
    results = []

    def done(r: tuple) -> None:
        results.append(r)
        if bar:
            bar.update()
        if on_run:
            on_run(len(results), len(jobs))

    for r in _runs(jobs, workers):
        done(r)
    if bar:
        bar.close()

    runs = pd.DataFrame([{"scenario": n, "seed": sd, **summ} for n, sd, summ, _ in results])
    cum = {n: np.mean([c["cost_cumulative"] for m, _, _, c in results if m == n], axis=0) for n in names}
    trajectories = {
        n: {col: t_bands([c[col] for m, _, _, c in results if m == n]) for col in TRAJECTORIES} for n in names
    }
    ref = names[0]
    rows = []
    for name in names:
        mine = runs[runs.scenario == name].set_index("seed").loc[seeds]
        base = runs[runs.scenario == ref].set_index("seed").loc[seeds]
        for key in TABLE_OUTCOMES:
            m, lo, hi = mean_interval(mine[key].to_numpy(float))
            lo, hi = outputs.in_range(key, lo, hi)  # a share's interval stops at 0 and 1, as no run passes them
            d, dlo, dhi = mean_interval(mine[key].to_numpy(float) - base[key].to_numpy(float))
            rows.append(
                {
                    "scenario": name,
                    "outcome": key,
                    "label": outputs.label(key),
                    "mean": m,
                    "lo": lo,
                    "hi": hi,
                    "diff": d,
                    "diff_lo": dlo,
                    "diff_hi": dhi,
                }
            )
    table = pd.DataFrame(rows)
    be = {n: (None if n == ref else break_even_week(cum[n] - cum[ref])) for n in names}
    return Comparison(
        names=names,
        seeds=seeds,
        runs=runs,
        table=table,
        cumulative_cost=cum,
        break_even=be,
        trajectories=trajectories,
    )


def format_table(c: Comparison) -> str:
    """Side-by-side text table: mean [95% interval] per scenario, and difference from the first."""
    lines = []
    ref = c.names[0]
    for key in TABLE_OUTCOMES:
        lines.append(outputs.label_with_unit(key))
        sub = c.table[c.table.outcome == key].set_index("scenario")
        for name in c.names:
            r = sub.loc[name]
            cell = f"  {name:<22} {_num(r['mean'], key):>11} [{_num(r['lo'], key)}, {_num(r['hi'], key)}]"
            if name != ref:
                d = [_signed(r[c], key) for c in ("diff", "diff_lo", "diff_hi")]
                cell += f"   diff {d[0]} [{d[1]}, {d[2]}]"
            lines.append(cell)
    lines.append("Break-even against the first scenario (week from which its extra cost is paid back)")
    for name in c.names[1:]:
        be = c.break_even[name]
        text = "never within the horizon" if be is None else ("never costs more" if be == 0 else f"week {int(be)}")
        lines.append(f"  {name:<22} {text}")
    return "\n".join(lines)


def _num(x: float, key: str = "") -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:,.0f}" if abs(x) >= 1000 or key in _MONEY else f"{x:.3f}"


def _signed(x: float, key: str = "") -> str:
    if not np.isfinite(x):
        return "n/a"
    return f"{x:+,.0f}" if abs(x) >= 1000 or key in _MONEY else f"{x:+.3f}"


_MONEY = {"cost_per_year"}  # whole currency units, whatever their size
