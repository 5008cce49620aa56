"""The dashboard page: a header, a presentation-mode switch and one tab per view.

Run it with ``coprod-sim dashboard`` (or ``solara run coprod_sim.dashboard.app``). Every browser
tab gets its own session, so its own runs. Styles are written here, not loaded from the web.
"""

from __future__ import annotations

import importlib
import threading

import solara
import solara.lab

__all__ = ["CSS", "Page", "preload_model"]


def _import_model() -> None:
    """Import the Explore view, and with it the model and Mesa (about 1-1.5 s).

    Mesa is imported first, on its own: when it loads, it names its logger by reading every
    frame of the call stack (``inspect.stack()``), which costs time for each frame and each module
    already loaded, so it is cheaper imported from here than from deep inside the view's imports
    (about 0.2 s of CPU less on a 2-core machine). The other views are imported when their tab is
    first opened.
    """
    import mesa  # noqa: F401

    import coprod_sim.dashboard.explore  # noqa: F401


_model = threading.Thread(target=_import_model, name="coprod-sim-model", daemon=True)
_model_lock = threading.Lock()


def preload_model() -> None:
    """Start importing the model in the background, once; later calls do nothing.

    ``coprod-sim dashboard`` calls this as soon as the server listens, not when this module is
    imported: the server imports this module before it answers, and an import running beside it
    would take half of its CPU (one interpreter lock), so the first answer would come later. Once
    the server listens, the browser spends a second or more loading the page's scripts in its own
    process, and the model is imported meanwhile.
    """
    with _model_lock:
        if _model.ident is None:
            _model.start()


@solara.lab.on_kernel_start
def _wait_for_model() -> None:
    """Let a new browser tab's page be drawn only once the model is imported.

    Solara checks every new state against ``pandas.DataFrame`` once pandas is in ``sys.modules``,
    and Mesa imports pandas: a page drawn while pandas is half imported fails ("partially
    initialized module 'pandas'"). Under ``solara run``, nobody called :func:`preload_model`, so
    the first tab starts the import here.
    """
    preload_model()
    _model.join()


#: Readable type, visible focus, high-contrast presentation mode (WCAG 2.2 AA: contrast, focus
#: visible, text resizable). Colours of text on white are at least 7:1. Sizes are multiples of
#: ``--cp-base`` (16 px, 22 px in presentation mode), so every heading, help text and lever grows
#: in presentation mode and the headings keep their order (h1 > h2 > h3 > h4).
#: Layout reflows (issue 15): the views' columns stack below 900 px; the Explore pictures stack
#: when their own column is narrower than 700 px; no control is wider than its column; drawings
#: with text never shrink below their own width (svg.MIN_TEXT), and grow with their column.
CSS = """
.cp-app { --cp-base: 16px; font-size: var(--cp-base); color: #111; line-height: 1.45; padding: 0 8px;
  max-width: 100%; overflow-wrap: anywhere; }
.cp-app h1 { font-size: calc(var(--cp-base) * 1.6); margin: 0.2rem 0 0.4rem; line-height: 1.2; }
.cp-app h2.cp-heading { font-size: calc(var(--cp-base) * 1.35); margin: 0.8rem 0 0.3rem; }
.cp-app h3.cp-heading { font-size: calc(var(--cp-base) * 1.15); margin: 0.6rem 0 0.2rem; }
.cp-app h4.cp-heading { font-size: calc(var(--cp-base) * 1.05); margin: 0.4rem 0 0.2rem; }
.cp-now { font-size: calc(var(--cp-base) * 0.85); margin: 0.5rem 0 0.6rem; }
.cp-help { display: block; font-size: calc(var(--cp-base) * 0.85); color: #333; margin: -0.4rem 0 0.6rem; }
.cp-group { border-top: 1px solid #767676; margin-top: 0.5rem; padding-top: 0.2rem; }
.cp-group p { font-size: calc(var(--cp-base) * 0.85); color: #333; margin: 0 0 0.2rem; }
.cp-group p.cp-group-title { font-size: var(--cp-base); font-weight: 700; color: #111; }
.cp-lever { margin-bottom: 0.6rem; }
.cp-app .v-label, .cp-app .v-input input { font-size: var(--cp-base); }
.cp-lever .v-messages { color: #333 !important; font-size: calc(var(--cp-base) * 0.85); min-height: 0; }
.cp-lever .v-messages__message { line-height: 1.3; }
.cp-lever.v-input__slider .v-input__slot { flex-wrap: wrap; }
.cp-lever.v-input__slider .v-input__slot > .v-label {
  flex: 1 1 100%; height: auto; line-height: 1.3; white-space: normal; margin-bottom: 0.1rem; }
.cp-app .v-input .v-label { white-space: normal; overflow-wrap: anywhere; }
.cp-message { color: #8a1c00; font-weight: 600; border-left: 4px solid #D55E00; padding-left: 0.5rem; }
.cp-summary p { margin: 0 0 0.5rem; }
.cp-explore { display: grid; grid-template-columns: minmax(270px, 1fr) minmax(0, 3fr); gap: 20px;
  align-items: start; }
.cp-explore > *, .cp-pictures > * { min-width: 0; }
.cp-main { container-type: inline-size; }
.cp-pictures { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 16px; }
@container (max-width: 700px) { .cp-pictures { grid-template-columns: minmax(0, 1fr); } }
@media (max-width: 900px) { .cp-explore { grid-template-columns: minmax(0, 1fr); } }
.cp-figure { max-width: 100%; overflow-x: auto; }
.cp-figure svg { display: block; }
.cp-app svg.cp-svg { width: 100%; min-width: var(--w); max-width: calc(var(--w) * 1.35); }
.cp-app svg.cp-svg.cp-shrinks { min-width: 0; max-width: var(--w); }
.cp-legend { list-style: none; padding: 0; margin: 0.3rem 0; display: flex; flex-wrap: wrap; gap: 2px 14px;
  font-size: calc(var(--cp-base) * 0.85); }
.cp-legend li { display: inline-flex; align-items: center; gap: 4px; }
.cp-scale { display: inline-flex; }
.cp-scale span { display: inline-block; width: 1em; height: 0.8em; }
.cp-chart { flex: 1 1 350px; max-width: 480px; min-width: 0; }
.cp-row { display: flex; flex-wrap: wrap; gap: 12px; }
.cp-run-buttons { flex-wrap: wrap; gap: 6px; }
.cp-app .v-btn-toggle { flex-wrap: wrap; max-width: 100%; }
.cp-app .v-btn { max-width: 100%; }
.cp-app .v-btn:not(.v-btn--round) { height: auto !important; min-height: 36px; }
.cp-app .v-btn__content { white-space: normal; flex-shrink: 1; }
.cp-disclosure .v-btn { text-transform: none; letter-spacing: normal; font-size: var(--cp-base);
  justify-content: flex-start; text-align: left; padding: 4px 8px !important; }
.cp-app .v-tab { min-width: 0; padding: 0 10px; letter-spacing: normal; font-size: var(--cp-base); }
.cp-app .v-slide-group__prev, .cp-app .v-slide-group__next { display: none !important; }
.cp-app .v-slide-group__content { flex-wrap: wrap; }
.cp-app .v-tabs-bar { height: auto; min-height: 48px; }
.cp-app .widget-dropdown { width: auto !important; max-width: 100%; flex-wrap: wrap; }
.cp-app .widget-dropdown > select { min-width: 0; width: auto; max-width: 100%; flex: 1 1 12em;
  height: auto; min-height: 1.7em; }
.cp-app .widget-inline-hbox { height: auto; }
.cp-app .jupyter-widgets, .cp-app div:has(> .widget-dropdown) { max-width: 100%; min-width: 0; }
.cp-app .widget-label { white-space: normal; font-size: var(--cp-base); }
.cp-app .v-btn { font-size: calc(var(--cp-base) * 0.875); }
.cp-app select { font-size: var(--cp-base); padding: 2px 1.6em 2px 4px; max-width: 100%; text-overflow: ellipsis; }
.cp-details summary { cursor: pointer; padding: 0.25rem 0; font-weight: 600; }
.cp-table-wrap { max-width: 100%; overflow-x: auto; }
.cp-table { border-collapse: collapse; font-size: calc(var(--cp-base) * 0.85); margin: 0.3rem 0 0.8rem; }
.cp-table caption { text-align: left; font-weight: 600; padding-bottom: 0.2rem; }
.cp-table th, .cp-table td { border: 1px solid #999; padding: 0.15rem 0.45rem; text-align: right;
  overflow-wrap: normal; }  /* numbers and words break at spaces, never inside */
.cp-table th[scope="col"] { background: #f0f0f0; }
@media (max-width: 480px) {  /* phones: whole numbers still fit the width, so the table need not scroll */
  .cp-table { font-size: calc(var(--cp-base) * 0.78); }
  .cp-table th, .cp-table td { padding: 0.1rem 0.2rem; }
}
@media (max-width: 360px) {  /* 400% zoom: rather a number broken in two than a table to scroll */
  .cp-table th, .cp-table td { overflow-wrap: anywhere; }
}
.cp-skip { position: absolute; left: -9999px; }
.cp-skip:focus { left: 0.5rem; top: 0.5rem; background: #fff; color: #000; padding: 0.5rem; z-index: 10; }
.cp-sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
.cp-app *:focus-visible { outline: 3px solid #0072B2 !important; outline-offset: 2px; }
.cp-app [tabindex="-1"]:focus { outline: 3px solid #0072B2; outline-offset: 2px; }
/* Vuetify hides a switch's and a slider's focused element (an invisible input, a thumb of no size):
   ring what the eye sees, at 5:1 on white (WCAG 2.4.11, 2.4.13). */
.cp-app .v-input--switch.v-input--is-focused .v-input--selection-controls__input,
.cp-app .v-radio--is-focused .v-input--selection-controls__input,
.cp-app .v-slider__thumb-container:focus-within .v-slider__thumb,
.cp-app .v-slider--focused .v-slider__thumb {
  outline: 3px solid #0072B2 !important; outline-offset: 3px; border-radius: 12px; }
/* The tabs wrap onto another line instead of scrolling sideways (a phone in presentation mode,
   400% zoom); the active tab is underlined itself, as Vuetify's sliding underline assumes one line. */
.cp-app .v-tabs-bar { height: auto !important; }
.cp-app .v-slide-group__wrapper { overflow: visible; contain: none; flex: 1 1 100%; }
.cp-app .v-slide-group__content { flex: 1 1 100%; flex-wrap: wrap; transform: none !important; }
.cp-app .v-slide-group__prev, .cp-app .v-slide-group__next { display: none !important; }
.cp-app .v-tabs-slider-wrapper { display: none; }
.cp-app .v-tabs-bar .v-tab { height: 48px; }
.cp-app .v-tab--active { box-shadow: inset 0 -3px 0 currentColor; }
/* A text field's ring goes round the whole field, its floating label included: on the input
   itself it ran through the label. */
.cp-app .v-text-field input:focus-visible { outline: none !important; }
.cp-app .v-text-field.v-input--is-focused { outline: 3px solid #0072B2; outline-offset: 2px; }
.cp-present .v-text-field.v-input--is-focused { outline: 4px solid #F0E442; }
/* Vuetify's error red (#FF5252) is 3.2:1 on white: a darker red, 5.6:1 (WCAG 1.4.3). */
.cp-app .error--text { color: #C62828 !important; caret-color: #C62828 !important; }
.cp-present .error--text { color: #ffb000 !important; caret-color: #ffb000 !important; }
.cp-present [tabindex="-1"]:focus,
.cp-present .v-input--switch.v-input--is-focused .v-input--selection-controls__input,
.cp-present .v-radio--is-focused .v-input--selection-controls__input,
.cp-present .v-slider--focused .v-slider__thumb { outline: 4px solid #F0E442 !important; }
.cp-present { --cp-base: 22px; background: #000 !important; color: #fff !important; }
.cp-present .cp-pictures { grid-template-columns: minmax(0, 1fr); }
.cp-present .cp-explore { grid-template-columns: minmax(360px, 1fr) minmax(0, 2.2fr); }
@media (max-width: 900px) { .cp-present .cp-explore { grid-template-columns: minmax(0, 1fr); } }
.cp-present .cp-chart { flex: 1 1 520px; max-width: 820px; }
.cp-present svg.cp-svg { max-width: calc(var(--w) * 2.2); }
.cp-present svg.cp-svg.cp-shrinks { max-width: calc(var(--w) * 1.6); }
.cp-present .v-card, .cp-present .v-sheet { background: #000 !important; color: #fff !important; }
.cp-present .cp-help, .cp-present .v-label, .cp-present .v-card__subtitle { color: #fff !important; }
.cp-present .cp-figure svg { background: #fff; }
.cp-present .cp-legend { background: #fff; color: #111; padding: 4px; }
.cp-present p, .cp-present li, .cp-present label, .cp-present summary, .cp-present .solara-markdown,
.cp-present .solara-markdown p, .cp-present input, .cp-present textarea, .cp-present .v-select__selection,
.cp-present .v-tab, .cp-present .v-card__title, .cp-present .widget-label, .cp-present .v-input,
.cp-present .v-messages { color: #fff !important; }
.cp-present .cp-legend li, .cp-present p.cp-legend { color: #111 !important; }
.cp-present .v-tab--active { color: #F0E442 !important; }
.cp-present .v-radio .v-icon, .cp-present .v-input--radio-group legend { color: #fff !important; }
.cp-present .v-btn--text, .cp-present .v-btn--outlined, .cp-present .v-btn--text .v-icon { color: #fff !important; }
.cp-present .v-btn.v-btn--disabled { background: #333 !important; color: #ddd !important; }
/* A disabled button would read as plain text on black (Vuetify's own grey, 12% black, wins over
   the rule above): a grey face and a dashed edge keep it a button, one that cannot be pressed yet. */
.cp-app.cp-present .theme--light.v-btn.v-btn--disabled:not(.v-btn--flat):not(.v-btn--text):not(.v-btn--outlined) {
  background-color: #333 !important; }
.cp-present .v-btn.v-btn--disabled { border: 1px dashed #ddd !important; }
.cp-present .v-btn.v-btn--disabled .v-btn__content, .cp-present .v-btn.v-btn--disabled .v-icon {
  color: #ddd !important; }
.cp-present .v-tabs-bar, .cp-present .v-tabs-items, .cp-present .v-window { background: #000 !important; }
.cp-present select { background: #000 !important; color: #fff !important; border: 1px solid #fff; }
.cp-present .cp-table th[scope="col"] { background: #333 !important; }
.cp-present .cp-message { color: #ffb000 !important; border-left-color: #ffb000; }
.cp-present .v-input--switch__track, .cp-present .v-input--switch__thumb { color: #fff !important; }
.cp-present .v-input__slot:before { border-color: #fff !important; }
.cp-present *:focus-visible { outline: 4px solid #F0E442 !important; }
@media (prefers-reduced-motion: reduce) { .cp-app * { transition: none !important; animation: none !important; } }
"""


@solara.component
def View(module: str, name: str) -> None:
    """Show the view ``name`` of ``coprod_sim.dashboard.<module>``, imported when its tab is first opened."""
    getattr(importlib.import_module(f"coprod_sim.dashboard.{module}"), name)()


@solara.component
def Page() -> None:
    """Lay out the whole dashboard: title, presentation mode and the views as tabs."""
    present = solara.use_reactive(False)
    solara.Title("coprod-sim: co-production with disabled people")
    solara.Style(CSS)
    with solara.Column(classes=["cp-app", "cp-present" if present.value else "cp-normal"]):
        solara.HTML(
            tag="a", unsafe_innerHTML="Skip to the views", attributes={"href": "#cp-views"}, classes=["cp-skip"]
        )
        with solara.Row(style={"align-items": "center", "justify-content": "space-between", "flex-wrap": "wrap"}):
            solara.HTML(tag="h1", unsafe_innerHTML="coprod-sim: co-production with disabled people")
            solara.Switch(label="Presentation mode (large text, high contrast)", value=present)
        solara.HTML(
            tag="p",
            unsafe_innerHTML="A simulation of an organisation where managers, staff and disabled workers (experts by "
            "experience) work together. Change the levers and watch what happens to taking part, real "
            "influence, wellbeing and cost.",
        )
        # Lazy: a view is built when its tab is first opened (the Teach view alone runs two models).
        with solara.Div(attributes={"id": "cp-views"}), solara.lab.Tabs(lazy=True):
            with solara.lab.Tab("Explore"):
                View("explore", "ExploreView")
            with solara.lab.Tab("Compare"):
                View("compare_view", "CompareView")
            with solara.lab.Tab("Teach"):
                View("teach", "TeachView")
            with solara.lab.Tab("Research"):
                View("research", "ResearchView")
