"""The ``coprod-sim`` command: run, compare and list scenarios, sweep, and serve the dashboard.

Every input error prints one line naming the file, key path, value and what is allowed, and
exits with status 2; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from coprod_sim import __version__
from coprod_sim.config import ConfigError
from coprod_sim.dashboard.assets import AssetsError

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


def _port(text: str) -> int:
    v = _pos_int(text)
    if v > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: allowed is a port number from 1 to 65535")
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
    _workers_argument(w)
    w.add_argument("--resume", action="store_true", help="finish an interrupted sweep in --out")
    w.add_argument(
        "--chunk-size",
        type=_pos_int,
        metavar="RUNS",
        help="runs per chunk file (default: the replicates, at least 8; a resumed sweep keeps its own); "
        "results do not depend on it",
    )
    _engine_arguments(w, workers=False)

    v = sub.add_parser("validate", help="run the validation experiments and check the model against published patterns")
    v.add_argument("--replicates", type=_pos_int, help="seeds per experiment (default: each experiment's, 10)")
    v.add_argument(
        "--out", type=Path, default=Path("results/validation"), help="output folder (default results/validation)"
    )
    v.add_argument("--patterns", type=Path, help="a patterns file (default: experiments/validation/patterns.toml)")
    v.add_argument("--resume", action="store_true", help="finish an interrupted validation in --out")
    _engine_arguments(v)

    cb = sub.add_parser("calibrate", help="fit the free parameters to published targets (experiments/calibration/)")
    cb.add_argument("--spec", type=Path, help="a calibration file (default: experiments/calibration/calibration.toml)")
    cb.add_argument(
        "--out", type=Path, default=Path("results/calibration"), help="output folder (default results/calibration)"
    )
    cb.add_argument("--resume", action="store_true", help="finish an interrupted calibration in --out")
    _engine_arguments(cb)

    an = sub.add_parser("analyze", help="lever effects, sensitivity indices and plots of a finished sweep")
    an.add_argument("folder", type=Path, help="a sweep output folder (with manifest.json)")
    an.add_argument("--out", type=Path, help="where to write tables, plots and report.html (default FOLDER/analysis)")

    sub.add_parser("scenarios", help="list the shipped scenarios")

    d = sub.add_parser(
        "dashboard", help="serve the dashboard to your web browser (run 'coprod-sim assets install' once first)"
    )
    d.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 lets other machines in)",
    )
    d.add_argument("--port", type=_port, default=8765, help="port to listen on (default 8765)")
    d.add_argument("--open", action="store_true", help="open the dashboard in the default web browser")

    a = sub.add_parser("assets", help="the dashboard's front-end files, kept on this machine so it works offline")
    asub = a.add_subparsers(dest="assets_command", required=True, parser_class=_Parser)
    ai = asub.add_parser("install", help="download what is missing, once, from the npm registry")
    ai.add_argument("--axe", action="store_true", help="also axe-core, for the accessibility tests")
    ac = asub.add_parser("check", help="list what is missing (exit status 1 if anything is)")
    ac.add_argument("--axe", action="store_true", help="also check axe-core, for the accessibility tests")
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
        if args.command == "validate":
            return _cmd_validate(args)
        if args.command == "calibrate":
            return _cmd_calibrate(args)
        if args.command == "dashboard":
            return _cmd_dashboard(args)
        if args.command == "assets":
            return _cmd_assets(args)
        return _cmd_scenarios()
    except (ConfigError, AssetsError) as exc:
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


def _cmd_sweep(args: argparse.Namespace) -> int:
    from coprod_sim.sweep.design import load_experiment
    from coprod_sim.sweep.runner import sweep

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


def _workers_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--workers",
        type=_pos_int,
        default=os.cpu_count() or 1,
        help="parallel processes (default: all cores); results do not depend on it",
    )


def _engine_arguments(p: argparse.ArgumentParser, *, workers: bool = True) -> None:
    """--workers, --engine and --scheduler: where the runs of a sweep go."""
    if workers:
        _workers_argument(p)
    p.add_argument(
        "--engine", choices=("local", "dask"), default="local", help="local processes (default) or dask.distributed"
    )
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --engine dask: an existing scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)",
    )


@contextlib.contextmanager
def _executor(args: argparse.Namespace, n_runs: int) -> Iterator[tuple[Any, Any]]:
    """Yield the executor the options ask for (and how to ask its size); shut it down after."""
    from coprod_sim.sweep.runner import DaskEngine, local_executor

    if args.scheduler and args.engine != "dask":
        raise ConfigError(f"--scheduler {args.scheduler}: only used with --engine dask")
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


def _cmd_validate(args: argparse.Namespace) -> int:
    from coprod_sim.validation.patterns import load_patterns, load_validation_experiment, validate
    from coprod_sim.validation.report import format_table, write_report

    patterns = load_patterns(args.patterns)
    names = list(dict.fromkeys(p.experiment for p in patterns))
    exps = [load_validation_experiment(n, args.replicates) for n in names]
    n_runs = sum(len(e.points()) * e.replicates for e in exps)
    print(
        f"Validation: {len(patterns)} patterns from {len(exps)} experiments, {n_runs} runs, "
        f"{args.workers} worker(s), into {args.out}",
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
        )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(format_table(verdicts))
    report = write_report(verdicts, args.out)
    print(f"Table: {args.out}/validation.csv (.md, .json); figure: {args.out}/patterns.png; report: {report}")
    return 0 if all(v.passed for v in verdicts) else 1


def _cmd_calibrate(args: argparse.Namespace) -> int:
    from coprod_sim.validation.calibrate import calibrate, describe, load_calibration

    spec = load_calibration(args.spec)
    n_runs = spec.samples * spec.replicates
    print(
        f"Calibration of {len(spec.parameters)} parameters to {len(spec.targets)} targets: {spec.rounds} rounds of "
        f"{spec.samples} points x {spec.replicates} seeds, {args.workers} worker(s), into {args.out}",
        flush=True,
    )
    with _executor(args, n_runs) as (executor, _):
        result = calibrate(
            args.out, spec, executor=executor, resume=args.resume, progress=lambda m: print(f"  {m}", flush=True)
        )
    print(describe(result))
    print(f"Values: {args.out}/calibrated.toml; every point: {args.out}/points.csv; all: {args.out}/calibration.json")
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    from coprod_sim.outputs import label
    from coprod_sim.sweep.analysis import analyze, write_report

    a = analyze(args.folder)
    exp = a.manifest["experiment"]
    print(f"Sweep {exp['name']}: {len(a.runs)} finished runs ({exp['method']} design)")
    if not a.effects.empty:
        print("\nLever effects: change from the lowest to the highest value [95% interval]")
        for outcome, g in a.effects.groupby("outcome", sort=False):
            print(f"  {label(outcome)}")
            for _, r in g.iterrows():
                print(f"    {r['factor']:<32} {r['effect']:+10.4g} [{r['lo']:+.4g}, {r['hi']:+.4g}]")
    if a.indices is not None and not a.indices.empty:
        cols = ["S1", "ST"] if "S1" in a.indices else ["mu_star", "sigma"]
        print("\nSensitivity indices (" + ", ".join(cols) + ")")
        for outcome, g in a.indices.groupby("outcome", sort=False):
            print(f"  {label(outcome)}")
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


def _asset_packages(axe: bool) -> list[Any]:
    from coprod_sim.dashboard import assets

    return [*assets.required_packages(), *([assets.Package.parse(assets.AXE_CORE)] if axe else [])]


def _cmd_assets(args: argparse.Namespace) -> int:
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


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_port(host: str, port: int) -> None:
    """Fail with one line now, rather than in the server's log, when the address cannot be used."""
    import socket

    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"--host {host}: not an address of this machine ({exc.strerror})") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            raise ConfigError(
                f"cannot listen on {host} port {port} ({exc.strerror}); is the dashboard already running? "
                "Choose another port with --port"
            ) from None


def _cmd_dashboard(args: argparse.Namespace) -> int:
    import contextlib
    import threading
    import warnings
    import webbrowser

    host, port = args.host, args.port
    # Before Solara is imported (its settings read these once): our app, production mode, the page's
    # JavaScript and CSS from this machine (the CDN proxy and its cache), no usage reports sent out.
    os.environ["SOLARA_APP"] = "coprod_sim.dashboard.app:Page"
    os.environ["SOLARA_MODE"] = "production"
    os.environ["SOLARA_ASSETS_PROXY"] = "true"
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_THEME_SHOW_BANNER"] = "false"  # "This website runs on Solara", a link off this machine
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = host, str(port)
    # Solara gzips each front-end file (4 MB) at level 9 when a fresh server first sends it, about
    # 0.2 s of CPU while the first page waits; bytes cost nothing over loopback, so compress only
    # for other machines (unless told otherwise, e.g. behind a proxy that compresses).
    os.environ.setdefault("SOLARA_SERVER_HTTP_GZIP", "false" if _is_loopback(host) else "true")

    from coprod_sim.dashboard import assets

    missing = assets.check(thorough=False)  # the full check takes a second; 'assets check' does it
    if missing:
        raise AssetsError(
            f"the dashboard's front-end files are missing ({', '.join(map(str, missing[:3]))}"
            f"{', ...' if len(missing) > 3 else ''} in {assets.default_target()}); run 'coprod-sim assets install' "
            "once (it needs the npm registry), then start the dashboard again"
        )
    if not _is_loopback(host):
        print(
            f"coprod-sim: warning: listening on {host}: anyone who can reach this machine on port {port} "
            "can use the dashboard (it has no login)",
            file=sys.stderr,
        )
    _check_port(host, port)

    import solara.server.settings
    import solara.settings
    import uvicorn

    # Solara warns, on the first page load over plain http from an address other than "localhost", that its
    # session cookie falls back to SameSite=Lax; that only matters when the page is embedded in another site.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    solara.settings.assets.proxy = True  # also when Solara was imported before (tests, notebooks)
    solara.server.settings.main.mode = "production"
    solara.server.settings.telemetry.mixpanel_enable = False
    solara.server.settings.theme.show_banner = False
    server = uvicorn.Server(
        uvicorn.Config(
            "solara.server.starlette:app",
            host=host,
            port=port,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=3,
        )
    )
    shown = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)  # all addresses: this machine's is one
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"

    def when_listening() -> None:
        """Import the model while the first browser loads the page's scripts; then open the browser if asked."""
        while not server.started and not server.should_exit:
            time.sleep(0.02)
        if not server.started:
            return
        from coprod_sim.dashboard import app

        app.preload_model()
        if args.open:
            webbrowser.open(url)

    threading.Thread(target=when_listening, name="coprod-sim-listening", daemon=True).start()
    print(f"coprod-sim dashboard: {url} (press Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops on Ctrl-C, then raises it again for us
        server.run()
    if not server.started:
        print(f"coprod-sim: error: the dashboard server did not start on {host} port {port}", file=sys.stderr)
        return 1
    print("coprod-sim: dashboard stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
