"""Levers and the timeline (docs/ODD.md 7.1): the parameter values in force in a given week.

A scenario's sections give the levers' values from the start; its ``[[timeline]]`` entries move a
lever to a new value from a given week, at once or ramped linearly over ``ramp`` weeks. This one
implementation is used by the model each week and by the dashboard to show what is in force.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from coprod_sim.config import Config, TimelineEntry

__all__ = ["levers_at", "ramped"]


def levers_at(config: Config, week: int) -> Config:
    """Return ``config`` with every lever set to its value in force in ``week``.

    Entries apply in order of their week (the config keeps them sorted); a ramp moves from the
    value in force when it starts to its target, a step of ``1 / ramp`` each week from its first
    week. Non-lever sections are returned unchanged.
    """
    values: dict[str, Any] = {}
    for e in config.timeline:
        if e.step > week:
            continue
        current = values.get(e.lever, config.get(e.lever))
        values[e.lever] = ramped(e, current, week)
    if not values:
        return config
    by_section: dict[str, dict[str, Any]] = {}
    for path, v in values.items():
        sec, name = path.split(".")
        by_section.setdefault(sec, {})[name] = v
    return dataclasses.replace(
        config, **{sec: dataclasses.replace(getattr(config, sec), **kv) for sec, kv in by_section.items()}
    )


def ramped(entry: TimelineEntry, current: Any, week: int) -> Any:
    """Value of a lever under ``entry`` in ``week``, ramping from ``current`` (whole numbers stay whole)."""
    if not entry.ramp or isinstance(entry.value, bool | str):
        return entry.value
    frac = min(1.0, (week - entry.step + 1) / entry.ramp)
    v = current + frac * (entry.value - current)
    return round(v) if isinstance(entry.value, int) and isinstance(current, int) else v
