"""Experiments at scale: designs, sweeps on local processes, resumable Parquet storage."""

from typing import TYPE_CHECKING, Any

from coprod_sim.sweep.design import Experiment, load_experiment
from coprod_sim.sweep.runner import SweepReport, load_results, sweep

if TYPE_CHECKING:
    from coprod_sim.sweep.analysis import Analysis, analyze

__all__ = ["Analysis", "Experiment", "SweepReport", "analyze", "load_experiment", "load_results", "sweep"]


def __getattr__(name: str) -> Any:
    # Analysis pulls in scipy.stats and SALib (about 0.7 s); sweep workers never need it.
    if name in ("Analysis", "analyze"):
        from coprod_sim.sweep import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
