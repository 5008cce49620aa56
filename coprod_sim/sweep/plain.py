"""Plain words and numbers for a sweep's analysis: what ``coprod-sim analyze`` prints and its report shows.

Outcomes are named by :mod:`coprod_sim.outputs` (label, unit and decimals), levers by their
definition in :mod:`coprod_sim.config` (what the parameter does). Numbers have the fixed
decimals of their outcome, never an exponent. A true/false lever is *off* or *on*.

Numerical noise: least squares and sums over runs carry rounding errors of the order of 1e-16
times the outcome's size, which used to be printed as effects (``+8.25e-17``). A difference
whose size is at most :data:`NOISE` times ``1 + `` the largest size of the outcome in the sweep
is such an error, not an effect of the lever, and is shown as ``0``. A billionth leaves a wide
margin over the rounding error and is far below the smallest change the decimals show, so no
real effect is hidden. The tables written as CSV keep the computed values.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from coprod_sim.config import PARAMS
from coprod_sim.outputs import decimals

__all__ = [
    "COLOURS",
    "MANY_VALUES",
    "NOISE",
    "fixed",
    "html_table",
    "is_boolean",
    "is_noise",
    "lever_change",
    "lever_label",
    "lever_value",
    "number",
    "outcome_scale",
    "signed",
]

#: A difference at most this share of an outcome's size (``1 +`` its largest absolute value) is noise.
NOISE = 1e-9
#: Line and marker colours (Okabe-Ito): distinguishable with the common colour-vision deficiencies.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: More distinct values than this (sampled designs) are shown as a range.
MANY_VALUES = 12


def lever_label(path: str) -> str:
    """Return what the lever at key path ``path`` does, in its definition's words (the path if it has none)."""
    p = PARAMS.get(path)
    return p.doc if p is not None else path


def is_boolean(runs: pd.DataFrame, path: str) -> bool:
    """Return True if the lever at ``path`` is true/false (by its definition, else by the values in ``runs``)."""
    p = PARAMS.get(path)
    if p is not None:
        return p.type is bool
    return path in runs and runs[path].dtype == bool


def lever_value(value: Any, boolean: bool = False, digits: int = 6) -> str:
    """Return a lever's value as people read it: ``off``/``on``, or the number to ``digits`` significant digits.

    Whole numbers are kept whole and nothing has an exponent.
    """
    if boolean or isinstance(value, (bool, np.bool_)):
        return "on" if bool(value) else "off"
    if isinstance(value, str):
        return value
    x = float(value)
    if x.is_integer():
        return f"{int(x):,}"
    if abs(x) >= 10 ** (digits - 1):
        return f"{x:,.0f}"
    return np.format_float_positional(x, precision=digits, unique=False, fractional=False, trim="-")


def lever_change(runs: pd.DataFrame, path: str, sentence: bool = False) -> str:
    """Return the change a lever effect is for: ``off → on``, or ``lowest → highest`` value in ``runs``.

    ``sentence`` says it in words, ``from off to on``, for text that a screen reader reads out.
    Sampled designs give many values, with no meaning beyond three significant digits.
    """
    if is_boolean(runs, path):
        low, high = "off", "on"
    else:
        values = runs[path].astype(float)
        digits = 6 if values.nunique() <= MANY_VALUES else 3
        low, high = lever_value(values.min(), digits=digits), lever_value(values.max(), digits=digits)
    return f"from {low} to {high}" if sentence else f"{low} → {high}"


def outcome_scale(runs: pd.DataFrame, outcome: str) -> float:
    """Return the outcome's size in the sweep: its largest absolute value over the runs (0 if none)."""
    y = np.abs(runs[outcome].to_numpy(float)) if outcome in runs else np.array([])
    y = y[np.isfinite(y)]
    return float(y.max()) if len(y) else 0.0


def is_noise(x: float, scale: float) -> bool:
    """Return True if difference ``x`` is rounding error for an outcome of size ``scale`` (see :data:`NOISE`)."""
    return math.isfinite(x) and abs(x) <= NOISE * (1.0 + abs(scale))


def fixed(x: float, digits: int) -> str:
    """Return ``x`` with ``digits`` decimals and thousands separated, never ``-0.00``; NaN is ``no value``."""
    if x is None or not math.isfinite(x):
        return "no value"
    text = f"{x:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def number(x: float, outcome: str) -> str:
    """Return a value of ``outcome`` with its fixed decimals (:func:`coprod_sim.outputs.decimals`)."""
    return fixed(x, decimals(outcome))


def signed(x: float, outcome: str, scale: float) -> str:
    """Return a difference in ``outcome`` with its sign and fixed decimals; ``0`` if it is numerical noise."""
    if x is None or not math.isfinite(x):
        return "no value"
    if is_noise(x, scale):
        return "0"
    text = f"{x:+,.{decimals(outcome)}f}"
    # A real but tiny difference that rounds to zero has no direction to show: "0.000", not "-0.000".
    return text[1:] if not text.strip("+-0.,") else text


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]], caption: str, numeric_from: int = 1) -> str:
    """Return an HTML table of text cells, escaped, with a caption; columns from ``numeric_from`` on are numbers."""
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = []
    for row in rows:
        cells = [
            f'<td class="num">{escape(c)}</td>' if i >= numeric_from else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return "<p>Nothing to show (no lever varied, or no finished runs).</p>"
    return (
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )
