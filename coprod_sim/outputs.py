"""Every output of the model, named, labelled and described once.

The model writes one row of *weekly columns* per week (:data:`OUTPUT_COLUMNS`); a run is then
boiled down to *summaries* (``participation_rate_mean``, ``cost_per_year``, ...; computed by
:func:`coprod_sim.run.summarise` from :func:`summaries`). This module gives each of them its
plain label, its unit or range, how a summary is computed, and whether a higher value is better.
The command line, comparisons, sweep analyses and every dashboard view take their words from
here, so an output is called the same everywhere. Which outputs a view shows is the view's
choice; what they are called is not.

Labels are plain words, for every reader of the dashboard, and say no more than the number
does (docs/ODD.md, "Observation", defines each exactly). This module imports nothing heavy:
the dashboard reads it before its server listens.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from coprod_sim.config import CURRENCY, MONEY

__all__ = [
    "HOW",
    "LEVELS",
    "OUTPUT_COLUMNS",
    "QUARTER_WEEKS",
    "Column",
    "Summary",
    "better",
    "column",
    "columns",
    "counted",
    "decimals",
    "in_range",
    "is_money",
    "label",
    "label_with_unit",
    "measure",
    "number",
    "phrase",
    "short_label",
    "summaries",
    "summary",
    "summary_names",
    "unit",
    "worth",
]

#: Weeks in a quarter: the window over which the co-production level and "recent" values are
#: judged (this week and the 12 before it).
QUARTER_WEEKS = 13

#: The co-production levels, lowest first; a summary of the level is its position here (0-4).
LEVELS = ("none", "consultation", "compliance", "intermediate", "transformative")

#: How a summary is computed from its weekly column, and the words that say so in its label.
#: Every summary leaves out week 0 (the initial state), except the highest level reached.
HOW: dict[str, str] = {
    "mean": "weekly average",  # mean over weeks 1 to the end; weeks with no value left out
    "final": "at the end",  # the last week
    "total": "in all",  # sum over weeks 1 to the end
    "per_year": "a year",  # the total divided by the years run (weeks / 52)
    "max": "highest reached",  # the highest over all weeks, week 0 included
}


@dataclass(frozen=True)
class Column:
    """One weekly output column.

    Attributes
    ----------
    name : str
        The column's name in the time series.
    label : str
        Plain words that stand on their own (tables, chart titles, sentences).
    unit : str
        Unit or range, short enough for a chart's axis.
    better : int or None
        +1 if a higher value is better, -1 if a lower one is, None if neither (counts of
        people, costs weighed against outcomes, the reach of a lever).
    short : str or None
        A shorter name for a chart's legend, where the chart's title says the rest.
    measure : str or None
        What is measured, shared by columns that differ only in whose it is ("Wellbeing"), for
        a heading over them.
    """

    name: str
    label: str
    unit: str
    better: int | None
    short: str | None = None
    measure: str | None = None


@dataclass(frozen=True)
class Summary:
    """One per-run summary of a weekly column.

    Attributes
    ----------
    name : str
        ``<column>_<how>``, the key in :func:`coprod_sim.run.summarise`'s result.
    column : str
        The weekly column it summarises.
    how : str
        A key of :data:`HOW`: ``mean``, ``final``, ``total``, ``per_year`` or ``max``.
    label, unit : str
        Plain words and unit or range.
    better : int or None
        As for its column.
    """

    name: str
    column: str
    how: str
    label: str
    unit: str
    better: int | None


_SHARE = "share, 0-1"
_AVERAGE = "average, 0-1"
_BURNT_OUT = "share burnt out, 0-1"
_ATTITUDE = "0 medical model to 1 social model"
_LEFT = "people a week"
_GRADE = "average grade, managers left out"
_WEEKLY_COST = f"{MONEY} a week"
_USERS = "share of service users, last finished project, 0-1"
_ABSENCE = "share of working hours lost, 0-1"
_DIS, _NON = "Disabled people", "Non-disabled people"  # legends: the chart's title names the measure

_COLUMNS: tuple[Column, ...] = (
    Column("participation_rate", "Disabled workers taking part in meetings", _SHARE, 1, short="Taking part"),
    Column(
        "influence_share", "Influence of disabled workers in meetings", "share of decision weight, 0-1", 1, "Influence"
    ),
    Column(
        "tokenism_rate",
        "Tokenism in meetings",
        "share of an equal partner's influence not realised, averaged over attendances, 0-1",
        -1,
        "Tokenism",
    ),
    Column("fit", "Fit of services to people's needs", "0-1", 1),
    Column("wellbeing_disabled", "Wellbeing of disabled people", _AVERAGE, 1, _DIS, "Wellbeing"),
    Column("wellbeing_nondisabled", "Wellbeing of non-disabled people", _AVERAGE, 1, _NON, "Wellbeing"),
    Column("burnout_disabled", "Burnout among disabled people", _BURNT_OUT, -1, _DIS, "Burnout"),
    Column("burnout_nondisabled", "Burnout among non-disabled people", _BURNT_OUT, -1, _NON, "Burnout"),
    Column("exits_disabled", "Disabled people who left", _LEFT, -1, _DIS, "Leavers"),
    Column("exits_nondisabled", "Non-disabled people who left", _LEFT, -1, _NON, "Leavers"),
    # Neither way is better: the share follows who is hired, who leaves and who becomes disabled.
    Column("share_disabled", "Share of people who are disabled", "all roles, 0-1", None),
    Column("attitude_mean", "Attitude of everyone to disability", _ATTITUDE, 1, "Attitude (social model)", "Attitude"),
    # Costs are weighed against what they buy, so a lower cost is not better by itself.
    Column("cost", "Weekly cost", _WEEKLY_COST, None, measure="Cost"),
    Column("level", "Co-production level", ", ".join(LEVELS[:-1]) + " or " + LEVELS[-1], 1),
    Column("engagement_disabled", "Engagement of disabled workers", _AVERAGE, 1),
    Column("confidence_disabled", "Confidence of disabled workers", _AVERAGE, 1),
    Column("attitude_managers", "Attitude of managers to disability", _ATTITUDE, 1, "Managers", "Attitude"),
    Column("attitude_staff", "Attitude of staff to disability", _ATTITUDE, 1, "Staff", "Attitude"),
    Column("grade_disabled", "Career grade of disabled people", _GRADE, 1, _DIS, "Career grade"),
    Column("grade_nondisabled", "Career grade of non-disabled people", _GRADE, 1, _NON, "Career grade"),
    # No gap (0) is the aim; a negative gap (disabled people ahead) is not "better" either.
    Column(
        "progression_gap",
        "Career grade gap between non-disabled and disabled people",
        "grades; above 0: disabled people are behind",
        None,
    ),
    # No gap is the aim, as above.
    Column(
        "pay_gap",
        "Pay gap between non-disabled and disabled people (pay by grade)",
        "share of non-disabled people's mean pay, managers included; above 0: disabled people are paid less",
        None,
    ),
    Column(
        "senior_ratio",
        "Disabled people's share of managers over their share of everyone",
        "ratio; 1: as many among managers as overall, below 1: fewer",
        1,
    ),
    Column("accommodated_share", "Disabled people with an adjustment", _SHARE, 1),
    # The reach of the peer-support lever, not an outcome.
    Column("peer_supported_share", "Disabled workers who have a peer supporter", _SHARE, None),
    Column("n_people", "Size of the organisation", "people", None),
    Column("n_disabled", "Disabled people in the organisation", "people", None),
    Column("n_disabled_workers", "Disabled workers (peer supporters not counted)", "people", None),
    Column("n_peer_supporters", "Peer supporters in the organisation", "people", None),
    Column(
        "stages_involved",
        "Stages where disabled workers took part",
        f"stages out of 4, last {QUARTER_WEEKS} weeks",
        1,
    ),
    Column("burnout_disabled_workers", "Burnout among disabled workers", _BURNT_OUT, -1, "Disabled workers", "Burnout"),
    Column("exits_disabled_workers", "Disabled workers who left", _LEFT, -1, "Disabled workers", "Leavers"),
    Column("cost_training", "Cost of training", _WEEKLY_COST, None, "Training", "Cost"),
    Column("cost_accessibility", "Cost of accessibility", _WEEKLY_COST, None, "Accessibility", "Cost"),
    Column("cost_accommodations", "Cost of adjustments", _WEEKLY_COST, None, "Adjustments", "Cost"),
    Column("cost_coproduction", "Cost of co-production meetings", _WEEKLY_COST, None, "Co-production meetings", "Cost"),
    Column("cost_peer_support", "Cost of peer support", _WEEKLY_COST, None, "Peer support", "Cost"),
    Column("cost_review", "Cost of reviews", _WEEKLY_COST, None, "Reviews", "Cost"),
    Column("cost_turnover", "Cost of replacing leavers", _WEEKLY_COST, None, "Turnover", "Cost"),
    Column("cost_rework", "Cost of rework", _WEEKLY_COST, None, "Rework", "Cost"),
    Column("cost_cumulative", "Cost so far", MONEY, None),
    # Service users (7.18), each by the last project of their team that has finished: good when it
    # fits their own need better than the standard service would (service_users.good_margin).
    Column("users_good_share", "Service users with a good outcome", _USERS, 1, "All service users", "Good outcomes"),
    Column(
        "users_good_included",
        "Good outcomes of service users whose views were included",
        _USERS,
        1,
        "Views included",
        "Good outcomes",
    ),
    Column(
        "users_good_excluded",
        "Good outcomes of service users whose views were not included",
        _USERS,
        1,
        "Views not included",
        "Good outcomes",
    ),
    # The reach of co-production with service users, not an outcome by itself.
    Column("users_included_share", "Service users whose views were included", _USERS, None),
    # Sickness absence (7.10), expected from burnout: an outcome, and a cost not counted in `cost`.
    Column("absence_disabled", "Sickness absence of disabled people", _ABSENCE, -1, _DIS, "Sickness absence"),
    Column("absence_nondisabled", "Sickness absence of non-disabled people", _ABSENCE, -1, _NON, "Sickness absence"),
    Column("absence_cost", "Pay for hours lost to sickness (not in weekly cost)", _WEEKLY_COST, -1),
)

#: Every weekly output column, in the order of the time series (after its ``step`` column).
OUTPUT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _COLUMNS)

_BY_COLUMN = {c.name: c for c in _COLUMNS}


def _summary(col: str, how: str, *, label: str | None = None, unit: str | None = None) -> Summary:
    """Summarise ``col`` by ``how``; its label says how unless one is given."""
    c = _BY_COLUMN[col]
    return Summary(
        name=f"{col}_{how}",
        column=col,
        how=how,
        label=label or f"{c.label}, {HOW[how]}",
        unit=unit or c.unit,
        better=c.better,
    )


_LEVEL_NUMBER = f"0 {LEVELS[0]} to {len(LEVELS) - 1} {LEVELS[-1]}"

# The order of summarise()'s result, which sweeps store and older result files already have.
_SUMMARIES: tuple[Summary, ...] = (
    _summary("participation_rate", "mean"),
    _summary("influence_share", "mean"),
    _summary("tokenism_rate", "mean"),
    _summary("fit", "mean"),
    _summary("wellbeing_disabled", "final"),
    _summary("wellbeing_nondisabled", "final"),
    _summary("burnout_disabled", "mean"),
    _summary("burnout_nondisabled", "mean"),
    _summary("burnout_disabled_workers", "mean"),
    _summary("exits_disabled", "total", unit="people"),
    _summary("exits_disabled_workers", "total", unit="people"),
    _summary("exits_nondisabled", "total", unit="people"),
    _summary("share_disabled", "final"),
    _summary("engagement_disabled", "final"),
    _summary("attitude_mean", "final"),
    _summary("progression_gap", "final"),
    _summary("cost", "total", label="Cost in all", unit=MONEY),
    _summary("cost", "per_year", label="Cost a year", unit=MONEY),
    _summary("level", "final", unit=_LEVEL_NUMBER),
    _summary("level", "max", unit=_LEVEL_NUMBER),
    _summary("users_good_share", "mean"),
)

_BY_SUMMARY = {s.name: s for s in _SUMMARIES}


def columns() -> tuple[Column, ...]:
    """Return every weekly column's entry, in the order of :data:`OUTPUT_COLUMNS`."""
    return _COLUMNS


def summaries() -> tuple[Summary, ...]:
    """Return every summary's entry, in the order :func:`coprod_sim.run.summarise` gives them."""
    return _SUMMARIES


def summary_names() -> tuple[str, ...]:
    """Return the names of every summary, in order."""
    return tuple(s.name for s in _SUMMARIES)


def column(name: str) -> Column:
    """Return the entry of weekly column ``name``.

    Raises
    ------
    KeyError
        If there is no such column.
    """
    return _BY_COLUMN[name]


def summary(name: str) -> Summary:
    """Return the entry of summary ``name`` (``fit_mean``, ``cost_per_year``, ...).

    Raises
    ------
    KeyError
        If there is no such summary.
    """
    return _BY_SUMMARY[name]


def _entry(name: str) -> Column | Summary:
    entry = _BY_COLUMN.get(name) or _BY_SUMMARY.get(name)
    if entry is None:
        raise KeyError(f"{name!r} is neither an output column nor a summary (see coprod_sim.outputs)")
    return entry


def label(name: str) -> str:
    """Return the plain label of a weekly column or a summary.

    Parameters
    ----------
    name : str
        A weekly column (``influence_share``) or a summary (``influence_share_mean``).

    Returns
    -------
    str
        Words that stand on their own, starting with a capital letter.
    """
    return _entry(name).label


def phrase(name: str) -> str:
    """Return the label of ``name`` for use inside a sentence (its first letter in lower case)."""
    text = label(name)
    return text[:1].lower() + text[1:]


def unit(name: str) -> str:
    """Return the unit or range of a weekly column or a summary."""
    return _entry(name).unit


#: Decimals that show a value of each kind of unit, or a difference between two, as people read it:
#: money in whole units, numbers of people to a tenth (averages over runs), levels, grades and
#: stages to a hundredth; anything else is a 0-1 scale, to a thousandth (a tenth of a percentage
#: point). The first unit prefix that matches decides.
_DECIMALS_BY_UNIT: tuple[tuple[str, int], ...] = (
    (CURRENCY, 0),
    ("people", 1),
    (_LEVEL_NUMBER, 2),
    (_GRADE, 2),
    ("grades", 2),
    ("stages", 2),
)


def decimals(name: str, *, whole_counts: bool = False) -> int:
    """Return how many decimals show a value of output ``name``, or a difference in it (fixed, never an exponent).

    ``whole_counts`` shows counts of people as whole numbers (the dashboard's tables, read by people
    for whom "67.6 leavers" is noise; the command line keeps one decimal of a mean over seeds).
    """
    text = unit(name)
    if whole_counts and text.startswith("people"):
        return 0
    return next((d for prefix, d in _DECIMALS_BY_UNIT if text.startswith(prefix)), 3)


#: The smallest difference worth reporting, by the unit's first words (the rest: 0-1 scales, one
#: point). A presentation choice, not a finding: smaller differences are called too small to matter.
_WORTH_BY_UNIT: tuple[tuple[str, float], ...] = (
    (CURRENCY, 1000.0),
    ("people", 1.0),
    (_LEVEL_NUMBER, 0.5),
    (_GRADE, 0.05),
    ("grades", 0.05),
    ("stages", 0.25),
)


def number(name: str, x: float, *, signed: bool = False) -> str:
    """Return ``x``, a value of output ``name`` or a difference in it, as its tables print it.

    With the catalogue's decimals, thousands separated, a true minus sign, and no "-0.000": a
    number that rounds to zero has no sign (nor a plus: it is no change).
    """
    if not math.isfinite(x):
        return "no value"
    places = decimals(name)
    if round(x, places) == 0:
        return f"{0.0:,.{places}f}"
    return f"{x:{'+' if signed else ''},.{places}f}".replace("-", "\u2212")


def worth(name: str) -> float:
    """Return the smallest difference in output ``name`` worth reporting in words (one point on a 0-1 scale)."""
    text = unit(name)
    return next((w for prefix, w in _WORTH_BY_UNIT if text.startswith(prefix)), 0.01)


def is_money(name: str) -> bool:
    """Whether a weekly column or a summary is an amount of money (its unit is in the currency)."""
    return unit(name).startswith(CURRENCY)


def label_with_unit(name: str) -> str:
    """Return ``"label (unit)"``, for a table row that shows numbers without an axis."""
    return f"{label(name)} ({unit(name)})"


def better(name: str) -> int | None:
    """Return +1 if a higher value of ``name`` is better, -1 if a lower one is, None if neither."""
    return _entry(name).better


def short_label(name: str) -> str:
    """Return the legend name of a weekly column: its short name, or its label if it has none."""
    c = _BY_COLUMN[name]
    return c.short or c.label


def measure(name: str) -> str:
    """Return what a weekly column measures, without whose it is: its measure, or its label."""
    c = _BY_COLUMN[name]
    return c.measure or c.label


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """Return "1 week", "2 weeks": a count with its noun in the number it takes (``plural``: if not noun + "s")."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def in_range(name: str, lo: Any, hi: Any) -> tuple[Any, Any]:
    """Return a 95% band of output ``name`` kept within 0 to 1 where the output cannot leave it.

    A t-interval is mean plus or minus a quantile of the spread, which can pass 0 for a share
    near 0 although no run can: the band shows where the mean may be, so it stops at the scale's ends.
    """
    if "0-1" in unit(name):
        return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)
    return lo, hi
