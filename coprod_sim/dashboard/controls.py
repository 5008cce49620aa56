"""Form controls that assistive technology reads correctly, and a chart with its data table.

Vuetify 2's select (``solara.Select``) nests its focusable input inside an element with
``role="button"``, which axe reports as nested interactive controls (a screen reader announces
it badly, WCAG 4.1.2). A choice from a list is a native ``<select>`` here (ipywidgets'
Dropdown), whose label is tied to it and which every browser makes keyboard-operable.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

import ipywidgets
import solara
import solara.lab

from coprod_sim.limits import MAX_SEED

__all__ = ["ChartWithTable", "Choice", "Disclosure", "FocusOn", "WholeNumber", "seed_problem", "use_play"]


@solara.component
def Choice(
    label: str,
    values: Sequence[Any],
    value: Any | solara.Reactive[Any],
    on_value: Callable[[Any], None] | None = None,
    names: Sequence[str] | None = None,
) -> None:
    """Pick one of ``values`` (shown as ``names``) from a labelled native drop-down list."""
    reactive = value if isinstance(value, solara.Reactive) else None
    current = reactive.value if reactive is not None else value

    def changed(v: Any) -> None:
        if reactive is not None:
            reactive.value = v
        if on_value is not None:
            on_value(v)

    shown = list(names) if names is not None else [str(v) for v in values]
    ipywidgets.Dropdown.element(
        options=list(zip(shown, values, strict=True)),
        value=current,
        description=label,
        style={"description_width": "initial"},
        layout=ipywidgets.Layout(width="auto", max_width="100%", margin="4px 0 10px 0"),
        on_value=changed,
    )


def seed_problem(n: int | None) -> str:
    """Say in plain words what is wrong with a typed seed ("" for a good one)."""
    if n is None or not 0 <= n <= MAX_SEED:
        return "The seed must be a whole number, 0 or more, such as 1. The same seed gives the same run."
    return ""


def _whole(text: str) -> int:
    return int(text)


def _real(text: str) -> float:
    x = float(text)
    if not math.isfinite(x):
        raise ValueError(text)
    return x


@solara.component
def WholeNumber(
    label: str,
    value: int | None,
    on_value: Callable[[int | None], None],
    problem: Callable[[int | None], str],
    none_when_wrong: bool = False,
    whole: bool = True,
) -> None:
    """Show a field for a whole number (``whole`` False: any finite number), committed on leaving it or Enter.

    ``problem`` says in plain words what is wrong with a number (``None``: not a number), or
    returns "" for a good one; the message is shown under the field and announced, and the last
    good value stays in use, or with ``none_when_wrong`` the value becomes ``None`` (for a form
    whose button must refuse to run while a field is wrong). Solara's own number field names a
    typed "-" or "5.5" only as "not an integer", in its label.
    """
    parse = _whole if whole else _real
    # What was typed: set from ``value`` only by follow() below (use_reactive(value) would replace a
    # wrong number just typed by "None" when ``none_when_wrong`` clears the value).
    text = solara.use_reactive(solara.use_memo(lambda: f"{value}", []))
    error = solara.use_reactive("")

    def follow() -> None:  # a value set elsewhere (another scenario's size) is shown
        if value is not None and text.value.strip() != f"{value}" and not error.value:
            text.value = f"{value}"

    solara.use_effect(follow, [value])

    def typed(t: str | None) -> None:
        text.value = t or ""
        try:
            n: Any = parse((t or "").strip().replace(",", "").replace("_", ""))
        except ValueError:
            n = None
        error.value = problem(n)
        if not error.value and n is not None:
            on_value(n)
        elif none_when_wrong:
            on_value(None)

    # Not Vuetify's error state: it turns the label a light red that fails contrast (WCAG 1.4.3).
    solara.InputText(label, value=text.value, on_value=typed, continuous_update=False)
    solara.HTML(
        tag="div",
        unsafe_innerHTML=f'<p class="cp-message">{escape(error.value)}</p>' if error.value else "",
        attributes={"role": "alert"},
    )


@solara.component
def Disclosure(label: str, children: list[Any] = []) -> None:  # noqa: B006 (Solara passes children so)
    """Show or hide a section with a button whose text says which ("Show ..." / "Hide ...").

    Vuetify's expansion panel puts ``aria-expanded`` on an element without a role, which axe
    reports as critical (WCAG 4.1.2); a plain button whose name changes, and which says whether
    it is expanded, is read correctly. The section's widgets are built only while it is open.
    """
    open_ = solara.use_reactive(False)
    # One container, open or closed: the button stays the same element, so it keeps the focus.
    with solara.Div(classes=["cp-disclosure"]):
        solara.Button(
            f"{'Hide' if open_.value else 'Show'} {label}",
            on_click=lambda: open_.set(not open_.value),
            text=True,
            icon_name="mdi-chevron-up" if open_.value else "mdi-chevron-down",
            attributes={"aria-expanded": "true" if open_.value else "false"},
        )
        if open_.value:
            solara.Column(children=children)


@solara.component_vue("chart_table.vue")
def _ChartWithTable(chart: str, table: str, summary: str) -> None:
    """Render :func:`ChartWithTable` with its Vue template (chart_table.vue)."""


@solara.component
def ChartWithTable(chart: str, table: str, title: str) -> None:
    """Show a chart (SVG) and, below it, its data in a table behind a "Data table: <title>" disclosure.

    One widget, not one each (the server builds and sends every widget, and the browser draws it,
    before a page can be used): Explore alone shows four of these when it opens. A Vue template,
    not an HTML widget, so that a table opened by the reader stays open when the chart is redrawn,
    and each disclosure is named after its chart (a screen reader lists "Data table: Wellbeing",
    not four times "Data table").
    """
    _ChartWithTable(chart=chart, table=table, summary=f"Data table: {title}")


@solara.component_vue("focus.vue")
def FocusOn(selector: str, nth: int, inner: str, count: int) -> None:
    """Move the focus to the ``nth`` element matching ``selector`` (then its ``inner`` one) when ``count`` changes.

    An action whose button disappears or is disabled while it runs (Remove scenario, Run the
    comparison, Lock in my prediction) would leave the focus on the page's body: a keyboard or
    screen-reader user would have to find their place again. Nothing moves while ``count`` is 0.
    """


def use_play(playing: solara.Reactive[bool], advance: Callable[[], None], seconds: float, key: object) -> None:
    """While ``playing`` is on, call ``advance`` every ``seconds`` in a background thread.

    Motion only when the user presses Play (WCAG 2.2.2); Pause ends the loop at the next tick.
    ``key`` restarts the loop when what it advances is replaced (a reset).
    """

    def loop() -> None:
        while playing.value:
            time.sleep(seconds)
            if not playing.value:
                break
            advance()

    solara.lab.use_task(loop, dependencies=[playing.value, key], prefer_threaded=True)
