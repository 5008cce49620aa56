"""Promotion by performance net of barriers, judged by managers (docs/ODD.md 7.12).

Sources: UNCRPD Art. 27(a), (e) (equal career advancement); 000 (social model: performance net
of barriers); Accenture 2020 (67% of executives vs 41% of employees think disabled staff are
enabled to thrive); the rates are assumptions.
"""

from __future__ import annotations

import numpy as np

from coprod_sim.config import Config
from coprod_sim.state import DISABLED_WORKER, Seats, State

__all__ = ["promote"]


def promote(s: State, seats: Seats, p: Config, rng: np.random.Generator, t: int) -> None:
    """On promotion weeks, promote non-managers by one grade with a chance set by performance and fairness."""
    pr = p.progression
    if t % pr.interval:
        return
    eligible = (~seats.is_manager) & (s.grade < pr.max_grade)
    perf = s.ability * (1.0 - s.barrier)  # performance net of barriers (social model)
    mgr_att = s.attitude[seats.manager_seat][s.team]
    known = s.role >= DISABLED_WORKER
    fair = 1.0 - pr.evaluation_bias * (1.0 - mgr_att) * known
    up = eligible & (rng.random(seats.n) < pr.rate * perf * fair)
    s.grade[up] += 1
