"""Time ``compare --uncertainty full`` of three shipped scenarios at the default draws (issue 14 item 8).

Run from the repository root::

    python benchmarks/bench_uncertainty.py                  # 2 local workers, the default --draws
    python benchmarks/bench_uncertainty.py --engine dask    # the same on a local Dask cluster
    python benchmarks/bench_uncertainty.py --draws 20       # a quick look (the target is for the default)

It runs, as a user would, ``coprod-sim compare baseline peer_support transformative
--uncertainty full --workers 2`` (300 people, ten years: the scenarios' own settings) into a
temporary folder, and times the whole command, start-up included. Target: under 180 s on 2 cores.
It prints the time, the draws, runs per second, the load average before and after (the machine
may be shared: a load above 2 on 2 cores slows every run), and writes the same to
``benchmarks/out/uncertainty.json``. The exit status is 1 if the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = ("baseline", "peer_support", "transformative")
TARGET_S = 180.0


def main() -> int:
    """Run the comparison once, print and write its timing; 1 if it misses the target."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, help="parameter draws (default: the command's default)")
    ap.add_argument("--engine", choices=("local", "dask"), default="local")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "uncertainty.json")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from coprod_sim.limits import DEFAULT_DRAWS

    draws = args.draws or DEFAULT_DRAWS
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "coprod_sim.cli", "compare", *SCENARIOS, "--uncertainty", "full"]
        cmd += ["--workers", "2", "--engine", args.engine]
        cmd += ["--draws", str(args.draws)] if args.draws else []
        shown = " ".join(["coprod-sim", *cmd[3:]])
        cmd += ["--out", tmp]
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
        seconds = time.perf_counter() - t0
        load_after = os.getloadavg()
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return 1
    runs = draws * len(SCENARIOS)
    result = {
        "command": shown,
        "draws": draws,
        "runs": runs,
        "seconds": round(seconds, 1),
        "runs_per_second": round(runs / seconds, 2),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "target_seconds": TARGET_S,
        "passed": seconds < TARGET_S,
    }
    print(
        f"{result['command']}\n{draws} draws x {len(SCENARIOS)} scenarios = {runs} runs in {seconds:.1f} s "
        f"({result['runs_per_second']} runs/s); load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f}; target < {TARGET_S:.0f} s: {'PASS' if result['passed'] else 'FAIL'}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = args.out.with_suffix(".tmp")
    tmp_out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    tmp_out.replace(args.out)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
