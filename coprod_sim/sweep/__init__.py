"""Experiments at scale: designs, sweeps on local processes, resumable Parquet storage."""

from coprod_sim.sweep.analysis import Analysis, analyze
from coprod_sim.sweep.design import Experiment, load_experiment
from coprod_sim.sweep.runner import SweepReport, load_results, sweep

__all__ = ["Analysis", "Experiment", "SweepReport", "analyze", "load_experiment", "load_results", "sweep"]
