"""Explore: one organisation, its levers by component, stepped week by week."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from html import escape
from typing import Any

import solara
import solara.lab
from solara.alias import rv

from coprod_sim.config import PARAMS, Config, ConfigError, Param, check_value
from coprod_sim.dashboard.controls import ChartWithTable, Choice, Disclosure, WholeNumber, seed_problem, use_play
from coprod_sim.dashboard.levers import COMPONENTS, changed_levers, current_values, lever_params, plain_label
from coprod_sim.dashboard.session import COLOUR_BY, Simulation
from coprod_sim.dashboard.svg import ROLE_LABELS
from coprod_sim.outputs import label
from coprod_sim.scenarios import list_scenario_names, load_scenario

__all__ = ["ExploreView", "LeverControl", "LeverPanel", "SimulationPictures"]

DEFAULTS = "defaults"
#: Sliders for whole numbers with very wide allowed ranges show a useful part of it.
UI_RANGE = {"training.interval": (4, 104), "review.interval": (4, 52)}
PLAY_SECONDS = 0.3  # pause between weeks while playing (motion only when the user presses Play)
MAX_PEOPLE = 2000  # largest organisation drawn in the page
#: A lever change's message goes after this long: news, not a label (an error stays until fixed).
MESSAGE_SECONDS = 10.0
#: organisation.people as this page allows it: the config's rule, up to what the page can draw.
PAGE_PEOPLE = dataclasses.replace(PARAMS["organisation.people"], hi=MAX_PEOPLE)


def scenario_config(name: str) -> Config:
    """Return the config of a shipped scenario, or the defaults."""
    return Config() if name == DEFAULTS else load_scenario(name).config


def scenario_menu() -> dict[str, tuple[str, str]]:
    """Each scenario offered, by name: its title and description (from its file), the defaults first."""
    menu = {
        DEFAULTS: ("The model's defaults", "Every parameter at its default: the same organisation as the baseline.")
    }
    for name in list_scenario_names():
        sc = load_scenario(name)
        menu[name] = (sc.label, sc.description)
    return menu


def build(name: str, levers: dict[str, Any], seed: int, people: int) -> Simulation:
    """Build a simulation of scenario ``name`` with ``levers`` and organisation size ``people``."""
    base = scenario_config(name)
    overrides = {k: v for k, v in levers.items() if base.get(k) != v}
    if people != base.organisation.people:
        overrides["organisation.people"] = people
    cfg = base.with_overrides(overrides, source="the dashboard") if overrides else base
    cfg = Config.from_dict({**cfg.to_dict(), "timeline": []}, source="the dashboard")  # levers as set, from week 0
    return Simulation(cfg, seed)


def slider_moved(
    value: float, lo: float, hi: float, step: float, on_value: Callable[[Any], None]
) -> Callable[[Any], None]:
    """Return what a slider calls with its new value: ``on_value``, unless the slider only put ``value`` on its grid.

    Vuetify's slider rounds a value that is not on its grid of steps (0.12 on a grid of 0.01,
    0.0595, 0.109, ...), or outside its range, as soon as it is drawn, and reports the rounded
    value as if the user had moved it. That is not a change of lever: passing it on would change
    the run silently at week 0, or add a timeline entry nobody made later on. A move by the user
    lands at least half a step away from where the slider showed ``value``.
    """
    cast = int if isinstance(value, int) else float

    def moved(new: Any) -> None:
        if abs(cast(new) - min(max(value, lo), hi)) >= step / 2:
            on_value(cast(new))

    return moved


@solara.component
def LeverControl(path: str, value: Any, on_value: Callable[[Any], None], param: Param) -> None:
    """One lever: a switch, a choice or a slider, labelled in plain words, with its help below.

    A switch or a slider is one widget, its help the hint Vuetify shows under it; a choice from a
    list is a native drop-down with its help as text below.
    """
    label = plain_label(path)
    help_text = f"{param.doc} ({param.unit})."
    if param.choices:
        Choice(label, list(param.choices), value, on_value)
        solara.Text(help_text, classes=["cp-help"])
        return
    shown = {"hint": help_text, "persistent_hint": True, "class_": "cp-lever"}
    if param.type is bool:
        rv.Switch(label=label, v_model=bool(value), on_v_model=lambda v: on_value(bool(v)), **shown)
        return
    if param.type is int:
        value = int(value)
        lo, hi = UI_RANGE.get(path, (int(param.lo), int(param.hi)))
        step: float = 1
        text = f"{label}: {value}"
    else:
        value = float(value)
        lo, hi = float(param.lo), float(param.hi)
        step = (hi - lo) / 20
        text = f"{label}: {value:.2f}"
    rv.Slider(
        label=text,
        v_model=value,
        on_v_model=slider_moved(value, lo, hi, step, on_value),
        min=lo,
        max=hi,
        step=step,
        # No bubble over the thumb: it covered the label above, which already says the value.
        thumb_label=False,
        **shown,
    )


@solara.component
def LeverPanel(values: dict[str, Any], on_change: Callable[[dict[str, Any]], None], collapsed: bool = False) -> None:
    """Show the levers, grouped by the four components of co-production (SCIE 2020, seed 000).

    With ``collapsed`` (Explore) each group is a heading, a line about it and a "Show the ...
    levers" button, and its controls are built only when it is opened: the page loads with 19
    widgets for the levers instead of 78, which the server builds and sends and the browser draws
    before the page can be used. Without, the group names are not headings (Compare shows the
    panel once per scenario, inside its own "Show the levers of scenario N").
    """
    params = lever_params()

    def setter(path: str) -> Callable[[Any], None]:
        return lambda v: on_change({**values, path: v})

    for comp in COMPONENTS:
        title = (
            f'<h3 class="cp-heading">{comp.name}</h3>' if collapsed else f'<p class="cp-group-title">{comp.name}</p>'
        )
        solara.HTML(tag="div", unsafe_innerHTML=f"{title}<p>{escape(comp.about)}</p>", classes=["cp-group"])
        group = Disclosure(f"the {comp.name.lower()} levers ({len(comp.paths)})") if collapsed else solara.Div()
        with group:
            for path in comp.paths:
                LeverControl(path, values[path], setter(path), params[path])


@solara.component
def SimulationPictures(
    sim: Simulation, tick: int, colour_by: str, heading_level: int = 2, highlight: int | None = None
) -> None:
    """Show the network, the ladder, the charts (each with its data table) and the plain summary."""
    h = f"h{heading_level}"
    # A grid the page's CSS stacks when the column is narrow (not solara.Columns, whose columns
    # clip their content and never stack).
    with solara.Div(classes=["cp-pictures"]):
        with solara.Div():
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f'<{h} class="cp-heading">The organisation</{h}>'
                f'<div class="cp-figure">{sim.network_svg(colour_by, highlight=highlight)}</div>',
            )
        with solara.Div():
            solara.HTML(tag=h, unsafe_innerHTML="What is happening", classes=["cp-heading"])
            solara.HTML(
                tag="div",
                unsafe_innerHTML="".join(f"<p>{escape(para)}</p>" for para in sim.explanation()),
                classes=["cp-summary"],
            )
            solara.HTML(tag="div", unsafe_innerHTML=sim.ladder_svg(), classes=["cp-figure"])
    solara.HTML(tag=h, unsafe_innerHTML="Over time", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for title, chart, table in sim.chart_svgs():
            ChartWithTable(chart, table, title)


@solara.component
def ExploreView() -> None:
    """Pick a scenario, set levers and a seed, then step, play, pause or reset."""
    scenario = solara.use_reactive(DEFAULTS)
    menu = solara.use_memo(scenario_menu, [])
    # Read once per scenario, not on every redraw (Play redraws several times a second).
    base = solara.use_memo(lambda: scenario_config(scenario.value), [scenario.value])
    values = solara.use_reactive(current_values(base))
    seed = solara.use_reactive(1)
    people = solara.use_reactive(base.organisation.people)
    colour_by = solara.use_reactive("wellbeing")
    highlight = solara.use_reactive(-1)  # a role code, or -1 for none
    playing = solara.use_reactive(False)
    tick = solara.use_reactive(0)
    message = solara.use_reactive("")
    fading = solara.use_reactive(0)  # counts lever-change messages; each clears itself unless a newer came
    sim_box = solara.use_reactive(None)  # the Simulation; replaced on reset

    def reset(name: str | None = None, levers: dict[str, Any] | None = None) -> None:
        playing.value = False
        try:
            sim_box.value = build(name or scenario.value, levers or values.value, seed.value, people.value)
            message.value = ""
        except ConfigError as exc:  # keep the current run; say what is wrong next to the controls
            message.value = str(exc)
        tick.value += 1

    if sim_box.value is None:
        reset()
    sim: Simulation = sim_box.value

    def choose_scenario(name: str) -> None:
        cfg = scenario_config(name)
        scenario.value = name
        values.value = current_values(cfg)
        people.value = cfg.organisation.people
        reset(name, values.value)

    def on_levers(new: dict[str, Any]) -> None:
        old, values.value = values.value, new
        if sim.week == 0:
            reset(levers=new)
        else:
            try:
                sim.change_levers(new)
                message.value = f"{changed_levers(old, new)}, from week {sim.week + 1}."
                fading.value += 1
            except ConfigError as exc:
                message.value = str(exc)
            tick.value += 1

    def fade() -> None:
        mine, text = fading.value, message.value
        time.sleep(MESSAGE_SECONDS)
        if mine and fading.value == mine and message.value == text:
            message.value = ""

    solara.lab.use_task(fade, dependencies=[fading.value], prefer_threaded=True)

    def step(weeks: int) -> None:
        sim.step(weeks)
        tick.value += 1

    use_play(playing, lambda: step(1), PLAY_SECONDS, sim)

    with solara.Div(classes=["cp-explore"]):  # two columns, stacked below 900 px (the page's CSS)
        with solara.Div(classes=["cp-controls"]):
            solara.HTML(tag="h2", unsafe_innerHTML="Set up", classes=["cp-heading"])
            Choice("Scenario", list(menu), scenario.value, choose_scenario, names=[t for t, _ in menu.values()])
            solara.HTML(tag="p", unsafe_innerHTML=escape(menu[scenario.value][1]), classes=["cp-help"])
            SeedAndSize(seed, people, lambda: reset(), base.organisation.team_size)
            Choice("Colour people by", list(COLOUR_BY), colour_by, names=list(COLOUR_BY.values()))
            Choice("Highlight a role", [-1, *range(len(ROLE_LABELS))], highlight, names=["None", *ROLE_LABELS])
            with solara.Row(classes=["cp-run-buttons"]):
                solara.Button("Step 1 week", on_click=lambda: step(1), disabled=playing.value, color="primary")
                solara.Button("Step 1 year", on_click=lambda: step(52), disabled=playing.value)
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                    icon_name="mdi-pause" if playing.value else "mdi-play",
                )
                solara.Button("Reset", on_click=lambda: reset(), icon_name="mdi-restore")
            # What a screen reader says after a step: the week and the level, not the whole summary
            # (a thousand characters, 15 times in 6 s of Play), and nothing while playing.
            solara.HTML(
                tag="p",
                unsafe_innerHTML="" if playing.value else escape(f"Week {sim.week}, {sim.level()}"),
                classes=["cp-sr-only"],
                attributes={"role": "status", "id": "cp-explore-status"},
            )
            # The same to the eye, by the buttons: on a phone the summary and pictures are far below.
            solara.HTML(
                tag="p",
                unsafe_innerHTML=escape(
                    f"Now: week {sim.week}; {label('level').lower()}: {sim.level()}. The summary and pictures "
                    "below show what happened."
                ),
                classes=["cp-now"],
                attributes={"aria-hidden": "true"},
            )
            # Always there, so that a screen reader announces a new message, and the levers below
            # keep their place in the page (and their open groups and focus) when one appears.
            solara.HTML(
                tag="div",
                unsafe_innerHTML=f'<p class="cp-message">{escape(message.value)}</p>' if message.value else "",
                attributes={"role": "status"},
            )
            solara.HTML(tag="h2", unsafe_innerHTML="Levers", classes=["cp-heading"])
            LeverPanel(values.value, on_levers, collapsed=True)
        with solara.Div(classes=["cp-main"]):
            SimulationPictures(
                sim, tick.value, colour_by.value, highlight=None if highlight.value < 0 else highlight.value
            )


@solara.component
def SeedAndSize(seed: solara.Reactive[int], people: solara.Reactive[int], on_change: Any, team_size: int) -> None:
    """Seed and organisation size, validated where they are typed, with messages in plain words.

    The organisation holds at least one team of the scenario's ``team_size`` (the config's own
    cross-check), so that a size the run would refuse is refused where it is typed.
    """
    least = max(int(PAGE_PEOPLE.lo), team_size)

    def people_problem(n: int | None) -> str:
        try:
            check_value(PAGE_PEOPLE, n, "")  # the config's own rule, with this page's upper limit
            too_few = n < team_size
        except ConfigError:
            too_few = True
        if too_few:
            return (
                f"The number of people must be a whole number from {least:,} (one team of {team_size}) to "
                f"{MAX_PEOPLE:,}: this page draws everyone. The command line (coprod-sim run) takes larger "
                "organisations."
            )
        return ""

    def set_seed(n: int) -> None:
        seed.value = n
        on_change()

    def set_people(n: int) -> None:
        people.value = n
        on_change()

    WholeNumber("Seed (same seed, same run)", seed.value, set_seed, seed_problem)
    WholeNumber("People in the organisation", people.value, set_people, people_problem)
