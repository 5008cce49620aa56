"""Plain-language explanations of what a run shows and why, from its outputs and its levers.

Sentences are short and name the lever behind each effect, so that a reader who did not set
up the run can follow it. Reasons are the model's own mechanisms (docs/ODD.md), not guesses.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from coprod_sim.config import Config
from coprod_sim.dashboard.svg import LADDER_TEXT
from coprod_sim.outputs import QUARTER_WEEKS, better, counted, decimals, label, phrase, summaries, summary, worth

if TYPE_CHECKING:
    from coprod_sim.model import CoProdModel

__all__ = ["CLEAR", "VERDICT_OUTCOMES", "explain", "pct", "verdict", "verdict_full"]


def pct(x: float) -> str:
    """Format a share as a whole percentage ('no value' when undefined)."""
    return "no value" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _recent(model: CoProdModel, col: str) -> float:
    vals = np.asarray(model.datacollector.model_vars[col][-QUARTER_WEEKS:], dtype=float)
    vals = vals[np.isfinite(vals)]
    return float(vals.mean()) if vals.size else math.nan


def explain(model: CoProdModel, config: Config) -> list[str]:
    """Paragraphs on the current state of ``model``: level, involvement, wellbeing, culture, cost."""
    m: dict[str, Any] = model.metrics
    week = int(model.steps)
    when = f"Week {week}" + (f" (about {week / 52:.1f} years)" if week >= 52 else "")
    level = str(m["level"])
    return [
        f"{when}. {label('level')}: {level}. {LADDER_TEXT.get(level, '')}",
        _involvement(model, config),
        _wellbeing(m, config),
        _culture(m, config),
        f"{label('cost_cumulative')}: {float(model.cost_cumulative):,.0f} (training, accessibility, adjustments, "
        f"peer support, meetings, reviews, turnover and rework). {label('fit')}: {float(m['fit']):.2f}.",
    ]


def _involvement(model: CoProdModel, config: Config) -> str:
    """Who took part over the last quarter, whether it was tokenistic, and at which stages."""
    week = int(model.steps)
    n_dw = int(model.metrics["n_disabled_workers"] + model.metrics["n_peer_supporters"])
    if week == 0:
        return (
            f"Nothing has happened yet. {n_dw} disabled workers speak from their own experience; "
            "press Step or Play to start the weeks."
        )
    part, infl, token = (_recent(model, c) for c in ("participation_rate", "influence_share", "tokenism_rate"))
    pt = config.power.transfer
    text = (
        f"Over the last {counted(min(week, QUARTER_WEEKS), 'week')}, {pct(part)} of the {n_dw} disabled workers "
        "took part in meetings."
    )
    if math.isnan(token):
        text += " Nobody took part, so there was no influence to measure."
    elif token > 0.5:
        text += (
            f" Most of that was tokenistic: they realised only {pct(1.0 - token)} of an equal partner's "
            "influence, being outnumbered by professionals who listened little."
        )
        if pt < 0.1:
            text += " Power transfer is " + pct(pt) + "; raising it guarantees them a real share of decisions."
    else:
        text += f" Their influence was real: they held on average {pct(infl)} of the weight in those meetings."
    stages = [s for s in ("planning", "design", "delivery", "evaluation") if getattr(config.involvement, s)]
    return text + (
        f" They are invited to {_and(stages)}."
        if stages
        else " They are not invited to any stage, so they cannot take part."
    )


def _wellbeing(m: dict[str, Any], config: Config) -> str:
    """Wellbeing and burnout of disabled people against others, with the barriers behind a gap."""
    wd, wn = float(m["wellbeing_disabled"]), float(m["wellbeing_nondisabled"])
    bd, bn = float(m["burnout_disabled"]), float(m["burnout_nondisabled"])
    a = config.accessibility
    access = np.mean([a.physical, a.information, a.communication, a.time])
    text = (
        f"{label('wellbeing_disabled')} is {wd:.2f} (others {wn:.2f}, on a scale of 0 to 1); "
        f"{pct(bd)} of the {int(m['n_disabled'])} disabled people (in any role, not only disabled workers) "
        f"and {pct(bn)} of others are burnt out."
    )
    if not math.isnan(wd) and wd < wn - 0.02:
        text += (
            f" The gap comes from barriers in the workplace, not from impairments (the social model): "
            f"on average only {pct(access)} of barriers are removed, and attitudes are a barrier too."
        )
    if config.peer_support.enabled:
        share = pct(float(m["peer_supported_share"]))
        text += f" {share} of disabled workers have a peer supporter, which buffers strain."
    else:
        text += " There is no peer support programme."
    return text


def _culture(m: dict[str, Any], config: Config) -> str:
    """Where attitudes stand between the medical and the social model, and what training does."""
    att = float(m["attitude_mean"])
    model_word = "social" if att >= 0.55 else "medical" if att <= 0.45 else "between the medical and the social"
    text = f"Attitudes average {att:.2f}: mostly the {model_word} model of disability."
    if config.training.target == "none" or config.training.coverage == 0:
        return text + " Nobody is being trained."
    tr = config.training
    who = "everyone" if tr.target == "all" else tr.target
    text += f" Training reaches {pct(tr.coverage)} of {who} every {counted(tr.interval, 'week')}"
    return text + (
        "; power transfer or reviews help its effect last."
        if config.power.transfer > 0 or config.review.enabled
        else "; without power transfer or reviews its effect fades."
    )


#: Outcomes the verdict talks about, as summary names: every summary with a better direction
#: (their words, units and which way is better are in coprod_sim.outputs); cost is told apart.
VERDICT_OUTCOMES: tuple[str, ...] = tuple(
    s.name for s in summaries() if s.better is not None and not s.name.startswith("level_")
)

#: Most effects named each way; the rest are counted ("and 2 more"): the table lists them all.
NAMED = 4


def _effect(key: str, r: Any) -> tuple[str, float, str] | None:
    """Sort one row: ("better" or "worse", size in worth units, words) or None if unclear or too small.

    A difference counts only if its 95% interval excludes zero (with these seeds chance alone could
    not have made it) and it is at least :func:`~coprod_sim.outputs.worth` in size.
    """
    d, lo, hi = float(r["diff"]), float(r["diff_lo"]), float(r["diff_hi"])
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi or abs(d) < worth(key):
        return None
    # What changed, by its weekly column's words (the table says how it is summarised), and which
    # way, so that "brings tokenism in meetings down" needs no sign to be read.
    number = f"{d:+,.{decimals(key, whole_counts=True)}f}".replace("-", "\u2212")
    text = f"{phrase(summary(key).column)} {'up' if d > 0 else 'down'} ({number})"
    return ("better" if (d > 0) == (better(key) > 0) else "worse", abs(d) / worth(key), text)


def _named(effects: list[tuple[float, str]]) -> str:
    """Name the largest effects first, at most :data:`NAMED` of them, and count the rest."""
    texts = [text for _, text in sorted(effects, key=lambda e: -e[0])]
    more = len(texts) - NAMED
    return _and(texts[:NAMED] + ([f"{more} more (see the table)"] if more > 0 else []))


def _cost_words(rows: Any, be: float | None, horizon_weeks: int) -> str:
    """Tell the extra cost a year, under the same rule as the outcomes, and whether it pays for itself."""
    r = rows.loc["cost_per_year"]
    d, lo, hi = float(r["diff"]), float(r["diff_lo"]), float(r["diff_hi"])
    span = f"95% interval {lo:+,.0f} to {hi:+,.0f}".replace("-", "\u2212")
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi or abs(d) < worth("cost_per_year"):
        return f" No clear difference in {phrase('cost_per_year')} ({span})."
    text = f" It costs about {abs(d):,.0f} {'more' if d > 0 else 'less'} a year ({span})"
    if d < 0:
        return text + "."
    if be is not None and be > 0:
        return text + f" and pays for itself by week {be:.0f}, as less rework and turnover make up for it."
    return text + f" and does not pay for itself within {horizon_weeks} weeks."


def verdict(comparison: Any, horizon_weeks: int) -> str:
    """One paragraph in plain words: what each scenario changes against the first, and what it costs.

    The table's rule, in words: a difference is named only if its 95% interval excludes zero and
    it is at least the smallest difference worth reporting (:func:`~coprod_sim.outputs.worth`);
    the largest, counted in those units, come first, with the decimals the table shows. Cost
    follows the same rule.
    """
    table = comparison.table
    ref = comparison.names[0]
    parts = []
    for name in comparison.names[1:]:
        rows = table[table.scenario == name].set_index("outcome")
        sorted_ = {"better": [], "worse": []}
        shown = [key for key in VERDICT_OUTCOMES if key in rows.index]  # those the table has
        for key in shown:
            e = _effect(key, rows.loc[key])
            if e is not None:
                sorted_[e[0]].append(e[1:])
        n_clear = len(sorted_["better"]) + len(sorted_["worse"])
        text = f"Compared with {ref}, {name}"
        if not n_clear:
            text += f" shows no clear difference worth reporting in any of the {len(shown)} outcomes."
        else:
            text += " brings " + (_named(sorted_["better"]) if sorted_["better"] else "no clear improvement")
            if sorted_["worse"]:
                text += f", but {_named(sorted_['worse'])}"
            text += "."
            if n_clear < len(shown):
                text += f" The other {len(shown) - n_clear} outcomes show no clear difference worth reporting."
        text += _cost_words(rows, comparison.break_even.get(name), horizon_weeks)
        parts.append(text)
    n = len(comparison.seeds)
    parts.append(
        f"Each scenario ran on the same {n} seed{'s' if n != 1 else ''}; differences in brackets are means "
        "over those seeds, in the units of the table."
    )
    return " ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


#: A verdict over draws is "clear" when at least this share of draws go one way (9 in 10).
CLEAR = 0.9


def _draw_counts(rows: Any, n: int) -> dict[str, list[tuple[float, str]]]:
    """Sort the outcomes of one scenario's verdicts: clearly better, clearly worse, either way, too small."""
    groups: dict[str, list[tuple[float, str]]] = {"better": [], "worse": [], "either": [], "small": []}
    for key in VERDICT_OUTCOMES:
        if key not in rows.index:
            continue
        r = rows.loc[key]
        p, lo, hi = float(r["p_better"]), float(r["lo"]), float(r["hi"])
        words = phrase(summary(key).column)
        if not np.isfinite(p):
            continue
        if -worth(key) < lo and hi < worth(key):
            groups["small"].append((0.0, words))
        elif p >= CLEAR:
            groups["better"].append((p, f"{words} (better in {p * n:g} of {n} draws)"))
        elif p <= 1 - CLEAR:
            groups["worse"].append((1 - p, f"{words} (worse in {(1 - p) * n:g} of {n} draws)"))
        else:
            groups["either"].append((abs(p - 0.5), f"{words} (better in {p * n:g} of {n})"))
    return groups


def verdict_full(comparison: Any, horizon_weeks: int) -> list[str]:
    """Paragraphs in plain words for a comparison over draws of the assumptions (coprod_sim.uncertainty).

    For each scenario against the first: the outcomes it is better on in at least 9 of 10 draws,
    those it is worse on, those that go either way, then whether its extra cost is paid back and
    which assumptions decide that (coprod_sim.drivers). The table gives every number.
    """
    from coprod_sim.drivers import PAYBACK, driver_words  # the verdict's words, beside the command line's

    n = len(comparison.draws.seeds)
    ref = comparison.names[0]
    paragraphs = []
    for name in comparison.names[1:]:
        rows = comparison.verdicts[comparison.verdicts.scenario == name].set_index("outcome")
        g = _draw_counts(rows, n)
        text = f"Compared with {ref}, over {n} draws of the assumptions, {name} is"
        text += f" better on {_named(g['better'])}" if g["better"] else " not clearly better on anything"
        text += f", and worse on {_named(g['worse'])}." if g["worse"] else "."
        if g["either"]:
            text += f" It goes either way, depending on the draw, on {_named(g['either'])}."
        if g["small"]:
            k_small = len(g["small"])
            text += f" {k_small} outcome{'s show' if k_small != 1 else ' shows'} no difference worth reporting."
        pay = comparison.payback.set_index("scenario").loc[name]
        k = round(float(pay["p_payback"]) * n)
        years = f"{horizon_weeks} weeks ({horizon_weeks / 52:.1f} years)"
        text += f" It pays back its extra cost (or never costs more) within {years} in {k} of {n} draws."
        if 0 < k < n:
            why = driver_words(comparison.drivers, name, PAYBACK, "Whether it does")
            text += f" {why}" if why else ""
        paragraphs.append(text)
    paragraphs.append(
        f"Each draw is one set of values for the uncertain assumptions, on its own seed, the same for every "
        f"scenario. With {n} draws, each count out of {n} is known to within about {50 / n**0.5:.0f} percentage "
        "points (one standard error, at most)."
    )
    return paragraphs
