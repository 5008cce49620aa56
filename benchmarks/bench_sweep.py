"""Sweep throughput benchmark: runs per second of one experiment, locally and on Dask.

Run from the repository root::

    python benchmarks/bench_sweep.py              # 3 rounds, about 4 minutes on 2 cores
    python benchmarks/bench_sweep.py --full       # and 2,000 runs on 2 local workers (about 10 minutes more)
    python benchmarks/bench_sweep.py --repeats 1  # one round only (about 1 minute)

One experiment is written to a temporary folder: the ``baseline`` scenario for 10 simulated
years (520 weekly steps), a grid over ``power.transfer`` (8 points x 6 replicates = 48 runs, in
the sweep's default chunks of 8 runs, so 3 chunks per worker at 2 workers), summaries kept. It is
swept into a fresh output folder each time, with

* (a) 1 local worker: ``executor=None``, the runs execute in this process;
* (b) 2 local workers: ``coprod_sim.sweep.runner.local_executor(2)`` (a process pool);
* (c) Dask: ``coprod_sim.sweep.runner.DaskEngine(workers=2)``, a LocalCluster of two
  single-threaded worker processes.

Only ``sweep(...)`` is timed. The pool or cluster is created before the timer, ready to work
(``local_executor`` returns when its workers, forked from a server that has imported coprod-sim
once, have answered; the LocalCluster's workers preload coprod-sim), and closed after it. Its
start-up is timed separately and printed beside the sweep: it is paid once per sweep, however
many runs the sweep has.

Printed, with targets (PASS/FAIL):

* runs/s of each engine;
* parallel efficiency at 2 workers = (runs/s with 2) / (2 x runs/s with 1), target >= 90%;
* Dask overhead per run = (time Dask - time 2 local workers) / runs, target <= 5 ms;
* projected time of 2,000 baseline runs of 10 years on 2 cores, from the 2-worker throughput,
  target < 10 minutes (with ``--full`` the 2,000 runs are also run and timed, same target);
* that the result sets are identical (``coprod_sim.sweep.load_results`` frames equal).

For context (no target) it also measures this machine's own ceiling: a pure-Python CPU loop run
alone and then as two processes at once. On a virtual machine whose two vCPUs share a physical
core or are oversubscribed, two processes each run slower than one, and no sweep engine can
scale better than that loop does.

To say where time goes, each sweep also records CPU seconds of this process and of its child
processes (the pool's workers, or the LocalCluster's nannies and workers; ``psutil``, read
outside the timer). From them: CPU ms per run, and the share of the cores kept busy (CPU time /
(wall time x workers)). The parallel efficiency is the product of (cores busy with 2 / with 1) and
(CPU per run with 1 / with 2).

The machine may be noisy: a round runs (a), (b), (c) and the ceiling one after the other (fresh
folders, a fresh pool and cluster), and its figures compare sweeps run within a minute or two of
each other. ``--repeats N`` (default 3) runs N rounds; the median of each figure is checked, and
every round is printed and kept in the JSON.

All processes get one numpy/BLAS thread (``OMP_NUM_THREADS=1`` and friends, set before numpy is
imported), as Dask's nanny does for its workers, so the engines are compared like for like.
Results go to ``benchmarks/out/sweep.json`` (written to a temporary name, then renamed).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "out" / "sweep.json"

STEPS = 520  # 10 simulated years of weekly steps
POINTS = 8  # grid values of power.transfer
REPLICATES = 6  # 8 x 6 = 48 runs, 6 chunks of 8
FULL_POINTS = 100  # --full: 100 points x 20 replicates = 2,000 runs, 100 chunks of 20
FULL_REPLICATES = 20
PROJECTED_RUNS = 2_000
WORKERS = 2
ENGINES = ("local1", "local2", "dask")
LABELS = {
    "local1": "(a) local, in this process (executor None)",
    "local2": "(b) local processes (local_executor(2))",
    "dask": "(c) Dask LocalCluster (DaskEngine(workers=2))",
}

# Targets.
MIN_EFFICIENCY = 0.90
MAX_DASK_OVERHEAD_MS = 5.0
MAX_2000_RUNS_S = 600.0

THREAD_ENV = dict.fromkeys(
    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"),
    "1",
)

EXPERIMENT = """\
[experiment]
name = "bench_sweep"
description = "Sweep benchmark: the baseline organisation for 10 years, a grid over power transfer"
scenario = "baseline"
replicates = {replicates}
steps = {steps}
seed = 1
keep = "summary"

[design]
method = "grid"

[[parameters]]
path = "power.transfer"
values = [{values}]
"""


def write_experiment(folder: Path, points: int, replicates: int, steps: int) -> Path:
    """Write the benchmark's experiment file (``points`` values of power.transfer from 0 up)."""
    folder.mkdir(parents=True, exist_ok=True)
    values = ", ".join(repr(round(i / points, 6)) for i in range(points))
    path = folder / "bench_sweep.toml"
    path.write_text(EXPERIMENT.format(replicates=replicates, steps=steps, values=values), encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------
# measuring
# ----------------------------------------------------------------------------------------


def cpu_snapshot() -> dict[int, float]:
    """CPU seconds (user + system) of this process and of each live descendant, by process id."""
    import psutil

    me = psutil.Process()
    out = {}
    for proc in (me, *me.children(recursive=True)):
        try:
            t = proc.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        out[proc.pid] = t.user + t.system
    return out


def timed_sweep(exp: Any, out: Path, executor: Any, workers: int, engine: str) -> dict[str, Any]:
    """Run ``sweep(exp, out, executor=executor)`` and time it (only the sweep is inside the timer)."""
    from coprod_sim.sweep import sweep

    before = cpu_snapshot()
    t0 = time.perf_counter()
    report = sweep(exp, out, executor=executor)
    seconds = time.perf_counter() - t0
    after = cpu_snapshot()
    me = os.getpid()
    parent = after.get(me, 0.0) - before.get(me, 0.0)
    children = sum(v - before.get(pid, 0.0) for pid, v in after.items() if pid != me)
    return {
        "engine": engine,
        "workers": workers,
        "out": out.name,
        "seconds": seconds,
        "runs": report.runs,
        "chunks": report.chunks,
        "failed": len(report.failed),
        "runs_per_s": report.runs / seconds,
        "ms_per_run": seconds * 1e3 / report.runs,
        "parent_cpu_s": parent,
        "children_cpu_s": children,
        "cpu_ms_per_run": (parent + children) * 1e3 / report.runs,
        "cores_busy": (parent + children) / (seconds * workers),
    }


def measure_local(exp: Any, out: Path, workers: int) -> dict[str, Any]:
    """Sweep into ``out`` on a new ``local_executor(workers)`` (None, this process, for 1 worker)."""
    from coprod_sim.sweep.runner import local_executor

    t0 = time.perf_counter()
    executor = local_executor(workers)
    startup = time.perf_counter() - t0
    try:
        return {**timed_sweep(exp, out, executor, workers, "local"), "start_s": startup}
    finally:
        if executor is not None:
            executor.shutdown()


def measure_dask(exp: Any, out: Path, workers: int) -> dict[str, Any]:
    """Sweep into ``out`` on a new ``DaskEngine(workers=...)`` LocalCluster."""
    from coprod_sim.sweep.runner import DaskEngine

    t0 = time.perf_counter()
    engine = DaskEngine(workers=workers)
    startup = time.perf_counter() - t0
    try:
        return {**timed_sweep(exp, out, engine.executor, workers, "dask"), "start_s": startup}
    finally:
        engine.close()


BURN = """\
import time
t = time.process_time()
s = 0
for i in range({n}):
    s += i * i % 7
print(time.process_time() - t)
"""


def machine_ceiling(n: int = 15_000_000) -> dict[str, float]:
    """CPU seconds of a pure-Python loop alone and as two simultaneous processes (no coprod-sim)."""

    def burn(k: int) -> list[float]:
        procs = [
            subprocess.Popen([sys.executable, "-c", BURN.format(n=n)], stdout=subprocess.PIPE, text=True)
            for _ in range(k)
        ]
        return [float(p.communicate()[0]) for p in procs]

    solo = min(burn(1)[0] for _ in range(2))
    pair = min(max(burn(2)) for _ in range(2))
    return {"solo_cpu_s": solo, "pair_cpu_s": pair, "efficiency": solo / pair}


def compare_results(folders: list[Path]) -> dict[str, Any]:
    """Whether ``load_results`` gives equal frames for every folder (and whether chunk files are equal bytes)."""
    from pandas.testing import assert_frame_equal

    from coprod_sim.sweep import load_results

    ref = load_results(folders[0])
    problems = []
    for folder in folders[1:]:
        try:
            assert_frame_equal(ref, load_results(folder), check_exact=True)
        except AssertionError as exc:
            problems.append(f"{folder.name}: {str(exc).strip().splitlines()[0]}")
    parts = sorted(p.name for p in (folders[0] / "runs").glob("part-*.parquet"))
    same_bytes = all(
        sorted(p.name for p in (f / "runs").glob("part-*.parquet")) == parts
        and all((f / "runs" / n).read_bytes() == (folders[0] / "runs" / n).read_bytes() for n in parts)
        for f in folders[1:]
    )
    return {
        "identical": not problems and len(ref) > 0,
        "folders": len(folders),
        "rows": len(ref),
        "problems": problems,
        "chunk_files_identical_bytes": same_bytes,
    }


def _environment() -> dict[str, Any]:
    """Versions, machine and git state, for reading the numbers later."""
    import multiprocessing

    import distributed
    import mesa
    import numpy

    def git(*a: str) -> str | None:
        out = subprocess.run(["git", *a], capture_output=True, text=True, cwd=REPO, check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    status = git("status", "--porcelain", "--", "coprod_sim")
    return {
        "python": platform.python_version(),
        "mesa": mesa.__version__,
        "numpy": numpy.__version__,
        "distributed": distributed.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "coprod_sim_modified": bool(status) if status is not None else None,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "thread_env": THREAD_ENV,
        "mp_start_method": multiprocessing.get_start_method(allow_none=True),
    }


# ----------------------------------------------------------------------------------------
# figures, checks, report
# ----------------------------------------------------------------------------------------


def _check(name: str, value: float | None, target: str, ok: bool) -> dict[str, Any]:
    """One target check; a value that could not be measured fails."""
    return {"name": name, "value": value, "target": target, "verdict": "PASS" if value is not None and ok else "FAIL"}


def round_figures(rnd: dict[str, Any]) -> dict[str, float]:
    """The figures of one round: its sweeps ran minutes apart, so they are compared with each other."""
    one, two, dask = (rnd[k] for k in ENGINES)
    return {
        "parallel_efficiency": two["runs_per_s"] / (WORKERS * one["runs_per_s"]),
        "dask_overhead_ms_per_run": (dask["seconds"] - two["seconds"]) * 1e3 / two["runs"],
        "projected_2000_runs_s": PROJECTED_RUNS / two["runs_per_s"] + two["start_s"],
        "machine_ceiling_efficiency": rnd["ceiling"]["efficiency"],
    }


def evaluate(report: dict[str, Any]) -> None:
    """Derive the figures from the timings and add them and the target checks to ``report``.

    Each round's figures compare sweeps run minutes apart; with several rounds the median of each
    figure over the rounds is checked (this machine's speed drifts by a third between minutes).
    """
    import statistics

    per_round = [round_figures(rnd) for rnd in report["rounds"]]
    figures = {k: statistics.median(r[k] for r in per_round) for k in per_round[0]}
    figures["per_round"] = per_round
    report["figures"] = figures
    eff, over, proj = (
        figures["parallel_efficiency"],
        figures["dask_overhead_ms_per_run"],
        figures["projected_2000_runs_s"],
    )
    checks = [
        _check(
            "parallel efficiency at 2 workers (%)", eff * 100, f">= {MIN_EFFICIENCY * 100:g}", eff >= MIN_EFFICIENCY
        ),
        _check("Dask overhead per run (ms)", over, f"<= {MAX_DASK_OVERHEAD_MS:g}", over <= MAX_DASK_OVERHEAD_MS),
        _check(
            f"projected {PROJECTED_RUNS:,} runs on 2 cores (min)",
            proj / 60,
            f"< {MAX_2000_RUNS_S / 60:g}",
            proj < MAX_2000_RUNS_S,
        ),
    ]
    full = report.get("full")
    if full is not None:
        checks.append(
            _check(
                f"measured {full['runs']:,} runs on 2 local workers (min)",
                (full["seconds"] + full["start_s"]) / 60,
                f"< {MAX_2000_RUNS_S / 60:g}",
                full["seconds"] + full["start_s"] < MAX_2000_RUNS_S,
            )
        )
    same = report["identical"]["identical"]
    checks.append(
        {
            "name": "identical results: 1 local = 2 local = Dask (load_results frames equal)",
            "value": same,
            "target": "equal",
            "verdict": "PASS" if same else "FAIL",
        }
    )
    report["checks"] = checks


def format_report(report: dict[str, Any]) -> str:
    """The printed table."""
    env, exp, f = report["environment"], report["experiment"], report["figures"]
    n_rounds = len(report["rounds"])
    best = f"{n_rounds} rounds, figures are medians of the rounds' figures; " if n_rounds > 1 else ""
    lines = [
        f"coprod-sim sweep benchmark  (git {env['git_commit']}"
        f"{', coprod_sim/ modified' if env['coprod_sim_modified'] else ''}; Python {env['python']}, "
        f"mesa {env['mesa']}, distributed {env['distributed']}, {env['cpus']} CPUs, 1 BLAS thread, "
        f"pool start method {env['mp_start_method']})",
        f"experiment: {exp['scenario']}, {exp['steps']} steps, grid over power.transfer, {exp['points']} points x "
        f"{exp['replicates']} replicates = {exp['runs']} runs in {exp['chunks']} chunks of {exp['chunk_size']}, "
        "keep summary",
        f"{best}only sweep(...) is timed; the pool or cluster is created, ready, before the timer "
        "(start-up column) and closed after it",
        f"load average before: {' '.join(f'{x:.2f}' for x in report['loadavg_before'])}",
        "",
        f"{'round':>5} {'engine':<46} {'workers':>7} {'seconds':>8} {'runs/s':>8} {'ms/run':>8} {'CPU ms/run':>10} "
        f"{'cores busy':>10} {'start-up s':>10}",
    ]
    for i, rnd in enumerate(report["rounds"], 1):
        for key in ENGINES:
            r = rnd[key]
            lines.append(
                f"{i:>5} {LABELS[key]:<46} {r['workers']:>7} {r['seconds']:>8.2f} {r['runs_per_s']:>8.3f} "
                f"{r['ms_per_run']:>8.1f} "
                f"{r['cpu_ms_per_run']:>10.1f} {r['cores_busy']:>10.1%} {r['start_s']:>10.2f}"
            )

    def cpu(r: dict[str, Any]) -> str:
        return f"{r['parent_cpu_s'] * 1e3 / r['runs']:.1f} / {r['children_cpu_s'] * 1e3 / r['runs']:.0f}"

    lines += [
        "(ms/run: wall time / runs; CPU ms/run: CPU time of this process and its child processes / runs;",
        " cores busy: CPU time / (wall time x workers))",
        "",
    ]
    for i, (rnd, rf) in enumerate(zip(report["rounds"], f["per_round"], strict=True), 1):
        one, two, dask = (rnd[k] for k in ENGINES)
        ceiling = rnd["ceiling"]
        lines += [
            f"round {i}: parallel efficiency {two['runs_per_s']:.3f} / (2 x {one['runs_per_s']:.3f}) = "
            f"{rf['parallel_efficiency']:.1%} = cores busy (b) / (a) {two['cores_busy'] / one['cores_busy']:.3f} x "
            f"CPU per run (a) / (b) {one['cpu_ms_per_run'] / two['cpu_ms_per_run']:.3f}",
            f"  this machine's ceiling: a pure-Python loop took {ceiling['solo_cpu_s']:.2f} CPU s alone and "
            f"{ceiling['pair_cpu_s']:.2f} s as two processes at once: {rf['machine_ceiling_efficiency']:.1%}",
            f"  Dask overhead per run: ({dask['seconds']:.2f} s - {two['seconds']:.2f} s) / {two['runs']} = "
            f"{rf['dask_overhead_ms_per_run']:.1f} ms; CPU ms per run, this process / child processes: "
            f"(b) {cpu(two)}, (c) {cpu(dask)}",
            f"  projected {PROJECTED_RUNS:,} runs on 2 cores: {PROJECTED_RUNS:,} / {two['runs_per_s']:.3f} runs/s "
            f"+ {two['start_s']:.1f} s start-up = {rf['projected_2000_runs_s']:.0f} s",
        ]
    lines += [
        "",
        f"{'median ' if n_rounds > 1 else ''}parallel efficiency {f['parallel_efficiency']:.1%} (this machine's "
        f"ceiling {f['machine_ceiling_efficiency']:.1%}); Dask overhead {f['dask_overhead_ms_per_run']:.1f} ms/run; "
        f"projected {PROJECTED_RUNS:,} runs {f['projected_2000_runs_s']:.0f} s = "
        f"{f['projected_2000_runs_s'] / 60:.1f} min",
    ]
    full = report.get("full")
    if full is not None:
        lines.append(
            f"measured {full['runs']:,} runs ({full['points']} points x {full['replicates']} replicates, "
            f"{full['chunks']} chunks) on 2 local workers: {full['seconds']:.0f} s = {full['seconds'] / 60:.1f} min "
            f"+ {full['start_s']:.1f} s start-up, "
            f"{full['runs_per_s']:.3f} runs/s, {full['cpu_ms_per_run']:.0f} CPU ms/run, {full['cores_busy']:.1%} "
            f"cores busy, {full['failed']} failed"
        )
    same = report["identical"]
    lines.append(
        f"results: {same['folders']} result folders of {same['rows']} rows; load_results frames equal: "
        f"{same['identical']}; chunk files equal byte for byte: {same['chunk_files_identical_bytes']}"
        + (f"; {'; '.join(same['problems'])}" if same["problems"] else "")
    )
    lines += ["", "checks"]
    for c in report["checks"]:
        if c["name"].startswith("identical"):
            lines.append(f"  {c['verdict']:<4}  {c['name']}")
            continue
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        lines.append(f"  {c['verdict']:<4}  {c['name']:<48} {value:>9}  (target {c['target']})")
    lines += ["", f"benchmark wall time: {report['wall_s']:.0f} s"]
    return "\n".join(lines)


def say(text: str) -> None:
    """Progress line on stderr."""
    print(f"... {text}", file=sys.stderr, flush=True)


def run_benchmark(args: argparse.Namespace) -> int:
    """Run every measurement, print the table, write the JSON; return the exit status."""
    from coprod_sim.sweep import load_experiment

    start = time.perf_counter()
    loadavg_before = list(os.getloadavg())
    with tempfile.TemporaryDirectory(prefix="bench_sweep-") as tmp_name:
        tmp = Path(tmp_name)
        exp = load_experiment(write_experiment(tmp / "experiment", args.points, args.replicates, STEPS))
        n_runs = len(exp.points()) * exp.replicates
        rounds: list[dict[str, dict[str, Any]]] = []
        folders: list[Path] = []
        for r in range(args.repeats):
            at = f" (round {r + 1} of {args.repeats})" if args.repeats > 1 else ""
            d = {k: tmp / f"out{r}-{k}" for k in ENGINES}
            folders += d.values()
            rnd: dict[str, dict[str, Any]] = {}
            say(f"{n_runs} runs, 1 local worker (in this process){at}")
            rnd["local1"] = measure_local(exp, d["local1"], 1)
            say(f"{n_runs} runs, {WORKERS} local worker processes{at}")
            rnd["local2"] = measure_local(exp, d["local2"], WORKERS)
            say(f"{n_runs} runs, Dask LocalCluster of {WORKERS} workers{at}")
            rnd["dask"] = measure_dask(exp, d["dask"], WORKERS)
            say(f"this machine's ceiling: a pure-Python loop, alone and as two processes{at}")
            rnd["ceiling"] = machine_ceiling()
            rounds.append(rnd)
        identical = compare_results(folders)
        report: dict[str, Any] = {
            "full": None,
            "environment": _environment(),
            "loadavg_before": loadavg_before,
            "targets": {
                "min_parallel_efficiency": MIN_EFFICIENCY,
                "max_dask_overhead_ms_per_run": MAX_DASK_OVERHEAD_MS,
                "max_2000_runs_s": MAX_2000_RUNS_S,
            },
            "experiment": {
                "scenario": exp.scenario.name,
                "steps": exp.steps,
                "points": len(exp.points()),
                "replicates": exp.replicates,
                "runs": n_runs,
                "chunk_size": max(exp.replicates, 8),  # the sweep's default
                "chunks": rounds[0]["local1"]["chunks"],
            },
            "repeats": args.repeats,
            "rounds": rounds,
            "identical": identical,
        }
        if args.full:
            full_exp = load_experiment(write_experiment(tmp / "experiment-full", FULL_POINTS, FULL_REPLICATES, STEPS))
            say(f"--full: {FULL_POINTS * FULL_REPLICATES:,} runs, {WORKERS} local worker processes")
            full = measure_local(full_exp, tmp / "out-full", WORKERS)
            report["full"] = {"points": FULL_POINTS, "replicates": FULL_REPLICATES, **full}
    report["loadavg_after"] = list(os.getloadavg())
    report["wall_s"] = time.perf_counter() - start
    evaluate(report)
    print(format_report(report))
    from coprod_sim.io import write_json  # atomic: temp file, then rename

    write_json(report, args.out)
    print(f"results written to {args.out}")
    return 1 if any(c["verdict"] == "FAIL" for c in report["checks"]) else 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"also run {FULL_POINTS * FULL_REPLICATES:,} runs on {WORKERS} local workers and time them",
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="rounds of all sweeps; the figures' medians are checked (default 3)"
    )
    parser.add_argument("--points", type=int, default=POINTS, help=f"grid points (default {POINTS})")
    parser.add_argument("--replicates", type=int, default=REPLICATES, help=f"replicates (default {REPLICATES})")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"JSON output (default {DEFAULT_OUT.relative_to(REPO)})"
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.points < 1 or args.replicates < 1:
        parser.error("--repeats, --points and --replicates must be 1 or more")
    # One BLAS thread per process, before anything imports numpy (worker processes inherit it).
    os.environ.update(THREAD_ENV)
    return run_benchmark(args)


if __name__ == "__main__":  # the guard is required: Dask's LocalCluster starts its workers by spawning
    sys.exit(main())
