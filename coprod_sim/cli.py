"""The ``coprod-sim`` command: run, compare and list scenarios.

Every input error prints one line naming the file, key path, value and what is allowed, and
exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

from coprod_sim import __version__
from coprod_sim.config import ConfigError
from coprod_sim.model import LEVELS

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line and status 2, like every other input error
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed is a whole number, 0 or more")
    return v


def _pos_int(text: str) -> int:
    v = _nonneg_int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed is a whole number, 1 or more")
    return v


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (also used to document the commands)."""
    p = _Parser(prog="coprod-sim", description="Simulate co-production with disabled people in organisations.")
    p.add_argument("--version", action="version", version=f"coprod-sim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    r = sub.add_parser("run", help="run one scenario and write its results")
    r.add_argument("scenario", help="a scenario .toml file or a shipped scenario name (see 'scenarios')")
    r.add_argument("--steps", type=_pos_int, help="weeks to simulate (default: the scenario's, 520 = 10 years)")
    r.add_argument("--seed", type=_nonneg_int, default=1, help="seed of all randomness (default 1)")
    r.add_argument("--out", type=Path, default=Path("results/run"), help="output folder (default results/run)")
    r.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a parameter, e.g. --set organisation.people=10000 (repeatable)",
    )

    c = sub.add_parser("compare", help="compare scenarios side by side on common random numbers")
    c.add_argument("scenarios", nargs="*", help="scenario files or names (default: every shipped scenario)")
    c.add_argument("--replicates", type=_pos_int, default=5, help="seeds per scenario (default 5)")
    c.add_argument("--seed", type=_nonneg_int, default=1, help="master seed of the replicate seeds (default 1)")
    c.add_argument("--steps", type=_pos_int, help="weeks to simulate (default: each scenario's)")
    c.add_argument(
        "--workers",
        type=_pos_int,
        default=os.cpu_count() or 1,
        help="parallel processes (default: all cores); results do not depend on it",
    )
    c.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY.PATH=VALUE",
        help="override a parameter in every scenario (repeatable)",
    )
    c.add_argument("--out", type=Path, default=Path("results/compare"), help="output folder (default results/compare)")

    w = sub.add_parser("sweep", help="run an experiment (a parameter sweep) into a resumable Parquet dataset")
    w.add_argument("experiment", help="an experiment .toml file or a shipped experiment name")
    w.add_argument("--out", type=Path, help="output folder (default results/<experiment name>)")
    w.add_argument(
        "--workers",
        type=_pos_int,
        default=os.cpu_count() or 1,
        help="parallel processes (default: all cores); results do not depend on it",
    )
    w.add_argument("--resume", action="store_true", help="finish an interrupted sweep in --out")
    w.add_argument(
        "--chunk-size",
        type=_pos_int,
        metavar="RUNS",
        help="runs per chunk file (default: the replicates, at least 8; a resumed sweep keeps its own); "
        "results do not depend on it",
    )
    w.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="local processes (default) or dask.distributed"
    )
    w.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: an existing scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )

    an = sub.add_parser("analyze", help="lever effects, sensitivity indices and plots of a finished sweep")
    an.add_argument("folder", type=Path, help="a sweep output folder (with manifest.json)")
    an.add_argument("--out", type=Path, help="where to write tables, plots and report.html (default FOLDER/analysis)")

    sub.add_parser("scenarios", help="list the shipped scenarios")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "compare":
            return _cmd_compare(args)
        if args.command == "sweep":
            return _cmd_sweep(args)
        if args.command == "analyze":
            return _cmd_analyze(args)
        return _cmd_scenarios()
    except ConfigError as exc:
        print(f"coprod-sim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("coprod-sim: interrupted; files already written are complete, nothing half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into `head`: the reader left, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        print(f"coprod-sim: error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2


def _overrides(items: list[str]) -> dict[str, Any]:
    from coprod_sim.scenarios import parse_override

    return dict(parse_override(s) for s in items)


def _cmd_scenarios() -> int:
    from coprod_sim.scenarios import load_scenario, shipped_scenarios

    for path in shipped_scenarios():
        sc = load_scenario(path)
        first = sc.description.split(". ")[0].rstrip(".")
        print(f"{path.stem:<22} {first}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from coprod_sim.io import write_json, write_parquet
    from coprod_sim.run import simulate
    from coprod_sim.scenarios import load_scenario

    sc = load_scenario(args.scenario).with_overrides(_overrides(args.overrides))
    steps = args.steps or sc.config.simulation.steps
    res = simulate(sc.config, args.seed, steps, progress=sys.stderr.isatty())
    out: Path = args.out
    write_parquet(res.timeseries, out / "timeseries.parquet")
    write_parquet(res.people, out / "people.parquet")
    write_json(_provenance(sc, res.seed, steps, res.init_seconds, res.step_seconds), out / "run.json")
    print(_run_summary(sc, res, steps))
    print(f"\nWrote {out / 'timeseries.parquet'}, {out / 'people.parquet'} and {out / 'run.json'}")
    return 0


def _provenance(
    sc: Any, seed: int, steps: int, init_s: float | None = None, step_s: float | None = None
) -> dict[str, Any]:
    import mesa

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


def _run_summary(sc: Any, res: Any, steps: int) -> str:
    ts = res.timeseries
    body = ts.iloc[1:]
    last = ts.iloc[-1]
    years = steps / 52
    lines = [
        f"Scenario: {sc.name} (seed {res.seed}, {steps} weeks = {years:.1f} years, {int(last['n_people'])} people)",
        f"  {sc.description.splitlines()[0]}",
        "",
    ]

    quarter = body.iloc[-13:]

    def row(label: str, col: str) -> str:
        return f"  {label:<44} {_fmt(quarter[col].mean()):>10} {_fmt(body[col].mean()):>12}"

    lines.append(f"  {'Outcome':<44} {'last 13 wk':>10} {'all weeks':>12}")
    lines += [
        row("Participation of disabled workers", "participation_rate"),
        row("Influence share when they take part", "influence_share"),
        row("Tokenism rate", "tokenism_rate"),
        row("Fit of services to real needs", "fit"),
        "",
        f"  {'By group':<44} {'disabled':>10} {'non-disabled':>12}",
        f"  {'Wellbeing (end)':<44} {last['wellbeing_disabled']:>10.3f} {last['wellbeing_nondisabled']:>12.3f}",
        f"  {'Burnout share (mean)':<44} {body['burnout_disabled'].mean():>10.3f} "
        f"{body['burnout_nondisabled'].mean():>12.3f}",
        f"  {'Leavers per year':<44} {body['exits_disabled'].sum() / years:>10.1f} "
        f"{body['exits_nondisabled'].sum() / years:>12.1f}",
        f"  {'Career grade (end)':<44} {last['grade_disabled']:>10.2f} {last['grade_nondisabled']:>12.2f}",
        "",
        f"  Share of people who are disabled (all roles): {ts['share_disabled'].iloc[0]:.3f} at the start, "
        f"{last['share_disabled']:.3f} at the end",
        f"  Attitude (0 medical, 1 social model): {ts['attitude_mean'].iloc[0]:.3f} -> {last['attitude_mean']:.3f}",
    ]
    counts = ts["level"].iloc[1:].value_counts()
    reached = max(ts["level"], key=LEVELS.index)
    lines.append(
        f"  Co-production level: {last['level']} at the end; highest reached: {reached}; "
        + ", ".join(f"{lv} {counts.get(lv, 0)} wk" for lv in LEVELS if counts.get(lv, 0))
    )
    total = body["cost"].sum()
    parts = {k[5:]: body[k].sum() for k in ts.columns if k.startswith("cost_") and k != "cost_cumulative"}
    lines.append(
        f"  Cost: {total:,.0f} in all, {total / years:,.0f} a year; "
        + ", ".join(f"{k} {v:,.0f}" for k, v in sorted(parts.items(), key=lambda kv: -kv[1]) if v)
    )
    return "\n".join(lines)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from coprod_sim.sweep.design import load_experiment
    from coprod_sim.sweep.runner import DaskEngine, local_executor, sweep

    exp = load_experiment(args.experiment)
    out: Path = args.out or Path("results") / exp.name
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

    if args.scheduler and args.engine != "dask":
        raise ConfigError(f"--scheduler {args.scheduler}: only used with --engine dask")
    engine = DaskEngine(args.scheduler, workers=min(args.workers, n_runs)) if args.engine == "dask" else None
    executor = engine.executor if engine else local_executor(min(args.workers, n_runs))
    try:
        report = sweep(
            exp,
            out,
            executor=executor,
            resume=args.resume,
            chunk_size=args.chunk_size,
            progress=progress,
            workers=engine.workers if engine else None,
        )
    finally:
        if engine is not None:
            engine.close()
        elif executor is not None:
            executor.shutdown(cancel_futures=True)
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


def _cmd_analyze(args: argparse.Namespace) -> int:
    from coprod_sim.sweep.analysis import OUTCOMES, analyze, write_report

    a = analyze(args.folder)
    exp = a.manifest["experiment"]
    print(f"Sweep {exp['name']}: {len(a.runs)} finished runs ({exp['method']} design)")
    if not a.effects.empty:
        print("\nLever effects: change from the lowest to the highest value [95% interval]")
        for outcome, g in a.effects.groupby("outcome", sort=False):
            print(f"  {OUTCOMES[outcome]}")
            for _, r in g.iterrows():
                print(f"    {r['factor']:<32} {r['effect']:+10.4g} [{r['lo']:+.4g}, {r['hi']:+.4g}]")
    if a.indices is not None and not a.indices.empty:
        cols = ["S1", "ST"] if "S1" in a.indices else ["mu_star", "sigma"]
        print("\nSensitivity indices (" + ", ".join(cols) + ")")
        for outcome, g in a.indices.groupby("outcome", sort=False):
            print(f"  {OUTCOMES[outcome]}")
            for _, r in g.iterrows():
                print(f"    {r['factor']:<32} " + "  ".join(f"{c} {r[c]:.3f}" for c in cols))
    report = write_report(a, args.out or args.folder / "analysis")
    print(f"\nWrote effects.csv, means.csv{', indices.csv' if a.indices is not None else ''}, plots/*.png and {report}")
    return 0


def _fmt(x: float) -> str:
    return "n/a" if x != x else f"{x:.3f}"  # NaN: nobody took part, so the rate is undefined


def _cmd_compare(args: argparse.Namespace) -> int:
    from coprod_sim.compare import compare, format_table
    from coprod_sim.io import write_json, write_parquet, write_text
    from coprod_sim.scenarios import load_scenario, shipped_scenarios

    refs = args.scenarios or [str(p) for p in shipped_scenarios()]
    overrides = _overrides(args.overrides)
    scenarios = [load_scenario(r).with_overrides(overrides) for r in refs]
    workers = min(args.workers, len(scenarios) * args.replicates)
    result = compare(
        scenarios,
        replicates=args.replicates,
        seed=args.seed,
        steps=args.steps,
        workers=workers,
        progress=sys.stderr.isatty(),
    )
    out: Path = args.out
    text = format_table(result)
    header = (
        f"Compared {len(scenarios)} scenarios on {args.replicates} common seeds (master seed {args.seed}); "
        "mean [95% interval], and the paired difference from the first"
    )
    print(header)
    print(text)
    write_parquet(result.table, out / "compare.parquet")
    write_text(result.table.to_csv(index=False), out / "compare.csv")
    write_parquet(result.runs, out / "runs.parquet")
    write_text(header + "\n" + text + "\n", out / "compare.txt")
    write_json(
        {
            "seeds": result.seeds,
            "master_seed": args.seed,
            "replicates": args.replicates,
            "break_even_week": result.break_even,
            "scenarios": [_provenance(s, None, args.steps or s.config.simulation.steps) for s in scenarios],
        },
        out / "compare.json",
    )
    print(f"\nWrote {out}/compare.csv, compare.parquet, runs.parquet, compare.txt and compare.json")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
