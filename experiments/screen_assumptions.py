"""One-at-a-time screen of the "assumption" parameters: which of them move an answer.

Each parameter whose source says "assumption" (and that no shipped scenario sets, and that is not
calibrated or a run setting) is moved to each end of a candidate range, alone; transformative and
peer_support are compared with baseline on common random numbers (300 people, ten years). An
answer is a scenario's difference from baseline in fit, wellbeing and burnout of disabled people,
tokenism and yearly cost, and the week its extra cost is paid back. A parameter "moves an answer"
when, between its two ends, a difference changes by more than :data:`THRESHOLDS` or the payback
week moves by more than a year (or appears or goes). The shipped default cards
(``coprod_sim/data/assumptions.toml``) give a range to those that do; docs/assumptions.md lists
the others with how much they moved the answers.

Run from a source checkout (one process; 6 minutes on 2026-12-04 on the development machine)::

    python experiments/screen_assumptions.py --seeds 2 --out results/assumption_screen

It writes ``screen.csv`` (one row per parameter, end, scenario) and ``effects.csv`` (one row per
parameter: the largest change of each answer) and prints the movers. Results are not committed.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from coprod_sim.cards import NOT_CARDS, calibrated_paths, is_assumption
from coprod_sim.compare import compare
from coprod_sim.config import LEVER_SECTIONS, PARAMS
from coprod_sim.scenarios import load_scenario, shipped_scenarios

SCENARIOS = ("baseline", "transformative", "peer_support")
#: Outcome -> change of a scenario's difference from baseline, between a parameter's ends, that
#: counts as moving an answer: 0.02 on a 0-1 scale is about the chance spread of two seeds' mean
#: difference at 300 people; cost: £10,000 a year (7% of transformative's extra cost).
THRESHOLDS = {
    "fit_mean": 0.02,
    "wellbeing_disabled_final": 0.02,
    "burnout_disabled_mean": 0.02,
    "tokenism_rate_mean": 0.02,
    "cost_per_year": 10_000.0,
}
PAYBACK_WEEKS = 52  # a payback week that moves by more than a year moves the answer

#: Candidate ranges where halving and half as much again (the rule in candidate_range) is not
#: defensible: a bias or share near a bound, or ages and counts that other parameters constrain.
RANGES: dict[str, tuple[float, float]] = {
    "deliberation.standard_bias": (0.5, 0.9),
    "deliberation.token_ratio": (0.3, 0.7),
    "deliberation.aspects": (5, 12),
    "deliberation.coverage": (2, 5),
    "wellbeing.resting": (0.6, 0.8),
    "wellbeing.burnout_threshold": (0.33, 0.43),
    "retention.reference": (0.4, 0.6),
    "retention.hire_age_min": (16, 22),
    "retention.hire_age_max": (50, 60),
    "reciprocity.resting": (0.3, 0.7),
    "organisation.attitude_mean": (0.3, 0.5),
    "organisation.workload": (0.4, 0.6),
    "organisation.manager_attitude_shift": (-0.15, 0.05),
    "participation.base": (0.4, 1.2),
    "service_users.disabled_share": (0.4, 0.8),
    "service_users.good_margin": (-0.05, 0.05),
    "service_users.barrier": (0.3, 0.7),
    "progression.evaluation_bias": (0.2, 0.6),
    "progression.development_barrier": (0.3, 0.7),
    "support.informed": (0.3, 0.7),
    "organisation.recovery_share": (0.45, 0.65),
    "organisation.recovery_rate": (0.6, 0.9),
    "organisation.disclosure": (0.35, 0.55),
}


def screened_paths() -> list[str]:
    """Assumption parameters a card could cover: not run settings, calibrated, nor set by a shipped scenario.

    A parameter the shipped scenarios set is a plan's lever (what is compared), and a lever
    section's parameter that is 0 by default is a policy switched off (careers.fair_evaluation).
    """
    levers = set()
    for path in shipped_scenarios():
        sc = load_scenario(path)
        levers |= set(sc.config.diff()) | {e.lever for e in sc.config.timeline}
    skip = set(NOT_CARDS) | set(calibrated_paths()) | levers
    return [
        p
        for p, spec in PARAMS.items()
        if is_assumption(p)
        and p not in skip
        and spec.type in (int, float)
        and not (spec.section in LEVER_SECTIONS and spec.default == 0)
    ]


def candidate_range(path: str) -> tuple[float, float]:
    """Return the ends screened: :data:`RANGES`, else half to 1.5 times the default, inside the allowed range."""
    p = PARAMS[path]
    if path in RANGES:
        lo, hi = RANGES[path]
    else:
        lo, hi = 0.5 * p.default, 1.5 * p.default
        if p.type is int:
            lo, hi = min(round(lo), p.default - 1), max(round(hi), p.default + 1)
    lo, hi = max(lo, p.lo), min(hi, p.hi)
    return (int(lo), int(hi)) if p.type is int else (float(f"{lo:.6g}"), float(f"{hi:.6g}"))


def answers(overrides: dict[str, Any], seeds: int, steps: int) -> list[dict[str, Any]]:
    """Differences from baseline (and payback week) of each scenario with ``overrides`` applied."""
    scs = [load_scenario(n).with_overrides(overrides) for n in SCENARIOS]
    c = compare(scs, replicates=seeds, seed=1, steps=steps)
    rows = []
    for name in SCENARIOS[1:]:
        row: dict[str, Any] = {"scenario": name}
        sub = c.table[c.table.scenario == name].set_index("outcome")
        for key in THRESHOLDS:
            row[key] = float(sub.loc[key, "diff"])
        be = c.break_even[name]
        row["payback_week"] = math.nan if be is None else be
        rows.append(row)
    return rows


def effects(screen: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the largest change (high end minus low end) of each answer over the scenarios."""
    out = []
    for path, g in screen[screen.end != "default"].groupby("parameter", sort=False):
        lo, hi = (g[g.end == e].set_index("scenario") for e in ("low", "high"))
        row: dict[str, Any] = {"parameter": path, "low": g.value.iloc[0], "high": g[g.end == "high"].value.iloc[0]}
        moves = []
        for key, limit in THRESHOLDS.items():
            delta = (hi[key] - lo[key]).abs().max()
            row[key] = delta
            if delta > limit:
                moves.append(key)
        weeks = _payback_move(lo.payback_week, hi.payback_week)
        row["payback_weeks_moved"] = weeks
        if weeks > PAYBACK_WEEKS:
            moves.append("payback_week")
        row["moves"] = " ".join(moves)
        out.append(row)
    return pd.DataFrame(out)


def _payback_move(lo: pd.Series, hi: pd.Series) -> float:
    """Largest move of the payback week; infinite if it pays back at one end and not the other."""
    worst = 0.0
    for a, b in zip(lo, hi, strict=True):
        if math.isnan(a) and math.isnan(b):
            continue
        worst = max(worst, math.inf if math.isnan(a) or math.isnan(b) else abs(a - b))
    return worst


def main(argv: list[str] | None = None) -> int:
    """Run the screen and write its tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=2, help="replicate seeds per run (default 2)")
    ap.add_argument("--steps", type=int, default=520, help="weeks (default 520, ten years)")
    ap.add_argument("--out", type=Path, default=Path("results/assumption_screen"))
    ap.add_argument("--only", nargs="*", help="screen only these key paths")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    paths = args.only or screened_paths()
    print(f"screening {len(paths)} parameters (calibrated, not screened: {', '.join(calibrated_paths())})")
    rows = [{"parameter": "", "end": "default", "value": math.nan, **r} for r in answers({}, args.seeds, args.steps)]
    t0 = time.time()
    for i, path in enumerate(paths, 1):
        for end, value in zip(("low", "high"), candidate_range(path), strict=True):
            for r in answers({path: value}, args.seeds, args.steps):
                rows.append({"parameter": path, "end": end, "value": value, **r})
        eta = (time.time() - t0) / i * (len(paths) - i)
        print(f"[{i}/{len(paths)}] {path} done; about {eta / 60:.0f} min left", file=sys.stderr, flush=True)
    screen = pd.DataFrame(rows)
    screen.to_csv(args.out / "screen.csv", index=False)
    eff = effects(screen)
    eff.to_csv(args.out / "effects.csv", index=False)
    with pd.option_context("display.width", 200, "display.max_rows", 200, "display.max_columns", 20):
        print(screen[screen.end == "default"].to_string(index=False))
        print(eff.round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
