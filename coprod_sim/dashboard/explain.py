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

if TYPE_CHECKING:
    from coprod_sim.model import CoProdModel

__all__ = ["explain", "pct"]

WINDOW = 13  # weeks: a quarter, as for the co-production level


def pct(x: float) -> str:
    """Format a share as a whole percentage ('no value' when undefined)."""
    return "no value" if x is None or math.isnan(x) else f"{100 * x:.0f}%"


def _recent(model: CoProdModel, col: str) -> float:
    vals = np.asarray(model.datacollector.model_vars[col][-WINDOW:], dtype=float)
    vals = vals[np.isfinite(vals)]
    return float(vals.mean()) if vals.size else math.nan


def explain(model: CoProdModel, config: Config) -> list[str]:
    """Paragraphs on the current state of ``model``: level, involvement, wellbeing, culture, cost."""
    m: dict[str, Any] = model.metrics
    week = int(model.steps)
    years = week / 52
    when = f"Week {week}" + (f" (about {years:.1f} years)" if week >= 52 else "")
    level = str(m["level"])
    out = [f"{when}. Co-production level: {level}. {LADDER_TEXT.get(level, '')}"]

    part, infl, token = (_recent(model, c) for c in ("participation_rate", "influence_share", "tokenism_rate"))
    n_dw = int(m["n_disabled_workers"] + m["n_peer_supporters"])
    pt = config.power.transfer
    if week == 0:
        out.append(
            f"Nothing has happened yet. {n_dw} disabled workers speak from their own experience; "
            "press Step or Play to start the weeks."
        )
    else:
        text = (
            f"Over the last {min(week, WINDOW)} weeks, {pct(part)} of the {n_dw} disabled workers "
            "took part in meetings."
        )
        if math.isnan(token):
            text += " Nobody took part, so there was no influence to measure."
        elif token > 0.5:
            text += (
                f" Most of that was tokenistic ({pct(token)} of attendances): they were outnumbered and "
                f"professionals listened little, so their views rarely changed decisions."
            )
            if pt < 0.1:
                text += " Power transfer is " + pct(pt) + "; raising it guarantees them a real share of decisions."
        else:
            text += f" Their influence was real: they held on average {pct(infl)} of the weight in those meetings."
        stages = [s for s in ("planning", "design", "delivery", "evaluation") if getattr(config.involvement, s)]
        text += (
            f" They are invited to {', '.join(stages)}."
            if stages
            else " They are not invited to any stage, so they cannot take part."
        )
        out.append(text)

    wd, wn = float(m["wellbeing_disabled"]), float(m["wellbeing_nondisabled"])
    bd, bn = float(m["burnout_disabled"]), float(m["burnout_nondisabled"])
    access = np.mean(
        [
            config.accessibility.physical,
            config.accessibility.information,
            config.accessibility.communication,
            config.accessibility.time,
        ]
    )
    text = (
        f"Wellbeing of disabled people is {wd:.2f} (others {wn:.2f}, on a scale of 0 to 1); "
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
    out.append(text)

    att = float(m["attitude_mean"])
    model_word = "social" if att >= 0.55 else "medical" if att <= 0.45 else "between the medical and the social"
    text = f"Attitudes average {att:.2f}: mostly the {model_word} model of disability."
    if config.training.target == "none" or config.training.coverage == 0:
        text += " Nobody is being trained."
    else:
        tr = config.training
        text += f" Training reaches {pct(tr.coverage)} of {tr.target} every {tr.interval} weeks"
        text += (
            "; power transfer or reviews help its effect last."
            if pt > 0 or config.review.enabled
            else "; without power transfer or reviews its effect fades."
        )
    out.append(text)

    cost = float(model.cost_cumulative)
    out.append(
        f"Cost so far: {cost:,.0f} (training, accessibility, adjustments, peer support, meetings, "
        f"reviews, turnover and rework). Fit of services to needs: {float(m['fit']):.2f}."
    )
    return out


#: Outcomes the verdict talks about: (summary name, plain name, +1 if higher is better, -1 if lower).
VERDICT_OUTCOMES = (
    ("influence_share_mean", "real influence of disabled workers", 1),
    ("tokenism_rate_mean", "tokenism", -1),
    ("wellbeing_disabled_final", "wellbeing of disabled people", 1),
    ("burnout_disabled_mean", "burnout among disabled people", -1),
    ("fit_mean", "fit of services to needs", 1),
    ("attitude_mean_final", "staff attitudes (towards the social model)", 1),
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
        better, worse, unclear = [], [], []
        for key, label, sign in VERDICT_OUTCOMES:
            r = rows.loc[key]
            if not (np.isfinite(r["diff_lo"]) and np.isfinite(r["diff_hi"])) or r["diff_lo"] <= 0 <= r["diff_hi"]:
                unclear.append(label)
            elif (r["diff"] > 0) == (sign > 0):
                better.append(f"{label} ({r['diff']:+.2f})")
            else:
                worse.append(f"{label} ({r['diff']:+.2f})")
        text = f"Compared with {ref}, {name}"
        text += f" improves {_and(better)}" if better else " improves nothing clearly"
        if worse:
            text += f", but worsens {_and(worse)}"
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
