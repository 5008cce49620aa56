"""Shared helpers for the test suite."""

from __future__ import annotations

import numpy as np
import pytest

from coprod_sim.config import Config
from coprod_sim.run import simulate

SEEDS = (0, 1, 2, 3, 4)


def run_ts(config: Config, seed: int, steps: int):
    """Time series of one run."""
    return simulate(config, seed, steps).timeseries


def paired(cfg_a: Config, cfg_b: Config, stat, steps: int = 520, seeds=SEEDS) -> tuple[np.ndarray, np.ndarray]:
    """Statistic of two configurations over the same seeds (common random numbers)."""
    a = np.array([stat(run_ts(cfg_a, s, steps)) for s in seeds])
    b = np.array([stat(run_ts(cfg_b, s, steps)) for s in seeds])
    return a, b


@pytest.fixture
def small() -> Config:
    """A small organisation that runs fast."""
    return Config().with_overrides({"organisation.people": 120, "organisation.disabled_share": 0.3})
