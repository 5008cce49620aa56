"""Speed and memory benchmark of coprod-sim, with Mesa's VirusOnNetwork as a yardstick.

Run from the repository root::

    python benchmarks/bench_speed.py                         # full run, a few minutes at most
    python benchmarks/bench_speed.py --quick                 # smoke run, without 100,000 and 1,000,000
    python benchmarks/bench_speed.py --sizes 10000,1000000   # only these CoProdModel sizes
    python benchmarks/bench_speed.py --against HEAD~3        # A/B: working tree against a commit

It prints one table and writes the same results as JSON to ``benchmarks/out/speed.json``
(``speed-quick.json`` with ``--quick``, ``speed-sizes.json`` with ``--sizes``,
``speed-ab.json`` with ``--against``). Measured:

* ``CoProdModel`` init time and ms/step at 100, 1,000, 10,000, 100,000 and 1,000,000 people;
* peak RSS of each of those processes (the 100,000- and 1,000,000-person ones are targets, and
  the 1,000,000-person row has init and ms/step targets too);
* ``mesa.examples.VirusOnNetwork`` at 10,000 nodes, with recovery and resistance switched off
  so every infected node stays active;
* the baseline scenario for 10 simulated years (``simulate(Config(), seed=1, steps=520)``).

With ``--against REF`` the working tree (A) and git revision REF (B, extracted with ``git archive``
into a temporary folder) are timed in the same run, A then B for each size, ``--rounds`` times,
and the table gives the ratio B/A of each round (see `run_ab`).

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
import shutil
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
AB_OUT = HERE / "out" / "speed-ab.json"
DEFAULT_ROUNDS = 3  # A/B rounds

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


def coprod_sim_source(expect_root: str | None) -> str:
    """Import ``coprod_sim`` and return the file it came from, checked against ``expect_root``.

    Parameters
    ----------
    expect_root : str or None
        Folder the package must come from (``<expect_root>/coprod_sim/__init__.py``); None: any.

    Returns
    -------
    str
        The resolved path of ``coprod_sim.__file__``.

    Raises
    ------
    SystemExit
        If the package was imported from somewhere else, so no figure is ever credited to the
        wrong code.
    """
    import coprod_sim

    path = Path(coprod_sim.__file__).resolve()
    if expect_root is not None and not path.is_relative_to(Path(expect_root).resolve()):
        raise SystemExit(f"coprod_sim was imported from {path}, not from under {expect_root}")
    return str(path)


def run_worker(args: argparse.Namespace) -> None:
    """Run one measurement and print its JSON record as the last line of stdout.

    Parameters
    ----------
    args : argparse.Namespace
        ``worker`` (coprod, virus, baseline, or probe: only report which coprod_sim is imported),
        the plan (``warmup``, ``block``, ``repeats``), ``size``, ``steps`` and ``expect_root``.
    """
    plan = Plan(args.warmup, args.block, args.repeats)
    if args.worker == "virus":  # does not import coprod_sim, so its memory is Mesa's alone
        result = work_virus(args.size, plan)
    else:
        source = coprod_sim_source(args.expect_root)
        if args.worker == "coprod":
            result = work_coprod(args.size, plan)
        elif args.worker == "baseline":
            result = work_baseline(args.steps, args.repeats)
        else:
            result = {"model": "probe"}
        result["coprod_sim_file"] = source
    result.update(_peak_rss())
    print(json.dumps(result), flush=True)


# ----------------------------------------------------------------------------------------
# driver side (the parent process; standard library only)
# ----------------------------------------------------------------------------------------


def spawn(kind: str, root: Path | None = None, **options: int) -> dict[str, Any]:
    """Run this script as a ``--worker kind`` child and return its JSON record.

    Parameters
    ----------
    kind : str
        The worker: coprod, virus, baseline or probe.
    root : Path, optional
        A folder holding a ``coprod_sim`` package: the child imports that one (see the comment
        below), runs in that folder, and fails unless ``coprod_sim.__file__`` is under it. None:
        the child imports whatever this interpreter finds (the editable install) and runs in `REPO`.
    **options : int
        Passed on as ``--key value`` (size, warmup, block, repeats, steps).

    Returns
    -------
    dict
        The child's record; a failed child gives ``{"error": ...}`` instead, so the rest of the
        benchmark still runs.
    """
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind]
    for key, value in options.items():
        cmd += [f"--{key}", str(value)]
    env = {**os.environ, **THREAD_ENV}
    cwd = REPO
    if root is not None:
        # PYTHONPATH entries come before site-packages on sys.path. The editable install in
        # .venv is a plain path entry (hatchling writes _editable_impl_coprod_sim.pth naming the
        # working tree; such entries are appended after site-packages, and there is no import
        # hook), so ``root`` wins; a setuptools-style editable finder would be appended to
        # sys.meta_path after the PathFinder that reads sys.path, so it would lose too.
        # site-packages also has a coprod_sim/ folder without __init__.py (the scenarios and
        # experiments the wheel force-includes): a namespace portion, which never beats a regular
        # package found earlier on the path. The child checks the file it imported against
        # ``root`` all the same (--expect-root) and fails if it came from anywhere else.
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(root), os.environ.get("PYTHONPATH", "")) if p)
        cmd += ["--expect-root", str(root)]
        cwd = root
    try:
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=cwd, timeout=WORKER_TIMEOUT_S, check=False
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
        """Output of ``git *a`` in `REPO`, or None if it fails."""
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
        """Figure ``key`` of the first good record of ``model`` at ``size``, or None."""
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
    lines += ["", "checks", *format_checks(report["checks"])]
    lines += ["", f"benchmark wall time: {report['wall_s']:.0f} s"]
    return "\n".join(lines)


def format_checks(checks: list[dict[str, Any]]) -> list[str]:
    """The printed lines of the target checks.

    Parameters
    ----------
    checks : list of dict
        Records from `_check`.

    Returns
    -------
    list of str
        One line per check.
    """
    lines = []
    for c in checks:
        value = "-" if c["value"] is None else f"{c['value']:.2f}"
        lines.append(f"  {c['verdict']:<4}  {c['name']:<48} {value:>9}  (target {c['target']})")
    return lines


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


def measure_coprod(size: int, root: Path | None = None, label: str = "") -> dict[str, Any]:
    """Time ``CoProdModel`` with ``size`` people in a fresh child process.

    Parameters
    ----------
    size : int
        People in the organisation; one of `SIZES` (its plan is ``COPROD_PLANS[size]``).
    root : Path, optional
        Which ``coprod_sim`` to import (see `spawn`).
    label : str
        Prefix of the progress line.

    Returns
    -------
    dict
        The child's record, with ``model`` and ``size`` set even when it failed.
    """
    plan = COPROD_PLANS[size]
    print(f"... {label}CoProdModel, {size:,} people", file=sys.stderr, flush=True)
    record = spawn("coprod", root, size=size, warmup=plan.warmup, block=plan.block, repeats=plan.repeats)
    return {"model": "CoProdModel", "size": size, **record}


def measure_virus(label: str = "") -> dict[str, Any]:
    """Time Mesa's ``VirusOnNetwork`` at `VIRUS_NODES` nodes in a fresh child process.

    Parameters
    ----------
    label : str
        Prefix of the progress line.

    Returns
    -------
    dict
        The child's record, with ``model`` and ``size`` set even when it failed.
    """
    print(f"... {label}VirusOnNetwork, {VIRUS_NODES:,} nodes", file=sys.stderr, flush=True)
    p = VIRUS_PLAN
    record = spawn("virus", size=VIRUS_NODES, warmup=p.warmup, block=p.block, repeats=p.repeats)
    return {"model": "VirusOnNetwork", "size": VIRUS_NODES, **record}


def measure_baseline(root: Path | None = None, label: str = "") -> dict[str, Any]:
    """Time the baseline scenario `BASELINE_REPEATS` times in one fresh child process.

    Parameters
    ----------
    root : Path, optional
        Which ``coprod_sim`` to import (see `spawn`).
    label : str
        Prefix of the progress line.

    Returns
    -------
    dict
        The child's record (``seconds`` is the best run), or ``{"model": "baseline", "error": ...}``.
    """
    print(f"... {label}baseline scenario, {BASELINE_STEPS} steps x {BASELINE_REPEATS}", file=sys.stderr, flush=True)
    return {"model": "baseline", **spawn("baseline", root, steps=BASELINE_STEPS, repeats=BASELINE_REPEATS)}


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


# ----------------------------------------------------------------------------------------
# A/B mode: the working tree against another commit, in one run (parent side)
# ----------------------------------------------------------------------------------------


def checkout_ref(ref: str, dest: Path) -> str:
    """Extract the tree of git revision ``ref`` into ``dest`` (``git archive | tar -x``).

    Parameters
    ----------
    ref : str
        Any git revision (``HEAD~3``, a hash, a branch).
    dest : Path
        An empty folder.

    Returns
    -------
    str
        The full hash of the commit extracted.

    Raises
    ------
    SystemExit
        If ``ref`` is not a commit, the extraction fails or the tree has no ``coprod_sim`` package.
    """
    rev = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    if rev.returncode != 0:
        raise SystemExit(f"--against {ref}: not a commit of {REPO}")
    commit = rev.stdout.strip()
    with subprocess.Popen(["git", "archive", "--format=tar", commit], stdout=subprocess.PIPE, cwd=REPO) as archive:
        tar = subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=False)
    if archive.returncode != 0 or tar.returncode != 0:
        raise SystemExit(f"--against {ref}: git archive | tar -x failed")
    if not (dest / "coprod_sim" / "__init__.py").is_file():
        raise SystemExit(f"--against {ref}: commit {commit[:10]} has no coprod_sim package")
    return commit


def _precompile(root: Path) -> None:
    """Byte-compile ``root/coprod_sim``, so no timed child compiles it (B's fresh tree has no .pyc).

    Parameters
    ----------
    root : Path
        The folder holding the package.
    """
    cmd = [sys.executable, "-m", "compileall", "-q", str(root / "coprod_sim")]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)


def ab_round(rnd: int, sizes: tuple[int, ...], roots: dict[str, Path]) -> list[dict[str, Any]]:
    """One A/B round: every size A then B, VirusOnNetwork (with 10,000), the baseline A then B.

    Parameters
    ----------
    rnd : int
        The round's number, stored in each record.
    sizes : tuple of int
        CoProdModel sizes.
    roots : dict
        ``{"A": folder, "B": folder}``: which ``coprod_sim`` each side imports.

    Returns
    -------
    list of dict
        One record per child process, with ``round`` and ``side`` (None for VirusOnNetwork,
        which does not import coprod_sim).
    """
    records = []
    for n in sizes:
        for side in ("A", "B"):
            records.append({"round": rnd, "side": side, **measure_coprod(n, roots[side], f"round {rnd}, {side}: ")})
    if RATIO_SIZE in sizes:
        records.append({"round": rnd, "side": None, **measure_virus(f"round {rnd}: ")})
    for side in ("A", "B"):
        records.append({"round": rnd, "side": side, **measure_baseline(roots[side], f"round {rnd}, {side}: ")})
    return records


def _spread(values: list[float]) -> tuple[float | None, float | None, float | None]:
    """Min, median and max of ``values`` (three Nones if it is empty)."""
    if not values:
        return None, None, None
    return min(values), statistics.median(values), max(values)


def ab_row(records: list[dict[str, Any]], model: str, size: int | None, key: str) -> dict[str, Any]:
    """Summarise one model (and size) over the rounds, A against B.

    Parameters
    ----------
    records : list of dict
        All the records of the run (from `ab_round`).
    model : str
        ``"CoProdModel"`` or ``"baseline"``.
    size : int or None
        The CoProdModel size; None matches any (the baseline).
    key : str
        The figure compared: ``"ms_per_step"`` or ``"seconds"``.

    Returns
    -------
    dict
        A's and B's best and median over rounds, the per-round ratios B/A (only rounds where both
        ran) with their min, median and max, for CoProdModel the best init and the highest peak
        RSS of each side, and the errors.
    """

    def by_round(side: str) -> dict[int, dict[str, Any]]:
        """This side's records of the model (and size), by round."""
        hits = [r for r in records if r["side"] == side and r.get("model") == model]
        return {r["round"]: r for r in hits if size is None or r.get("size") == size}

    a, b = by_round("A"), by_round("B")
    good = {side: [r for r in recs.values() if "error" not in r] for side, recs in (("A", a), ("B", b))}
    paired = [k for k in sorted(a) if k in b and "error" not in a[k] and "error" not in b[k]]
    ratios = [b[k][key] / a[k][key] for k in paired]
    row: dict[str, Any] = {"model": model, "size": size, "rounds_paired": len(ratios), "ratios": ratios}
    for side in ("A", "B"):
        values = [r[key] for r in good[side]]
        row[f"{side.lower()}_best"] = min(values, default=None)
        row[f"{side.lower()}_median"] = statistics.median(values) if values else None
    row["ratio_min"], row["ratio_median"], row["ratio_max"] = _spread(ratios)
    if model == "CoProdModel":
        for side in ("A", "B"):
            row[f"{side.lower()}_init_best"] = min((r["init_s"] for r in good[side]), default=None)
            row[f"{side.lower()}_rss_max"] = max((r["peak_rss_mib"] for r in good[side]), default=None)
    row["errors"] = [
        f"round {r['round']}, {r['side']}: {r['error']}" for r in [*a.values(), *b.values()] if "error" in r
    ]
    return row


def ab_checks(
    rows: list[dict[str, Any]], baseline: dict[str, Any], virus: dict[str, Any], sizes: tuple[int, ...]
) -> list[dict[str, Any]]:
    """The targets checked for A (the working tree), from its figures over the rounds.

    ms/step, init time and the baseline's seconds are the best over the rounds (as a single run
    takes the best block: the machine is noisy and only slows things down); peak RSS is the
    highest. The ratio uses VirusOnNetwork's best over the rounds.

    Parameters
    ----------
    rows : list of dict
        CoProdModel rows from `ab_row`.
    baseline : dict
        The baseline's row from `ab_row`.
    virus : dict
        VirusOnNetwork's summary (``best``).
    sizes : tuple of int
        The sizes run.

    Returns
    -------
    list of dict
        As `evaluate`.
    """
    models = [
        {
            "model": "CoProdModel",
            "size": row["size"],
            "ms_per_step": row["a_best"],
            "init_s": row["a_init_best"],
            "peak_rss_mib": row["a_rss_max"],
        }
        for row in rows
        if row["a_best"] is not None
    ]
    if virus.get("best") is not None:
        models.append({"model": "VirusOnNetwork", "size": VIRUS_NODES, "ms_per_step": virus["best"]})
    return evaluate(models, {"seconds": baseline["a_best"]}, sizes)


def _num(value: float | None, width: int, spec: str) -> str:
    """``value`` formatted with ``spec`` and right-aligned to ``width``, or ``-`` if it is None."""
    return f"{'-' if value is None else format(value, spec):>{width}}"


def format_ab_report(report: dict[str, Any]) -> str:
    """The printed A/B table.

    Parameters
    ----------
    report : dict
        As written by `run_ab`.

    Returns
    -------
    str
        The table, the baseline and VirusOnNetwork lines, the checks of A and any errors.
    """
    env, b_info, a_info = report["environment"], report["against"], report["working_tree"]
    modified = ", coprod_sim/ modified" if env["coprod_sim_modified"] else ""
    lines = [
        f"coprod-sim A/B speed benchmark: A = working tree (git {env['git_commit']}{modified}), "
        f"B = {b_info['ref']} ({b_info['commit'][:10]})",
        f"A imports {a_info['coprod_sim_file']}",
        f"B imports {b_info['coprod_sim_file']} (git archive, removed after the run)",
        f"{report['rounds']} rounds; in each, per size, A then B, each in a fresh process; Python {env['python']}, "
        f"mesa {env['mesa']}, numpy {env['numpy']}, {env['cpus']} CPUs, 1 BLAS thread",
        "ms/step: each process's best block, then best and median over rounds; B/A: B's ms/step over A's in the "
        "same round (above 1: A is faster); init: best over rounds; peak RSS: highest over rounds",
        "",
        f"{'size':>9}  {'A ms/step':>9} {'median':>8}  {'B ms/step':>9} {'median':>8}  {'B/A min':>7} {'median':>7} "
        f"{'max':>7}  {'A init s':>8} {'B init s':>8}  {'A RSS MiB':>9} {'B RSS MiB':>9}",
    ]
    for r in report["summary"]:
        lines.append(
            f"{r['size']:>9,}  {_num(r['a_best'], 9, '.2f')} {_num(r['a_median'], 8, '.2f')}  "
            f"{_num(r['b_best'], 9, '.2f')} {_num(r['b_median'], 8, '.2f')}  {_num(r['ratio_min'], 7, '.3f')} "
            f"{_num(r['ratio_median'], 7, '.3f')} {_num(r['ratio_max'], 7, '.3f')}  "
            f"{_num(r['a_init_best'], 8, '.3f')} {_num(r['b_init_best'], 8, '.3f')}  "
            f"{_num(r['a_rss_max'], 9, '.0f')} {_num(r['b_rss_max'], 9, '.0f')}"
        )
    b, v = report["baseline"], report["virus"]
    lines += [
        "",
        f"baseline scenario, {BASELINE_STEPS} steps, build + run (best of {BASELINE_REPEATS} in each process), s: "
        f"A best {_num(b['a_best'], 0, '.3f')} (median {_num(b['a_median'], 0, '.3f')}), "
        f"B best {_num(b['b_best'], 0, '.3f')} (median {_num(b['b_median'], 0, '.3f')}); "
        f"B/A min {_num(b['ratio_min'], 0, '.3f')}, median {_num(b['ratio_median'], 0, '.3f')}, "
        f"max {_num(b['ratio_max'], 0, '.3f')}",
    ]
    if RATIO_SIZE in report["sizes"]:
        lines.append(
            f"VirusOnNetwork, {VIRUS_NODES:,} nodes (yardstick for A's ratio), ms/step over rounds: "
            f"best {_num(v.get('best'), 0, '.2f')}, median {_num(v.get('median'), 0, '.2f')}"
        )
    lines += ["", "checks of A (the working tree)", *format_checks(report["checks"])]
    errors = [e for row in [*report["summary"], b] for e in row["errors"]] + v.get("errors", [])
    if errors:
        lines += ["", "errors", *(f"  {e}" for e in errors)]
    lines += ["", f"benchmark wall time: {report['wall_s']:.0f} s"]
    return "\n".join(lines)


def _refuse(message: str) -> int:
    """Print why the A/B run reports nothing, and return its exit status (2)."""
    print(f"refusing to report: {message}", file=sys.stderr)
    return 2


def _ab_sources(roots: dict[str, Path], records: list[dict[str, Any]] | None = None) -> tuple[dict[str, str], str]:
    """Which ``coprod_sim`` file each side imports, and why the run must not be reported, if so.

    Parameters
    ----------
    roots : dict
        ``{"A": folder, "B": folder}``.
    records : list of dict, optional
        The measurements made: each record's ``coprod_sim_file`` must be its side's.

    Returns
    -------
    files : dict
        ``{"A": path, "B": path}`` as a probe child of each side reports it ("" if it failed).
    problem : str
        Empty if A and B imported different files, every time.
    """
    files = {}
    for side, root in roots.items():
        probe = spawn("probe", root)
        if "error" in probe:
            return {}, f"{side} cannot import coprod_sim from {root}: {probe['error']}"
        files[side] = probe["coprod_sim_file"]
    if files["A"] == files["B"]:
        return files, f"A and B both import coprod_sim from {files['A']}"
    for r in records or []:
        if r["side"] is not None and r.get("coprod_sim_file", files[r["side"]]) != files[r["side"]]:
            return files, f"round {r['round']}, {r['side']} imported {r['coprod_sim_file']}, not {files[r['side']]}"
    return files, ""


def run_ab(ref: str, rounds: int, sizes: tuple[int, ...], quick: bool, out: Path) -> int:
    """Measure the working tree (A) against git revision ``ref`` (B), alternating, in one run.

    B's tree is extracted into a temporary folder (removed at the end); each child imports its
    side's ``coprod_sim`` (see `spawn`) but runs this script's worker, so both are timed the same
    way. B's code must offer what the worker calls: ``CoProdModel(seed=, organisation_people=)``,
    ``model.n``, ``Config()`` and ``simulate(config, seed=, steps=)``.

    Parameters
    ----------
    ref : str
        The git revision for B.
    rounds : int
        Rounds; each runs every size A then B, VirusOnNetwork (with 10,000) and the baseline.
    sizes : tuple of int
        CoProdModel sizes.
    quick : bool
        Recorded in the JSON.
    out : Path
        Where the JSON goes.

    Returns
    -------
    int
        0; 1 if a target of A fails or a measurement errors; 2 if A and B did not import
        different code (nothing is then printed or written).
    """
    start = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="coprod-sim-ab-"))
    try:
        commit = checkout_ref(ref, tmp)
        roots = {"A": REPO, "B": tmp}
        for root in roots.values():
            _precompile(root)
        files, problem = _ab_sources(roots)
        if problem:
            return _refuse(problem)
        records = [rec for rnd in range(1, rounds + 1) for rec in ab_round(rnd, sizes, roots)]
        files, problem = _ab_sources(roots, records)
        if problem:
            return _refuse(problem)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report = ab_report(ref, commit, files, records, rounds, sizes, quick)
    report["wall_s"] = time.perf_counter() - start
    print(format_ab_report(report))
    write_json(report, out)
    print(f"results written to {out}")
    failed = any(c["verdict"] == "FAIL" for c in report["checks"]) or any("error" in r for r in records)
    return 1 if failed else 0


def ab_report(
    ref: str,
    commit: str,
    files: dict[str, str],
    records: list[dict[str, Any]],
    rounds: int,
    sizes: tuple[int, ...],
    quick: bool,
) -> dict[str, Any]:
    """Assemble the A/B report (summaries, checks of A, every record) for printing and the JSON.

    Parameters
    ----------
    ref, commit : str
        B's revision as given and its full hash.
    files : dict
        ``{"A": path, "B": path}``: the ``coprod_sim/__init__.py`` each side imported.
    records : list of dict
        Every measurement, from `ab_round`.
    rounds : int
        Rounds run.
    sizes : tuple of int
        CoProdModel sizes run.
    quick : bool
        Whether ``--quick`` was given.

    Returns
    -------
    dict
        The report, without ``wall_s``.
    """
    rows = [ab_row(records, "CoProdModel", n, "ms_per_step") for n in sizes]
    baseline = ab_row(records, "baseline", None, "seconds")
    virus_recs = [r for r in records if r.get("model") == "VirusOnNetwork"]
    virus_ms = [r["ms_per_step"] for r in virus_recs if "error" not in r]
    virus = {
        "best": min(virus_ms, default=None),
        "median": statistics.median(virus_ms) if virus_ms else None,
        "ms_per_step": virus_ms,
        "errors": [f"round {r['round']}, VirusOnNetwork: {r['error']}" for r in virus_recs if "error" in r],
    }
    return {
        "mode": "ab",
        "quick": quick,
        "rounds": rounds,
        "sizes": list(sizes),
        "working_tree": {"root": str(REPO), "coprod_sim_file": files["A"]},
        "against": {"ref": ref, "commit": commit, "coprod_sim_file": files["B"]},
        "environment": _environment(),
        "targets": _targets(),
        "summary": rows,
        "baseline": baseline,
        "virus": virus,
        "checks": ab_checks(rows, baseline, virus, sizes),
        "records": records,
    }


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
    parser.add_argument(
        "--against",
        metavar="REF",
        default=None,
        help="A/B mode: time the working tree (A) against git revision REF (B), alternating A and B in "
        f"fresh processes, and write {AB_OUT.relative_to(REPO)}",
    )
    parser.add_argument(
        "--rounds", type=int, default=None, help=f"A/B rounds, each every size A then B (default {DEFAULT_ROUNDS})"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"JSON output (default {DEFAULT_OUT.relative_to(REPO)})")
    # Internal: one measurement in a child process (see spawn).
    parser.add_argument("--worker", choices=("coprod", "virus", "baseline", "probe"), help=argparse.SUPPRESS)
    parser.add_argument("--expect-root", default=None, help=argparse.SUPPRESS)
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
    if args.against is not None:
        rounds = DEFAULT_ROUNDS if args.rounds is None else args.rounds
        if rounds < 1:
            parser.error("--rounds must be at least 1")
        return run_ab(args.against, rounds, sizes, args.quick, args.out if args.out is not None else AB_OUT)
    if args.rounds is not None:
        parser.error("--rounds needs --against")
    default_out = QUICK_OUT if args.quick else (SIZES_OUT if args.sizes else DEFAULT_OUT)
    return run_benchmark(sizes, args.quick, args.out if args.out is not None else default_out)


if __name__ == "__main__":
    sys.exit(main())
