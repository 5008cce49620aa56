"""A Mesa DataCollector for models whose outputs are scalars computed once a step.

:class:`ScalarDataCollector` records the outputs a model keeps in ``model.metrics`` without Mesa's
per-value deep copy, and leaves everything else (other reporters, agent records, and what
``mesa.batch_run`` reads) to Mesa's own ``collect``, so it works with whichever Mesa 3.x is
installed and touches none of its private fields.
"""

from __future__ import annotations

import functools
from functools import partial
from typing import Any

import mesa

__all__ = ["ScalarDataCollector", "mesa_keeps_per_collection", "metric_reporter"]


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
    reads to pick its rows; see :func:`mesa_keeps_per_collection`). Mesa keeps that only when it
    has a model reporter to collect, so such a Mesa always collects the first model reporter
    itself; with one that keeps nothing (3.3), Mesa's ``collect`` is not called at all.
    """

    _plan: tuple[tuple[int, int], list, dict] | None = None

    def _reading_plan(self) -> tuple[list, dict]:
        # Mesa creates a reporter's list when the collector is built, so reporters do not change
        # afterwards; the dict's identity and size are enough to notice a new set.
        key = (id(self.model_reporters), len(self.model_reporters))
        if self._plan is None or self._plan[0] != key:
            direct, by_mesa = [], {}
            for i, (var, r) in enumerate(self.model_reporters.items()):
                # A Mesa that keeps something per collection does it only when it has a model
                # reporter to collect, so it then always gets the first.
                first_to_mesa = i == 0 and mesa_keeps_per_collection()
                if not first_to_mesa and isinstance(r, partial) and r.func is metric_reporter and not r.args:
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
        if not (by_mesa or self.agent_reporters or self.agenttype_reporters):
            return  # nothing left for Mesa to do (this Mesa keeps nothing per collection)
        reporters = self.model_reporters
        self.model_reporters = by_mesa
        try:
            super().collect(model)
        finally:
            self.model_reporters = reporters


class _Probe:
    """The least of a model that Mesa's ``collect`` reads when it has one model reporter."""

    steps = 0
    time = 0.0


@functools.cache
def mesa_keeps_per_collection() -> bool:
    """Whether the installed Mesa's ``collect`` records anything besides the reporters' values.

    Mesa 3.4.1 and later record each collection's time, which ``batch_run`` reads; 3.3 records
    nothing. Found out once, by watching a plain collector collect one value: any list of its
    that grows, other than the values, is such a record.
    """
    probe = mesa.DataCollector(model_reporters={"value": lambda model: 0})

    def lengths() -> dict[str, int]:
        return {k: len(v) for k, v in vars(probe).items() if isinstance(v, list)}

    before = lengths()
    probe.collect(_Probe())
    return any(n != before.get(k, 0) for k, n in lengths().items())
