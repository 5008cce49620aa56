"""Limits on what input files and the command line may ask for, defined once.

Every limit is checked where the value is read, before anything is computed or allocated, and a
request beyond it is one error line naming the file, key or flag, the value and the limit. The
numbers and the arithmetic live here, and this module imports nothing of the package, so that
``config``, the loaders and the command line can all use it.

Why each limit is where it is:

* :data:`MAX_STEPS`: 100 years of weeks; a run's memory and time grow with it.
* :data:`MAX_PEOPLE`: memory. A 10-year run peaked at 453 MiB with 100,000 people and 2.82 GiB
  with 1,000,000 (``/usr/bin/time``, max RSS), about :data:`BYTES_PER_PERSON` a person; 2,000,000
  people would need about 5.7 GB.
* :data:`MAX_REPLICATES`, :data:`MAX_DESIGN_POINTS`, :data:`MAX_RUNS`: a design is drawn, checked
  and held in memory whole before its first run (about 5 KB and 0.5 ms a point), and every run is
  listed; 100,000 points take about 0.5 GB and under a minute to set up.
* :data:`MAX_TIMELINE_ENTRIES`: the model reads the timeline every week.
* :data:`MAX_FILE_BYTES`, :data:`MAX_DESCRIPTION_CHARS`: input files are a few kilobytes; a
  description is printed.
* :data:`PLAIN_CHARS`: a card's plain name goes inside a printed sentence and on a chart's axis.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

__all__ = [
    "BYTES_PER_PERSON",
    "DEFAULT_DRAWS",
    "INT_DIGITS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_DESIGN_POINTS",
    "MAX_FILE_BYTES",
    "MAX_PEOPLE",
    "MAX_REPLICATES",
    "MAX_RUNS",
    "MAX_SEED",
    "MAX_STEPS",
    "MAX_TIMELINE_ENTRIES",
    "MAX_TITLE_CHARS",
    "MAX_WORKERS",
    "PATH_CHARS",
    "PLAIN_CHARS",
    "SHOWN_CHARS",
    "design_points",
    "memory_needed",
    "memory_note",
    "named",
    "shown",
]

#: Weeks a run may last (100 years).
MAX_STEPS = 5_200
#: Head count of an organisation (memory: see :data:`BYTES_PER_PERSON`).
MAX_PEOPLE = 1_000_000
#: Peak memory of a 10-year run per person, in bytes: (2,960,484 - 463,504) KB / 900,000 people,
#: from 1,000,000 and 100,000 people, 520 weeks, ``coprod-sim run`` (max RSS).
BYTES_PER_PERSON = 2_840
#: Seeds per scenario or design point.
MAX_REPLICATES = 10_000
#: Largest seed (a 64-bit signed whole number, as the results' tables store it).
MAX_SEED = 2**63 - 1
#: Parallel processes (more than any one machine has cores).
MAX_WORKERS = 1_024
#: Points of one experiment's design.
MAX_DESIGN_POINTS = 100_000
#: Parameter draws of ``compare --uncertainty full`` when --draws is not given (not a bound, kept
#: here so the command line needs no model import): three shipped scenarios at their defaults
#: (300 people, ten years) finish in under 3 minutes on 2 cores (benchmarks/bench_uncertainty.py).
#: With n draws the Monte Carlo standard error of a p_better is at most 0.5 / sqrt(n): 0.056 at 80.
DEFAULT_DRAWS = 80
#: Runs of one sweep (design points x replicates).
MAX_RUNS = 1_000_000
#: Entries of one timeline.
MAX_TIMELINE_ENTRIES = 1_000
#: Size of a scenario, experiment, patterns or calibration file.
MAX_FILE_BYTES = 1_000_000
#: Length of a scenario's or experiment's description.
MAX_DESCRIPTION_CHARS = 2_000
#: Length of a scenario's title (a menu shows it).
MAX_TITLE_CHARS = 80
#: Length of a card's plain name (it goes inside a verdict's sentence and on a chart's axis).
PLAIN_CHARS = 80
#: Characters of a value quoted in an error message.
SHOWN_CHARS = 40
#: Characters of a file name shown in an error message (file names are read in full up to this).
PATH_CHARS = 200
#: Digits of the longest whole number Python reads from text (its own limit, 4,300 by default).
INT_DIGITS = sys.get_int_max_str_digits()


def shown(value: Any, width: int = SHOWN_CHARS) -> str:
    """Return ``repr(value)`` cut to about ``width`` characters, saying how long it was when cut.

    Safe for any value a TOML file or the command line can give: long texts, whole numbers of
    any size and deeply nested lists.
    """
    if isinstance(value, str):
        if len(value) <= width:
            return repr(value)
        return f"{value[:width]!r}… ({len(value):,} characters)"
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            digits = str(value)
        except ValueError:  # more digits than Python converts to text
            return f"a whole number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
        return digits if len(digits) <= width else f"{digits[:width]}… ({len(digits.lstrip('-')):,} digits)"
    import reprlib

    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother = 3, width, width
    text = short.repr(value)
    return text if len(text) <= 2 * width else f"{text[: 2 * width]}…"


def named(key: Any, width: int = SHOWN_CHARS) -> str:
    """Return a key or a name as a message shows it: as written when short plain text, else :func:`shown`."""
    plain = isinstance(key, str) and len(key) <= width and key.isprintable()
    return key if plain else shown(key, width)


def design_points(method: str, factors: int, samples: int, second_order: bool, grid: Sequence[int] = ()) -> int:
    """Return the number of points a design draws, computed before drawing it.

    ``grid`` gives the number of values of each factor of a grid; ``samples`` is the LHS size,
    the Sobol base sample N (Saltelli: N(2k + 2) points with second-order indices, else N(k + 2))
    or the Morris trajectories (k + 1 points each).
    """
    if method == "grid":
        return math.prod(grid)
    if method == "lhs":
        return samples
    if method == "sobol":
        return samples * (2 * factors + 2 if second_order else factors + 2)
    return samples * (factors + 1)


def memory_needed(people: int) -> str:
    """Return the memory a 10-year run of ``people`` people needs, as text (``"about 5.7 GB"``)."""
    if people > 10**12:  # also keeps a whole number of thousands of digits out of float()
        return "far more than any computer has"
    return f"about {people * BYTES_PER_PERSON / 1e9:,.1f} GB"


def memory_note(people: int) -> str:
    """Say what memory a 10-year run of ``people`` would need, against the largest organisation allowed."""
    count = f"{people:,}" if people <= 10**12 else shown(people)
    return (
        f"memory: a 10-year run of {count} people would need {memory_needed(people)}, "
        f"of {MAX_PEOPLE:,} people {memory_needed(MAX_PEOPLE)}"
    )
