"""Verdicts as probabilities: scenarios compared over draws of uncertain parameters, not seeds only.

``compare --uncertainty full`` runs every scenario on the same ``n`` draws. Draw ``i`` is one
parameter set (one row of the calibration posterior the package ships,
:mod:`coprod_sim.validation.posterior`, with one draw from the assumption cards,
:mod:`coprod_sim.cards`) run on one seed, the same in every scenario: common random numbers
over parameters and chance together, so a scenario's difference from the first is paired draw by
draw. For each outcome the share of draws in which a scenario is better than the first
(``p_better``, ties counted half) and the median and 90% interval of the paired differences are
reported; for cost, the share of draws in which the extra cost is paid back within the horizon.
What decides each difference is ranked over the same draws (:mod:`coprod_sim.drivers`), and the
verdict names the one or two drawn parameters that beat chance.

A scenario's levers come from its file and are never replaced by a card: a workshop's card on
a parameter the scenarios set differently is refused (:func:`~coprod_sim.cards.check_against`),
and a default card on one is left out, with a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim import outputs
from coprod_sim.cards import Cards, check_against, default_cards, draw_overrides, load_cards, merge_cards
from coprod_sim.compare import TABLE_OUTCOMES, break_even_week, same_horizon
from coprod_sim.config import Config, ConfigError
from coprod_sim.drivers import PAYBACK, driver_words, table_drivers
from coprod_sim.limits import DEFAULT_DRAWS
from coprod_sim.run import replicate_seeds, summarise
from coprod_sim.scenarios import Scenario

__all__ = [
    "CARDS_ONLY",
    "DEFAULT_DRAWS",
    "POSTERIOR_AND_CARDS",
    "Draws",
    "FullComparison",
    "choose_cards",
    "choose_posterior",
    "compare_full",
    "draws",
    "format_verdicts",
    "plan_draws",
    "run_draw",
]

#: What the draws cover, said in the output and the docs: without a posterior (none given, or every
#: calibrated parameter set by the scenarios), and with the shipped one.
CARDS_ONLY = "parameters drawn: assumption cards only; calibrated parameters at their defaults (no posterior drawn)"
POSTERIOR_AND_CARDS = "parameters drawn: calibration posterior (shipped draws) times assumption cards"


@dataclass(frozen=True)
class Draws:
    """``n`` draws: draw ``i`` is ``overrides[i]`` (key path -> value) run on ``seeds[i]``."""

    seeds: list[int]
    overrides: list[dict[str, Any]]
    source: str  # what was drawn, in words (CARDS_ONLY until a posterior exists)
    # Drawn parameters in plain words (the cards' ``plain``), said when one decides a verdict;
    # a parameter without one is said in its definition's words (coprod_sim.drivers.plain_name).
    labels: dict[str, str] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """One row per draw: ``draw`` (from 1), ``seed``, then each drawn parameter by key path."""
        pairs = zip(self.seeds, self.overrides, strict=True)
        return pd.DataFrame([{"draw": i + 1, "seed": s, **o} for i, (s, o) in enumerate(pairs)])


def draws(n: int, seed: int, cards: Cards, posterior: pd.DataFrame | None = None) -> Draws:
    """Draw ``n`` parameter sets from the cards (Latin hypercube) and pair each with a seed.

    ``posterior`` (the calibration's draws, one column per calibrated key path) is paired row by
    row with the card draws: draw ``i`` takes row ``perm[i mod rows]`` of a permutation of the rows
    chosen by the seed, so a draw's row depends on the seed and its own index only (not on ``n``),
    no row repeats before all are used, and parameters fitted together stay together. Without it
    the calibrated parameters keep their defaults. The seeds are :func:`~coprod_sim.run.replicate_seeds`, as a
    seeds-only comparison with the same master seed uses.
    """
    card_sets = draw_overrides(cards, n, seed)
    source = CARDS_ONLY
    if posterior is not None:
        clash = sorted(set(posterior.columns) & set(cards.cards))
        if clash:
            raise ConfigError(f"posterior and cards both give {', '.join(clash)}: a parameter comes from one only")
        rng = np.random.default_rng([seed, 1])  # its own stream: the card draws do not move with it
        perm = rng.permutation(len(posterior))
        picked = posterior.iloc[perm[np.arange(n) % len(posterior)]].to_dict("records")
        card_sets = [{**c, **{k: _plain(v) for k, v in p.items()}} for c, p in zip(card_sets, picked, strict=True)]
        source = POSTERIOR_AND_CARDS
    labels = {p: c.plain for p, c in cards.cards.items() if c.plain}
    return Draws(replicate_seeds(seed, n), card_sets, source, labels)


def _plain(v: Any) -> Any:
    """Return a numpy scalar as the Python value a Config checks (``np.float64`` -> ``float``)."""
    return v.item() if hasattr(v, "item") else v


def choose_cards(
    scenarios: Sequence[Scenario], assumptions: Path | Cards | None = None, pinned: Sequence[str] = ()
) -> tuple[Cards, list[str]]:
    """Return the cards a comparison draws from, and notes on default cards it leaves out.

    A workshop's file (``assumptions``: its path, or its cards already read, as the dashboard's
    upload gives them) is merged over the default cards; a card of that file on a
    parameter the scenarios set differently, or that a scenario's timeline changes, is refused (one
    :class:`ConfigError` line). A default card on such a parameter, or on one pinned with ``--set``,
    is left out: the scenario files and the command line say what is compared.
    """
    configs = [s.config for s in scenarios]
    names = [s.name for s in scenarios]
    # A lever a timeline moves mid-run differs between the weeks, so it is the plan's, not a belief.
    timed = {e.lever: s.name for s in scenarios for e in s.config.timeline}
    cards = default_cards()
    if assumptions is not None:
        workshop = assumptions if isinstance(assumptions, Cards) else load_cards(assumptions)
        check_against(workshop, configs, names)
        for path, card in workshop.cards.items():
            if path in timed:
                raise ConfigError(
                    f"{card.origin}: [{path}]: the timeline of {timed[path]} changes it during the run; a card "
                    "would hold only until then. Remove the card, or the timeline entry"
                )
        cards = merge_cards(cards, workshop)
    notes, keep = [], {}
    for path, card in cards.cards.items():
        if path in pinned:
            notes.append(f"{path}: set with --set, so not drawn")
        elif len({c.get(path) for c in configs}) > 1 or path in timed:
            notes.append(f"{path}: the scenarios set it differently, so its default card is left out")
        else:
            keep[path] = card
    return replace(cards, cards=keep), notes


def choose_posterior(
    scenarios: Sequence[Scenario], pinned: Sequence[str] = (), posterior: pd.DataFrame | None = None
) -> tuple[pd.DataFrame | None, list[str]]:
    """Return the posterior columns a comparison draws (the shipped draws by default), and notes on those left out.

    A calibrated parameter is drawn only where every scenario leaves it at its default: one a
    scenario file sets, a timeline changes or ``--set`` pins is the comparison's own choice.
    """
    from coprod_sim.validation.posterior import load_posterior  # the posterior reads the sweep layer

    posterior = load_posterior() if posterior is None else posterior
    if posterior is None:
        return None, []
    defaults = Config()
    timed = {e.lever for s in scenarios for e in s.config.timeline}
    notes, keep = [], []
    for path in posterior.columns:
        if path in pinned:
            notes.append(f"{path}: set with --set, so not drawn from the posterior")
        elif path in timed or any(s.config.get(path) != defaults.get(path) for s in scenarios):
            notes.append(f"{path}: a scenario sets it, so not drawn from the posterior")
        else:
            keep.append(path)
    return (posterior[keep] if keep else None), notes


#: One draw: its index, seed, overrides and the scenarios' own configurations (applied in the
#: worker, so a long comparison holds one configuration per scenario, not one per run).
Task = tuple[int, int, dict[str, Any], list[Config], int | None]


def run_draw(task: Task) -> tuple[int, list[dict[str, float]], list[float | None], int]:
    """Run one draw in every scenario.

    Returns the draw's index, each scenario's summaries, the week each scenario's extra cost over
    the first is paid back (:func:`~coprod_sim.compare.break_even_week`; None if not within the
    horizon) and the horizon in weeks: only what the verdicts need, not the weekly series.
    """
    from coprod_sim.model import CoProdModel  # imported in the worker, with the model

    index, seed, overrides, configs, steps = task
    summaries, costs = [], []
    for config in configs:
        model = CoProdModel(seed=seed, config=config.with_overrides(overrides, source=f"draw {index + 1}"))
        for _ in range(config.simulation.steps if steps is None else steps):
            model.step()
        kept = model.datacollector.model_vars  # the collector's lists: no table is built
        summaries.append(summarise(kept))
        costs.append(np.asarray(kept["cost_cumulative"], dtype=float))
    horizon = min(len(c) for c in costs)  # scenarios of different lengths: judged over the shortest
    weeks = [break_even_week(c[:horizon] - costs[0][:horizon]) for c in costs]
    return index, summaries, weeks, horizon - 1


def _results(tasks: list[Task], executor: Executor | None, workers: Callable[[], int]) -> Iterator[tuple]:
    """Draws as they finish, about two per worker in flight (as a sweep keeps its chunks)."""
    if executor is None:
        yield from map(run_draw, tasks)
        return
    queue, pending = iter(tasks), set[Future]()
    while True:
        while len(pending) < 2 * max(workers(), 1) and (task := next(queue, None)) is not None:
            pending.add(executor.submit(run_draw, task))
        if not pending:
            return
        finished, pending = wait(pending, return_when=FIRST_COMPLETED)
        for fut in finished:
            yield fut.result()


@dataclass
class FullComparison:
    """Result of :func:`compare_full`: the runs, the verdicts and the payback, by scenario."""

    names: list[str]
    draws: Draws
    horizon: int  # weeks over which payback is judged
    runs: pd.DataFrame  # scenario, draw, seed, then the summaries
    verdicts: pd.DataFrame  # scenario, outcome, p_better, median, lo, hi
    payback: pd.DataFrame  # scenario, p_payback, median_week
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)  # coprod_sim.drivers.COLUMNS


def plan_draws(scenarios: Sequence[Scenario], drawn: Draws, steps: int | None) -> tuple[list[str], list[Task]]:
    """Return the scenarios' names and one task per draw, every draw checked with every scenario.

    Checking costs about a millisecond a configuration, so a draw that cannot exist with a
    scenario's settings is one error line before any run, not a failure half-way. The checked
    configurations are not kept: the worker builds each again.
    """
    same_horizon(scenarios, steps)
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        names = [f"{s.name} ({i + 1})" for i, s in enumerate(scenarios)]
    configs = [s.config for s in scenarios]
    tasks: list[Task] = []
    for i, (seed, ov) in enumerate(zip(drawn.seeds, drawn.overrides, strict=True)):
        for config, name in zip(configs, names, strict=True):
            config.with_overrides(ov, source=f"draw {i + 1} in {name}")
        tasks.append((i, seed, ov, configs, steps))
    return names, tasks


def compare_full(
    scenarios: Sequence[Scenario],
    drawn: Draws,
    steps: int | None = None,
    executor: Executor | None = None,
    workers: Callable[[], int] = lambda: 1,
    on_draw: Callable[[int, int], None] | None = None,
) -> FullComparison:
    """Run every scenario on every draw and tabulate paired verdicts against the first scenario.

    Every draw is checked with every scenario before any run (:func:`plan_draws`).
    ``on_draw(done, total)`` is called as draws finish. Results do not depend on the executor.
    What decides each difference is ranked over the draws (:func:`~coprod_sim.drivers.table_drivers`).
    """
    names, tasks = plan_draws(scenarios, drawn, steps)
    got: dict[int, tuple] = {}
    for index, *result in _results(tasks, executor, workers):
        got[index] = tuple(result)
        if on_draw:
            on_draw(len(got), len(tasks))
    ordered = [got[i] for i in range(len(tasks))]  # draw order, whatever order they finished in
    runs = pd.DataFrame(
        [
            {"scenario": n, "draw": i + 1, "seed": drawn.seeds[i], **ordered[i][0][j]}
            for j, n in enumerate(names)
            for i in range(len(tasks))
        ]
    )
    weeks = {n: [d[1][j] for d in ordered] for j, n in enumerate(names)}
    horizon = min(d[2] for d in ordered)
    drivers = table_drivers(names, runs, weeks, horizon, drawn.table(), drawn.labels, TABLE_OUTCOMES)
    return FullComparison(names, drawn, horizon, runs, _verdicts(names, runs), _payback(names, weeks), drivers)


def _verdicts(names: list[str], runs: pd.DataFrame) -> pd.DataFrame:
    """p_better, median and 90% interval of the paired differences, per scenario and outcome."""
    base = runs[runs.scenario == names[0]].set_index("draw")
    rows = []
    for name in names[1:]:
        mine = runs[runs.scenario == name].set_index("draw").loc[base.index]
        for key in TABLE_OUTCOMES:
            d = mine[key].to_numpy(float) - base[key].to_numpy(float)
            d = d[np.isfinite(d)]  # an outcome undefined in a run (no disabled worker left) drops that draw
            direction = outputs.better(key)
            p = np.nan
            if direction is not None and d.size:
                p = (np.sum(direction * d > 0) + 0.5 * np.sum(d == 0)) / d.size
            med, lo, hi = np.percentile(d, [50, 5, 95]) if d.size else (np.nan,) * 3
            rows.append({"scenario": name, "outcome": key, "p_better": p, "median": med, "lo": lo, "hi": hi})
    return pd.DataFrame(rows, columns=["scenario", "outcome", "p_better", "median", "lo", "hi"])


def _payback(names: list[str], weeks: dict[str, list[float | None]]) -> pd.DataFrame:
    """Share of draws whose extra cost is paid back within the horizon, and the median week among them.

    A draw in which the scenario never costs more than the first counts as paid back in week 0.
    """
    rows = []
    for name in names[1:]:
        paid = [w for w in weeks[name] if w is not None]
        rows.append(
            {
                "scenario": name,
                "p_payback": len(paid) / len(weeks[name]),
                "median_week": float(np.median(paid)) if paid else np.nan,
            }
        )
    return pd.DataFrame(rows, columns=["scenario", "p_payback", "median_week"])


def _signed(x: float, key: str) -> str:
    """Format a difference with its sign, as many decimals as the outcome's table shows, and a true minus."""
    return f"{x:+,.{outputs.decimals(key)}f}".replace("-", "\u2212")


def _years(weeks: int) -> str:
    years = weeks / 52
    return f"{weeks} weeks ({years:g} years)" if years == int(years) else f"{weeks} weeks (about {years:.1f} years)"


def _count(x: float) -> str:
    return f"{x:g}"


def format_verdicts(c: FullComparison) -> str:
    """Return the verdict of each scenario against the first, in words with the draws' counts.

    An outcome is "better in k of n draws" (or worse, whichever holds in more), most certain
    first; outcomes whose 90% interval lies within the smallest difference worth reporting
    (:func:`~coprod_sim.outputs.worth`) are listed together; then cost and payback. Under each
    outcome, cost and payback, one sentence names the one or two drawn parameters that decide it
    (beat chance), or says that none does.
    """
    n = len(c.draws.seeds)
    lines = []
    for name in c.names[1:]:
        rows = c.verdicts[c.verdicts.scenario == name].set_index("outcome")
        lines += ["", f"{name} against {c.names[0]}, over {n} draws:"]
        small, ranked = [], []
        for key, r in rows.iterrows():
            if key == "cost_per_year":
                continue
            if -outputs.worth(key) < r["lo"] and r["hi"] < outputs.worth(key):
                small.append(outputs.phrase(outputs.summary(key).column))
            else:
                ranked.append((abs(r["p_better"] - 0.5) if np.isfinite(r["p_better"]) else -1.0, key, r))
        for _, key, r in sorted(ranked, key=lambda t: -t[0]):
            lines.append(f"  {_outcome_words(key, r, _paired(c, name, key))}")
            lines += _why(c, name, key, _question(r["p_better"]))
        if small:
            lines.append(f"  No difference worth reporting in the middle 90% of draws: {', '.join(small)}")
        lines.append(f"  {_outcome_words('cost_per_year', rows.loc['cost_per_year'], n)}")
        lines += _why(c, name, "cost_per_year", "How much more or less it costs")
        pay = c.payback.set_index("scenario").loc[name]
        lines.append(f"  {_payback_words(pay, n, c.horizon)}")
        if 0 < pay["p_payback"] < 1:
            lines += _why(c, name, PAYBACK, f"Whether it pays back within {_years(c.horizon)}")
        elif pay["p_payback"] == 1:
            lines += _why(c, name, PAYBACK, "When it pays back")
    return "\n".join(lines)


def _question(p: float) -> str:
    """Return what the drivers of an outcome decide: its direction if the draws disagree, else its size."""
    if not np.isfinite(p):
        return "How large the difference is"
    if p == 1:
        return "How much better it is"
    if p == 0:
        return "How much worse it is"
    return "Whether it is better or worse"


def _why(c: FullComparison, name: str, key: str, question: str) -> list[str]:
    """Return the sentence on what decides one difference, indented under it (none if drivers were not ranked)."""
    if c.drivers.empty:
        return []
    words = driver_words(c.drivers, name, key, question)
    return [f"    {words}"] if words else []


def _paired(c: FullComparison, name: str, key: str) -> int:
    """Return the draws in which an outcome has a value in both scenarios (what its counts are out of)."""
    by = c.runs.set_index(["scenario", "draw"])[key]
    return int(np.isfinite(by.loc[name].to_numpy(float) - by.loc[c.names[0]].to_numpy(float)).sum())


def _outcome_words(key: str, r: pd.Series, n: int) -> str:
    """One outcome: how many draws it is better (or worse) in, the median and the 90% interval."""
    label = outputs.label(outputs.summary(key).column) if key != "cost_per_year" else outputs.label(key)
    span = f"median {_signed(r['median'], key)}, 90% interval {_signed(r['lo'], key)} to {_signed(r['hi'], key)}"
    if not np.isfinite(r["median"]):
        return f"{label}: no value in any draw"
    p = r["p_better"]
    if not np.isfinite(p):  # no better direction (cost, the share who are disabled): the numbers only
        return f"{label}: {span}"
    word, k = ("better", p * n) if p >= 0.5 else ("worse", (1 - p) * n)
    return f"{label}: {word} in {_count(round(k * 2) / 2)} of {n} draws ({span})"


def _payback_words(r: pd.Series, n: int, horizon: int) -> str:
    """Whether the extra cost is paid back within the horizon, in how many draws, and when."""
    k = round(r["p_payback"] * n)
    within = f"within {_years(horizon)}"
    if k == 0:
        return f"Pays back its extra cost {within} in none of the {n} draws"
    return (
        f"Pays back its extra cost (or never costs more) {within} in {k} of {n} draws "
        f"(median week {r['median_week']:.0f} among those draws)"
    )
