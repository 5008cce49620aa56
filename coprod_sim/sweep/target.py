"""A target for scenario discovery: a condition on a run's outputs, read safely.

``coprod-sim analyze DIR --target "fit_mean > 0.7 and cost_per_year < 1.2e6"`` marks each run
that meets the condition. The text comes from the command line, so it is never given to
``eval``: it is parsed with :mod:`ast` and only a small whitelist is evaluated, on columns of
the sweep's results (numpy arrays), never on Python objects:

* comparisons ``<  <=  >  >=  ==  !=`` (chained too: ``0.2 < fit_mean < 0.8``),
* ``and``, ``or``, ``not`` and brackets,
* numbers (``1.2e6``, ``1_000``) and the names of the summary outputs,
* arithmetic ``+ - * /`` and a sign, so that ``cost_total / 10 < 2e5`` works.

Anything else (calls, attributes, subscripts, strings, lever names, ``True``) is refused with
one line naming the expression, what is wrong and the outputs allowed.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from coprod_sim.config import ConfigError
from coprod_sim.limits import shown

__all__ = ["MAX_TARGET_CHARS", "Target", "parse_target"]

#: Longer targets are refused before parsing (a condition on a few outputs is a line of text;
#: Python's parser needs deep recursion for very long or nested ones).
MAX_TARGET_CHARS = 1_000

_COMPARE: dict[type[ast.cmpop], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: dict[type[ast.operator], Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
}
_SIGN: dict[type[ast.unaryop], Callable[[np.ndarray], np.ndarray]] = {ast.USub: operator.neg, ast.UAdd: operator.pos}
_WORDS = {
    ast.Call: "a function call",
    ast.Attribute: "an attribute",
    ast.Subscript: "a subscript",
    ast.Lambda: "a lambda",
    ast.IfExp: "an if-else",
    ast.NamedExpr: "an assignment",
}


@dataclass(frozen=True)
class Target:
    """A parsed target: its text, the outputs it reads, and the checked syntax tree."""

    text: str
    columns: tuple[str, ...]
    tree: ast.Expression

    def meets(self, data: Mapping[str, Sequence[float]]) -> np.ndarray:
        """Return, for each row of ``data`` (column name -> values), whether it meets the target.

        A missing value (NaN) fails every comparison, so a run without the output does not meet it.
        """
        with np.errstate(all="ignore"):  # x / 0 is inf or NaN, compared like any other value
            return np.asarray(_condition(self.tree.body, data), dtype=bool)


def _allowed(columns: Sequence[str]) -> str:
    how = "comparisons (< <= > >= == !=) of outputs and numbers, with and/or/not, + - * / and brackets"
    return f"allowed are {how}; outputs: {', '.join(columns)}"


def parse_target(text: str, columns: Sequence[str]) -> Target:
    """Parse and check ``text`` as a condition on the outputs named in ``columns``.

    Raises
    ------
    ConfigError
        One line naming the expression, what is wrong and what is allowed.
    """
    where = f"--target {shown(text)}"
    if not isinstance(text, str) or not text.strip():
        raise ConfigError(f"{where}: empty; {_allowed(columns)}")
    if len(text) > MAX_TARGET_CHARS:
        raise ConfigError(f"{where}: longer than {MAX_TARGET_CHARS:,} characters; {_allowed(columns)}")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:  # ValueError: a NUL character
        why = getattr(exc, "msg", None) or type(exc).__name__
        raise ConfigError(f"{where}: not a condition ({why}); {_allowed(columns)}") from None
    used: list[str] = []
    try:
        _check_condition(tree.body, set(columns), used)
    except _RefusedError as exc:
        raise ConfigError(f"{where}: {exc}; {_allowed(columns)}") from None
    except RecursionError:
        raise ConfigError(f"{where}: nested too deeply; {_allowed(columns)}") from None
    return Target(text=text, columns=tuple(dict.fromkeys(used)), tree=tree)


class _RefusedError(Exception):
    """A part of the expression outside the whitelist (its message says which)."""


def _is_condition(node: ast.expr) -> bool:
    return isinstance(node, (ast.Compare, ast.BoolOp)) or (
        isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not)
    )


def _check_condition(node: ast.expr, columns: set[str], used: list[str]) -> None:
    """Check a node that must be true or false: a comparison, or conditions joined by and/or/not."""
    if isinstance(node, ast.BoolOp):  # and / or: the only two BoolOp operators
        for value in node.values:
            _check_condition(value, columns, used)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, columns, used)
    elif isinstance(node, ast.Compare):
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise _RefusedError(
                    f"{ast.unparse(node)!r} compares with {type(op).__name__}, not a comparison of numbers"
                )
        # A comparison of numbers alone is true or false for every run: it says nothing of them.
        reads = [_check_value(side, columns, used) for side in (node.left, *node.comparators)]  # check every side
        if not any(reads):
            raise _RefusedError(f"{ast.unparse(node)!r} compares numbers only; each comparison must read an output")
    else:
        raise _RefusedError(f"{ast.unparse(node)!r} is not a condition (it must compare, e.g. fit_mean > 0.7)")


def _check_value(node: ast.expr, columns: set[str], used: list[str]) -> bool:
    """Check a node that must be a number: an output, a number, or arithmetic of them; say if it reads an output.

    Arithmetic of numbers alone is worked out here: a division by zero, or a result too large to
    be a finite number, is refused rather than compared as inf or NaN.
    """
    if isinstance(node, ast.Name):
        if node.id not in columns:
            raise _RefusedError(f"{node.id!r} is not an output of this sweep")
        used.append(node.id)
        return True
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
            raise _RefusedError(f"{ast.unparse(node)} is not a finite number")
        return False
    if isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
        reads = [_check_value(node.left, columns, used), _check_value(node.right, columns, used)]
        if isinstance(node.op, ast.Div) and not reads[1] and float(_value(node.right, {})) == 0.0:
            raise _RefusedError(f"{ast.unparse(node)!r} divides by zero")
        if not any(reads):
            with np.errstate(all="ignore"):
                if not math.isfinite(float(_value(node, {}))):
                    raise _RefusedError(f"{ast.unparse(node)!r} is not a finite number")
        return any(reads)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _SIGN:
        return _check_value(node.operand, columns, used)
    if _is_condition(node):
        raise _RefusedError(f"{ast.unparse(node)!r} is a condition where a number is needed")
    else:
        if isinstance(node, ast.BinOp):  # an operator other than + - * /
            symbols = {ast.Pow: "**", ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@"}
            symbol = symbols.get(type(node.op), "bit operators")
            raise _RefusedError(f"{ast.unparse(node)[:40]!r} uses {symbol}; the only arithmetic allowed is + - * /")
        what = _WORDS.get(type(node), type(node).__name__)
        raise _RefusedError(f"{ast.unparse(node)[:40]!r} is {what}, which a target may not contain")


def _condition(node: Any, data: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Evaluate a checked condition to a boolean array (element-wise: numpy, never Python's eval)."""
    if isinstance(node, ast.BoolOp):
        parts = [_condition(v, data) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        return combine.reduce(parts)
    if isinstance(node, ast.UnaryOp):  # checked: only `not` reaches here
        return np.logical_not(_condition(node.operand, data))
    # parse_target admitted nothing else: a comparison, possibly chained.
    result, left = None, _value(node.left, data)
    for op, right_node in zip(node.ops, node.comparators, strict=True):
        right = _value(right_node, data)
        part = _COMPARE[type(op)](left, right)
        result = part if result is None else np.logical_and(result, part)
        left = right  # a < b < c is a < b and b < c
    return np.asarray(result)


def _value(node: Any, data: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Evaluate a checked number: an output's column, a constant or arithmetic of them."""
    if isinstance(node, ast.Name):
        return np.asarray(data[node.id], dtype=float)
    if isinstance(node, ast.Constant):
        return np.asarray(float(node.value))
    if isinstance(node, ast.BinOp):
        return _ARITHMETIC[type(node.op)](_value(node.left, data), _value(node.right, data))
    return _SIGN[type(node.op)](_value(node.operand, data))
