"""Teach: a guided lesson on peer support with twin organisations, stepped together.

The twins share everything (seed, people, levers) except the peer-support programme, so what
differs between them is what peer support does, plus chance. The lesson's texts are short
readings of the project's domain sources (seed files in ``shared/seeds``), cited by file name,
and of what trials find (docs/validation.md). Its last step runs more pairs, so that a class sees
how much of one pair's difference is chance.
"""

from __future__ import annotations

from html import escape

import numpy as np
import solara
import solara.lab
from solara.alias import rv

from coprod_sim.config import Config
from coprod_sim.dashboard import svg
from coprod_sim.dashboard.controls import ChartWithTable, FocusOn, WholeNumber, seed_problem, use_play
from coprod_sim.dashboard.session import Simulation
from coprod_sim.outputs import label, phrase, unit
from coprod_sim.stats import mean_interval

__all__ = [
    "LESSON",
    "TeachView",
    "make_twins",
    "pair_gaps",
    "pair_reading",
    "twin_configs",
    "twin_gap",
    "twin_noise",
]

#: Twin settings: a mid-sized organisation where most disabled workers would take up peer
#: support, so that the effect shows within a lesson (at the realistic uptake of about a quarter
#: it is smaller than the week-to-week noise of one run; the lesson says so).
TWIN_PEOPLE = 500
TWIN_UPTAKE = 0.6
PLAY_SECONDS = 0.4
#: Pairs run in "One pair, or many?" (each about 0.2 s at 500 people for two years).
PAIRS = 10

LESSON: tuple[tuple[str, str], ...] = (
    (
        "1. Two ways to see disability",
        "The medical model sees the person as the problem: the person must adapt to the world. "
        "The social model sees the way the world is organised as the problem: barriers in buildings, "
        "information, time and attitudes disable people, so the answer is to change structures and "
        "processes so that they include everyone. (Seed 000, module V.)",
    ),
    (
        "2. Four principles of co-production",
        "Equality: everyone contributes, and every contribution is weighed equally. Diversity: the "
        "more diverse the people involved, the better the outcome. Access: nothing should stop people "
        "from taking part. Reciprocity: taking part must lead to an outcome that people can see. "
        "(SCIE 2020, in seed 000.)",
    ),
    (
        "3. Peer support",
        "Disabled people have the passion and empathy to support others and have learned creative "
        "solutions to everyday difficulties (Disability Rights UK 2012). Peer support helps knowledge "
        "transfer, job performance and burnout, and builds an environment open to new ideas, which "
        "co-production needs. (Seed 000, 'A plus to co-production: peer support'.) What trials find is "
        "more modest: people with a peer supporter feel more in control of their recovery and speak up "
        "for themselves more, by about a fifth of a standard deviation, a small effect, and symptoms "
        "and the use of services do not change clearly (reviews of peer-support trials: Lloyd-Evans et "
        "al. 2014; White et al. 2020). The model is set to these "
        "sizes. In it a peer supporter buffers a little job strain, builds confidence and passes on "
        "knowledge about asking for adjustments; supporting others is work too.",
    ),
)

QUESTION = (
    f"After two years, how will {phrase('burnout_disabled_workers')} compare in the organisation WITH peer support?"
)
CHOICES = ("Lower with peer support", "About the same", "Higher with peer support")


def twin_configs(people: int = TWIN_PEOPLE, uptake: float = TWIN_UPTAKE) -> tuple[Config, Config]:
    """Return the twins' settings: peer support off and on, everything else equal."""
    base = Config().with_overrides({"organisation.people": people, "peer_support.uptake": uptake}, source="the lesson")
    return base, base.with_overrides({"peer_support.enabled": True}, source="the lesson")


def make_twins(seed: int, people: int = TWIN_PEOPLE, uptake: float = TWIN_UPTAKE) -> tuple[Simulation, Simulation]:
    """Two organisations on the same seed: peer support off and on (everything else equal)."""
    base, with_support = twin_configs(people, uptake)
    return Simulation(base, seed), Simulation(with_support, seed)


#: What the lesson follows in every pair: burnout (the question), and the two things a peer
#: supporter changes directly (seed 000: knowledge transfer; evidence.md 3.7: self-advocacy).
PAIR_COLUMNS = ("burnout_disabled_workers", "accommodated_share", "participation_rate")
#: What the twins' charts show, in order.
TWIN_CHARTS = ("burnout_disabled_workers", "wellbeing_disabled", "accommodated_share")


def pair_gaps(first_seed: int, pairs: int = PAIRS, columns: tuple[str, ...] = PAIR_COLUMNS) -> dict[str, np.ndarray]:
    """Return, per column and twin pair, its mean with minus without peer support (last half of two years).

    The pairs run on seeds ``first_seed``, ``first_seed + 1``, ... (``pairs`` of them).
    """
    from coprod_sim.run import simulate

    base, with_support = twin_configs()
    out: dict[str, list[float]] = {c: [] for c in columns}
    for seed in range(first_seed, first_seed + pairs):
        a, b = (simulate(c, seed, 104).timeseries for c in (base, with_support))
        for c in columns:
            out[c].append(float(np.nanmean(b[c].to_numpy(float)[-26:]) - np.nanmean(a[c].to_numpy(float)[-26:])))
    return {c: np.array(v) for c, v in out.items()}


def pairs_summary(
    gaps: np.ndarray, adjustments: np.ndarray | None = None, taking_part: np.ndarray | None = None
) -> str:
    """Plain words for many pairs: how often burnout was lower, its mean difference and 95% interval.

    With ``adjustments`` and ``taking_part`` (the pairs' gaps in the share of disabled people
    with an adjustment and of disabled workers taking part), also how often those rose.
    """
    m, lo, hi = mean_interval(gaps)
    lower = int((gaps < 0).sum())

    def per_100(x: float) -> str:
        return f"{abs(x) * 100:.1f} {'fewer' if x < 0 else 'more'}"

    text = (
        f"{label('burnout_disabled_workers')} was lower with peer support in {lower} of {len(gaps)} pairs. "
        f"On average, of every 100 disabled workers, {per_100(m)} were burnt out with peer support "
        f"(95% interval: from {per_100(lo)} to {per_100(hi)})."
    )
    if lo <= 0 <= hi:
        text += (
            " The interval includes no difference at all, so across organisations like these the effect on "
            "burnout is unclear: one pair can go either way by chance. Trials find the same: a small gain "
            "in empowerment, and no clear change in burnout."
        )
    else:
        text += (
            f" The interval does not include zero, so peer support {'lowers' if m < 0 else 'raises'} burnout "
            "here beyond chance, though one pair can still go the other way."
        )
    if adjustments is not None and taking_part is not None:
        n = len(gaps)
        text += (
            f" More disabled people had an adjustment with peer support in {int((adjustments > 0).sum())} of {n} "
            f"pairs, and more disabled workers took part in meetings in {int((taking_part > 0).sum())} of {n}: "
            "what a supporter does directly shows in nearly every pair; what it does to burnout, through "
            "many other things, does not."
        )
    return text


def twin_gap(off: Simulation, on: Simulation, column: str, weeks: int = 26) -> tuple[float, float]:
    """Mean of ``column`` over the last ``weeks`` weeks in each twin (off, on)."""

    def recent(sim: Simulation) -> float:
        v = np.asarray(sim.column(column)[-weeks:], dtype=float)
        v = v[np.isfinite(v)]
        return float(v.mean()) if v.size else float("nan")

    return recent(off), recent(on)


def twin_noise(off: Simulation, on: Simulation, column: str, weeks: int = 26) -> float:
    """Return how much ``column`` moves from week to week: its std over the last ``weeks``, mean of the twins."""

    def spread(sim: Simulation) -> float:
        v = np.asarray(sim.column(column)[-weeks:], dtype=float)
        v = v[np.isfinite(v)]
        return float(v.std()) if v.size > 1 else 0.0

    return (spread(off) + spread(on)) / 2


def pair_reading(b_off: float, b_on: float, noise: float) -> str:
    """Which of :data:`CHOICES` one pair shows: lower or higher only beyond its week-to-week noise.

    Decided on the numbers as shown (tenths of a percent), so that the words never say more than
    the reader can see; a difference within half a point, or within the noise, is about the same.
    """
    gap = round(b_on * 1000) - round(b_off * 1000)
    if abs(gap) <= max(5, round(noise * 1000)):
        return CHOICES[1]
    return CHOICES[0] if gap < 0 else CHOICES[2]


def reveal_text(off: Simulation, on: Simulation, said: str | None) -> str:
    """Say what one pair shows, as one pair's result with its noise, and judge the class's prediction."""
    b_off, b_on = twin_gap(off, on, "burnout_disabled_workers")
    w_off, w_on = twin_gap(off, on, "wellbeing_disabled")
    a_off, a_on = twin_gap(off, on, "accommodated_share")
    p_off, p_on = twin_gap(off, on, "participation_rate")
    noise = twin_noise(off, on, "burnout_disabled_workers")
    reading = pair_reading(b_off, b_on, noise)
    why = {
        CHOICES[0]: "a supporter buffers a little strain and builds confidence, and knows how to ask for "
        "adjustments, so barriers wear people down less (the social model: change the environment, "
        "not the person)",
        CHOICES[1]: "the effects trials find are small, about a fifth of a standard deviation for the "
        "people supported, and only some take it up",
        CHOICES[2]: "supporting others is work on top of a job, and chance can outweigh a small effect "
        "in one organisation",
    }[reading]
    text = (
        f"In this one pair, over the last half year, {phrase('burnout_disabled_workers')} was {b_off:.1%} "
        f"without and {b_on:.1%} with peer support, while in each organisation it moved up and down by about "
        f"{noise * 100:.1f} points from week to week; {phrase('wellbeing_disabled')} {w_off:.2f} against "
        f"{w_on:.2f}. This pair: {reading.lower()}."
    )
    if reading == CHOICES[1]:
        text += " The difference is within the week-to-week noise: this pair cannot tell peer support from chance."
    if said:
        text += " Your prediction matches this pair." if said == reading else f" You predicted: {said.lower()}."
    text += f" One reason it can go this way: {why}. But this is one pair: is it peer support, or chance?"
    text += (
        f" What a supporter changes directly: {a_off:.0%} of disabled people had an adjustment without "
        f"and {a_on:.0%} with peer support (supporters know how to ask), and {p_off:.1%} of disabled "
        f"workers took part in a meeting each week without, {p_on:.1%} with. Step 7 runs many pairs: "
        "what they show together is the lesson's answer."
    )
    return text


@solara.component
def TwinCharts(off: Simulation, on: Simulation, tick: int) -> None:
    """Both twins on shared charts, with data tables: burnout, wellbeing and adjustments."""
    n = min(len(off.column("participation_rate")), len(on.column("participation_rate")))
    weeks = np.arange(n)
    # One row that wraps (a component's children would otherwise stack in a column).
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for col in TWIN_CHARTS:
            title = label(col)
            a = np.asarray(off.column(col)[:n], dtype=float)
            b = np.asarray(on.column(col)[:n], dtype=float)
            series = [svg.Series("Without peer support", a), svg.Series("With peer support", b)]
            chart = svg.line_chart(weeks, series, title=title, y_label=unit(col))
            pick, which = svg.table_weeks([a, b])
            table = svg.data_table(
                ["Week", "Without peer support", "With peer support"],
                [[int(i), float(a[i]), float(b[i])] for i in pick],
                f"{title}, {which}",
            )
            ChartWithTable(chart, table, title)


@solara.component
def Predict(prediction: solara.Reactive[str | None], locked: solara.Reactive[bool]) -> None:
    """Step 4: the question, three choices (none chosen) and Lock, enabled once one is chosen."""
    solara.HTML(tag="h3", unsafe_innerHTML="4. Predict", classes=["cp-heading"])
    solara.HTML(tag="p", unsafe_innerHTML=escape(QUESTION))
    if locked.value:
        solara.HTML(
            tag="p",
            unsafe_innerHTML=escape(f"Your prediction: {prediction.value}."),
            attributes={"id": "cp-teach-prediction"},
        )
    else:
        # Native radio buttons, none chosen until a student chooses (a toggle group chose the first
        # itself and did not say which was pressed): a screen reader says "radio, 1 of 3, not checked".
        with rv.RadioGroup(
            v_model=prediction.value,
            on_v_model=prediction.set,
            label="Your prediction",
            class_="cp-prediction",
            hide_details=True,
        ):
            for choice in CHOICES:
                rv.Radio(label=choice, value=choice)
    solara.Button(
        "Lock in my prediction" if not locked.value else "Prediction locked",
        on_click=lambda: locked.set(True),
        disabled=locked.value or prediction.value is None,
        style={"align-self": "flex-start"},
    )
    # Locking disables the button: the focus goes to the prediction it locked, not to the page's body.
    FocusOn(selector="#cp-teach-prediction", nth=0, inner="", count=int(locked.value))


@solara.component
def TeachView() -> None:
    """Give the lesson: readings, a prediction, twin organisations stepped together, the reveal."""
    seed = solara.use_reactive(1)
    twins = solara.use_reactive(None)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)
    prediction = solara.use_reactive(None)
    locked = solara.use_reactive(False)

    if twins.value is None:
        twins.value = make_twins(seed.value)
    off, on = twins.value

    def step(weeks: int) -> None:
        off.step(weeks)
        on.step(weeks)
        tick.value += 1

    def restart() -> None:
        playing.value = False
        twins.value = make_twins(seed.value)
        tick.value += 1

    use_play(playing, lambda: step(1), PLAY_SECONDS, off)

    solara.HTML(tag="h2", unsafe_innerHTML="Lesson: what does peer support do?", classes=["cp-heading"])
    for title, text in LESSON:
        solara.HTML(tag="h3", unsafe_innerHTML=escape(title), classes=["cp-heading"])
        solara.HTML(tag="p", unsafe_innerHTML=escape(text))

    Predict(prediction, locked)

    solara.HTML(tag="h3", unsafe_innerHTML="5. Run the twins", classes=["cp-heading"])
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escape(
            f"Two organisations of {TWIN_PEOPLE} people with the same seed: the same people, teams and "
            "chances. The only difference: the one headed 'With peer support' runs a peer-support programme. "
            f"To see it clearly in a lesson, {TWIN_UPTAKE:.0%} of disabled workers would take it up; in real "
            "organisations it is nearer a quarter, and then its effect is smaller than chance from week "
            "to week."
        ),
    )
    with solara.Row(style={"flex-wrap": "wrap", "align-items": "center"}):
        solara.Button("Step both 1 week", on_click=lambda: step(1), disabled=playing.value, color="primary")
        solara.Button("Step both 1 year", on_click=lambda: step(52), disabled=playing.value)
        solara.Button("Pause" if playing.value else "Play", on_click=lambda: playing.set(not playing.value))
        solara.Button("Start again", on_click=restart)
    # A seed in plain words under the field; a wrong one leaves the twins as they are.
    WholeNumber("Seed of the twins", seed.value, lambda n: (seed.set(n), restart()), seed_problem)
    # Said after each step, but not every week while playing (a screen reader would say nothing else).
    # Said after each step, and where the answer is once two years are up (it appears far below).
    ready = " Two years are up: section 6, Reveal, below, says what this pair shows." if off.week >= 104 else ""
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escape(f"Week {off.week} in both organisations.{ready}"),
        attributes={"aria-live": "off" if playing.value else "polite"},
    )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        for sim, side in ((off, "Without peer support"), (on, "With peer support")):
            with solara.Div(style={"flex": "1 1 420px", "max-width": "660px"}):
                solara.HTML(tag="h4", unsafe_innerHTML=side, classes=["cp-heading"])
                solara.HTML(
                    tag="div",
                    unsafe_innerHTML=sim.network_svg("wellbeing", title=f"{side}, week {sim.week}"),
                    classes=["cp-figure"],
                )
    TwinCharts(off, on, tick.value)

    solara.HTML(tag="h3", unsafe_innerHTML="6. Reveal", classes=["cp-heading"])
    if off.week < 104:
        solara.HTML(
            tag="p",
            unsafe_innerHTML=escape(
                f"Run the twins for two years (104 weeks) to reveal the answer; now week {off.week}."
            ),
        )
    else:
        text = reveal_text(off, on, prediction.value if locked.value else None)
        solara.HTML(tag="p", unsafe_innerHTML=escape(text), classes=["cp-verdict"])
        ManyPairs(seed.value)


@solara.component
def ManyPairs(seed: int) -> None:
    """Step 7: run more twin pairs and say how much of one pair's difference is chance."""
    run = solara.use_reactive(0)
    result = solara.use_reactive(None)

    def compute() -> None:
        if run.value:
            gaps = pair_gaps(seed + 1)
            result.value = pairs_summary(
                gaps["burnout_disabled_workers"], gaps["accommodated_share"], gaps["participation_rate"]
            )

    solara.use_thread(compute, dependencies=[run.value])
    solara.HTML(tag="h3", unsafe_innerHTML="7. One pair, or many?", classes=["cp-heading"])
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escape(
            f"Run {PAIRS} more pairs of twin organisations, each with its own seed, for two years, and see "
            "how often burnout comes out lower with peer support, and how often adjustments and taking part "
            "come out higher."
        ),
    )
    busy = run.value > 0 and result.value is None
    # Not disabled while running (that would drop the focus to the page's body): busy, it ignores clicks.
    solara.Button(
        f"Run {PAIRS} more pairs" if not busy else "Running the pairs...",
        on_click=(lambda: None) if busy else lambda: (result.set(None), run.set(run.value + 1)),
        attributes={"aria-disabled": "true" if busy else "false"},
        retain_focus_on_click=True,  # Vuetify would blur a clicked button
    )
    # The button is disabled while the pairs run: the focus goes to what they are doing, then to the result.
    solara.HTML(
        tag="p",
        unsafe_innerHTML=escape(result.value or ("Running the pairs..." if busy else "")),
        attributes={"aria-live": "polite", "id": "cp-pairs-result"},
    )
    FocusOn(selector="#cp-pairs-result", nth=0, inner="", count=run.value * 2 + (result.value is not None))
