"""Golden results: hashes of every output column of fixed runs, so that any change of results shows.

A refactor must leave every hash as it is. A deliberate change of results regenerates them::

    .venv/bin/python -m tests.golden --regenerate "why the results moved"

which rewrites ``tests/golden/hashes.json`` and prints the line to add to CHANGELOG.md (the test
suite checks that CHANGELOG.md names the current generation). ``--check`` lists the columns that
differ, case by case, without writing anything.

Each column is hashed as float64 values (NaN and -0.0 made canonical), never as Parquet bytes,
so a change of file format or library version does not count as a change of results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HASHES = Path(__file__).parent / "golden" / "hashes.json"
CHANGELOG = Path(__file__).parent.parent / "CHANGELOG.md"

LEVELS = ("none", "consultation", "compliance", "intermediate", "transformative")

# A small experiment for the sweep case: a Latin hypercube over two levers, one chunk of runs.
SWEEP_TOML = """
[experiment]
name = "golden_sweep"
description = "Golden results: one chunk of a Latin hypercube over two levers"
scenario = "peer_support"
replicates = 2
steps = 52
seed = 7

[design]
method = "lhs"
samples = 3

[[parameters]]
path = "power.transfer"
low = 0.0
high = 0.6

[[parameters]]
path = "peer_support.uptake"
low = 0.1
high = 0.9
"""


def column_hash(values: object) -> str:
    """Hash of a column as float64: NaN and -0.0 canonical, strings as their level or category code."""
    s = pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        x = s.cat.codes.to_numpy(np.float64)
    elif s.dtype == object:
        x = np.array([LEVELS.index(v) if v in LEVELS else np.nan for v in s], np.float64)
        if np.isnan(x).any():  # not levels: hash the text itself
            return hashlib.sha256("\x1f".join(map(str, s)).encode()).hexdigest()[:16]
    else:
        x = s.to_numpy(np.float64)
    x = np.where(np.isnan(x), np.nan, x + 0.0)  # one NaN pattern; -0.0 becomes 0.0
    return hashlib.sha256(np.ascontiguousarray(x).tobytes()).hexdigest()[:16]


def frame_hashes(df: pd.DataFrame, prefix: str = "") -> dict[str, str]:
    """Hash of every column of a frame, keyed ``prefix + column``; the row count too."""
    out = {f"{prefix}#rows": str(len(df))}
    out.update({f"{prefix}{c}": column_hash(df[c]) for c in df.columns})
    return out


def _run_case(scenario: str, seed: int, steps: int, overrides: dict | None = None) -> dict[str, str]:
    from coprod_sim.run import simulate
    from coprod_sim.scenarios import load_scenario

    sc = load_scenario(scenario).with_overrides(overrides or {})
    res = simulate(sc.config, seed, steps)
    return {**frame_hashes(res.timeseries, "timeseries."), **frame_hashes(res.people, "people.")}


def _compare_case() -> dict[str, str]:
    from coprod_sim.compare import compare
    from coprod_sim.scenarios import load_scenario

    scs = [
        load_scenario(n).with_overrides({"organisation.people": 150})
        for n in ("baseline", "peer_support", "transformative")
    ]
    c = compare(scs, replicates=3, seed=4, steps=104, workers=1)
    table = c.table.drop(columns=["label"])  # wording, not results
    out = {**frame_hashes(table, "table."), **frame_hashes(c.runs, "runs.")}
    out["seeds"] = column_hash(np.array(c.seeds, np.float64))
    for name in c.names:
        out[f"cumulative_cost.{name}"] = column_hash(c.cumulative_cost[name])
        out[f"break_even.{name}"] = str(c.break_even[name])
        for col, band in (c.trajectories or {}).get(name, {}).items():
            out[f"trajectory.{name}.{col}"] = column_hash(np.concatenate(band))
    return out


def _sweep_case() -> dict[str, str]:
    import tempfile

    from coprod_sim.sweep.design import load_experiment
    from coprod_sim.sweep.runner import sweep

    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "golden_sweep.toml"
        spec.write_text(SWEEP_TOML, encoding="utf-8")
        exp = load_experiment(spec)
        out = sweep(exp, Path(tmp) / "out", chunk_size=4).out
        # The second chunk file: runs 4-5 of 6 (design point 2, both replicates).
        chunk = pd.read_parquet(out / "runs" / "part-000001.parquet")
    return {**frame_hashes(exp.points(), "design."), **frame_hashes(chunk, "chunk.")}


#: name -> how to compute its hashes. Three shipped scenarios on two seeds, a ramped timeline, a
#: run above 4,096 people (three newcomer chunks), one comparison and one sweep chunk.
CASES: dict[str, Callable[[], dict[str, str]]] = {
    **{
        f"{sc}-seed{seed}": (lambda sc=sc, seed=seed: _run_case(sc, seed, 520))
        for sc in ("baseline", "peer_support", "transformative")
        for seed in (1, 2)
    },
    "accessibility_first-ramped-seed3": lambda: _run_case("accessibility_first", 3, 156),
    "intermediate-9000-people": lambda: _run_case("intermediate", 5, 104, {"organisation.people": 9000}),
    "compare-3-scenarios": _compare_case,
    "sweep-chunk": _sweep_case,
}


def compute(names: list[str] | None = None) -> dict[str, dict[str, str]]:
    """Hashes of the named cases (all by default)."""
    return {name: CASES[name]() for name in (names or list(CASES))}


def generation(hashes: dict[str, dict[str, str]]) -> str:
    """Short identifier of a set of golden hashes (what CHANGELOG.md must name)."""
    return hashlib.sha256(json.dumps(hashes, sort_keys=True).encode()).hexdigest()[:12]


def load() -> dict:
    """The committed golden file: ``{"generation", "reason", "cases"}``."""
    return json.loads(HASHES.read_text(encoding="utf-8"))


def differences(expected: dict[str, str], actual: dict[str, str]) -> list[str]:
    """Keys whose hashes differ, are missing or are new."""
    keys = sorted(set(expected) | set(actual))
    return [k for k in keys if expected.get(k) != actual.get(k)]


def main(argv: list[str] | None = None) -> int:
    """Regenerate or check the golden hashes."""
    ap = argparse.ArgumentParser(prog="python -m tests.golden", description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--regenerate", metavar="REASON", help="rewrite the hashes, for a deliberate change of results")
    g.add_argument("--check", action="store_true", help="list what differs from the committed hashes")
    args = ap.parse_args(argv)
    hashes = compute()
    if args.check:
        old = load()["cases"]
        bad = {name: differences(old.get(name, {}), h) for name, h in hashes.items()}
        bad = {k: v for k, v in bad.items() if v}
        for name, keys in bad.items():
            print(f"{name}: {len(keys)} differ: {', '.join(keys[:12])}{' ...' if len(keys) > 12 else ''}")
        print("all golden results unchanged" if not bad else f"{len(bad)} of {len(hashes)} cases changed")
        return 1 if bad else 0
    gen = generation(hashes)
    HASHES.parent.mkdir(parents=True, exist_ok=True)
    doc = {"generation": gen, "reason": args.regenerate, "cases": hashes}
    tmp = HASHES.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(HASHES)
    print(f"Wrote {HASHES} ({len(hashes)} cases). Add to CHANGELOG.md:")
    print(f"- Golden results regenerated (generation {gen}): {args.regenerate}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
