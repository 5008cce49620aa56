"""Compare: two to four scenarios, shipped or edited here, on common seeds or on draws of the assumptions."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

import ipywidgets
import numpy as np
import solara
import solara.lab

from coprod_sim.compare import TABLE_OUTCOMES, Comparison, compare
from coprod_sim.config import PARAMS, Config, ConfigError, Param, check_value
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.compare_full_view import (
    CHANCE_ONLY,
    DASHBOARD_DRAWS,
    FULL,
    MAX_PAGE_DRAWS,
    CardsUpload,
    FullResults,
    UncertaintyChoice,
    run_full,
)
from coprod_sim.dashboard.controls import ChartWithTable, Choice, Disclosure, FocusOn, WholeNumber, seed_problem
from coprod_sim.dashboard.explain import verdict
from coprod_sim.dashboard.explore import DEFAULTS, LeverPanel, scenario_config, scenario_menu
from coprod_sim.dashboard.levers import current_values, lever_params, plain_label
from coprod_sim.outputs import LEVELS, counted, decimals, in_range, label, label_with_unit, phrase, unit
from coprod_sim.scenarios import Scenario, list_scenario_names, load_scenario, parse_scenario, scenario_toml

__all__ = ["CompareView", "ScenarioSpec", "build_scenario", "parse_value"]

MAX_SCENARIOS = 4
MAX_UPLOAD_BYTES = 100_000  # a scenario file is a few hundred bytes; anything this big is not one
MAX_RUNS = 200  # scenarios x replicates the page runs at once (a sweep is for more)
MAX_SEEDS = 50  # seeds per scenario
MIN_WEEKS, MAX_WEEKS = 13, 1040  # a quarter to twenty years

# base (a shipped name, or "uploaded"), name, levers {path: value}, timeline [{step, lever, value, ramp}],
# and for an uploaded file the validated Scenario it came from ("uploaded").
ScenarioSpec = dict[str, Any]
UPLOADED = "uploaded file"


def spec_from_scenario(sc: Scenario) -> ScenarioSpec:
    """Make an editable spec of a validated scenario (an uploaded file, say), kept whole as its base."""
    return {
        "base": UPLOADED,
        "name": sc.name,
        "levers": current_values(sc.config),
        "timeline": [{"step": e.step, "lever": e.lever, "value": e.value, "ramp": e.ramp} for e in sc.config.timeline],
        "uploaded": sc,
    }


def read_upload(name: str, content: bytes) -> Scenario:
    """Validate an uploaded scenario file: size, encoding, TOML, every value. Never executed."""
    if len(content) > MAX_UPLOAD_BYTES:
        raise ConfigError(
            f"{name}: {len(content):,} bytes is too big for a scenario file (at most {MAX_UPLOAD_BYTES:,})"
        )
    try:
        text = bytes(content).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{name}: not a text file in UTF-8") from None
    return parse_scenario(text, name, default_name=Path(name).stem or "uploaded")


def new_spec(base: str) -> ScenarioSpec:
    """Start a scenario to edit from a shipped one (or the defaults)."""
    cfg = scenario_config(base)
    return {
        "base": base,
        "name": base,
        "levers": current_values(cfg),
        "timeline": [{"step": e.step, "lever": e.lever, "value": e.value, "ramp": e.ramp} for e in cfg.timeline],
    }


def build_scenario(spec: ScenarioSpec) -> Scenario:
    """Validate an edited scenario; a bad value raises ``ConfigError`` naming the lever."""
    where = f"scenario '{spec['name']}'"
    if spec.get("uploaded") is not None:
        base = spec["uploaded"]
    elif spec["base"] == DEFAULTS:
        base = Scenario(DEFAULTS, "The model's default organisation (the baseline).", (), Config())
    else:
        base = load_scenario(spec["base"])
    overrides = {k: v for k, v in spec["levers"].items() if base.config.get(k) != v}
    cfg = base.config.with_overrides(overrides, source=where) if overrides else base.config
    cfg = Config.from_dict({**cfg.to_dict(), "timeline": list(spec["timeline"])}, source=where)
    edited = bool(overrides) or cfg.timeline != base.config.timeline
    name = spec["name"].strip() or base.name
    description = base.description + (" Edited in the dashboard." if edited else "")
    return Scenario(name, description, base.sources, cfg)


@solara.component
def TimelineEditor(
    timeline: list[dict[str, Any]], on_change: Callable[[list[dict[str, Any]]], None], index: int = 0
) -> None:
    """Planned lever changes of scenario ``index``: week, lever and new value, each removable; add one at a time."""
    params = lever_params()
    week = solara.use_reactive(52)
    lever = solara.use_reactive("power.transfer")
    value_text = solara.use_reactive("0.3")
    error = solara.use_reactive("")
    # Changes added or removed so far: each moves the focus back to "Add this change" (a removed
    # button is gone, and a row added above redraws the button the focus was on).
    moved = solara.use_reactive(0)
    weeks = PARAMS["simulation.steps"]  # a change can come in any week a run can have

    def week_problem(n: int | None) -> str:
        if n is None or not weeks.lo <= n <= weeks.hi:
            return f"The week must be a whole number from {weeks.lo:,} to {weeks.hi:,}."
        return ""

    def remove(i: int) -> None:
        on_change([x for j, x in enumerate(timeline) if j != i])
        moved.value += 1

    for i, e in enumerate(timeline):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.Text(f"From week {e['step']}: {plain_label(e['lever'])} = {e['value']}")
            solara.Button(f"Remove change {i + 1}", on_click=lambda i=i: remove(i), text=True)

    def add() -> None:
        p = params[lever.value]
        try:
            value = parse_value(value_text.value, p)
        except ConfigError as exc:  # the lever's name in words first, then the rule the key path states
            error.value = f"{plain_label(lever.value)}: {exc}"
            return
        error.value = week_problem(week.value)
        if error.value:
            return
        on_change([*timeline, {"step": int(week.value), "lever": lever.value, "value": value, "ramp": 0}])
        moved.value += 1

    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        WholeNumber("Week of the change", week.value, week.set, week_problem, none_when_wrong=True)
        Choice("Lever to change", list(params), lever, names=[f"{plain_label(p)} ({p})" for p in params])
        solara.InputText("New value", value=value_text)
        solara.Button("Add this change", on_click=add, classes=[f"cp-add-change-{index}"])
    if error.value:
        solara.HTML(tag="p", unsafe_innerHTML=escape(error.value), classes=["cp-message"])
    FocusOn(selector=f".cp-add-change-{index}", nth=0, inner="", count=moved.value)


_WORDS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def parse_value(text: str, p: Param) -> Any:
    """Read the value typed for lever ``p`` (yes or no for a switch), checked as a scenario file's would be.

    Raises
    ------
    ConfigError
        Naming the lever, the value and what is allowed (:func:`~coprod_sim.config.check_value`).
    """
    t = text.strip()
    value: Any = t
    if p.type is bool:
        value = _WORDS.get(t.lower(), t)
    elif p.type in (int, float):
        for number in (int, float):  # "2" stays whole; "2.5" is a number, whole or not
            try:
                value = number(t)
                break
            except ValueError:
                pass
    return check_value(p, value, "")


def _problem(spec: ScenarioSpec) -> str:
    """Say what is wrong with an edited scenario ('' when it is valid)."""
    try:
        build_scenario(spec)
    except ConfigError as exc:
        return str(exc)
    return ""


@solara.component
def ScenarioEditor(index: int, spec: ScenarioSpec, on_change: Callable[[ScenarioSpec], None]) -> None:
    """One scenario: its starting point, name, levers and timeline, with its own error message."""
    # Validated when the spec changes, not on every redraw (progress redraws the page per run).
    error = solara.use_memo(lambda: _problem(spec), [spec])
    upload_error = solara.use_reactive("")

    def set_base(base: str) -> None:
        if base != UPLOADED:
            on_change(new_spec(base))

    def uploaded(files: Any) -> None:
        if not files:
            return
        f = files[0]
        try:
            sc = read_upload(str(f["name"]), bytes(f["content"]))
        except ConfigError as exc:  # keep the scenario as it was; say why next to the control
            upload_error.value = str(exc)
            return
        upload_error.value = ""
        on_change(spec_from_scenario(sc))

    menu = solara.use_memo(scenario_menu, [])  # titles, as Explore shows them
    with solara.Card(f"Scenario {index + 1}" + (" (reference)" if index == 0 else ""), classes=["cp-scenario"]):
        bases = [DEFAULTS, *list_scenario_names(), *([UPLOADED] if spec["base"] == UPLOADED else [])]
        Choice(
            f"Scenario {index + 1} starts from",
            bases,
            spec["base"],
            set_base,
            names=[menu[b][0] if b in menu else "An uploaded file" for b in bases],
        )
        ipywidgets.FileUpload.element(
            accept=".toml",
            multiple=False,
            description=f"Load a scenario file into scenario {index + 1}",
            layout=ipywidgets.Layout(width="auto"),
            on_value=uploaded,
        )
        if upload_error.value:
            solara.HTML(tag="p", unsafe_innerHTML=escape(upload_error.value), classes=["cp-message"])
        solara.InputText(
            f"Scenario {index + 1} name",
            value=spec["name"],
            on_value=lambda v: on_change({**spec, "name": v}),
            continuous_update=False,
        )
        with Disclosure(f"the levers of scenario {index + 1}"):
            LeverPanel(spec["levers"], lambda levers: on_change({**spec, "levers": levers}))
        with Disclosure(f"the timeline of scenario {index + 1} ({counted(len(spec['timeline']), 'change')})"):
            TimelineEditor(spec["timeline"], lambda tl: on_change({**spec, "timeline": tl}), index)
        if error:
            solara.HTML(tag="p", unsafe_innerHTML=escape(error), classes=["cp-message"])


#: Weekly outputs drawn over time (each one of compare.TRAJECTORIES); their words are in coprod_sim.outputs.
CHARTS = ("participation_rate", "influence_share", "wellbeing_disabled", "burnout_disabled", "cost_cumulative")


@solara.component
def CompareResults(result: Comparison, scenarios: list[Scenario], weeks: int) -> None:
    """Trajectories with bands, the table of outcomes and differences, cost and break-even, verdict, exports."""
    solara.HTML(tag="h2", unsafe_innerHTML="Verdict", classes=["cp-heading"])
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escape(verdict(result, weeks)),
        classes=["cp-verdict"],
        attributes={"id": "cp-compare-verdict"},
    )
    solara.HTML(tag="h2", unsafe_innerHTML="Over time (mean and 95% band)", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for col in CHARTS:
            title = label(col)
            series = [_bounded(n, col, *result.trajectories[n][col]) for n in result.names]  # mean, lo, hi
            x = np.arange(len(series[0].y))
            chart = svg.line_chart(x, series, title=title, y_label=unit(col))
            pick, which = svg.table_weeks([s.y for s in series])
            table = svg.data_table(
                ["Week", *result.names],
                [[int(i), *[float(s.y[i]) for s in series]] for i in pick],
                f"{title}: mean over seeds, {which}",
            )
            ChartWithTable(chart, table, title)
    solara.HTML(tag="h2", unsafe_innerHTML="Cost against benefit", classes=["cp-heading"])
    ref = result.names[0]
    # Each scenario keeps the colour it has in the charts above (the first has no line here).
    extra = [
        svg.Series(n, result.cumulative_cost[n] - result.cumulative_cost[ref], style=i)
        for i, n in enumerate(result.names)
        if i
    ]
    marks = [(float(be), f"{n}: pays back") for n, be in result.break_even.items() if be]
    x = np.arange(len(result.cumulative_cost[ref]))
    title = f"Extra {phrase('cost_cumulative')}, compared with {ref}"
    chart = svg.line_chart(x, extra, title=title, y_label=unit("cost_cumulative"), marks=marks)
    pick, which = svg.table_weeks([s.y for s in extra])
    rows = [[int(i), *[float(s.y[i]) for s in extra]] for i in pick]
    table = svg.data_table(["Week", *[s.name for s in extra]], rows, f"{title}, {which}")
    ChartWithTable(chart, table, title)  # like every other chart, with its data table
    solara.Text(
        "Above zero the scenario has cost more so far; it pays back where the line falls to zero "
        "(savings in rework and turnover make up for what it costs)."
    )
    solara.HTML(tag="h2", unsafe_innerHTML="Outcomes at the end", classes=["cp-heading"])
    solara.HTML(tag="div", unsafe_innerHTML=outcome_table(result), classes=["cp-table-wrap"])
    solara.HTML(tag="h2", unsafe_innerHTML="Download", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap"}):
        solara.FileDownload(
            result.table.to_csv(index=False).encode(), "comparison.csv", label="Table of outcomes (CSV)"
        )
        solara.FileDownload(lambda: _parquet(result), "comparison_runs.parquet", label="Every run (Parquet)")
        for sc in scenarios:
            solara.FileDownload(
                scenario_toml(sc).encode(), f"{_file_name(sc.name)}.toml", label=f"Scenario '{sc.name}' (TOML)"
            )


def _bounded(name: str, col: str, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> svg.Series:
    """Return a scenario's line and band, the band kept within the output's range (:func:`outputs.in_range`)."""
    return svg.Series(name, mean, *in_range(col, lo, hi))


def _file_name(name: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name.strip())
    return safe or "scenario"


def _parquet(result: Comparison) -> bytes:
    buf = io.BytesIO()
    result.runs.to_parquet(buf, index=False)
    return buf.getvalue()


def outcome_table(result: Comparison) -> str:
    """Each outcome: every scenario's mean [95% interval], and its difference from the first."""
    t = result.table
    ref = result.names[0]
    cols = ["Outcome", *[f"{n}" for n in result.names], *[f"{n} minus {ref}" for n in result.names[1:]]]
    rows = []
    for key in TABLE_OUTCOMES:
        r = t[t.outcome == key].set_index("scenario")
        cells = [label_with_unit(key)]
        places = decimals(key, whole_counts=True)
        cells += [_ci(r.loc[n, "mean"], r.loc[n, "lo"], r.loc[n, "hi"], places=places) for n in result.names]
        if key.startswith("level_"):  # a level by name beside its number (the mean over seeds)
            cells[1:] = [f"{c} ({_level_name(r.loc[n, 'mean'])})" for c, n in zip(cells[1:], result.names, strict=True)]
        cells += [
            _ci(r.loc[n, "diff"], r.loc[n, "diff_lo"], r.loc[n, "diff_hi"], signed=True, places=places)
            for n in result.names[1:]
        ]
        rows.append(cells)
    return svg.data_table(cols, rows, f"Outcomes over {len(result.seeds)} seeds: mean [95% interval]")


def _ci(m: float, lo: float, hi: float, signed: bool = False, places: int = 3) -> str:
    """Return ``mean [lo, hi]`` with ``places`` decimals (as the output catalogue says), minus as a minus."""

    def f(v: float) -> str:
        if not math.isfinite(v):
            return "-"
        text = f"{v:+,.{places}f}" if signed else f"{v:,.{places}f}"
        if float(text.replace(",", "")) == 0.0:  # no "-0.000": a difference that rounds to zero has no sign
            text = f"{0.0:+,.{places}f}" if signed else f"{0.0:,.{places}f}"
        return text.replace("-", "\u2212")

    return f"{f(m)} [{f(lo)}, {f(hi)}]" if math.isfinite(lo) else f(m)


def _level_name(mean: float) -> str:
    """Return the name of the co-production level nearest a mean level number."""
    if not math.isfinite(mean):
        return "no level"
    return LEVELS[min(max(round(mean), 0), len(LEVELS) - 1)]


@solara.component
def ScenarioList(
    specs: list[ScenarioSpec],
    set_spec: Callable[[int], Callable[[ScenarioSpec], None]],
    remove: Callable[[int], None],
    add: Callable[[], None],
) -> None:
    """Show the scenarios side by side (wrapping), each removable from the third on, and "Add a scenario"."""
    solara.HTML(tag="h2", unsafe_innerHTML="Scenarios", classes=["cp-heading"])
    solara.Text(
        "The first scenario is the reference: the others are compared with it, on the same seeds "
        "(common random numbers), so chance affects them alike and the differences show the scenarios "
        "more clearly. Some chance is left: the table's 95% intervals say how much."
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "flex-start"}):
        for i, spec in enumerate(specs):
            with solara.Column(style={"flex": "1 1 280px", "min-width": "0"}):
                ScenarioEditor(i, spec, set_spec(i))
                if i >= 2:
                    solara.Button(f"Remove scenario {i + 1}", on_click=lambda i=i: remove(i), text=True)
    if len(specs) < MAX_SCENARIOS:
        solara.Button("Add a scenario", on_click=add, classes=["cp-add-scenario"])


def _draws_problem(n: int | None) -> str:
    """Say what is wrong with a number of draws ("" for a good one)."""
    if n is None or not 1 <= n <= MAX_PAGE_DRAWS:
        return f"Use 1 to {MAX_PAGE_DRAWS} draws (the command line, compare --uncertainty full, is for more)."
    return ""


def _seeds_problem(n: int | None, n_scenarios: int = 1) -> str:
    """Say what is wrong with a number of seeds per scenario ("" for a good one)."""
    if n is None or not 1 <= n <= MAX_SEEDS or n_scenarios * n > MAX_RUNS:
        return f"Use 1 to {MAX_SEEDS} seeds and at most {MAX_RUNS} runs in all (a sweep is for more)."
    return ""


def _weeks_problem(n: int | None) -> str:
    """Say what is wrong with a number of weeks ("" for a good one)."""
    if n is None or not MIN_WEEKS <= n <= MAX_WEEKS:
        return f"The number of weeks must be a whole number from {MIN_WEEKS} to {MAX_WEEKS:,}."
    return ""


def _not_run(n_scenarios: int, count: int | None, full: bool, weeks: int | None, seed: int | None) -> str:
    """Say why a comparison with these settings is not run ('' when it can be).

    ``count`` is the seeds per scenario, or with ``full`` the draws (each runs every scenario).
    """
    why = (
        (_draws_problem(count) if full else _seeds_problem(count, n_scenarios))
        or _weeks_problem(weeks)
        or seed_problem(seed)
    )
    return f"Not run: {why[0].lower()}{why[1:]}" if why else ""


@solara.component
def CompareView() -> None:
    """Set up two to four scenarios, run them on common seeds (or draws of the assumptions), read the results."""
    specs = solara.use_reactive([new_spec("baseline"), new_spec("transformative")])
    replicates, n_draws = solara.use_reactive(5), solara.use_reactive(DASHBOARD_DRAWS)
    weeks, seed = solara.use_reactive(260), solara.use_reactive(1)
    mode, cards = solara.use_reactive(CHANCE_ONLY), solara.use_reactive(None)
    progress, error = solara.use_reactive(""), solara.use_reactive("")
    outcome = solara.use_reactive(
        None
    )  # (CHANCE_ONLY, Comparison, scenarios, weeks) or (FULL, FullComparison, weeks, notes)
    # Where the focus goes after an action (selector, nth, inner, count): see FocusOn.
    focus = solara.use_reactive(("", 0, "", 0))

    def focus_on(selector: str, nth: int = 0, inner: str = "") -> None:
        focus.value = (selector, nth, inner, focus.value[3] + 1)

    def remove(i: int) -> None:
        """Remove scenario ``i``; the focus goes to the scenario now in its place, or to "Add a scenario"."""
        specs.value = [s for j, s in enumerate(specs.value) if j != i]
        focus_on(*((".cp-scenario", i, "select") if i < len(specs.value) else (".cp-add-scenario",)))

    def add() -> None:
        specs.value = [*specs.value, new_spec("peer_support")]
        focus_on(".cp-scenario", len(specs.value) - 1, "select")

    def set_spec(i: int) -> Callable[[ScenarioSpec], None]:
        def set_it(spec: ScenarioSpec) -> None:
            specs.value = [spec if j == i else s for j, s in enumerate(specs.value)]

        return set_it

    def run() -> None:
        # The button is disabled while the runs go on: the focus goes to their progress, then to the verdict.
        focus_on("#cp-compare-progress")
        full = mode.value == FULL
        try:
            scenarios = [build_scenario(s) for s in specs.value]
            error.value = _not_run(
                len(scenarios), n_draws.value if full else replicates.value, full, weeks.value, seed.value
            )
            if error.value:
                return
            unit = f"draws (each runs all {len(scenarios)} scenarios)" if full else "runs"
            total = n_draws.value if full else len(scenarios) * replicates.value
            progress.value = f"Running 0 of {total} {unit}..."

            def on_step(done: int, total: int) -> None:
                progress.value = f"Running {done} of {total} {unit}..."

            if full:
                result, notes = run_full(scenarios, n_draws.value, seed.value, weeks.value, cards.value, on_step)
                outcome.value = (FULL, result, weeks.value, notes)
            else:
                result = compare(scenarios, replicates.value, seed.value, weeks.value, on_run=on_step)
                outcome.value = (CHANCE_ONLY, result, scenarios, weeks.value)
        except ConfigError as exc:  # a scenario, or a card on a lever the scenarios differ on
            error.value, progress.value = f"Not run: {exc}", ""
            return
        progress.value = f"Done: {total} {unit}."
        focus_on("#cp-compare-verdict")

    task = solara.lab.use_task(run, dependencies=None, prefer_threaded=True)

    ScenarioList(specs.value, set_spec, remove, add)
    CompareSettings(mode, replicates, n_draws, weeks, seed, cards, task)
    with solara.Div(attributes={"aria-live": "polite", "id": "cp-compare-progress"}):
        if error.value:
            solara.HTML(tag="p", unsafe_innerHTML=escape(error.value), classes=["cp-message"])
            if outcome.value is not None:  # the settings above are not those of the results below
                last = "The results below are those of the last comparison that ran, with its own settings."
                solara.HTML(tag="p", unsafe_innerHTML=last)
        if progress.value:
            solara.Text(progress.value)
        if task.error:
            solara.HTML(tag="p", unsafe_innerHTML=escape(f"The runs failed: {task.exception}"), classes=["cp-message"])
    if outcome.value is not None and outcome.value[0] == FULL:
        FullResults(*outcome.value[1:])
    elif outcome.value is not None:
        CompareResults(*outcome.value[1:])
    FocusOn(selector=focus.value[0], nth=focus.value[1], inner=focus.value[2], count=focus.value[3])


@solara.component
def CompareSettings(
    mode: solara.Reactive[str],
    replicates: solara.Reactive[int],
    n_draws: solara.Reactive[int],
    weeks: solara.Reactive[int],
    seed: solara.Reactive[int],
    cards: solara.Reactive[Any],
    task: Any,
) -> None:
    """Set what the comparison allows for, how many seeds or draws, weeks, seed, the cards, and Run."""
    UncertaintyChoice(mode)
    if mode.value == FULL:
        CardsUpload(cards)
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        # Each says under it, as it is typed, what is wrong; Run then refuses until it is mended.
        if mode.value == FULL:
            WholeNumber("Draws of the assumptions", n_draws.value, n_draws.set, _draws_problem, none_when_wrong=True)
        else:
            seeds = "Seeds per scenario (replicates)"
            WholeNumber(seeds, replicates.value, replicates.set, _seeds_problem, none_when_wrong=True)
        WholeNumber("Weeks to simulate", weeks.value, weeks.set, _weeks_problem, none_when_wrong=True)
        WholeNumber("Master seed", seed.value, seed.set, seed_problem, none_when_wrong=True)
        # Not disabled while running (a disabled button drops the focus to the page's body): it
        # says it is busy, ignores clicks, and the focus moves on to the progress.
        solara.Button(
            "Run the comparison" if not task.pending else "Running the comparison...",
            on_click=task if not task.pending else lambda: None,
            color="primary",
            attributes={"aria-disabled": "true" if task.pending else "false"},
            retain_focus_on_click=True,  # Vuetify would blur a clicked button
        )
