"""Shared test fixtures' helpers: a tiny finished sweep for the views that read sweeps."""

from __future__ import annotations

from pathlib import Path

TINY_SWEEP = """
[experiment]
name = "tiny"
description = "A 2 x 2 x 2 grid of short runs (and a lever with one value), for the tests of the Research view"
scenario = "baseline"
replicates = 2
steps = 20
seed = 3

[[parameters]]
path = "training.target"
values = ["all"]

[[parameters]]
path = "power.transfer"
values = [0.0, 0.5]

[[parameters]]
path = "accessibility.information"
values = [0.2, 0.8]

[[parameters]]
path = "peer_support.enabled"
values = [false, true]
"""


def make_sweep(out: Path) -> Path:
    """Run the tiny sweep (16 runs of 20 weeks) into ``out``; return ``out``."""
    from coprod_sim.sweep import load_experiment, sweep

    out.parent.mkdir(parents=True, exist_ok=True)
    spec = out.parent / "tiny.toml"
    spec.write_text(TINY_SWEEP, encoding="utf-8")
    return sweep(load_experiment(spec), out).out
