"""The levers the dashboard shows, grouped by the four components of co-production.

SCIE (2020), in seed 000 ("How to put co-production into practice"), names four components of a
successful co-production process: **culture** (people know what co-production means: training),
**structure** (tools, information and power in place: accessibility, power transfer, pay),
**practice** (how the work is done: who is involved at which stage, peer support) and **review**
(assessing what the work achieves). Defaults, ranges and units are read from the one parameter
definition in :mod:`coprod_sim.config`, never restated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coprod_sim.config import PARAMS, Config, Param

__all__ = ["COMPONENTS", "Component", "changed_levers", "current_values", "lever_params", "plain_label", "plain_value"]


@dataclass(frozen=True)
class Component:
    """A component of co-production and the lever key paths that belong to it."""

    name: str
    about: str
    paths: tuple[str, ...]


COMPONENTS: tuple[Component, ...] = (
    Component(
        "Culture",
        "Does everyone know what co-production means and why it matters? Training shifts staff "
        "from the medical to the social model of disability.",
        ("training.target", "training.coverage", "training.interval"),
    ),
    Component(
        "Structure",
        "Are the tools, information and power in place? Accessibility removes barriers; power "
        "transfer guarantees disabled people a real share of decisions.",
        (
            "power.transfer",
            "power.paid",
            "accessibility.physical",
            "accessibility.information",
            "accessibility.communication",
            "accessibility.time",
            "accessibility.accommodations",
            "power.budget_share",
        ),
    ),
    Component(
        "Practice",
        "How is the work done? Who is invited at which stage, is there peer support from other disabled workers, "
        "can disabled people progress (development, fair evaluation), and are candidates assessed by doing the "
        "work rather than by an interview?",
        (
            "involvement.planning",
            "involvement.design",
            "involvement.delivery",
            "involvement.evaluation",
            "peer_support.enabled",
            "peer_support.uptake",
            "peer_support.ratio",
            "careers.development_access",
            "careers.fair_evaluation",
            "support.independent",
            "recruitment.practical_assessment",
        ),
    ),
    Component(
        "Review",
        "Is the work looked at together, so that people see what their involvement changed?",
        ("review.enabled", "review.interval"),
    ),
)

#: Short, plain names for controls (the config's own text is the longer help).
_LABELS = {
    "training.target": "Who is trained",
    "training.coverage": "Share of them trained each time",
    "training.interval": "Weeks between trainings",
    "power.transfer": "Power transfer (guaranteed share of decisions)",
    "power.paid": "Experts by experience are paid",
    "accessibility.physical": "Accessible buildings",
    "accessibility.information": "Accessible information (easy read)",
    "accessibility.communication": "Communication support",
    "accessibility.time": "Flexible time",
    "accessibility.accommodations": "Chance an adjustment request is granted",
    "involvement.planning": "Involved in planning",
    "involvement.design": "Involved in design",
    "involvement.delivery": "Involved in delivery",
    "involvement.evaluation": "Involved in evaluation",
    "peer_support.enabled": "Peer support programme",
    "peer_support.uptake": "Share who take up peer support",
    "peer_support.ratio": "Peer supporters per disabled worker",
    "power.budget_share": "Share of the budget for disabled workers' needs decided together",
    "support.independent": "Independent support (advocacy) for disabled workers",
    "recruitment.practical_assessment": "Practical assessment instead of interview",
    "review.enabled": "Co-produced reviews",
    "review.interval": "Weeks between reviews",
    "careers.development_access": "Development open to disabled staff",
    "careers.fair_evaluation": "Structured, fair evaluation",
    "organisation.people": "People in the organisation",
}


def lever_params() -> dict[str, Param]:
    """Every lever shown, by key path, with its definition (default, range, unit, help)."""
    return {path: PARAMS[path] for c in COMPONENTS for path in c.paths}


def plain_label(path: str) -> str:
    """Return a short plain-language name for a key path."""
    return _LABELS.get(path, PARAMS[path].doc if path in PARAMS else path)


def plain_value(path: str, value: Any) -> str:
    """Return a lever's value in words: "on"/"off" for a switch, a number as its control shows it."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("_", " ")


def changed_levers(old: dict[str, Any], new: dict[str, Any]) -> str:
    """Name the levers that differ between ``old`` and ``new`` with their new values, in plain words."""
    return "; ".join(f"{plain_label(k)} to {plain_value(k, v)}" for k, v in new.items() if old.get(k) != v)


def current_values(config: Config) -> dict[str, Any]:
    """Return the value of every shown lever in ``config``."""
    return {path: config.get(path) for path in lever_params()}
