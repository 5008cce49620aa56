"""What each command of ``coprod-sim`` does, once its arguments are parsed.

Each ``*_command`` takes the parsed arguments (:func:`coprod_sim.cli.build_parser`), drives the
library, prints what the user reads and returns the exit status; ``coprod_sim.cli`` only parses
and dispatches. Serving the dashboard is in :mod:`coprod_sim.dashboard.serve`. Heavy modules are
imported inside each command, so that starting one command does not pay for the others.
"""

from __future__ import annotations

import argparse
import contextlib
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from coprod_sim import __version__
from coprod_sim.config import ConfigError

__all__ = [
    "analyze_command",
    "assets_command",
    "calibrate_command",
    "cards_command",
    "compare_command",
    "docs_command",
    "provenance",
    "run_command",
    "run_summary",
    "scenarios_command",
    "sweep_command",
    "validate_command",
]


def scenarios_command(args: argparse.Namespace) -> int:
    """``coprod-sim scenarios``: list the shipped scenarios, one line each."""
    from coprod_sim.scenarios import load_scenario, shipped_scenarios

    for path in shipped_scenarios():
        sc = load_scenario(path)
        first = sc.description.split(". ")[0].rstrip(".")
        print(f"{path.stem:<22} {first}")
    return 0


def docs_command(args: argparse.Namespace) -> int:
    """``coprod-sim docs [NAME] [--path]``: list the shipped documents, or print one (or its path)."""
    from coprod_sim.manuals import doc_names, doc_path, doc_title

    if not args.name:
        for name in doc_names():
            print(f"{name:<14} {doc_title(doc_path(name))}")
        print("\nRead one with 'coprod-sim docs NAME' (e.g. 'coprod-sim docs ODD | less'); --path gives its file.")
        return 0
    path = doc_path(args.name)
    print(path if args.path else path.read_text(encoding="utf-8"), end="\n" if args.path else "")
    return 0


def run_command(args: argparse.Namespace) -> int:
    """``coprod-sim run``: run one scenario, write its tables and provenance, print a summary."""
    from coprod_sim.io import check_writable, one_set, write_json, write_parquet
    from coprod_sim.run import simulate
    from coprod_sim.scenarios import load_scenario

    overrides = _overrides(args.overrides)
    sc = load_scenario(args.scenario).with_overrides(overrides)
    _note_timeline([sc], overrides)
    steps = args.steps or sc.config.simulation.steps
    out = check_writable(args.out)
    res = simulate(sc.config, args.seed, steps, progress=sys.stderr.isatty())
    with one_set():  # the three files of one run, or the previous run's, never a mix
        write_parquet(res.timeseries, out / "timeseries.parquet")
        write_parquet(res.people, out / "people.parquet")
        write_json(provenance(sc, res.seed, steps, res.init_seconds, res.step_seconds), out / "run.json")
    print(run_summary(sc, res, steps))
    print(f"\nWrote {out / 'timeseries.parquet'}, {out / 'people.parquet'} and {out / 'run.json'}")
    return 0


def provenance(
    sc: Any, seed: int | None, steps: int, init_s: float | None = None, step_s: float | None = None
) -> dict[str, Any]:
    """Return what repeats a result: scenario, overrides, seed, steps, versions and every parameter.

    ``init_s`` and ``step_s`` (seconds to build the model and to run it) are added when given.
    """
    import mesa
    import numpy as np

    info: dict[str, Any] = {
        "scenario": sc.name,
        "scenario_file": str(sc.path) if sc.path else None,
        "overrides": sc.overrides,
        "seed": seed,
        "steps": steps,
        "package_version": __version__,
        "versions": {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": np.__version__},
        "parameters": sc.config.to_dict(),
    }
    if init_s is not None:
        info["init_seconds"] = round(init_s, 6)
        info["step_seconds"] = round(step_s, 6)
    return info


def run_summary(sc: Any, res: Any, steps: int) -> str:
    """Return the summary ``coprod-sim run`` prints: recent and overall outcomes, groups, level, cost."""
    from coprod_sim.outputs import HOW, LEVELS, QUARTER_WEEKS, label, measure, short_label, unit

    ts = res.timeseries
    body = ts.iloc[1:]
    last = ts.iloc[-1]
    years = steps / 52
    lines = [
        f"Scenario: {sc.name} (seed {res.seed}, {steps} weeks = {years:.1f} years, {int(last['n_people'])} people)",
        f"  {sc.description.splitlines()[0]}",
        "",
    ]

    quarter = body.iloc[-QUARTER_WEEKS:]

    def row(col: str) -> str:
        return f"  {label(col):<44} {_fmt(quarter[col].mean()):>10} {_fmt(body[col].mean()):>12}"

    def by_group(col: str, how: str, values: tuple[float, float], digits: str) -> str:
        heading = f"{measure(col)}, {HOW[how]}"
        return f"  {heading:<44} {values[0]:>10{digits}} {values[1]:>12{digits}}"

    lines.append(f"  {'Outcome':<44} {f'last {QUARTER_WEEKS} wk':>10} {'all weeks':>12}")
    lines += [row(c) for c in ("participation_rate", "influence_share", "tokenism_rate", "fit")]
    lines += [
        "",
        f"  {'By group':<44} {'disabled':>10} {'non-disabled':>12}",
        by_group("wellbeing_disabled", "final", (last["wellbeing_disabled"], last["wellbeing_nondisabled"]), ".3f"),
        by_group(
            "burnout_disabled", "mean", (body["burnout_disabled"].mean(), body["burnout_nondisabled"].mean()), ".3f"
        ),
        by_group(
            "exits_disabled",
            "per_year",
            (body["exits_disabled"].sum() / years, body["exits_nondisabled"].sum() / years),
            ".1f",
        ),
        by_group("grade_disabled", "final", (last["grade_disabled"], last["grade_nondisabled"]), ".2f"),
        "",
        f"  {label('share_disabled')} ({unit('share_disabled')}): {ts['share_disabled'].iloc[0]:.3f} at the start, "
        f"{last['share_disabled']:.3f} at the end",
        f"  {label('attitude_mean')} ({unit('attitude_mean')}): "
        f"{ts['attitude_mean'].iloc[0]:.3f} -> {last['attitude_mean']:.3f}",
    ]
    counts = ts["level"].iloc[1:].value_counts()
    reached = max(ts["level"], key=LEVELS.index)
    lines.append(
        f"  {label('level')}: {last['level']} at the end; highest reached: {reached}; "
        + ", ".join(f"{lv} {counts.get(lv, 0)} wk" for lv in LEVELS if counts.get(lv, 0))
    )
    total = body["cost"].sum()
    parts = {k: body[k].sum() for k in ts.columns if k.startswith("cost_") and k != "cost_cumulative"}
    lines.append(
        f"  {measure('cost')}: {total:,.0f} {HOW['total']}, {total / years:,.0f} {HOW['per_year']}; "
        + ", ".join(f"{short_label(k).lower()} {v:,.0f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v)
    )
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.3f}"  # NaN: nobody took part, so the rate is undefined


def compare_command(args: argparse.Namespace) -> int:
    """``coprod-sim compare``: scenarios side by side on common seeds, printed and written."""
    from coprod_sim.compare import compare, format_table
    from coprod_sim.io import check_writable, one_set, write_json, write_parquet, write_text
    from coprod_sim.scenarios import load_scenario, shipped_scenarios

    _check_compare_options(args)
    refs = args.scenarios or [str(p) for p in shipped_scenarios()]
    overrides = _overrides(args.overrides)
    scenarios = [load_scenario(r).with_overrides(overrides) for r in refs]
    _note_timeline(scenarios, overrides)
    if args.uncertainty == "full":
        return compare_full_command(args, scenarios, list(overrides))
    replicates = args.replicates or 5
    out = check_writable(args.out)
    workers = min(args.workers, len(scenarios) * replicates)
    result = compare(
        scenarios,
        replicates=replicates,
        seed=args.seed,
        steps=args.steps,
        workers=workers,
        progress=sys.stderr.isatty(),
    )
    text = format_table(result)
    header = (
        f"Compared {len(scenarios)} scenarios on {replicates} common seeds (master seed {args.seed}); "
        "mean [95% interval], and the paired difference from the first"
    )
    print(header)
    print(text)
    with one_set():  # the files of one comparison, or the previous one's, never a mix
        write_parquet(result.table, out / "compare.parquet")
        write_text(result.table.to_csv(index=False), out / "compare.csv")
        write_parquet(result.runs, out / "runs.parquet")
        write_text(header + "\n" + text + "\n", out / "compare.txt")
        write_json(
            {
                "seeds": result.seeds,
                "master_seed": args.seed,
                "replicates": replicates,
                "break_even_week": result.break_even,
                "scenarios": [provenance(s, None, args.steps or s.config.simulation.steps) for s in scenarios],
            },
            out / "compare.json",
        )
    print(f"\nWrote {out}/compare.csv, compare.parquet, runs.parquet, compare.txt and compare.json")
    return 0


def _check_compare_options(args: argparse.Namespace) -> None:
    """Refuse options that belong to the other kind of comparison, before anything runs."""
    if args.uncertainty == "full":
        if args.replicates is not None:
            raise ConfigError(
                f"--replicates {args.replicates}: with --uncertainty full each draw runs on its own seed; "
                "give --draws instead"
            )
        return
    for flag, given in (("--draws", args.draws), ("--assumptions", args.assumptions)):
        if given is not None:
            raise ConfigError(f"{flag}: only used with --uncertainty full")
    if args.engine == "dask":
        raise ConfigError("--engine dask: only used with --uncertainty full (a seeds-only comparison runs here)")


def compare_full_command(args: argparse.Namespace, scenarios: list[Any], pinned: list[str]) -> int:
    """``coprod-sim compare --uncertainty full``: verdicts as probabilities over parameter draws."""
    from coprod_sim.drivers import DRIVERS_METHOD, write_drivers
    from coprod_sim.io import check_writable, one_set, write_json, write_parquet, write_text
    from coprod_sim.uncertainty import (
        DEFAULT_DRAWS,
        choose_cards,
        choose_posterior,
        compare_full,
        draws,
        format_verdicts,
        plan_draws,
    )

    n = args.draws or DEFAULT_DRAWS
    cards, notes = choose_cards(scenarios, args.assumptions, pinned)
    posterior, post_notes = choose_posterior(scenarios, pinned)
    notes += post_notes
    drawn = draws(n, args.seed, cards, posterior)
    plan_draws(scenarios, drawn, args.steps)  # every draw checked with every scenario before any run
    out = check_writable(args.out)
    header = (
        f"Compared {len(scenarios)} scenarios on {n} draws (master seed {args.seed}): each draw is one set of "
        f"parameters on one seed, the same in every scenario; {drawn.source}"
    )
    print(header, flush=True)
    bar = _bar(n, "draws")
    try:
        with _executor(args, n) as (executor, engine_workers):
            result = compare_full(
                scenarios,
                drawn,
                steps=args.steps,
                executor=executor,
                workers=engine_workers or (lambda: min(args.workers, n)),
                on_draw=(lambda done, _total: bar.update(done - bar.n)) if bar else None,
            )
    finally:
        if bar is not None:
            bar.close()
    text = "\n".join([*(f"Not drawn: {x}" for x in notes), format_verdicts(result), "", _full_footer(n, result)])
    print(text)
    with one_set():  # the files of one comparison, or the previous one's, never a mix
        write_text(result.verdicts.to_csv(index=False), out / "verdicts.csv")
        write_text(result.payback.to_csv(index=False), out / "payback.csv")
        write_text(drawn.table().to_csv(index=False), out / "draws.csv")
        drivers_alt = write_drivers(result.drivers, result.names, out)
        write_parquet(result.runs, out / "runs.parquet")
        write_text(header + "\n" + text + "\n", out / "verdicts.txt")
        write_json(
            {
                "uncertainty": "full",
                "master_seed": args.seed,
                "draws": n,
                "parameters": drawn.source,
                "cards": {p: c.describe() + f" [{c.origin}]" for p, c in cards.cards.items()},
                "not_drawn": notes,
                "posterior": _posterior_provenance() if posterior is not None else None,
                "horizon_weeks": result.horizon,
                "drivers": DRIVERS_METHOD,
                "drivers_png_text": drivers_alt,  # the chart's text alternative, for a reader who cannot see it
                "scenarios": [provenance(s, None, args.steps or s.config.simulation.steps) for s in scenarios],
            },
            out / "compare.json",
        )
    print(
        f"\nWrote {out}/verdicts.csv, payback.csv, drivers.csv, drivers.png, draws.csv, runs.parquet, verdicts.txt "
        "and compare.json"
    )
    return 0


def _posterior_provenance() -> dict[str, Any]:
    """Where the shipped posterior came from (a comparison's record of what it drew)."""
    from coprod_sim.validation.posterior import POSTERIOR_FILE, provenance

    p = provenance()
    keys = ("git_describe", "date", "calibration_sha256", "seed", "draws", "model_runs")
    return {"file": POSTERIOR_FILE.name, **{k: p.get(k) for k in keys}}


def _bar(total: int, unit: str) -> Any:
    """Return a progress bar with its ETA on stderr when it is a terminal (as a sweep shows), else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=unit, unit=unit[:-1], delay=1.0)


def _full_footer(n: int, result: Any) -> str:
    """How to read a probability verdict, with the Monte Carlo error of these draws."""
    ref = result.names[0]
    return (
        f"Better (or worse) in k of {n} draws: in how many draws the scenario did better (worse) than {ref} on "
        f"that outcome, ties counted half. With {n} draws such a share is known to within about "
        f"{100 * 0.5 / n**0.5:.0f} percentage points (one standard error, at most). Median and 90% interval: of the "
        "differences from the first scenario, draw by draw, in the units of compare's table. Depends mostly on: "
        "the drawn assumptions whose values go most closely with the difference, draw by draw (rank "
        "correlation), named only when they stand out from what an unrelated assumption reaches by chance in 95 of "
        "100 shuffles of the draws; drivers.csv lists them all and drivers.png draws the strongest."
    )


def _note_timeline(scenarios: list[Any], overrides: dict[str, Any]) -> None:
    """Say on stderr when ``--set`` sets a lever that a scenario's timeline changes later.

    The value set holds until the timeline's first change of it; a reader who meant "throughout"
    would otherwise see no sign that the timeline took over.
    """
    for sc in scenarios:
        for key in overrides:
            weeks = sorted({e.step for e in sc.config.timeline if e.lever == key})
            if weeks:
                when = ", ".join(str(w) for w in weeks[:5]) + (" ..." if len(weeks) > 5 else "")
                print(
                    f"coprod-sim: note: --set {key} holds in {sc.name} until week {weeks[0]}: its timeline "
                    f"changes {key} at week {when}",
                    file=sys.stderr,
                )


def _overrides(items: list[str]) -> dict[str, Any]:
    from coprod_sim.scenarios import parse_override

    return dict(parse_override(s) for s in items)


def sweep_command(args: argparse.Namespace) -> int:
    """``coprod-sim sweep``: run an experiment into a resumable Parquet dataset."""
    from coprod_sim.io import check_writable
    from coprod_sim.sweep.design import load_experiment
    from coprod_sim.sweep.runner import sweep

    exp = load_experiment(args.experiment)
    out = check_writable(args.out or Path("results") / exp.name)
    n_runs = len(exp.points()) * exp.replicates
    print(
        f"Sweep {exp.name}: {len(exp.points())} design points x {exp.replicates} replicates = {n_runs} runs "
        f"of {exp.steps} weeks, {args.workers} worker(s), into {out}"
    )
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=n_runs, desc="runs", unit="run", delay=1.0)

    def progress(done: int, failed: int) -> None:
        if bar is not None:
            bar.n = done
            bar.set_postfix(failed=failed)
            bar.refresh()

    try:
        with _executor(args, n_runs) as (executor, workers):
            report = sweep(
                exp,
                out,
                executor=executor,
                resume=args.resume,
                chunk_size=args.chunk_size,
                progress=progress,
                workers=workers,
            )
    finally:
        if bar is not None:
            bar.close()
    print(
        f"Done: {report.runs} runs in {report.chunks} chunk files ({report.chunks_run} run now, "
        f"{report.chunks - report.chunks_run} already there); {len(report.failed)} failed."
    )
    for f in report.failed[:10]:
        print(f"  failed: point {f['point']} replicate {f['replicate']} seed {f['seed']}: {f['error']}")
    print(f"Results: {out}/runs/*.parquet; design, seeds and status: {out}/manifest.json")
    return 0


@contextlib.contextmanager
def _executor(args: argparse.Namespace, n_runs: int) -> Iterator[tuple[Any, Any]]:
    """Yield the executor the options ask for (and how to ask its size); shut it down after."""
    from coprod_sim.sweep.runner import DaskEngine, local_executor

    n = max(1, min(args.workers, n_runs))
    engine = DaskEngine(args.scheduler, workers=n) if args.engine == "dask" else None
    executor = engine.executor if engine else local_executor(n)
    try:
        yield executor, (engine.workers if engine else None)
    finally:
        if engine is not None:
            engine.close()
        elif executor is not None:
            executor.shutdown(cancel_futures=True)


def validate_command(args: argparse.Namespace) -> int:
    """``coprod-sim validate``: check the model against published patterns (exit 1 unless every pattern passes)."""
    from coprod_sim.io import check_writable
    from coprod_sim.validation.patterns import load_patterns, load_validation_experiment, validate
    from coprod_sim.validation.report import format_table, write_report

    patterns = load_patterns(args.patterns)
    names = list(dict.fromkeys(p.experiment for p in patterns))
    exps = [load_validation_experiment(n, args.replicates) for n in names]
    draws = _posterior_draws(args.posterior)
    check_writable(args.out)
    n_runs = sum(len(e.points()) * e.replicates for e in exps)
    if draws is not None:
        n_runs *= 1 + len(draws)
    print(
        f"Validation: {len(patterns)} patterns from {len(exps)} experiments, {n_runs} runs, "
        f"{args.workers} worker(s), into {args.out}",
        flush=True,
    )
    if draws is not None:
        print(
            f"Posterior predictive: every experiment also at each of {len(draws)} posterior draws, on the same "
            "seeds; a pattern passes only if its band also holds the central 90% of its values over the draws",
            flush=True,
        )

    def progress(name: str, done: int, failed: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {name}: {done} runs done, {failed} failed   ", end="", file=sys.stderr, flush=True)

    with _executor(args, n_runs) as (executor, _):
        verdicts = validate(
            args.out,
            replicates=args.replicates,
            patterns=patterns,
            executor=executor,
            resume=args.resume,
            progress=progress,
            posterior=draws,
        )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(format_table(verdicts))
    report = write_report(verdicts, args.out)
    print(f"Table: {args.out}/validation.csv (.md, .json); figure: {args.out}/patterns.png; report: {report}")
    return 0 if all(v.passed for v in verdicts) else 1


def _posterior_draws(k: int | None) -> Any:
    """Return the first ``k`` draws of the shipped posterior (they are in random order), or None without ``k``."""
    if not k:
        return None
    from coprod_sim.validation.posterior import POSTERIOR_FILE, load_posterior

    draws = load_posterior()
    if draws is None:
        raise ConfigError(f"--posterior {k}: there is no posterior ({POSTERIOR_FILE}); run coprod-sim calibrate")
    if k > len(draws):
        raise ConfigError(f"--posterior {k}: the posterior has {len(draws)} draws; allowed is at most that")
    return draws.iloc[:k].reset_index(drop=True)


def calibrate_command(args: argparse.Namespace) -> int:
    """``coprod-sim calibrate``: a posterior of the calibrated parameters from published targets."""
    from coprod_sim.io import check_writable
    from coprod_sim.validation.calibrate import calibrate, describe, load_calibration

    spec = load_calibration(args.spec)
    check_writable(args.out)
    n_runs = spec.samples * spec.replicates
    print(
        f"Calibration of {len(spec.parameters)} parameters to {len(spec.targets)} targets: {spec.waves} waves of "
        f"{spec.samples} points x {spec.replicates} seeds, then ABC on emulators and {spec.confirm_draws} posterior "
        f"draws x {spec.confirm_replicates} seeds to confirm; {args.workers} worker(s), into {args.out}",
        flush=True,
    )
    start = time.monotonic()
    with _executor(args, n_runs) as (executor, _):
        result = calibrate(
            args.out, spec, executor=executor, resume=args.resume, progress=lambda m: print(f"  {m}", flush=True)
        )
    print(describe(result))
    print(f"Took {(time.monotonic() - start) / 60:.1f} minutes.")
    print(
        f"Draws: {args.out}/posterior.csv with provenance {args.out}/posterior.json; figure {args.out}/posterior.png; "
        f"medians {args.out}/calibrated.toml; every point {args.out}/points.csv; confirmation {args.out}/confirmed.csv"
    )
    return 0


def analyze_command(args: argparse.Namespace) -> int:
    """``coprod-sim analyze``: print a finished sweep's lever effects and indices; write its report.

    With ``--target``, also scenario discovery (:mod:`coprod_sim.sweep.discovery`), found before
    anything is printed or written, so that a target it cannot use leaves no half-made report.
    """
    from coprod_sim.io import check_writable
    from coprod_sim.sweep.analysis import analyze, format_text, write_report

    out = args.out or args.folder / "analysis"
    runs = (args.folder / "runs").resolve()
    if out.resolve() == runs or runs in out.resolve().parents:  # its files would be taken for chunks
        raise ConfigError(f"--out {out}: inside the sweep's own runs folder; allowed is any other folder")
    if (args.folder / "manifest.json").is_file():  # else analyze says what is wrong with the folder
        check_writable(out)
    a = analyze(args.folder)
    found = None
    if args.target is not None:
        from coprod_sim.sweep import discovery

        levers = [f["path"] for f in a.manifest["experiment"]["factors"]]
        found = discovery.discover(a.runs, levers, args.target)
    print(format_text(a))
    sections = []
    if found is not None:
        print("\n" + discovery.format_discovery(found, a.runs))
        sections.append(discovery.write_discovery(found, a.runs, out))
    report = write_report(a, out, sections)
    tables = "effects.csv, means.csv" + (", indices.csv" if a.indices is not None else "")
    tables += ", boxes.csv, trajectory.csv" if found is not None else ""
    print(f"\nWrote {tables}, plots/*.png and {report}")
    return 0


def assets_command(args: argparse.Namespace) -> int:
    """``coprod-sim assets install|check``: the dashboard's front-end files on this machine."""
    from coprod_sim.dashboard import assets

    target = assets.default_target()
    packages = _asset_packages(args.axe)
    if args.assets_command == "check":
        missing = assets.check(target, packages)
        for pkg in packages:
            print(f"  {pkg!s:<46} {'MISSING' if pkg in missing else 'ok'}")
        if missing:
            print(f"{len(missing)} of {len(packages)} missing from {target}; run 'coprod-sim assets install'")
            return 1
        print(f"All {len(packages)} present in {target}")
        return 0
    print(f"Front-end files for the dashboard, from the npm registry into {target}")
    done = assets.install(target, progress=lambda line: print(line, flush=True), packages=packages)
    print(f"Done: {len(done)} installed, {len(packages) - len(done)} already there. The dashboard now works offline.")
    return 0


def _asset_packages(axe: bool) -> list[Any]:
    from coprod_sim.dashboard import assets

    return [*assets.required_packages(), *([assets.Package.parse(assets.AXE_CORE)] if axe else [])]


def cards_command(args: argparse.Namespace) -> int:
    """``coprod-sim cards check FILE`` and ``coprod-sim cards list [FILE]``: assumption cards."""
    from coprod_sim.cards import default_cards, format_cards, load_cards, merge_cards

    defaults = default_cards()
    if args.cards_command == "check":
        mine = load_cards(args.file)
        merge_cards(defaults, mine)  # checks that its ranges fit with the default cards it keeps
        ranged = len(mine.ranged())
        replaced = sorted(set(mine.cards) & set(defaults.cards))
        n = len(mine.cards)
        print(
            f"{args.file}: {n} card{'s' if n != 1 else ''}, "
            f"valid ({ranged} range{'s' if ranged != 1 else ''}, {n - ranged} fixed); "
            f"they replace {len(replaced)} of the {len(defaults.cards)} default cards"
            + (f" ({', '.join(replaced)})" if replaced else "")
        )
        return 0
    merged = merge_cards(defaults, load_cards(args.file)) if args.file else defaults
    print(format_cards(merged))
    return 0
