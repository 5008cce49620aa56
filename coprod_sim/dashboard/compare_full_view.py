"""Compare with chance and uncertain assumptions: verdicts as probabilities, what decides them, cards.

The dashboard's side of ``compare --uncertainty full`` (coprod_sim.uncertainty): the choice of
what the ranges cover, an upload of a workshop's assumption cards (validated as the command line
validates them), the verdicts in words, the table of probabilities, the drivers chart with its
data table, and downloads of verdicts.csv, payback.csv and drivers.csv.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import solara
from solara.alias import rv

from coprod_sim.cards import Cards, default_cards, merge_cards, parse_cards
from coprod_sim.compare import TABLE_OUTCOMES
from coprod_sim.config import ConfigError
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.controls import ChartWithTable, Choice
from coprod_sim.dashboard.explain import verdict_full
from coprod_sim.drivers import CHANCE, PAYBACK
from coprod_sim.outputs import decimals, label, label_with_unit, summary
from coprod_sim.scenarios import Scenario
from coprod_sim.uncertainty import FullComparison, choose_cards, choose_posterior, compare_full, draws

__all__ = [
    "CHANCE_ONLY",
    "DASHBOARD_DRAWS",
    "FULL",
    "MAX_PAGE_DRAWS",
    "CardsUpload",
    "FullResults",
    "UncertaintyChoice",
    "outcome_name",
    "probability_table",
    "read_cards_upload",
    "run_full",
]

CHANCE_ONLY = "seeds"
FULL = "full"
#: Draws the page runs by default: three scenarios over five years (300 people) take about 20 s
#: on one core of a busy 2-core machine (measured; the command line's default is 80). With 20
#: draws a share such as "better in 15 of 20" is known to about 11 percentage points.
DASHBOARD_DRAWS = 20
MAX_PAGE_DRAWS = 100  # up to four scenarios: 400 runs, a few minutes; the command line is for more
MAX_CARDS_BYTES = 100_000  # a cards file is a few kilobytes


@solara.component
def UncertaintyChoice(mode: solara.Reactive[str]) -> None:
    """Choose what the comparison's ranges cover: chance only, or chance and uncertain assumptions."""
    with rv.RadioGroup(
        v_model=mode.value,
        on_v_model=mode.set,
        label="What the comparison allows for",
        class_="cp-uncertainty",
        hide_details=True,
    ):
        rv.Radio(label="Chance only (runs on several seeds; a few seconds)", value=CHANCE_ONLY)
        rv.Radio(
            label=(
                "Chance and uncertain assumptions (each run draws the assumptions from their cards and the "
                "calibrated parameters from the calibration; slower)"
            ),
            value=FULL,
        )


def read_cards_upload(name: str, content: bytes) -> Cards:
    """Validate an uploaded cards file as ``--assumptions`` would: size, encoding, TOML, every card.

    It is also merged over the default cards here, so that a range that cannot go with a default
    card is refused on upload, not when the comparison runs.
    """
    if len(content) > MAX_CARDS_BYTES:
        raise ConfigError(f"{name}: {len(content):,} bytes is too big for a cards file (at most {MAX_CARDS_BYTES:,})")
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not a text file in UTF-8") from None
    cards = parse_cards(text, name, path=Path(name))
    merge_cards(default_cards(), cards)
    return cards


@solara.component
def CardsUpload(cards: solara.Reactive[Cards | None]) -> None:
    """Which assumption cards are drawn from; load a workshop's own file, or go back to the defaults."""
    error = solara.use_reactive("")

    def uploaded(files: Any) -> None:
        if not files:
            return
        f = files[0]
        try:
            cards.value = read_cards_upload(str(f["name"]), bytes(f["content"]))
        except ConfigError as exc:  # keep the cards as they were; say why next to the control
            error.value = f"Not loaded: {exc}"
            return
        error.value = ""

    if cards.value is None:
        n = len(default_cards().cards)
        said = f"Assumptions are drawn from the default cards ({n} assumptions, each with a plausible range)."
    else:
        c = cards.value
        said = (
            f"Assumptions are drawn from your cards ({c.path.name if c.path else 'uploaded'}: {len(c.cards)} "
            f"card{'s' if len(c.cards) != 1 else ''}, "
            f"agreed by {c.agreed_by}, {c.date}), and the default cards for the rest."
        )
    said += " Calibrated parameters are drawn from the calibration's shipped draws."
    solara.HTML(tag="p", unsafe_innerHTML=escape(said), classes=["cp-cards-status"])
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        ipywidgets.FileUpload.element(
            accept=".toml",
            multiple=False,
            description="Load assumption cards (a TOML file)",
            layout=ipywidgets.Layout(width="auto"),
            on_value=uploaded,
        )
        if cards.value is not None:
            solara.Button("Use the default cards only", on_click=lambda: cards.set(None), text=True)
    if error.value:
        solara.HTML(tag="p", unsafe_innerHTML=escape(error.value), classes=["cp-message"])


def run_full(
    scenarios: Sequence[Scenario],
    n_draws: int,
    seed: int,
    weeks: int,
    workshop: Cards | None,
    on_draw: Callable[[int, int], None],
) -> tuple[FullComparison, list[str]]:
    """Run the scenarios on ``n_draws`` draws of the posterior and the cards, as ``compare --uncertainty full`` does.

    Returns the comparison and the notes on default cards and posterior columns left out (a lever
    or parameter the scenarios set is theirs, not a belief). A workshop card on such a lever is a
    ``ConfigError``.
    """
    cards, notes = choose_cards(scenarios, workshop)
    posterior, post_notes = choose_posterior(scenarios)
    drawn = draws(n_draws, seed, cards, posterior)
    notes += post_notes
    return compare_full(scenarios, drawn, steps=weeks, on_draw=on_draw), notes


def outcome_name(key: str) -> str:
    """Return an outcome's words (payback's too), as the table and the drivers chart name it."""
    if key == PAYBACK:
        return "Payback of the extra cost (the week it is paid back)"
    return label(summary(key).column) if key != "cost_per_year" else label(key)


def _signed(x: float, key: str) -> str:
    if not np.isfinite(x):
        return "no value"
    return f"{x:+,.{decimals(key, whole_counts=True)}f}".replace("-", "\u2212")


def probability_table(c: FullComparison) -> str:
    """Each outcome: in how many draws each scenario is better than the first, and the median difference [90%]."""
    n = len(c.draws.seeds)
    ref = c.names[0]
    cols = ["Outcome"]
    for name in c.names[1:]:
        cols += [f"{name}: better than {ref} in", f"{name} minus {ref}: median [90% interval]"]
    rows = []
    for key in TABLE_OUTCOMES:
        cells = [label_with_unit(key)]
        for name in c.names[1:]:
            r = c.verdicts[(c.verdicts.scenario == name) & (c.verdicts.outcome == key)].iloc[0]
            p = r["p_better"]
            cells.append(f"{p * n:g} of {n} draws" if np.isfinite(p) else "not judged: neither more nor less is better")
            cells.append(f"{_signed(r['median'], key)} [{_signed(r['lo'], key)}, {_signed(r['hi'], key)}]")
        rows.append(cells)
    pay = ["Extra cost paid back within the run"]
    for name in c.names[1:]:
        r = c.payback.set_index("scenario").loc[name]
        week = f"median week {r['median_week']:.0f}" if np.isfinite(r["median_week"]) else "in no draw"
        pay += [f"{round(r['p_payback'] * n)} of {n} draws", week]
    rows.append(pay)
    return svg.data_table(
        cols,
        rows,
        f"Outcomes over {n} draws of the assumptions, each on its own seed (a draw where the two are equal "
        "counts as half a draw)",
    )


def _drivers_chart(c: FullComparison, name: str, key: str, top: int = 8) -> tuple[str, str, str]:
    """Return the ranked bars of what decides one difference, their data table and the chart's title."""
    d = c.drivers
    rows = d[(d.scenario == name) & (d.outcome == key)]
    chance = float(rows[rows.parameter == CHANCE]["importance"].iloc[0])
    shown = rows[rows.parameter != CHANCE].head(top)
    title = f"What decides {outcome_name(key).lower()}: {name} against {c.names[0]}"
    if not np.isfinite(chance):
        return "", "", title
    chart = svg.ranked_bars(
        list(shown["plain"]), list(shown["importance"]), list(shown["beats_chance"]), title=title, threshold=chance
    )
    table = svg.data_table(
        ["Assumption", "Importance", "90% interval", "Beats chance", "As it rises, the difference"],
        [
            [
                r.plain,
                f"{r.importance:.2f}",
                f"{r.lo:.2f} to {r.hi:.2f}",
                "yes" if r.beats_chance else "no",
                "grows" if r.rho > 0 else "shrinks",
            ]
            for r in shown.itertuples()
        ]
        + [["What an unrelated assumption reaches by chance", f"{chance:.2f}", "", "", ""]],
        f"{title} (the {len(shown)} strongest of {len(rows) - 1})",
    )
    return chart, table, title


@solara.component
def FullResults(result: FullComparison, weeks: int, notes: list[str]) -> None:
    """Show the verdicts in words, the table of probabilities, what decides them, and the files to download."""
    solara.HTML(tag="h2", unsafe_innerHTML="Verdict", classes=["cp-heading"])
    solara.HTML(
        tag="div",
        unsafe_innerHTML="".join(f"<p>{escape(p)}</p>" for p in verdict_full(result, result.horizon)),
        classes=["cp-verdict"],
        attributes={"id": "cp-compare-verdict", "tabindex": "-1"},
    )
    for note in notes:
        solara.Text(f"Not drawn: {note}")
    solara.HTML(tag="h2", unsafe_innerHTML="Outcomes at the end, over the draws", classes=["cp-heading"])
    solara.HTML(tag="div", unsafe_innerHTML=probability_table(result), classes=["cp-table-wrap"])
    DriversCharts(result)
    solara.HTML(tag="h2", unsafe_innerHTML="Download", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap"}):
        for frame, file, words in (
            (result.verdicts, "verdicts.csv", "Verdicts (CSV)"),
            (result.payback, "payback.csv", "Payback (CSV)"),
            (result.drivers, "drivers.csv", "What decides each verdict (CSV)"),
        ):
            solara.FileDownload(frame.to_csv(index=False).encode(), file, label=words)


@solara.component
def DriversCharts(result: FullComparison) -> None:
    """Show what decides each scenario's difference from the first, for one outcome chosen from a list."""
    key = solara.use_reactive(PAYBACK)
    solara.HTML(tag="h2", unsafe_innerHTML="What decides it", classes=["cp-heading"])
    solara.Text(
        "How closely each assumption goes with the difference, draw by draw (a rank correlation, 0 to 1). "
        "Filled bars stand out from chance: they beat what an unrelated assumption reaches in 95 of 100 "
        "shuffles of the draws (the dashed line)."
    )
    Choice(
        "Outcome whose deciding assumptions are shown",
        [PAYBACK, *TABLE_OUTCOMES],
        key,
        names=[outcome_name(k) for k in (PAYBACK, *TABLE_OUTCOMES)],
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for name in result.names[1:]:
            chart, table, title = _drivers_chart(result, name, key.value)
            if chart:
                ChartWithTable(chart, table, title)
            else:
                solara.HTML(
                    tag="p", unsafe_innerHTML=escape(f"{title}: the same in every draw, so no assumption decides it.")
                )
