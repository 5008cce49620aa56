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
from coprod_sim.outputs import QUARTER_WEEKS, better, label, phrase, summary

if TYPE_CHECKING:
    from coprod_sim.model import CoProdModel

__all__ = ["VERDICT_OUTCOMES", "explain", "pct", "verdict"]


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
        f"Over the last {min(week, QUARTER_WEEKS)} weeks, {pct(part)} of the {n_dw} disabled workers "
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
        f" They are invited to {', '.join(stages)}."
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
        f"{pct(bd)} of disabled people and {pct(bn)} of others are burnt out."
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
    text += f" Training reaches {pct(tr.coverage)} of {tr.target} every {tr.interval} weeks"
    return text + (
        "; power transfer or reviews help its effect last."
        if config.power.transfer > 0 or config.review.enabled
        else "; without power transfer or reviews its effect fades."
    )


#: Outcomes the verdict talks about, as summary names; their words and which way is better are
#: in coprod_sim.outputs.
VERDICT_OUTCOMES: tuple[str, ...] = (
    "influence_share_mean",
    "tokenism_rate_mean",
    "wellbeing_disabled_final",
    "burnout_disabled_mean",
    "fit_mean",
    "attitude_mean_final",
)


def verdict(comparison: Any, horizon_weeks: int) -> str:
    """One paragraph in plain words: what each scenario changes against the first, and what it costs.

    A difference whose 95% interval includes zero is called "no clear difference": with these
    seeds, chance alone could have made it.
    """
    table = comparison.table
    ref = comparison.names[0]
    parts = []
    for name in comparison.names[1:]:
        rows = table[table.scenario == name].set_index("outcome")
        improved, worsened, unclear = [], [], []
        for key in VERDICT_OUTCOMES:
            r = rows.loc[key]
            name_of = phrase(summary(key).column)  # what changed; the table says how it is summarised
            if not (np.isfinite(r["diff_lo"]) and np.isfinite(r["diff_hi"])) or r["diff_lo"] <= 0 <= r["diff_hi"]:
                unclear.append(name_of)
            elif (r["diff"] > 0) == (better(key) > 0):
                improved.append(f"{name_of} ({r['diff']:+.2f})")
            else:
                worsened.append(f"{name_of} ({r['diff']:+.2f})")
        text = f"Compared with {ref}, {name}"
        text += f" improves {_and(improved)}" if improved else " improves nothing clearly"
        if worsened:
            text += f", but worsens {_and(worsened)}"
        text += "."
        if unclear:
            text += f" No clear difference in {_and(unclear)}."
        cost = rows.loc["cost_per_year"]
        be = comparison.break_even.get(name)
        if cost["diff"] > 0:
            text += f" It costs about {cost['diff']:,.0f} more a year"
            text += (
                f" and pays for itself by week {be:.0f}, as less rework and turnover make up for it."
                if be is not None and be > 0
                else f" and does not pay for itself within {horizon_weeks} weeks."
            )
        else:
            text += f" It costs about {-cost['diff']:,.0f} less a year."
        parts.append(text)
    n = len(comparison.seeds)
    parts.append(
        f"Each scenario ran on the same {n} seed{'s' if n != 1 else ''}; differences in brackets are means "
        "over those seeds, on the 0-1 scales."
    )
    return " ".join(parts)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
