"""Explore: one organisation, its levers by component, stepped week by week."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from coprod_sim.config import Config, ConfigError, Param
from coprod_sim.dashboard.controls import Choice, use_play
from coprod_sim.dashboard.levers import COMPONENTS, lever_params, plain_label
from coprod_sim.dashboard.session import COLOUR_BY, Simulation
from coprod_sim.scenarios import list_scenario_names, load_scenario

__all__ = ["ExploreView", "LeverControl", "LeverPanel", "SimulationPictures"]

DEFAULTS = "defaults"
#: Sliders for whole numbers with very wide allowed ranges show a useful part of it.
UI_RANGE = {"training.interval": (4, 104), "review.interval": (4, 52)}
PLAY_SECONDS = 0.3  # pause between weeks while playing (motion only when the user presses Play)
MAX_PEOPLE = 2000  # largest organisation drawn in the page


def scenario_config(name: str) -> Config:
    """Return the config of a shipped scenario, or the defaults."""
    return Config() if name == DEFAULTS else load_scenario(name).config


def build(name: str, levers: dict[str, Any], seed: int, people: int) -> Simulation:
    """Build a simulation of scenario ``name`` with ``levers`` and organisation size ``people``."""
    base = scenario_config(name)
    overrides = {k: v for k, v in levers.items() if base.get(k) != v}
    if people != base.organisation.people:
        overrides["organisation.people"] = people
    cfg = base.with_overrides(overrides, source="the dashboard") if overrides else base
    cfg = Config.from_dict({**cfg.to_dict(), "timeline": []}, source="the dashboard")  # levers as set, from week 0
    return Simulation(cfg, seed)


@solara.component
def LeverControl(path: str, value: Any, on_value: Any, param: Param) -> None:
    """One lever: a switch, a choice or a slider, labelled in plain words, with its help below."""
    label = plain_label(path)
    if param.type is bool:
        solara.Switch(label=label, value=bool(value), on_value=on_value)
    elif param.choices:
        Choice(label, list(param.choices), value, on_value)
    elif param.type is int:
        lo, hi = UI_RANGE.get(path, (int(param.lo), int(param.hi)))
        solara.SliderInt(
            label=f"{label}: {int(value)}",
            value=int(value),
            min=lo,
            max=hi,
            step=1,
            on_value=on_value,
            thumb_label=True,
        )
    else:
        lo, hi = float(param.lo), float(param.hi)
        solara.SliderFloat(
            label=f"{label}: {float(value):.2f}",
            value=float(value),
            min=lo,
            max=hi,
            step=(hi - lo) / 20,
            on_value=on_value,
            thumb_label=True,
        )
    solara.Text(f"{param.doc} ({param.unit}).", classes=["cp-help"])


@solara.component
def LeverPanel(values: dict[str, Any], on_change: Callable[[dict[str, Any]], None]) -> None:
    """Show the levers, grouped by the four components of co-production (SCIE 2020, seed 000)."""
    params = lever_params()

    def setter(path: str) -> Callable[[Any], None]:
        return lambda v: on_change({**values, path: v})

    for comp in COMPONENTS:
        with solara.Card(comp.name, subtitle=comp.about, classes=["cp-component"]):
            for path in comp.paths:
                LeverControl(path, values[path], setter(path), params[path])


@solara.component
def SimulationPictures(sim: Simulation, tick: int, colour_by: str, heading_level: int = 2) -> None:
    """Show the network, the ladder, the charts (each with its data table) and the plain summary."""
    h = f"h{heading_level}"
    with solara.Columns([3, 2]):
        with solara.Column():
            solara.HTML(tag=h, unsafe_innerHTML="The organisation", classes=["cp-heading"])
            solara.HTML(tag="div", unsafe_innerHTML=sim.network_svg(colour_by), classes=["cp-figure"])
        with solara.Column():
            solara.HTML(tag=h, unsafe_innerHTML="What is happening", classes=["cp-heading"])
            with solara.Div(classes=["cp-summary"], attributes={"aria-live": "polite"}):
                for para in sim.explanation():
                    solara.HTML(tag="p", unsafe_innerHTML=_escape(para))
            solara.HTML(tag="div", unsafe_innerHTML=sim.ladder_svg(), classes=["cp-figure"])
    solara.HTML(tag=h, unsafe_innerHTML="Over time", classes=["cp-heading"])
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for _title, chart, table in sim.chart_svgs():
            with solara.Div(classes=["cp-chart"]):
                solara.HTML(tag="div", unsafe_innerHTML=chart, classes=["cp-figure"])
                solara.HTML(
                    tag="details",
                    unsafe_innerHTML=f"<summary>Data table</summary>{table}",
                    classes=["cp-details"],
                )


def _escape(text: str) -> str:
    from html import escape

    return escape(text)


@solara.component
def ExploreView() -> None:
    """Pick a scenario, set levers and a seed, then step, play, pause or reset."""
    scenario = solara.use_reactive(DEFAULTS)
    # Read once per scenario, not on every redraw (Play redraws several times a second).
    base = solara.use_memo(lambda: scenario_config(scenario.value), [scenario.value])
    values = solara.use_reactive({p: base.get(p) for p in lever_params()})
    seed = solara.use_reactive(1)
    people = solara.use_reactive(base.organisation.people)
    colour_by = solara.use_reactive("wellbeing")
    playing = solara.use_reactive(False)
    tick = solara.use_reactive(0)
    message = solara.use_reactive("")
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
        values.value = {p: cfg.get(p) for p in lever_params()}
        people.value = cfg.organisation.people
        reset(name, values.value)

    def on_levers(new: dict[str, Any]) -> None:
        values.value = new
        if sim.week == 0:
            reset(levers=new)
        else:
            try:
                sim.change_levers(new)
                message.value = f"Changed from week {sim.week + 1}."
            except ConfigError as exc:
                message.value = str(exc)
            tick.value += 1

    def step(weeks: int) -> None:
        sim.step(weeks)
        tick.value += 1

    use_play(playing, lambda: step(1), PLAY_SECONDS, sim)

    with solara.Columns([1, 3], classes=["cp-explore"]):
        with solara.Column(classes=["cp-controls"]):
            solara.HTML(tag="h2", unsafe_innerHTML="Set up", classes=["cp-heading"])
            Choice("Scenario", [DEFAULTS, *list_scenario_names()], scenario.value, choose_scenario)
            SeedAndSize(seed, people, lambda: reset())
            Choice("Colour people by", list(COLOUR_BY), colour_by, names=list(COLOUR_BY.values()))
            with solara.Row(classes=["cp-run-buttons"]):
                solara.Button("Step 1 week", on_click=lambda: step(1), disabled=playing.value, color="primary")
                solara.Button("Step 1 year", on_click=lambda: step(52), disabled=playing.value)
                solara.Button(
                    "Pause" if playing.value else "Play",
                    on_click=lambda: playing.set(not playing.value),
                    icon_name="mdi-pause" if playing.value else "mdi-play",
                )
                solara.Button("Reset", on_click=lambda: reset(), icon_name="mdi-restore")
            if message.value:
                solara.HTML(tag="p", unsafe_innerHTML=_escape(message.value), classes=["cp-message"])
            solara.HTML(tag="h2", unsafe_innerHTML="Levers", classes=["cp-heading"])
            LeverPanel(values.value, on_levers)
        with solara.Column(classes=["cp-main"]):
            SimulationPictures(sim, tick.value, colour_by.value)


@solara.component
def SeedAndSize(seed: solara.Reactive[int], people: solara.Reactive[int], on_change: Any) -> None:
    """Seed and organisation size, validated where they are typed."""
    from coprod_sim.config import iter_params

    size_param = next(p for p in iter_params() if p.path == "organisation.people")
    seed_error = solara.use_reactive("")
    size_error = solara.use_reactive("")

    def set_seed(v: int | None) -> None:
        if v is None or v < 0:
            seed_error.value = "The seed must be a whole number of 0 or more."
            return
        seed_error.value = ""
        seed.value = int(v)
        on_change()

    def set_people(v: int | None) -> None:
        lo, hi = int(size_param.lo), min(int(size_param.hi), MAX_PEOPLE)
        if v is None or not lo <= v <= hi:
            size_error.value = f"People must be a whole number from {lo} to {hi:,}."
            return
        size_error.value = ""
        people.value = int(v)
        on_change()

    solara.InputInt("Seed (same seed, same run)", value=seed.value, on_value=set_seed, continuous_update=False)
    if seed_error.value:
        solara.HTML(tag="p", unsafe_innerHTML=seed_error.value, classes=["cp-message"])
    solara.InputInt("People in the organisation", value=people.value, on_value=set_people, continuous_update=False)
    if size_error.value:
        solara.HTML(tag="p", unsafe_innerHTML=size_error.value, classes=["cp-message"])
