"""What a compiled core would buy and cost: one weekly update in numpy against the same in numba.

Issue 11 and 13 ask for a week at 10,000 people in at most 1/30 of a ``VirusOnNetwork`` step; in
numpy the week has a fixed cost of several hundred numpy calls plus about 0.15 us per person, and
that misses it (``bench_speed.py``). This measures the other route, a compiled core, on one real
update: reciprocity after the meetings (``deliberation._reciprocate``, the model's own function)
against a numba kernel doing the same arithmetic in the same order, on a model's state after 20
weeks. It checks that the kernel gives the same bits, times both, and measures what numba itself
costs a process: memory and start-up, with its kernel compiled now and loaded from a cache.

numba is not a dependency of coprod-sim. Install it beside the project, not into it::

    .venv/bin/pip install --target /tmp/numba-spike --no-deps numba==0.68.1 llvmlite==0.50.0
    PYTHONPATH=/tmp/numba-spike .venv/bin/python benchmarks/bench_compiled.py [--sizes 10000,1000000]

It prints one table and writes it to ``benchmarks/out/compiled.json``; it exits 2 when numba is
missing and 1 when the kernel's bits differ from numpy's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
STATE = ("engagement", "confidence", "infl_trace", "token_trace", "review_part", "review_infl", "part_n", "infl_sum")

# The kernel, as source: it is written to a module so that numba can cache it (cache=True needs a file).
KERNEL = textwrap.dedent(
    '''
    import numba


    @numba.njit(cache=True, nogil=True)
    def reciprocate(eng, conf, infl_tr, tok_tr, rev_part, rev_infl, part_n, infl_sum, part, infl_p, dw,
                    gain, fatigue, drift, resting, rate):
        """deliberation._reciprocate, one loop per numpy statement group, in its order."""
        for i in range(len(part)):
            j, q = part[i], infl_p[i]
            lost = 1.0 - q
            e, cf = eng[j], conf[j]
            eng[j] = e + gain * q * (1.0 - e) - fatigue * lost * e
            conf[j] = cf + 0.5 * gain * q * (1.0 - cf) - 0.5 * fatigue * lost * cf
        for k in range(len(dw)):
            j = dw[k]
            eng[j] += drift * (resting - eng[j])
            infl_tr[j] *= 1.0 - rate
            tok_tr[j] *= 1.0 - rate
        for i in range(len(part)):
            j, q = part[i], infl_p[i]
            infl_tr[j] += rate * q
            tok_tr[j] += rate * (1.0 - q)
            rev_part[j] += 1.0
            rev_infl[j] += q
            part_n[j] += 1
            infl_sum[j] += q
    '''
)

# Run in a fresh process: the memory and time numba adds to a process that has imported the model.
COST = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    def rss():
        return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) / 1024
    import coprod_sim.model
    before = rss()
    t0 = time.perf_counter()
    import numba
    imported = time.perf_counter() - t0
    at_import = rss()
    import kernel
    z = np.zeros(4)
    t0 = time.perf_counter()
    kernel.reciprocate(z, z.copy(), z.copy(), z.copy(), z.copy(), z.copy(), np.zeros(4, np.int32), z.copy(),
                       np.arange(2), np.ones(2), np.arange(4), 0.1, 0.1, 0.1, 0.4, 0.1)
    first = time.perf_counter() - t0
    print(before, at_import - before, rss() - before, imported, first)
    """
)


def _numba_cost(folder: Path) -> dict[str, float]:
    """Memory (MiB) and seconds numba adds to a fresh process, compiling (first) and from its cache."""
    out = {}
    for case in ("compiled", "cached"):  # the first process compiles and writes the cache
        env = {"PYTHONPATH": f"{folder}:{REPO}:{':'.join(sys.path)}"}
        done = subprocess.run([sys.executable, "-c", COST], env=env, capture_output=True, text=True, check=True)
        base, imp, total, t_imp, t_first = map(float, done.stdout.split())
        out |= {"model_import_mib": base, "numba_import_mib": imp, f"{case}_mib": total}
        out |= {"numba_import_s": t_imp, f"{case}_first_call_s": t_first}
    return out


def _time(fn, arrays: list[np.ndarray], rest: tuple, repeats: int, calls: int) -> float:
    """Best of ``repeats`` of ``calls`` calls, in microseconds per call."""
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn(*arrays, *rest)
        best = min(best, (time.perf_counter() - t0) / calls)
    return best * 1e6


def _compare(size: int, kernel) -> dict[str, float | bool]:
    """Both versions on a model of ``size`` people after 20 weeks: same bits, and their times."""
    from coprod_sim.mechanisms.deliberation import TRACE_RATE, _reciprocate
    from coprod_sim.model import CoProdModel

    m = CoProdModel(seed=1, organisation_people=size)
    for _ in range(20 if size <= 100_000 else 3):
        m.step()
    s, c, p = m.state, m.caches, m.config
    rng = np.random.default_rng(7)  # a week's participants: a quarter of the disabled workers
    part = np.sort(rng.choice(c.dw, len(c.dw) // 4, replace=False))
    infl_p = rng.random(len(part))
    rc = p.reciprocity
    gain = rc.gain * (1.5 if p.power.paid else 1.0)
    rest = (part, infl_p, c.dw, gain, rc.fatigue, rc.drift, rc.resting, TRACE_RATE)
    saved = [getattr(s, k).copy() for k in STATE]
    _reciprocate(s, c, p, part, infl_p)
    by_numpy = [getattr(s, k).copy() for k in STATE]
    mine = [a.copy() for a in saved]
    kernel.reciprocate(*mine, *rest)
    same = all(np.array_equal(a, b) for a, b in zip(by_numpy, mine, strict=True))
    calls = max(3, 20_000_000 // size // 100)

    def numpy_version(*_args: object) -> None:
        _reciprocate(s, c, p, part, infl_p)

    t_np = _time(numpy_version, [], (), 5, calls)
    t_nb = _time(kernel.reciprocate, mine, rest, 5, calls)
    return {"size": size, "same_bits": same, "numpy_us": t_np, "numba_us": t_nb, "participants": len(part)}


def main() -> int:
    """Measure, print a table, write JSON; 2 without numba, 1 if the bits differ."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,1000000", help="people, comma-separated (default 10000,1000000)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "compiled.json")
    args = ap.parse_args()
    try:
        import numba
    except ImportError:
        print("numba is not installed; see this file's docstring for a scratch install", file=sys.stderr)
        return 2
    sys.path.insert(0, str(REPO))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "kernel.py").write_text(KERNEL)
        cost = _numba_cost(folder)
        sys.path.insert(0, str(folder))
        import kernel

        rows = [_compare(int(n), kernel) for n in args.sizes.split(",")]
    print(f"numba {numba.__version__}, numpy {np.__version__}, Python {sys.version.split()[0]}")
    print(f"{'people':>10} {'numpy us':>10} {'numba us':>10} {'ratio':>7}  same bits")
    for r in rows:
        ratio = r["numpy_us"] / r["numba_us"]
        print(f"{r['size']:>10,} {r['numpy_us']:>10.1f} {r['numba_us']:>10.1f} {ratio:>7.2f}  {r['same_bits']}")
    print(
        f"a process that has imported the model ({cost['model_import_mib']:.0f} MiB) grows by "
        f"{cost['numba_import_mib']:.0f} MiB importing numba ({cost['numba_import_s']:.2f} s), and by "
        f"{cost['compiled_mib']:.0f} MiB in all once the kernel is compiled ({cost['compiled_first_call_s']:.2f} s) "
        f"or {cost['cached_mib']:.0f} MiB when it is loaded from numba's cache ({cost['cached_first_call_s']:.2f} s)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"numba": numba.__version__, "rows": rows, "cost": cost}, indent=2) + "\n")
    return 0 if all(r["same_bits"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
