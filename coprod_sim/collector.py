"""A Mesa DataCollector for models whose outputs are scalars computed once a step.

:class:`ScalarDataCollector` records the outputs a model keeps in ``model.metrics`` without Mesa's
per-value deep copy, and leaves everything else (other reporters, agent records, and what
``mesa.batch_run`` reads) to Mesa's own ``collect``, so it works with whichever Mesa 3.x is
installed and touches none of its private fields.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa

__all__ = ["ScalarDataCollector", "metric_reporter"]


def metric_reporter(model: mesa.Model, name: str) -> Any:
    """Return output ``name`` of the current step from ``model.metrics``.

    Use it as ``partial(metric_reporter, name="fit")``: :class:`ScalarDataCollector` reads such
    reporters straight from ``model.metrics`` instead of calling them.

    Parameters
    ----------
    model : mesa.Model
        A model with a ``metrics`` dict of this step's outputs.
    name : str
        The output to read.

    Returns
    -------
    Any
        The output's value (a float, int or str).
    """
    return model.metrics[name]


class ScalarDataCollector(mesa.DataCollector):
    """A DataCollector that reads the model's scalar outputs without Mesa's per-value copy.

    Mesa deep-copies every reported value to protect against mutable results (mesa#3035); the
    outputs in ``model.metrics`` are floats, ints and strings, so the copy is pure overhead (about
    a tenth of a step at 10,000 people). Reporters made by ``partial(metric_reporter, name=...)``
    are therefore read straight from ``model.metrics`` (at a few hundred people a call per output
    was about 4% of a step).

    Everything else goes through Mesa's own ``collect``, unchanged: other model reporters (any
    form Mesa accepts, deep-copied), agent and agent-type reporters, and whatever the installed
    Mesa keeps per collection (Mesa 3.4.1+ records the collection's time, which ``batch_run``
    reads to pick its rows). Mesa keeps that only when it has a model reporter to collect, so it
    always collects the first model reporter itself.
    """

    _plan: tuple[tuple[int, int], list, dict] | None = None

    def _reading_plan(self) -> tuple[list, dict]:
        # Mesa creates a reporter's list when the collector is built, so reporters do not change
        # afterwards; the dict's identity and size are enough to notice a new set.
        key = (id(self.model_reporters), len(self.model_reporters))
        if self._plan is None or self._plan[0] != key:
            direct, by_mesa = [], {}
            for i, (var, r) in enumerate(self.model_reporters.items()):
                # Mesa does its per-collection bookkeeping only when it has a model reporter to
                # collect, so it always gets the first.
                if i and isinstance(r, partial) and r.func is metric_reporter and not r.args:
                    direct.append((self.model_vars[var].append, r.keywords["name"]))
                else:
                    by_mesa[var] = r
            self._plan = (key, direct, by_mesa)
        return self._plan[1], self._plan[2]

    def collect(self, model: mesa.Model) -> None:
        """Record every reporter's value for this step."""
        direct, by_mesa = self._reading_plan()
        metrics = getattr(model, "metrics", None)
        for append, name in direct:
            append(metrics[name])
        reporters = self.model_reporters
        self.model_reporters = by_mesa
        try:
            super().collect(model)
        finally:
            self.model_reporters = reporters
