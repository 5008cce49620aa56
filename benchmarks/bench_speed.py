"""Speed and memory benchmark of coprod-sim, with Mesa's VirusOnNetwork as a yardstick.

Run from the repository root::

    python benchmarks/bench_speed.py                         # full run, a few minutes at most
    python benchmarks/bench_speed.py --quick                 # smoke run, without 100,000 and 1,000,000
    python benchmarks/bench_speed.py --sizes 10000,1000000   # only these CoProdModel sizes

It prints one table and writes the same results as JSON to ``benchmarks/out/speed.json``
(``speed-quick.json`` with ``--quick``, ``speed-sizes.json`` with ``--sizes``). Measured:

* ``CoProdModel`` init time and ms/step at 100, 1,000, 10,000, 100,000 and 1,000,000 people;
* peak RSS of each of those processes (the 100,000- and 1,000,000-person ones are targets, and
  the 1,000,000-person row has init and ms/step targets too);
* ``mesa.examples.VirusOnNetwork`` at 10,000 nodes, with recovery and resistance switched off
  so every infected node stays active;
* the baseline scenario for 10 simulated years (``simulate(Config(), seed=1, steps=520)``).

Each measurement runs in a fresh Python process (this script with ``--worker``) that prints one
JSON line on stdout, so sizes do not share caches, heaps or peak RSS. Children get one
numpy/BLAS thread. ms/step is the best of several blocks of steps after a warm-up; the machine
is noisy, so the best block is the estimate and the median is reported beside it.

Peak RSS is each child's own: on Linux it is ``VmHWM`` (the high-water mark of the address space
the child's exec made), not ``ru_maxrss``, which starts from the parent's peak RSS (it survives
fork and exec); ``ru_maxrss`` is kept in the JSON as a cross-check. The parent process imports
only the standard library all the same, so that even ``ru_maxrss`` stays close.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = HERE / "out" / "speed.json"
QUICK_OUT = HERE / "out" / "speed-quick.json"
SIZES_OUT = HERE / "out" / "speed-sizes.json"

SIZES = (100, 1_000, 10_000, 100_000, 1_000_000)
BIG_SIZES = (100_000, 1_000_000)  # left out by --quick
RATIO_SIZE = 10_000  # the size compared with VirusOnNetwork
MILLION = 1_000_000
VIRUS_NODES = 10_000
BASELINE_STEPS = 520  # 10 simulated years of weekly steps
BASELINE_REPEATS = 3
WORKER_TIMEOUT_S = 900

# Targets.
MIN_RATIO = 30.0  # VirusOnNetwork ms/step / CoProdModel ms/step, both at 10,000
MAX_RSS_MIB = 1536.0  # 1.5 GiB at 100,000 people
MAX_BASELINE_S = 2.0
MAX_MILLION_INIT_S = 5.0  # build at 1,000,000 people
MAX_MILLION_MS = 120.0  # ms/step (a week) at 1,000,000 people
MAX_MILLION_RSS_MIB = 1536.0  # 1.5 GiB at 1,000,000 people

THREAD_ENV = dict.fromkeys(
    ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"),
    "1",
)


@dataclass(frozen=True)
class Plan:
    """How one model size is timed.

    Attributes
    ----------
    warmup : int
        Steps run and discarded before timing.
    block : int
        Steps per timed block.
    repeats : int
        Timed blocks; ms/step is the best of them.
    """

    warmup: int
    block: int
    repeats: int


# Blocks are sized so each takes tens of milliseconds or more. VirusOnNetwork warms up for 20
# steps: by then the epidemic has reached its giant component and the cost per step is flat.
COPROD_PLANS = {
    100: Plan(warmup=10, block=50, repeats=7),
    1_000: Plan(warmup=10, block=50, repeats=7),
    10_000: Plan(warmup=10, block=20, repeats=7),
    100_000: Plan(warmup=2, block=4, repeats=5),  # 20 timed steps
    1_000_000: Plan(warmup=2, block=3, repeats=3),  # 9 timed steps: about 20 s in all before the fixes
}
VIRUS_PLAN = Plan(warmup=20, block=10, repeats=7)


# ----------------------------------------------------------------------------------------
# worker side (runs in the child process)
# ----------------------------------------------------------------------------------------


def _peak_rss() -> dict[str, float | None]:
    """Peak resident set size of this process, in MiB.

    On Linux ``ru_maxrss`` is not the process's own: when a process execs, the kernel folds the
    peak RSS of the address space it leaves (its parent's, copied by fork or borrowed by vfork)
    into the figure, so a child of a 1 GiB parent reports at least 1 GiB. ``VmHWM`` in
    ``/proc/self/status`` is the high-water mark of the address space made by exec, i.e. this
    process's own peak, and is the figure used where it exists.

    Returns
    -------
    dict
        ``peak_rss_mib``: this process's own peak (``VmHWM``, or ``ru_maxrss`` where there is no
        ``/proc``); ``vm_hwm_mib`` (None outside Linux) and ``ru_maxrss_mib`` as read.
    """
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ru_maxrss = rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS, KiB on Linux
    vm_hwm = None
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    vm_hwm = int(line.split()[1]) / 2**10
    except OSError:
        pass
    own = vm_hwm if vm_hwm is not None else ru_maxrss
    return {"peak_rss_mib": own, "vm_hwm_mib": vm_hwm, "ru_maxrss_mib": ru_maxrss}


def _time_blocks(step: Callable[[], None], plan: Plan) -> list[float]:
    """Run ``plan.warmup`` steps, then time ``plan.repeats`` blocks of ``plan.block`` steps.

    Returns
    -------
    list of float
        Milliseconds per step of each block.
    """
    import gc

    for _ in range(plan.warmup):
        step()
    gc.collect()  # start the timed blocks without the garbage of init and warm-up
    per_step = []
    for _ in range(plan.repeats):
        t0 = time.perf_counter()
        for _ in range(plan.block):
            step()
        per_step.append((time.perf_counter() - t0) * 1e3 / plan.block)
    return per_step


def _block_summary(name: str, size: int, init_s: float, plan: Plan, per_step: list[float]) -> dict[str, Any]:
    """Result record of one timed model."""
    return {
        "model": name,
        "size": size,
        "init_s": init_s,
        "ms_per_step": min(per_step),
        "ms_per_step_median": statistics.median(per_step),
        "blocks_ms_per_step": per_step,
        "warmup": plan.warmup,
        "block": plan.block,
        "repeats": plan.repeats,
    }


def work_coprod(size: int, plan: Plan) -> dict[str, Any]:
    """Time ``CoProdModel`` with ``size`` people."""
    from coprod_sim.model import CoProdModel

    t0 = time.perf_counter()
    model = CoProdModel(seed=1, organisation_people=size)
    init_s = time.perf_counter() - t0
    per_step = _time_blocks(model.step, plan)
    result = _block_summary("CoProdModel", size, init_s, plan, per_step)
    result["seats"] = model.n
    return result


def work_virus(size: int, plan: Plan) -> dict[str, Any]:
    """Time Mesa's ``VirusOnNetwork`` with ``size`` nodes and no recovery."""
    from mesa.examples import VirusOnNetwork
    from mesa.examples.basic.virus_on_network.model import number_infected

    t0 = time.perf_counter()
    model = VirusOnNetwork(num_nodes=size, recovery_chance=0.0, gain_resistance_chance=0.0, seed=1)
    init_s = time.perf_counter() - t0
    per_step = _time_blocks(model.step, plan)
    result = _block_summary("VirusOnNetwork", size, init_s, plan, per_step)
    result["infected_at_end"] = number_infected(model)
    return result


def work_baseline(steps: int, repeats: int) -> dict[str, Any]:
    """Time the baseline scenario, build to end of run, ``repeats`` times in this process."""
    from coprod_sim.config import Config
    from coprod_sim.run import simulate

    runs = []
    people = 0
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = simulate(Config(), seed=1, steps=steps)
        runs.append(time.perf_counter() - t0)
        people = result.config.organisation.people
    return {"model": "baseline", "size": people, "steps": steps, "seconds": min(runs), "runs_s": runs}


def run_worker(args: argparse.Namespace) -> None:
    """Run one measurement and print its JSON record as the last line of stdout."""
    plan = Plan(args.warmup, args.block, args.repeats)
    if args.worker == "coprod":
        result = work_coprod(args.size, plan)
    elif args.worker == "virus":
        result = work_virus(args.size, plan)
    else:
        result = work_baseline(args.steps, args.repeats)
    result.update(_peak_rss())
    print(json.dumps(result), flush=True)


# ----------------------------------------------------------------------------------------
# driver side (the parent process; standard library only)
# ----------------------------------------------------------------------------------------


def spawn(kind: str, **options: int) -> dict[str, Any]:
    """Run this script as a ``--worker kind`` child and return its JSON record.

    A failed child gives ``{"error": ...}`` instead, so the rest of the benchmark still runs.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    env = {**os.environ, **THREAD_ENV}
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=REPO, timeout=WORKER_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {WORKER_TIMEOUT_S} s"}
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        tail = proc.stderr.strip().splitlines()[-5:]
        return {"error": f"exit code {proc.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


def _environment() -> dict[str, Any]:
    """Versions, machine and git state, for reading the numbers later."""
    probe = "import json, mesa, numpy; print(json.dumps([mesa.__version__, numpy.__version__]))"
    versions = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False)
    mesa_v, numpy_v = json.loads(versions.stdout) if versions.returncode == 0 else (None, None)

    def git(*a: str) -> str | None:
        out = subprocess.run(["git", *a], capture_output=True, text=True, cwd=REPO, check=False)
        return out.stdout.strip() if out.returncode == 0 else None

    status = git("status", "--porcelain", "--", "coprod_sim")
    return {
        "python": platform.python_version(),
        "mesa": mesa_v,
        "numpy": numpy_v,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "git_commit": git("rev-parse", "--short", "HEAD"),
        "coprod_sim_modified": bool(status) if status is not None else None,
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _check(name: str, value: float | None, target: str, ok: bool, skipped: bool = False) -> dict[str, Any]:
    """One target check; a value that could not be measured fails."""
    verdict = "SKIP" if skipped else ("PASS" if value is not None and ok else "FAIL")
    return {"name": name, "value": None if skipped else value, "target": target, "verdict": verdict}


def _below(value: float | None, limit: float) -> bool:
    """Whether a measured ``value`` is below ``limit`` (False when it was not measured)."""
    return value is not None and value < limit


def evaluate(models: list[dict[str, Any]], baseline: dict[str, Any], sizes: tuple[int, ...]) -> list[dict[str, Any]]:
    """Compare the measurements with the targets.

    Parameters
    ----------
    models : list of dict
        Records with ``model``, ``size`` and the measured figures; records with ``error`` are
        ignored (their checks fail).
    baseline : dict
        The baseline scenario's record (``seconds``).
    sizes : tuple of int
        The CoProdModel sizes that were run; a check of a size not among them is SKIP.

    Returns
    -------
    list of dict
        One record per target, from `_check`.
    """

    def value(model: str, size: int, key: str) -> float | None:
        hits = [r for r in models if r.get("model") == model and r.get("size") == size and "error" not in r]
        return hits[0].get(key) if hits else None

    coprod = value("CoProdModel", RATIO_SIZE, "ms_per_step")
    virus = value("VirusOnNetwork", VIRUS_NODES, "ms_per_step")
    ratio = virus / coprod if coprod and virus else None
    rss = value("CoProdModel", 100_000, "peak_rss_mib")
    base = baseline.get("seconds")
    m_init, m_ms, m_rss = (value("CoProdModel", MILLION, k) for k in ("init_s", "ms_per_step", "peak_rss_mib"))
    no_million = MILLION not in sizes
    return [
        _check(
            "VirusOnNetwork / CoProdModel ms/step at 10,000",
            ratio,
            f">= {MIN_RATIO:g}",
            ratio is not None and ratio >= MIN_RATIO,
            skipped=RATIO_SIZE not in sizes,
        ),
        _check(
            "peak RSS at 100,000 people (MiB)",
            rss,
            f"< {MAX_RSS_MIB:g}",
            _below(rss, MAX_RSS_MIB),
            skipped=100_000 not in sizes,
        ),
        _check(
            f"baseline {BASELINE_STEPS} steps, build + run (s)",
            base,
            f"< {MAX_BASELINE_S:g}",
            _below(base, MAX_BASELINE_S),
        ),
        _check(
            "init at 1,000,000 people (s)",
            m_init,
            f"< {MAX_MILLION_INIT_S:g}",
            _below(m_init, MAX_MILLION_INIT_S),
            no_million,
        ),
        _check("ms/step at 1,000,000 people", m_ms, f"< {MAX_MILLION_MS:g}", _below(m_ms, MAX_MILLION_MS), no_million),
        _check(
            "peak RSS at 1,000,000 people (MiB)",
            m_rss,
            f"< {MAX_MILLION_RSS_MIB:g}",
            _below(m_rss, MAX_MILLION_RSS_MIB),
            no_million,
        ),
    ]


def format_report(report: dict[str, Any]) -> str:
    """The printed table."""
    env = report["environment"]
    lines = [
        f"coprod-sim speed benchmark  (git {env['git_commit']}"
        f"{', coprod_sim/ modified' if env['coprod_sim_modified'] else ''}; Python {env['python']}, "
        f"mesa {env['mesa']}, numpy {env['numpy']}, {env['cpus']} CPUs, 1 BLAS thread)",
        "ms/step: best (and median) of N timed blocks of k steps after a warm-up; each row in a fresh process",
        "",
        f"{'model':<15} {'size':>9} {'init s':>8} {'ms/step':>9} {'median':>9} {'k x N':>8} {'peak RSS MiB':>13}",
    ]
    for r in report["models"]:
        if "error" in r:
            lines.append(f"{r['model']:<15} {r['size']:>9,}  ERROR {r['error']}")
            continue
        blocks = f"{r['block']}x{r['repeats']}"
        lines.append(
            f"{r['model']:<15} {r['size']:>9,} {r['init_s']:>8.3f} {r['ms_per_step']:>9.2f} "
            f"{r['ms_per_step_median']:>9.2f} {blocks:>8} {r['peak_rss_mib']:>13.0f}"
        )
    b = report["baseline"]
    lines.append("")
    if "error" in b:
        lines.append(f"baseline: ERROR {b['error']}")
    else:
        runs = ", ".join(f"{s:.2f}" for s in b["runs_s"])
        lines.append(
            f"baseline scenario, {b['size']} people, {b['steps']} steps: best {b['seconds']:.2f} s "
            f"(runs {runs} s; peak RSS {b['peak_rss_mib']:.0f} MiB)"
        )
    lines += ["", "checks"]
    for c in report["checks"]:
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        lines.append(f"  {c['verdict']:<4}  {c['name']:<48} {value:>9}  (target {c['target']})")
    lines += ["", f"benchmark wall time: {report['wall_s']:.0f} s"]
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write ``report`` to ``path`` atomically (temp file in the same folder, then rename).

    Not coprod_sim.io.write_json: this parent process stays standard-library only, because on
    Linux a child's peak-RSS reading starts from its parent's, and importing the package here
    would inflate every memory figure.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def measure_coprod(size: int) -> dict[str, Any]:
    """Time ``CoProdModel`` with ``size`` people in a fresh child process.

    Parameters
    ----------
    size : int
        People in the organisation; one of `SIZES` (its plan is ``COPROD_PLANS[size]``).

    Returns
    -------
    dict
        The child's record, with ``model`` and ``size`` set even when it failed.
    """
    plan = COPROD_PLANS[size]
    print(f"... CoProdModel, {size:,} people", file=sys.stderr, flush=True)
    record = spawn("coprod", size=size, warmup=plan.warmup, block=plan.block, repeats=plan.repeats)
    return {"model": "CoProdModel", "size": size, **record}


def measure_virus() -> dict[str, Any]:
    """Time Mesa's ``VirusOnNetwork`` at `VIRUS_NODES` nodes in a fresh child process.

    Returns
    -------
    dict
        The child's record, with ``model`` and ``size`` set even when it failed.
    """
    print(f"... VirusOnNetwork, {VIRUS_NODES:,} nodes", file=sys.stderr, flush=True)
    p = VIRUS_PLAN
    record = spawn("virus", size=VIRUS_NODES, warmup=p.warmup, block=p.block, repeats=p.repeats)
    return {"model": "VirusOnNetwork", "size": VIRUS_NODES, **record}


def measure_baseline() -> dict[str, Any]:
    """Time the baseline scenario `BASELINE_REPEATS` times in one fresh child process.

    Returns
    -------
    dict
        The child's record (``seconds`` is the best run), or ``{"model": "baseline", "error": ...}``.
    """
    print(f"... baseline scenario, {BASELINE_STEPS} steps x {BASELINE_REPEATS}", file=sys.stderr, flush=True)
    return {"model": "baseline", **spawn("baseline", steps=BASELINE_STEPS, repeats=BASELINE_REPEATS)}


def _targets() -> dict[str, float]:
    """The targets, for the JSON."""
    return {
        "min_ratio": MIN_RATIO,
        "max_rss_mib": MAX_RSS_MIB,
        "max_baseline_s": MAX_BASELINE_S,
        "max_million_init_s": MAX_MILLION_INIT_S,
        "max_million_ms_per_step": MAX_MILLION_MS,
        "max_million_rss_mib": MAX_MILLION_RSS_MIB,
    }


def run_benchmark(sizes: tuple[int, ...], quick: bool, out: Path) -> int:
    """Run every measurement, print the table, write the JSON.

    Parameters
    ----------
    sizes : tuple of int
        CoProdModel sizes to time. VirusOnNetwork is timed only with `RATIO_SIZE` among them
        (it is there for that ratio); the baseline scenario always.
    quick : bool
        Recorded in the JSON (``--quick`` has already removed `BIG_SIZES` from ``sizes``).
    out : Path
        Where the JSON goes.

    Returns
    -------
    int
        Exit status: 1 if a target fails or a measurement errors, else 0.
    """
    start = time.perf_counter()
    models = [measure_coprod(n) for n in sizes]
    if RATIO_SIZE in sizes:
        models.append(measure_virus())
    baseline = measure_baseline()

    checks = evaluate(models, baseline, sizes)
    report = {
        "quick": quick,
        "sizes": list(sizes),
        "environment": _environment(),
        "targets": _targets(),
        "models": models,
        "baseline": baseline,
        "checks": checks,
        "wall_s": time.perf_counter() - start,
    }
    print(format_report(report))
    write_json(report, out)
    print(f"results written to {out}")
    failed = any(c["verdict"] == "FAIL" for c in checks) or any("error" in r for r in [*models, baseline])
    return 1 if failed else 0


def parse_sizes(text: str) -> tuple[int, ...]:
    """Parse ``--sizes``: comma-separated CoProdModel sizes, each one of `SIZES`.

    Parameters
    ----------
    text : str
        For example ``"10000,1000000"`` (``"1_000_000"`` is accepted too).

    Returns
    -------
    tuple of int
        The sizes in increasing order, without repeats.

    Raises
    ------
    argparse.ArgumentTypeError
        If a size is not an integer or has no timing plan.
    """
    try:
        sizes = {int(part) for part in text.split(",") if part.strip()}
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of integers: {text!r}") from exc
    unknown = sorted(sizes - set(SIZES))
    if unknown or not sizes:
        known = ",".join(str(n) for n in SIZES)
        raise argparse.ArgumentTypeError(f"sizes must be among {known} (each has its own timing plan)")
    return tuple(sorted(sizes))


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 100,000 and 1,000,000 people (fast smoke run)")
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help="comma-separated CoProdModel sizes to time, e.g. 10000,1000000 (default: all of "
        + ",".join(str(n) for n in SIZES)
        + ")",
    )
    parser.add_argument("--out", type=Path, default=None, help=f"JSON output (default {DEFAULT_OUT.relative_to(REPO)})")
    # Internal: one measurement in a child process (see spawn).
    parser.add_argument("--worker", choices=("coprod", "virus", "baseline"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--warmup", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--block", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=5, help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, default=BASELINE_STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    sizes = tuple(n for n in (args.sizes or SIZES) if not (args.quick and n in BIG_SIZES))
    if not sizes:
        parser.error("no sizes left: --quick leaves out 100,000 and 1,000,000")
    default_out = QUICK_OUT if args.quick else (SIZES_OUT if args.sizes else DEFAULT_OUT)
    return run_benchmark(sizes, args.quick, args.out if args.out is not None else default_out)


if __name__ == "__main__":
    sys.exit(main())
