"""Parameters of coprod-sim: one typed, frozen definition with bounds, units and sources.

Every parameter is declared once here, with its default, its allowed range, its unit, a
plain-language meaning and its source (a seed file in ``shared/seeds`` or a citation from the
evidence review) or the word "assumption". Scenario files, ``--set`` overrides, the model's
keyword arguments, the ODD parameter table and the dashboard all read this one definition.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import types
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from coprod_sim.limits import MAX_PEOPLE, MAX_STEPS, MAX_TIMELINE_ENTRIES, memory_note, named, shown

__all__ = [
    "CURRENCY",
    "LEVER_SECTIONS",
    "MONEY",
    "PARAMS",
    "PRICE_YEAR",
    "SECTIONS",
    "USD_PER_GBP",
    "Config",
    "ConfigError",
    "Param",
    "TimelineEntry",
    "check_keys",
    "check_tables",
    "check_value",
    "flat_name",
    "iter_params",
    "param",
    "param_paths",
    "suggest",
]


class ConfigError(ValueError):
    """A scenario, override or keyword that cannot be used, with a message for people."""


#: Every amount of money in the model is in pounds sterling at 2023 prices (docs/ODD.md 2, "Scales").
CURRENCY = "£"
PRICE_YEAR = 2023
#: The unit of every amount of money, as parameters and outputs state it.
MONEY = f"{CURRENCY} ({PRICE_YEAR} prices)"
#: US dollars to the pound, to convert JAN's accommodation costs (US surveys 2019-2023): HMRC's
#: yearly average for the year to 31 December 2022, 1.249458 (HMRC exchange rates for customs and
#: VAT, yearly averages [READ, quoted on HMRC's customer forum, May 2023]). 2023's average differs
#: by about half a per cent; JAN's medians are round figures pooled over five years, not inflated.
USD_PER_GBP = 1.249458


@dataclass(frozen=True)
class Param:
    """Metadata of one parameter: where it lives, its range, unit, meaning and source."""

    section: str
    name: str
    type: type
    default: Any
    lo: float | None
    hi: float | None
    unit: str
    doc: str
    source: str
    choices: tuple[str, ...] | None = None

    @property
    def path(self) -> str:
        """Key path as written in scenario files, e.g. ``power.transfer``."""
        return f"{self.section}.{self.name}"

    def allowed(self) -> str:
        """Plain description of the allowed values."""
        if self.type is bool:
            return "true or false"
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        kind = "a whole number" if self.type is int else "a number"
        return f"{kind} from {_fmt(self.lo)} to {_fmt(self.hi)}"


def _fmt(x: float | None) -> str:
    if x is None:
        return "?"
    if float(x).is_integer():
        return str(int(x))
    return repr(x)


def _p(default, lo=None, hi=None, *, unit: str, doc: str, source: str, choices=None):
    """Declare a dataclass field carrying its :class:`Param` metadata."""
    return field(
        default=default,
        metadata={"lo": lo, "hi": hi, "unit": unit, "doc": doc, "source": source, "choices": choices},
    )


class _Section:
    """Base of the sections below: a section checks its own values when it is built.

    The rules and messages are those of :func:`check_value`; a value of another type that it
    accepts is stored converted, as :meth:`Config.from_dict` does (``0`` for a share becomes ``0.0``).
    Sections are built often (every lever change in a run), so a value already of the right type
    and in range is only compared, not converted.
    """

    def __post_init__(self) -> None:
        values = self.__dict__
        for name, p, t, lo, hi in _CHECKS[type(self)]:
            v = values[name]
            if type(v) is t:
                if t is bool:
                    continue
                if t is str:
                    if v in p.choices:
                        continue
                elif lo <= v <= hi:
                    continue
            converted = check_value(p, v, "")
            if converted is not v:
                object.__setattr__(self, name, converted)


# ---------------------------------------------------------------------------------------------
# Sections. Defaults describe the *baseline* organisation: a few hundred people where disabled
# people are consulted, not partners (see scenarios/baseline.toml).
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Simulation(_Section):
    """Run length."""

    steps: int = _p(
        520,
        1,
        MAX_STEPS,
        unit="weeks",
        doc="Steps to simulate; one step is one week (520 = 10 years)",
        source="assumption",
    )


@dataclass(frozen=True, kw_only=True)
class Organisation(_Section):
    """Size, structure and starting culture of the organisation."""

    people: int = _p(
        300,
        4,
        MAX_PEOPLE,
        unit="people",
        doc="Head count (every seat is filled)",
        source="assumption (a typical social-care provider)",
    )
    team_size: int = _p(12, 2, 500, unit="people", doc="People per team, its manager included", source="assumption")
    disabled_share: float = _p(
        0.11,
        0.0,
        1.0,
        unit="share",
        doc="Share of people with a disability at the start (spread over ages as in the stationary "
        "state); at the default, the share the baseline keeps over ten years",
        source="the baseline's stationary share (docs/ODD.md 5; 0.13 until interviews marked disabled candidates "
        "down, 7.11); HoC Library CBP-7540 (2023): about 17% of UK employees disabled, evidence.md 3.2, which the "
        "model falls short of (docs/ODD.md, Findings)",
    )
    disclosure: float = _p(
        0.45,
        0.0,
        1.0,
        unit="share",
        doc="Chance that a disabled non-manager takes the expert-by-experience role (is open about "
        "disability) in a neutral culture; rises with the team's social-model attitude",
        source="Accenture Getting to Equal 2020 (76% not fully open), evidence.md 3.3; level is an assumption",
    )
    onset_rate: float = _p(
        0.022,
        0.0,
        1.0,
        unit="per year",
        doc="Yearly chance that a non-disabled person aged 40 becomes disabled while employed; it rises "
        "with age (onset_age_gradient), to about 3% a year over the workforce at the defaults",
        source="Burchardt 2003 (about 3% of workers become limited each year), evidence.md 3.3; the level "
        "at 40 is set so that the workforce's yearly onset is 3%",
    )
    onset_age_gradient: float = _p(
        0.05,
        0.0,
        0.2,
        unit="log-hazard per year of age",
        doc="How fast the chance of becoming disabled rises with age (0.05: it doubles in about 14 years)",
        source="assumption; prevalence rises with age: 23% of working-age adults against 45% over State "
        "Pension age (FRS 2021/22, HoC Library CBP-9602), work disability 5.5% at 25-34 against 23.1% "
        "at 55-64 (US CPS 1998); docs/ODD.md References",
    )
    recovery_share: float = _p(
        0.55,
        0.0,
        1.0,
        unit="share",
        doc="Share of disabling conditions that fluctuate or are temporary, and can end (the rest are lasting)",
        source="Burchardt 2000, CASE paper 36 (over half of the spells of disability that start in adult "
        "life last less than two years; few who are still disabled after four years recover), "
        "[READ abstract]; the split is an assumption",
    )
    recovery_rate: float = _p(
        0.75,
        0.0,
        1.0,
        unit="per year",
        doc="Yearly chance that a fluctuating or temporary condition ends (the person is then not "
        "disabled, and can become so again)",
        source="Burchardt 2000 (with recovery_share 0.55, 52% of new spells end within two years: "
        "over half, as found); the rate is an assumption",
    )
    informal_ties: float = _p(
        2.0,
        0.0,
        20.0,
        unit="ties per person",
        doc="Mean informal ties to people in other teams (small-world shortcuts)",
        source="assumption (Watts-Strogatz small world)",
    )
    manager_ties: int = _p(
        4, 0, 50, unit="ties per manager", doc="Ties between managers (management meetings)", source="assumption"
    )
    workload: float = _p(
        0.5, 0.0, 1.0, unit="0-1", doc="Mean job demands", source="assumption (JD-R, Bakker & Demerouti 2017)"
    )
    workload_sd: float = _p(0.15, 0.0, 0.5, unit="0-1", doc="Spread of job demands between people", source="assumption")
    attitude_mean: float = _p(
        0.4,
        0.0,
        1.0,
        unit="0-1 (0 medical model, 1 social model)",
        doc="Mean starting attitude of everyone",
        source="assumption; 000 (medical vs social model)",
    )
    attitude_sd: float = _p(0.15, 0.0, 0.5, unit="0-1", doc="Spread of starting attitudes", source="assumption")
    manager_attitude_shift: float = _p(
        -0.05,
        -0.5,
        0.5,
        unit="0-1",
        doc="Managers' starting attitude relative to staff",
        source="assumption; 004 (leadership against stigma and bias is needed)",
    )
    wage_week: float = _p(
        700.0,
        0.0,
        1e6,
        unit=f"{MONEY} per person-week",
        doc="Employment cost of one person for one week",
        source="assumption (about UK median full-time gross weekly pay, ONS ASHE April 2023: £682 [RECALL]; "
        "employer on-costs are not added)",
    )


@dataclass(frozen=True, kw_only=True)
class Training(_Section):
    """Culture lever: training in co-production and the social model of disability."""

    target: str = _p(
        "none",
        unit="group",
        doc="Who is trained",
        source="000 (culture: provide training in co-production); 003",
        choices=("none", "managers", "staff", "all"),
    )
    coverage: float = _p(
        0.0, 0.0, 1.0, unit="share", doc="Share of the target group trained per session", source="assumption"
    )
    interval: int = _p(52, 1, MAX_STEPS, unit="weeks", doc="Weeks between training sessions", source="assumption")
    hours: float = _p(
        7.0,
        0.0,
        200.0,
        unit="hours per person per session",
        doc="Length of a session (drives cost)",
        source="assumption",
    )
    effect: float = _p(
        0.044,
        0.0,
        0.5,
        unit="attitude units",
        doc="Attitude boost of one session",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "trained vs untrained colleagues g = 0.38, "
        "Bezrukova et al. 2016, evidence.md 3.6; docs/validation.md",
    )
    skill_effect: float = _p(
        0.08,
        0.0,
        0.5,
        unit="skill units",
        doc="Co-production skill gained per session (cognitive learning is stable)",
        source="Bezrukova et al. 2016 (cognitive learning does not decay)",
    )
    decay: float = _p(
        0.04,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly decay of the attitude boost when nothing sustains it (half-life about 17 weeks)",
        source="Bezrukova et al. 2016 (attitudes decay); rate is an assumption",
    )
    cost_per_hour: float = _p(
        40.0,
        0.0,
        1e5,
        unit=f"{MONEY} per trainee-hour",
        doc="Trainer and materials cost, on top of trainees' paid time",
        source="assumption",
    )


@dataclass(frozen=True, kw_only=True)
class Accessibility(_Section):
    """Structure/practice lever: barriers removed per barrier type, and accommodations."""

    physical: float = _p(
        0.3,
        0.0,
        1.0,
        unit="share of barrier removed",
        doc="Accessible buildings and places",
        source="003 (accessibility); 001",
    )
    information: float = _p(
        0.2,
        0.0,
        1.0,
        unit="share of barrier removed",
        doc="Accessible information and easy read",
        source="003 (accessible information, easy read)",
    )
    communication: float = _p(
        0.2,
        0.0,
        1.0,
        unit="share of barrier removed",
        doc="Communication support (BSL, assistive tech, plain language)",
        source="Shaping Our Lives, Tickboxes and Tokenism; evidence.md 3.9",
    )
    time: float = _p(
        0.2,
        0.0,
        1.0,
        unit="share of barrier removed",
        doc="Flexible time and timing, papers in advance",
        source="003 (time and timing)",
    )
    accommodations: float = _p(
        0.4,
        0.0,
        1.0,
        unit="probability",
        doc="Chance that a request for a reasonable accommodation is granted",
        source="UNCRPD Art. 27(i); 001 element 3; Shaping Our Lives (over half had difficulty)",
    )
    request_rate: float = _p(
        0.02,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly chance that a disabled person with unmet barriers asks for an accommodation",
        source="assumption",
    )
    accommodation_effect: float = _p(
        0.6,
        0.0,
        1.0,
        unit="share",
        doc="Share of a person's own barriers that a granted accommodation removes",
        source="JAN: 68% very or extremely effective; evidence.md 3.3",
    )
    capex_per_person: float = _p(
        400.0,
        0.0,
        1e6,
        unit=f"{MONEY} per person per barrier type",
        doc="One-off cost of removing a whole barrier type, per head of the organisation",
        source="assumption",
    )
    upkeep_share: float = _p(
        0.002,
        0.0,
        0.1,
        unit="per week",
        doc="Weekly upkeep as a share of the capital cost of the accessibility levels in place",
        source="assumption",
    )
    free_share: float = _p(
        0.494,
        0.0,
        1.0,
        unit="share",
        doc="Share of accommodations that cost nothing",
        source="JAN 2019-2023 (49.4%), evidence.md 3.4",
    )
    one_time_share: float = _p(
        0.433, 0.0, 1.0, unit="share", doc="Share with a one-time cost", source="JAN 2019-2023 (43.3%)"
    )
    one_time_median: float = _p(
        float(round(300 / USD_PER_GBP)),
        0.0,
        1e6,
        unit=MONEY,
        doc="Median one-time accommodation cost",
        source="JAN 2019-2023 ($300; £240 at USD_PER_GBP, HMRC's 2022 yearly average of $1.2495 to the £)",
    )
    ongoing_median: float = _p(
        float(round(3750 / USD_PER_GBP)),
        0.0,
        1e6,
        unit=f"{MONEY} per year",
        doc="Median ongoing accommodation cost",
        source="JAN 2019-2023 ($3,750 a year; £3,001 at USD_PER_GBP, HMRC's 2022 yearly average of $1.2495 to the £)",
    )


@dataclass(frozen=True, kw_only=True)
class Power(_Section):
    """Structure lever: power transfer to disabled people in co-production."""

    transfer: float = _p(
        0.0,
        0.0,
        1.0,
        unit="share of decision weight",
        doc="Share of decision weight guaranteed to disabled participants in co-production meetings",
        source="001 element 1 (shift of power); 003 (power and resources transferred from managers to users)",
    )
    paid: bool = _p(
        False,
        unit="yes/no",
        doc="Experts by experience are paid for their time",
        source="003 structure (value and reward people); SCIE Guide 51",
    )
    budget_share: float = _p(
        0.0,
        0.0,
        1.0,
        unit="share of the budget",
        doc="Share of the budget for disabled workers' needs (power.budget) allocated by co-decision in "
        "co-production meetings and spent on the barriers the participants meet (resource transfer)",
        source="003 (co-decision making in the allocation of resources; power and resources are transferred "
        "from managers to users and carers)",
    )
    budget: float = _p(
        500.0,
        0.0,
        1e6,
        unit=f"{MONEY} per disabled worker per year",
        doc="Yearly budget for meeting disabled workers' needs (removing the barriers they meet), per disabled "
        "worker; power.budget_share of it is allocated by co-decision",
        source="assumption (about two median one-time JAN accommodations a year, evidence.md 3.4)",
    )


@dataclass(frozen=True, kw_only=True)
class PeerSupport(_Section):
    """Practice lever: a peer-support programme run by trained disabled peer supporters."""

    enabled: bool = _p(
        False,
        unit="yes/no",
        doc="Run the peer-support programme",
        source="000 (peer support, Goth 2018); 003 (mutual support, peer support)",
    )
    ratio: float = _p(
        0.12,
        0.01,
        1.0,
        unit="supporters per disabled worker",
        doc="Peer supporters recruited per disabled worker",
        source="assumption",
    )
    uptake: float = _p(
        0.25,
        0.0,
        1.0,
        unit="share",
        doc="Share of disabled workers who take up peer support",
        source="Peterson et al. 2008 (22.9% uptake), evidence.md 3.7",
    )
    training: float = _p(
        0.5,
        0.0,
        1.0,
        unit="0-1",
        doc="Quality of peer supporters' training and supervision",
        source="Gillard et al. 2022 (supervision protects peers), evidence.md 3.7",
    )
    max_load: int = _p(
        6, 1, 50, unit="people per supporter", doc="Most people one supporter supports", source="assumption"
    )
    cost_week: float = _p(
        60.0,
        0.0,
        1e5,
        unit=f"{MONEY} per supporter-week",
        doc="Programme cost (supervision, training) per supporter",
        source="assumption",
    )
    hours_per_person: float = _p(
        1.0, 0.0, 40.0, unit="hours per week", doc="Supporter time per supported person", source="assumption"
    )


@dataclass(frozen=True, kw_only=True)
class Involvement(_Section):
    """Practice lever: the stages of the co-production cycle disabled workers take part in."""

    planning: bool = _p(False, unit="yes/no", doc="Invited to planning", source="000 (stages); 001 (at all stages)")
    design: bool = _p(False, unit="yes/no", doc="Invited to design", source="000; 001")
    delivery: bool = _p(True, unit="yes/no", doc="Invited to delivery", source="000; 001")
    evaluation: bool = _p(True, unit="yes/no", doc="Invited to evaluation", source="000; 003 (co-evaluation)")
    invite_floor: float = _p(
        0.3,
        0.0,
        1.0,
        unit="probability",
        doc="Chance of an invitation from a manager with a fully medical-model attitude (policy minimum)",
        source="assumption",
    )
    hours: float = _p(2.0, 0.0, 40.0, unit="hours", doc="Length of one co-production meeting", source="assumption")
    facilitation_hours: float = _p(
        1.0,
        0.0,
        40.0,
        unit="staff hours per meeting",
        doc="Staff time to prepare accessible material and facilitate a meeting with disabled participants",
        source="SCIE Guide 51 (resources to cover the cost of co-production); hours are an assumption",
    )
    deliberation_hours: float = _p(
        0.1,
        0.0,
        10.0,
        unit="hours per professional per participant per meeting",
        doc="Extra time each professional spends in a meeting for each disabled participant (accessible pace, "
        "explaining, hearing more voices): staff time, costed at the hourly wage",
        source="SCIE Guide 51 (budget for the cost of co-production); Bianchi et al. 2017 (transaction costs), "
        "evidence.md 1.4; hours are an assumption",
    )


@dataclass(frozen=True, kw_only=True)
class Review(_Section):
    """Review lever: co-produced reviews that make impact visible."""

    enabled: bool = _p(
        False,
        unit="yes/no",
        doc="Hold co-produced reviews",
        source="000 and 003 (review: co-produce reviews, ensure visibility of impact)",
    )
    interval: int = _p(13, 1, 520, unit="weeks", doc="Weeks between reviews", source="assumption (quarterly)")
    cost: float = _p(
        200.0, 0.0, 1e6, unit=f"{MONEY} per team per review", doc="Cost of one team review", source="assumption"
    )


@dataclass(frozen=True, kw_only=True)
class Careers(_Section):
    """Careers lever: access to development and fair evaluation for disabled people (UNCRPD Art. 27)."""

    development_access: float = _p(
        0.0,
        0.0,
        1.0,
        unit="share",
        doc="Share of the development (training, stretch work, mentoring) that barriers would take away which is "
        "restored: accessible development programmes, mentoring and sponsorship for disabled staff",
        source="UNCRPD Art. 27(1)(d), (e) (access to vocational training, career advancement); 000 (helping PwD "
        "progressing in their career); the effect size is an assumption",
    )
    fair_evaluation: float = _p(
        0.0,
        0.0,
        1.0,
        unit="share",
        doc="Share of managers' evaluation bias removed by structured, criteria-based appraisal and promotion panels",
        source="UNCRPD Art. 27(1)(a); Accenture 2020 (managers judge disabled staff's prospects differently from "
        "staff); the effect size is an assumption",
    )


@dataclass(frozen=True, kw_only=True)
class Recruitment(_Section):
    """Recruitment lever: how a vacancy's candidates are assessed (an interview, or a practical assessment)."""

    practical_assessment: bool = _p(
        False,
        unit="yes/no",
        doc="Assess candidates by a practical assessment of the work (the Specialisterne pathway) instead of an "
        "interview: the score measures ability more closely and does not mark down how a disabled candidate "
        "communicates",
        source="000 (practical example Specialisterne; invisible barriers created by employers); Specialisterne "
        "assesses candidates in practice and hires about 1 in 6 of those assessed, evidence.md 3.11",
    )
    candidates: int = _p(
        4,
        1,
        6,
        unit="candidates per vacancy",
        doc="Candidates assessed for each vacancy; the best-scoring one is hired (at most 6, the candidates drawn "
        "per vacancy)",
        source="assumption; Specialisterne hires about 1 in 6 of those it assesses (evidence.md 3.11)",
    )
    interview_noise: float = _p(
        0.39,
        0.0,
        2.0,
        unit="ability units (ability's SD is 0.16)",
        doc="Error of an interview's score of a candidate's ability: 0.39 gives a validity (correlation of score "
        "and ability) of 0.38",
        source="Schmidt & Hunter 1998 (unstructured interview validity .38) [READ, secondary]",
    )
    assessment_noise: float = _p(
        0.25,
        0.0,
        2.0,
        unit="ability units (ability's SD is 0.16)",
        doc="Error of a practical assessment's score of a candidate's ability: 0.25 gives a validity of 0.54",
        source="Schmidt & Hunter 1998 (work sample test validity .54) [READ, secondary]; Sackett et al. 2022 "
        "revise both validities downwards [RECALL]",
    )
    interview_penalty: float = _p(
        0.35,
        0.0,
        2.0,
        unit="ability units per unit of communication need",
        doc="How much an interview marks down a disabled candidate, times the intensity of their communication "
        "barrier (0-1): judged on style, not substance, and unrelated to ability",
        source="Sasson et al. 2017 (first impressions of autistic people are less favourable within seconds, and "
        "the bias disappears when only the content is judged) [READ abstract]; size set so that a disabled "
        "candidate's chance of being hired is about a quarter lower than others' at 4 candidates: Ameri et al. "
        "2018 (26% fewer expressions of employer interest for applicants disclosing a disability) [READ abstract]",
    )


@dataclass(frozen=True, kw_only=True)
class Deliberation(_Section):
    """Mechanism: how a co-production meeting turns proposals into a decision."""

    aspects: int = _p(
        8,
        1,
        64,
        unit="count",
        doc="Aspects of the real needs a service must meet",
        source="assumption (after Choi & Robertson 2014 multi-dimensional preferences)",
    )
    coverage: int = _p(
        3,
        1,
        64,
        unit="aspects",
        doc="Aspects each disabled person knows from lived experience",
        source="assumption; 000 (diversity: the more diverse, the better the outcome)",
    )
    expert_noise: float = _p(
        0.05,
        0.0,
        1.0,
        unit="need units",
        doc="Error of one person's estimate of an aspect of needs that their lived experience covers (part of it "
        "shared with the team, as every error is)",
        source="assumption",
    )
    diversity: float = _p(
        1.0,
        0.0,
        1.0,
        unit="0-1",
        doc="How varied disabled people's lived experiences are (0: all know the same aspects)",
        source="000 (diversity principle); 003 (involvement of under-represented groups)",
    )
    outsider_noise: float = _p(
        0.25,
        0.0,
        1.0,
        unit="need units",
        doc="Error of one person's estimate of an aspect of needs outside their lived experience (professionals: "
        "every aspect); half its variance is shared by the team",
        source="assumption",
    )
    standard_bias: float = _p(
        0.7,
        0.0,
        1.0,
        unit="0-1",
        doc="Pull toward the standard service of anyone with a fully medical-model attitude, on aspects outside "
        "their own lived experience",
        source="assumption; 003 (deficit-based vs asset-based approach)",
    )
    manager_weight: float = _p(
        2.0,
        0.0,
        10.0,
        unit="relative weight",
        doc="A manager's weight in a decision",
        source="assumption (managers hold authority)",
    )
    stage_weeks: int = _p(
        3, 1, 52, unit="weeks", doc="Weeks each of the four stages lasts (one meeting a week)", source="assumption"
    )
    step_size: float = _p(
        0.35,
        0.01,
        1.0,
        unit="share",
        doc="How far one meeting moves the project toward its decision",
        source="assumption",
    )
    crowding: float = _p(
        0.1,
        0.0,
        5.0,
        unit="per participant",
        doc="Slowing of a meeting's decision per disabled participant, times the professionals' lack of "
        "co-production skill: the step is step_size / (1 + crowding x participants x (1 - skill))",
        source="assumption for size; Scott et al. 2019 (broader involvement makes agreement harder) and Smaldino "
        "& Lubell 2011 (fully inclusive processes reduce cooperation), evidence.md 1.1",
    )
    token_ratio: float = _p(
        0.5,
        0.0,
        1.0,
        unit="ratio to an equal share",
        doc="Weight held, relative to an equal per-head share, at which a disabled participant realises half "
        "of an equal partner's influence (the midpoint of the graded tokenism curve)",
        source="assumption after Ahn & Lee (procedural injustice threshold); 003 (being consulted; equal partners)",
    )
    influence_steepness: float = _p(
        2.0,
        0.5,
        50.0,
        unit="Hill exponent",
        doc="How sharply realised influence rises around deliberation.token_ratio (large values approach an "
        "all-or-nothing threshold; 1 rises gently)",
        source="assumption; Kalbfeld 2019 (no critical-mass threshold: more representation is gradually better), "
        "evidence.md 7",
    )
    lock_in: float = _p(
        0.3,
        0.0,
        1.0,
        unit="share per stage",
        doc="Share of the room for change that each stage's output closes: a meeting at stage k (0 planning, "
        "1 design, 2 delivery, 3 evaluation) moves the decision step_size x (1 - lock_in)^k of the way, so what "
        "planning decides constrains later stages and late involvement corrects a poor plan only in part (0: "
        "stages differ only as a dose)",
        source="assumption for size; Arnstein 1969 (information given at a late stage of planning leaves little "
        "opportunity to influence the programme) [RECALL]; Boehm 1981 (the cost of a change rises through a "
        "project's phases) [RECALL]; 003 (volunteers involved all the way through the planning made the choices "
        "that shaped the event); 000 and 001 (stages in order: planning, design, delivery, evaluation)",
    )


@dataclass(frozen=True, kw_only=True)
class Participation(_Section):
    """Mechanism: who takes part once invited (logistic model)."""

    base: float = _p(
        0.8,
        -10.0,
        10.0,
        unit="log-odds",
        doc="Log-odds of taking part for an average person",
        source="assumption after Ahn & Lee logistic form; evidence.md 5.1",
    )
    engagement: float = _p(
        3.0,
        0.0,
        20.0,
        unit="log-odds per unit",
        doc="Effect of engagement",
        source="Parrado et al. 2013 (self-efficacy); assumption for size",
    )
    confidence: float = _p(
        1.5, 0.0, 20.0, unit="log-odds per unit", doc="Effect of confidence", source="Parrado et al. 2013"
    )
    barrier: float = _p(
        4.0,
        0.0,
        20.0,
        unit="log-odds per unit",
        doc="Effect of barriers met",
        source="000 (access); Shaping Our Lives (over half faced access difficulty)",
    )
    peer: float = _p(
        0.5,
        0.0,
        10.0,
        unit="log-odds",
        doc="Effect of having a peer supporter",
        source="000 (peer support); assumption for size",
    )


@dataclass(frozen=True, kw_only=True)
class Reciprocity(_Section):
    """Mechanism: engagement gained from real influence and lost to tokenism."""

    gain: float = _p(
        0.04,
        0.0,
        1.0,
        unit="per meeting",
        doc="Engagement gain from a meeting in which an equal partner's influence was fully realised "
        "(scaled by the share realised)",
        source="000 (reciprocity: accomplishment); TLAP 2014",
    )
    fatigue: float = _p(
        0.05,
        0.0,
        1.0,
        unit="per meeting",
        doc="Engagement lost to a meeting in which none of an equal partner's influence was realised "
        "(scaled by the share not realised)",
        source="Mencap 2012; ACD 2025 (fatigue when it makes no difference); evidence.md 3.9",
    )
    drift: float = _p(
        0.01, 0.0, 1.0, unit="per week", doc="Weekly drift of engagement back to its resting level", source="assumption"
    )
    resting: float = _p(0.5, 0.0, 1.0, unit="0-1", doc="Resting engagement without involvement", source="assumption")
    review_gain: float = _p(
        0.15,
        0.0,
        1.0,
        unit="per review",
        doc="Engagement gain from a review that shows one's past influence (scaled by the influence realised)",
        source="003 (review: ensure visibility of impact)",
    )


@dataclass(frozen=True, kw_only=True)
class Attitudes(_Section):
    """Mechanism: attitudes move by training, contact and the network."""

    contact: float = _p(
        0.0016,
        0.0,
        1.0,
        unit="per meeting",
        doc="Move toward the social model per meeting with disabled participants who realised an equal "
        "partner's influence (scaled by the influence they realised: equal status)",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "contact-attitude r = 0.21, Pettigrew & Tropp 2006; "
        "McManus et al. 2011 (quality matters); docs/validation.md",
    )
    influence: float = _p(
        0.02,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly rate at which attitudes are revised (toward the network's view and one's anchor)",
        source="assumption; Harrison & Carroll 1991; DeGroot / Friedkin-Johnsen, evidence.md 2.6",
    )
    susceptibility: float = _p(
        0.4,
        0.0,
        1.0,
        unit="share of weight",
        doc="Mean weight of the network's view against one's own anchor (1: pure DeGroot, no anchoring)",
        source="assumption between Friedkin & Johnsen 1999 (worked example about 0.64-0.74 in these terms) "
        "and advice taking (30% on others, Yaniv via Hanson 2007); Friedkin & Johnsen 1990, evidence.md 2.6",
    )
    susceptibility_sd: float = _p(
        0.1,
        0.0,
        0.5,
        unit="share of weight",
        doc="Spread of susceptibility between people (normal, clipped to 0-1)",
        source="Friedkin & Johnsen 1999 (susceptibilities differ between people); size an assumption",
    )
    manager_weight: float = _p(
        3.0,
        1.0,
        50.0,
        unit="relative weight",
        doc="Weight of a manager's view in the pull",
        source="003 (senior management has put CP into action)",
    )
    sustain_power: float = _p(
        0.3,
        0.01,
        1.0,
        unit="share of decision weight",
        doc="Power transfer at which structure fully sustains training (with review, the other half)",
        source="assumption; 003 (CP schemes require sustained, secure and organisational support)",
    )
    resistance: float = _p(
        0.0005,
        0.0,
        1.0,
        unit="per meeting per unit of imposed weight",
        doc="Move of a professional away from the social model per meeting, times the decision weight power "
        "transfer imposed beyond what the team would give and their lack of co-production skill",
        source="003 limitations (CP may challenge existing framework of service provision); assumption for size",
    )
    consolidation: float = _p(
        0.03,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly share of the training boost made lasting when structure sustains it",
        source="Bezrukova et al. 2016 (bigger with other initiatives); 003 (sustained support)",
    )


@dataclass(frozen=True, kw_only=True)
class PeerEffects(_Section):
    """Mechanism: what a peer-support tie does."""

    buffer: float = _p(
        0.091,
        0.0,
        1.0,
        unit="share",
        doc="Share of demands buffered by a peer tie",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "wellbeing SMD 0.2 of peer support, umbrella review "
        "rows 0.18-0.29, evidence.md 3.7; JD-R (resources buffer demands); docs/validation.md",
    )
    confidence: float = _p(
        0.00062,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly confidence gain from a peer tie",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "empowerment SMD 0.20, Psychiatric Services "
        "meta-analysis, evidence.md 3.7; docs/validation.md",
    )
    knowledge: float = _p(
        2.0,
        1.0,
        20.0,
        unit="times",
        doc="Multiplier on asking for accommodations",
        source="000 (peer support passes on knowledge); assumption for size",
    )
    load_cost: float = _p(
        0.012,
        0.0,
        1.0,
        unit="demand per supported person",
        doc="Demand a supporter carries per person supported",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "peer supporters' burnout about that of others, "
        "Scanlan et al. 2020, Gillard et al. 2022; Weikel & Fisher 2021 (workload); docs/validation.md",
    )


@dataclass(frozen=True, kw_only=True)
class Wellbeing(_Section):
    """Mechanism: job demands and resources (JD-R) move wellbeing; sustained lows are burnout."""

    rate: float = _p(
        0.1, 0.0, 1.0, unit="per week", doc="Speed at which wellbeing moves to its target", source="assumption"
    )
    resting: float = _p(
        0.7, 0.0, 1.0, unit="0-1", doc="Wellbeing with no demands and no resources", source="assumption"
    )
    workload: float = _p(0.4, 0.0, 2.0, unit="per unit", doc="Effect of workload", source="JD-R; Weikel & Fisher 2021")
    barriers: float = _p(
        0.2, 0.0, 2.0, unit="per unit", doc="Effect of barriers met", source="000 (social model: barriers disable)"
    )
    discrimination: float = _p(
        0.1,
        0.0,
        2.0,
        unit="per unit",
        doc="Effect on disabled people of the team's medical-model attitude",
        source="003 (prejudice, de-valuing); Accenture 2020",
    )
    tokenism: float = _p(
        0.1,
        0.0,
        2.0,
        unit="per unit",
        doc="Effect of recent unrealised influence in meetings (tokenism trace)",
        source="Mencap 2012; 003 (being consulted)",
    )
    accomplishment: float = _p(
        0.1,
        0.0,
        2.0,
        unit="per unit",
        doc="Effect of recent realised influence in meetings",
        source="000 (reciprocity: feel accomplished); SCIE 2022",
    )
    accommodation: float = _p(
        0.05, 0.0, 2.0, unit="per unit", doc="Effect of a granted accommodation", source="JAN (68% very effective)"
    )
    power_strain: float = _p(
        0.1,
        0.0,
        2.0,
        unit="per unit",
        doc="Demand on a professional from the decision weight power transfer imposed in this week's meeting "
        "beyond what the team would give, times their lack of co-production skill",
        source="003 limitations (CP requires support for staff); assumption for size",
    )
    crossover: float = _p(
        0.15,
        0.0,
        2.0,
        unit="per unit",
        doc="Effect of burnout among team mates",
        source="Bakker et al. 2005 (burnout contagion)",
    )
    noise: float = _p(
        0.045,
        0.0,
        0.5,
        unit="0-1",
        doc="Weekly random variation",
        source="assumption; set with burnout_threshold so that burnout of disabled people is about twice "
        "others' (Meeks et al. 2024: 34.2% vs 25.6%, adjusted odds ratio 1.52; docs/ODD.md 7.10)",
    )
    burnout_threshold: float = _p(
        0.38,
        0.0,
        1.0,
        unit="0-1",
        doc="Wellbeing below which strain accumulates",
        source="assumption; set with noise (above)",
    )
    burnout_weeks: int = _p(
        8, 1, 104, unit="weeks", doc="Weeks of sustained low wellbeing before burnout", source="assumption"
    )
    absence_base: float = _p(
        0.019,
        0.0,
        0.2,
        unit="share of working hours",
        doc="Working hours lost to sickness by someone not in burnout",
        source="ONS 2023, Sickness absence in the UK labour market: 2022 (2.6% of hours overall), less the part "
        "burnout accounts for in the baseline (absence_burnout x about 11% in burnout); docs/ODD.md 7.10",
    )
    absence_burnout: float = _p(
        0.07,
        0.0,
        0.5,
        unit="share of working hours",
        doc="Extra working hours lost to sickness while in burnout",
        source="Ahola et al. 2008 (severe burnout: odds ratio of sickness absence 6.9 for men, 2.1 for women; "
        "52 excess days in two years among men with absences); level (about 16 days a year) is an assumption",
    )


@dataclass(frozen=True, kw_only=True)
class Retention(_Section):
    """Mechanism: leaving, and hiring replacements."""

    base_hazard: float = _p(
        0.002,
        0.0,
        0.2,
        unit="per week",
        doc="Weekly chance of leaving at the reference wellbeing (about 10% a year; with low wellbeing, "
        "burnout and retirement about 18% of people leave a year)",
        source="assumption; yearly leavers checked against CIPD (total labour turnover 15.6% in public "
        "services, 18.1% in not-for-profit organisations; docs/ODD.md 7.11)",
    )
    wellbeing: float = _p(
        5.1,
        0.0,
        20.0,
        unit="log-hazard per unit",
        doc="Effect of low wellbeing on leaving",
        source="calibrated, posterior median (experiments/calibration; data/posterior.csv): "
        "disabled people's exit hazard 1.75 times others', "
        "DWP 2019, Burchardt 2003; docs/validation.md",
    )
    reference: float = _p(
        0.5, 0.0, 1.0, unit="0-1", doc="Wellbeing at which the base hazard applies", source="assumption"
    )
    burnout: float = _p(
        1.0, 0.0, 10.0, unit="log-hazard", doc="Extra log-hazard of leaving when burnt out", source="assumption"
    )
    applicant_share: float = _p(
        0.24,
        0.0,
        1.0,
        unit="share",
        doc="Share of applicants who are disabled",
        source="HoC Library CBP-7540 (24% of working-age people disabled)",
    )
    hiring_bias: float = _p(
        0.0,
        0.0,
        1.0,
        unit="0-1",
        doc="How much a medical-model culture and inaccessible recruitment filter out disabled applicants",
        source="0, not calibrated since Model 2: with no hiring bias the baseline keeps a disabled share of "
        "about 0.11 against 17.3% of UK employees (HoC Library CBP-7540), so no bias is needed or fitted "
        "(docs/ODD.md, Findings); 000 (invisible barriers created by employers)",
    )
    retirement_age: float = _p(
        65.0,
        50.0,
        80.0,
        unit="years",
        doc="Age at which people retire (leave and are replaced)",
        source="DWP, Economic labour market status of individuals aged 50 and over (2023): average age "
        "of leaving the labour market about 65 [RECALL: 65.7 men, 64.5 women]; State Pension age 66",
    )
    hire_age_min: float = _p(
        18.0, 16.0, 70.0, unit="years", doc="Youngest age at hire (hires' ages are uniform)", source="assumption"
    )
    hire_age_max: float = _p(
        55.0,
        16.0,
        80.0,
        unit="years",
        doc="Oldest age at hire (hires' ages are uniform between hire_age_min and this)",
        source="assumption",
    )
    replacement_cost: float = _p(
        11.0,
        0.0,
        104.0,
        unit="weeks of pay",
        doc="Cost of replacing a leaver",
        source="assumption; about 21% of a year's pay (Boushey & Glynn 2012, [RECALL])",
    )


@dataclass(frozen=True, kw_only=True)
class Progression(_Section):
    """Mechanism: promotion through the grades and into management, by merit net of barriers, judged by managers."""

    interval: int = _p(13, 1, 520, unit="weeks", doc="Weeks between promotion rounds", source="assumption")
    rate: float = _p(
        0.08, 0.0, 1.0, unit="per round", doc="Chance of promotion to the next grade at top merit", source="assumption"
    )
    evaluation_bias: float = _p(
        0.4,
        0.0,
        1.0,
        unit="0-1",
        doc="How much a manager's medical-model attitude discounts a disabled person's performance",
        source="UNCRPD Art. 27(a),(e); Accenture 2020 (67% vs 41%); level is an assumption",
    )
    max_grade: int = _p(
        3, 1, 20, unit="grade", doc="Highest grade below manager (managers are one above)", source="assumption"
    )
    development_barrier: float = _p(
        0.5,
        0.0,
        1.0,
        unit="per unit of barrier",
        doc="Share of access to development (training, stretch work, mentoring, networks) lost per unit of barrier",
        source="000 (barriers, not impairments, limit participation); UNCRPD Art. 27(1)(d); level is an assumption",
    )
    selection: float = _p(
        4.0,
        0.0,
        50.0,
        unit="exponent",
        doc="How surely a vacant manager seat goes to the top-grade candidate with the most merit "
        "(0: at random, 1: in proportion to merit, large: the best-placed)",
        source="assumption",
    )
    pay_step: float = _p(
        0.27,
        0.0,
        1.0,
        unit="share per grade",
        doc="Pay of each grade over the grade below (reported pay gap only; costs use organisation.wage_week)",
        source="Civil Service Statistics 2023, median salaries by responsibility level (e.g. East Midlands: AO "
        "£21.8k, EO £28.1k, HEO £34.2k, SEO £42.1k, G7 £56.5k; about 27% a grade)",
    )


@dataclass(frozen=True, kw_only=True)
class Costs(_Section):
    """Mechanism: what poor fit costs."""

    project_value: float = _p(
        50000.0,
        0.0,
        1e9,
        unit=f"{MONEY} per project",
        doc="Value of one team project (12 weeks; about half the team's pay for that time)",
        source="assumption",
    )
    rework: float = _p(
        0.5,
        0.0,
        5.0,
        unit="share of project value per unit of misfit",
        doc="Rework cost caused by poor fit",
        source="000 (no unnecessary spending); OECD 2011",
    )


@dataclass(frozen=True, kw_only=True)
class Support(_Section):
    """Practice lever: independent support for disabled workers to make informed decisions (EASPD element 2)."""

    independent: float = _p(
        0.0,
        0.0,
        1.0,
        unit="0-1 (share of the full level)",
        doc="Level of independent support (advocacy, information on options) every disabled worker receives: "
        "0 none, 1 the full support.hours a week",
        source="001 element 2 (independent support to make fully informed decisions); 003 limitations (CP "
        "schemes need to be independent)",
    )
    hours: float = _p(
        1.0,
        0.0,
        40.0,
        unit="hours per disabled worker per week",
        doc="Independent supporter's time per disabled worker at the full level",
        source="assumption",
    )
    cost_hour: float = _p(
        30.0,
        0.0,
        1e4,
        unit=f"{MONEY} per hour",
        doc="Cost of an hour of an independent advocate or supporter, bought from an outside organisation",
        source="assumption (about a UK advocacy provider's charged hourly rate)",
    )
    confidence: float = _p(
        0.005,
        0.0,
        1.0,
        unit="per week",
        doc="Weekly share of the distance to full confidence gained at the full level of support",
        source="Townsley, Marriott & Ward 2009 (Access to independent advocacy, ODI: advocacy builds "
        "confidence and self-advocacy); size an assumption (the NDTi scoping review found little robust "
        "evidence of size)",
    )
    informed: float = _p(
        0.5,
        0.0,
        1.0,
        unit="share",
        doc="Share of participants' pull to the standard service (on aspects they do not know from their own "
        "experience) removed at the full level: informed of the options, they propose them",
        source="001 element 2 (fully informed decisions); Townsley et al. 2009 (informed choices); size an assumption",
    )


@dataclass(frozen=True, kw_only=True)
class BarrierRemoval(_Section):
    """Mechanism: co-production identifies and removes the barriers participants meet (EASPD element 1)."""

    rate: float = _p(
        0.02,
        0.0,
        1.0,
        unit="per meeting",
        doc="Share of a disabled participant's remaining own barriers identified and removed in one meeting in "
        "which they realised an equal partner's influence (scaled by the influence realised)",
        source="001 element 1 (all partners collectively seek to identify and overcome barriers); 000 (remove "
        "these barriers and make co-production fully accessible); size an assumption",
    )
    unit_cost: float = _p(
        2350.0,
        0.0,
        1e6,
        unit=f"{MONEY} per unit of one person's barrier removed",
        doc="Cost of removing barriers, per unit (0-1 scale) of one disabled person's own barrier removed",
        source="JAN 2019-2023 (the median one-time accommodation, $300 or £240 at USD_PER_GBP, removes "
        "accessibility.accommodation_effect 0.6 of a person's own barrier, about 0.17 at the baseline: about "
        "£2,350 per unit); evidence.md 3.4",
    )


@dataclass(frozen=True, kw_only=True)
class ServiceUsers(_Section):
    """Mechanism: the people who use each team's services; their needs are what fit measures."""

    per_team: int = _p(
        10,
        1,
        200,
        unit="people per team",
        doc="Service users modelled per team, each standing for an equal share of the people the team serves; "
        "their needs make up the team's real needs",
        source="assumption (model.md: as many per team as a scenario says; cost grows with it)",
    )
    disabled_share: float = _p(
        0.6,
        0.0,
        1.0,
        unit="share",
        doc="Share of service users who are disabled (they meet barriers to taking part)",
        source="assumption (social-care services are for people with care and support needs; seeds 003, 004)",
    )
    need_spread: float = _p(
        0.15,
        0.0,
        1.0,
        unit="need units",
        doc="Standard deviation of a service user's own need around the centre of their team's project, per "
        "aspect (clipped to 0-1); the team's real need is the mean of its users' needs",
        source="assumption; 003 (service users are experts in their own requirements: needs differ)",
    )
    invite: float = _p(
        0.3,
        0.0,
        1.0,
        unit="share per meeting",
        doc="Chance a service user is invited to a meeting at a stage disabled people are involved in, times "
        "the manager's openness as for disabled workers (0: service users never co-produce)",
        source="seeds 001, 003, 004 (people who use services as the main co-producers); size assumption",
    )
    barrier: float = _p(
        0.5,
        0.0,
        1.0,
        unit="0-1",
        doc="Mean barrier a disabled service user meets at no accessibility (scaled by the share of barriers "
        "accessibility leaves)",
        source="Shaping Our Lives (over half faced access difficulty), evidence.md; size assumption",
    )
    good_margin: float = _p(
        0.0,
        -1.0,
        1.0,
        unit="fit, 0-1 scale",
        doc="How much better than the standard service a finished project must fit a service user's own need "
        "for their outcome to count as good (0: any better)",
        source="TLAP / In Control / Lancaster 2014 (POET asks whether things got better); the margin is an assumption",
    )


# Order matters: it is the order of sections in files, docs and the dashboard.
SECTIONS: dict[str, type] = {
    "simulation": Simulation,
    "organisation": Organisation,
    "training": Training,
    "accessibility": Accessibility,
    "power": Power,
    "peer_support": PeerSupport,
    "involvement": Involvement,
    "review": Review,
    "careers": Careers,
    "recruitment": Recruitment,
    "deliberation": Deliberation,
    "participation": Participation,
    "reciprocity": Reciprocity,
    "attitudes": Attitudes,
    "peer_effects": PeerEffects,
    "wellbeing": Wellbeing,
    "retention": Retention,
    "progression": Progression,
    "costs": Costs,
    "support": Support,
    "barrier_removal": BarrierRemoval,
    "service_users": ServiceUsers,
}


def _default(cls: type) -> Callable[[], Any]:
    """Return a factory of one shared default ``cls`` section (frozen, so sharing is safe).

    It is checked once, here, and not again by every ``Config()``.
    """
    instance = cls()
    return lambda: instance


#: Sections whose values a timeline may change during a run (the policy levers).
LEVER_SECTIONS = (
    "training",
    "accessibility",
    "power",
    "peer_support",
    "involvement",
    "review",
    "careers",
    "support",
    "recruitment",
)


def iter_params() -> Iterable[Param]:
    """Yield the metadata of every parameter, in declaration order."""
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            md = f.metadata
            yield Param(
                section=section,
                name=f.name,
                type=_field_type(f),
                default=f.default,
                lo=md["lo"],
                hi=md["hi"],
                unit=md["unit"],
                doc=md["doc"],
                source=md["source"],
                choices=md["choices"],
            )


def _field_type(f: dataclasses.Field) -> type:
    t = f.type if isinstance(f.type, type) else {"int": int, "float": float, "bool": bool, "str": str}[f.type]
    return t


#: Every parameter by key path (``"power.transfer"``), in declaration order; read-only.
PARAMS: Mapping[str, Param] = types.MappingProxyType({p.path: p for p in iter_params()})

# What each section checks in __post_init__: field name, parameter, type and bounds (infinite
# where there is none).
_CHECKS: dict[type, tuple[tuple[str, Param, type, float, float], ...]] = {
    cls: tuple(
        (p.name, p, p.type, -math.inf if p.lo is None else p.lo, math.inf if p.hi is None else p.hi)
        for p in PARAMS.values()
        if p.section == section
    )
    for section, cls in SECTIONS.items()
}


def param_paths() -> list[str]:
    """All key paths, e.g. ``['simulation.steps', 'organisation.people', ...]``."""
    return list(PARAMS)


def param(path: Any, where: str = "") -> Param:
    """Return the parameter at key path ``path``.

    Raises
    ------
    ConfigError
        ``{where}{path}: unknown key path.``, with the closest key path if one is close.
    """
    found = PARAMS.get(path) if isinstance(path, str) else None
    if found is None:
        raise ConfigError(
            f"{where}{named(path)}: unknown key path.{suggest(path, PARAMS)} "
            "Key paths are section.name as in scenario files (see 'coprod-sim docs ODD')"
        )
    return found


def flat_name(path: str) -> str:
    """Keyword-argument name of a key path: ``power.transfer`` -> ``power_transfer``."""
    return path.replace(".", "_")


_FLAT: dict[str, str] = {flat_name(p): p for p in PARAMS}


def suggest(word: Any, options: Iterable[str]) -> str:
    """Return a ' Did you mean ...?' hint, or an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def check_keys(
    table: Any,
    allowed: Collection[str],
    where: str = "",
    *,
    name: str = "",
    hint_from: Iterable[str] | None = None,
) -> Mapping[str, Any]:
    """Return ``table`` if it is a table whose keys are all allowed, or raise :class:`ConfigError`.

    Parameters
    ----------
    table : Any
        The value read from the file.
    allowed : collection of str
        The keys the table may have, in the order the message lists them (a tuple, or a dict
        of them where a table is looked up often).
    where : str
        Start of the message, naming the file and entry (``"exp.toml: "``).
    name : str
        The table's name in the file, ``"design"`` for ``[design]``: an unknown key is then shown
        as ``design.samle``. Without a name (an entry of an array of tables, one ``[[timeline]]``
        say) the key is shown quoted.
    hint_from : iterable of str, optional
        Names to suggest instead of the allowed keys, matched against the key as shown
        (``power.transfr`` against every key path, say).
    """
    if not isinstance(table, Mapping):
        if name:
            raise ConfigError(f"{where}{name} = {shown(table)} must be a table, e.g. [{name}]")
        raise ConfigError(f"{where}{shown(table)} must be a table with keys {', '.join(allowed)}")
    for key in table:
        if key not in allowed:
            quoted = f"{name}.{named(key)}" if name else shown(key)
            hint = suggest(quoted, hint_from) if hint_from is not None else suggest(key, allowed)
            listed = f"Allowed in [{name}]" if name else "Allowed"
            raise ConfigError(f"{where}unknown key {quoted}{hint} {listed}: {', '.join(allowed)}")
    return table


def check_tables(data: Mapping[str, Any], allowed: Sequence[str], where: str = "") -> None:
    """Raise :class:`ConfigError` for a top-level table of a file that is not allowed.

    ``allowed`` lists the tables as they are written, ``"[design]"`` or ``"[[parameters]]"``.
    """
    names = [t.strip("[]") for t in allowed]
    for key in data:
        if key not in names:
            raise ConfigError(f"{where}unknown table [{named(key)}]{suggest(key, names)} Allowed: {', '.join(allowed)}")


def check_value(param: Param, value: Any, where: str) -> Any:
    """Return ``value`` coerced to the parameter's type, or raise :class:`ConfigError`."""
    given = value  # the message quotes the value as it was given, not as converted

    def bad(reason: str = "") -> ConfigError:
        return ConfigError(f"{where}{param.path} = {shown(given)}{reason}: allowed is {param.allowed()}")

    t = param.type
    if t is bool:
        if not isinstance(value, bool):
            raise bad(" is not true or false")
        return value
    if t is str:
        if not isinstance(value, str) or value not in (param.choices or ()):
            raise bad()
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise bad(" is not a number")
    if t is int:
        if isinstance(value, float):
            if not value.is_integer():
                raise bad(" is not a whole number")
            value = int(value)
    else:
        try:
            value = float(value)
        except OverflowError:  # a whole number beyond any float
            raise bad(" is out of range") from None
        if not math.isfinite(value):
            raise bad(" is not a finite number")
    if (param.lo is not None and value < param.lo) or (param.hi is not None and value > param.hi):
        if param.path == "organisation.people" and value > param.hi:  # the limit is memory: say how much
            raise bad(f" is out of range ({memory_note(value)})")
        raise bad(" is out of range")
    return value


@dataclass(frozen=True)
class TimelineEntry:
    """A planned lever change: from ``step`` the lever moves to ``value`` over ``ramp`` weeks.

    Checked when built, like the sections; ``value`` is stored converted as :func:`check_value` does.
    """

    step: int
    lever: str
    value: Any
    ramp: int = 0

    def __post_init__(self) -> None:
        lever, step, ramp = self.lever, self.step, self.ramp
        spec = PARAMS.get(lever) if isinstance(lever, str) else None
        if spec is None or spec.section not in LEVER_SECTIONS:
            levers = [p for p in PARAMS if p.split(".")[0] in LEVER_SECTIONS]
            raise ConfigError(
                f"lever = {shown(lever)} is not a policy lever.{suggest(lever, levers)} "
                f"Levers are the parameters of [{'], ['.join(LEVER_SECTIONS)}]"
            )
        # No run is longer than MAX_STEPS weeks, so an entry or a ramp beyond it could never finish.
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= MAX_STEPS:
            raise ConfigError(f"step = {shown(step)}: allowed is a whole number of weeks from 0 to {MAX_STEPS}")
        if isinstance(ramp, bool) or not isinstance(ramp, int) or not 0 <= ramp <= MAX_STEPS:
            raise ConfigError(f"ramp = {shown(ramp)}: allowed is a whole number of weeks from 0 to {MAX_STEPS}")
        if ramp and spec.type not in (int, float):
            raise ConfigError(f"ramp = {ramp} for {lever}: only numeric levers can ramp")
        object.__setattr__(self, "value", check_value(spec, self.value, "value for "))


_TIMELINE_KEYS = ("step", "lever", "value", "ramp")
#: Each section's keys, in order, as a dict: from_dict looks every key of a file up in it.
_KEYS = {section: dict.fromkeys(c[0] for c in _CHECKS[cls]) for section, cls in SECTIONS.items()}
#: The top-level tables of a scenario's parameters, as written in a file.
_TABLES = (*(f"[{s}]" for s in SECTIONS), "[[timeline]]")


@dataclass(frozen=True, kw_only=True)
class Config:
    """A complete, validated parameter set: one instance of each section plus a timeline.

    Build one with :meth:`from_dict` (nested, as in a scenario file) or :meth:`from_flat`
    (keyword names such as ``power_transfer``), or directly from sections
    (``Config(power=Power(transfer=0.3))``); every way validates every value and the checks
    across fields (:meth:`check`), and raises :class:`ConfigError` naming what is wrong.
    """

    simulation: Simulation = field(default_factory=_default(Simulation))
    organisation: Organisation = field(default_factory=_default(Organisation))
    training: Training = field(default_factory=_default(Training))
    accessibility: Accessibility = field(default_factory=_default(Accessibility))
    power: Power = field(default_factory=_default(Power))
    peer_support: PeerSupport = field(default_factory=_default(PeerSupport))
    involvement: Involvement = field(default_factory=_default(Involvement))
    review: Review = field(default_factory=_default(Review))
    careers: Careers = field(default_factory=_default(Careers))
    recruitment: Recruitment = field(default_factory=_default(Recruitment))
    deliberation: Deliberation = field(default_factory=_default(Deliberation))
    participation: Participation = field(default_factory=_default(Participation))
    reciprocity: Reciprocity = field(default_factory=_default(Reciprocity))
    attitudes: Attitudes = field(default_factory=_default(Attitudes))
    peer_effects: PeerEffects = field(default_factory=_default(PeerEffects))
    wellbeing: Wellbeing = field(default_factory=_default(Wellbeing))
    retention: Retention = field(default_factory=_default(Retention))
    progression: Progression = field(default_factory=_default(Progression))
    costs: Costs = field(default_factory=_default(Costs))
    support: Support = field(default_factory=_default(Support))
    barrier_removal: BarrierRemoval = field(default_factory=_default(BarrierRemoval))
    service_users: ServiceUsers = field(default_factory=_default(ServiceUsers))
    timeline: tuple[TimelineEntry, ...] = ()

    def __post_init__(self) -> None:
        for name, cls in SECTIONS.items():
            section = self.__dict__[name]
            if type(section) is not cls:
                raise ConfigError(f"{name} = {shown(section)} must be a {cls.__name__} section, e.g. {cls.__name__}()")
        timeline = self.timeline
        if type(timeline) is not tuple or not all(type(e) is TimelineEntry for e in timeline):
            raise ConfigError(f"timeline = {shown(timeline)} must be a tuple of TimelineEntry")
        if len(timeline) > MAX_TIMELINE_ENTRIES:
            raise ConfigError(_too_many_entries(len(timeline)))
        if any(a.step > b.step for a, b in itertools.pairwise(timeline)):
            # In the order from_dict gives: the model applies entries in this order.
            object.__setattr__(self, "timeline", tuple(sorted(timeline, key=lambda e: e.step)))
        first: dict[tuple[int, str], Any] = {}
        for e in self.timeline:  # two values for one lever in one week: which was meant is unknowable
            if (e.step, e.lever) in first:
                raise ConfigError(
                    f"timeline: two changes of {e.lever} at week {e.step} ({shown(first[e.step, e.lever])} and "
                    f"{shown(e.value)}); allowed is one change of a lever in a week"
                )
            first[e.step, e.lever] = e.value
        self.check()

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "") -> Config:
        """Validate a nested mapping (a parsed scenario without its ``meta`` table)."""
        where = f"{source}: " if source else ""
        check_tables(data, _TABLES, where)
        sections: dict[str, Any] = {}
        timeline: list[TimelineEntry] = []
        for key, table in data.items():
            if key == "timeline":
                timeline = _parse_timeline(table, where)
                continue
            table = check_keys(table, _KEYS[key], where, name=key, hint_from=PARAMS)
            try:  # a section checks its own values (and a Config the combinations) when built
                sections[key] = SECTIONS[key](**table)
            except ConfigError as exc:
                raise ConfigError(f"{where}{exc}") from None
        try:
            return cls(**sections, timeline=tuple(timeline))
        except ConfigError as exc:
            raise ConfigError(f"{where}{exc}") from None

    @classmethod
    def from_flat(cls, base: Config | None = None, **kwargs: Any) -> Config:
        """Apply keyword overrides (``power_transfer=0.5``) to ``base`` or the defaults."""
        nested = (base or cls()).to_dict()
        for key, value in kwargs.items():
            path = _FLAT.get(key)
            if path is None:
                raise ConfigError(f"unknown parameter {shown(key)}.{suggest(key, _FLAT)}")
            section, name = path.split(".")
            nested[section][name] = value
        return cls.from_dict(nested)

    def with_overrides(self, overrides: Mapping[str, Any], *, source: str = "--set") -> Config:
        """Return a copy with dotted key paths set (``{'organisation.people': 1000}``)."""
        nested = self.to_dict()
        for path, value in overrides.items():
            section, name = param(path, f"{source} ").path.split(".")
            nested[section][name] = value
        return Config.from_dict(nested, source=source)

    # ---- checks across fields -------------------------------------------------------------
    def check(self, where: str = "") -> None:
        """Raise :class:`ConfigError` for combinations that cannot exist."""
        org = self.organisation
        if org.team_size > org.people:
            raise ConfigError(
                f"{where}organisation.team_size = {org.team_size} is more than organisation.people = "
                f"{org.people}: a team cannot be bigger than the organisation (one manager per team)"
            )
        a = self.accessibility
        if a.free_share + a.one_time_share > 1.0 + 1e-9:
            raise ConfigError(
                f"{where}accessibility.free_share + accessibility.one_time_share = "
                f"{a.free_share + a.one_time_share:.3f}: the shares of accommodation costs must add up "
                "to at most 1 (the rest are ongoing costs)"
            )
        re = self.retention
        if not re.hire_age_min < re.hire_age_max <= re.retirement_age:
            raise ConfigError(
                f"{where}retention.hire_age_min = {re.hire_age_min}, retention.hire_age_max = "
                f"{re.hire_age_max} and retention.retirement_age = {re.retirement_age}: hires' ages must "
                "run from hire_age_min up to hire_age_max, at most the retirement age"
            )
        d = self.deliberation
        if d.coverage > d.aspects:
            raise ConfigError(
                f"{where}deliberation.coverage = {d.coverage} is more than deliberation.aspects = "
                f"{d.aspects}: a person cannot know more aspects than there are"
            )

    # ---- views ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict (sections and timeline), suitable for TOML or JSON."""
        out: dict[str, Any] = {k: dataclasses.asdict(getattr(self, k)) for k in SECTIONS}
        out["timeline"] = [dataclasses.asdict(t) for t in self.timeline]
        return out

    def get(self, path: str) -> Any:
        """Value at a dotted key path."""
        section, name = path.split(".")
        return getattr(getattr(self, section), name)

    def diff(self, other: Config | None = None) -> dict[str, Any]:
        """Key paths whose values differ from ``other`` (the defaults if omitted)."""
        other = other or Config()
        return {p: self.get(p) for p in PARAMS if self.get(p) != other.get(p)}


def _parse_timeline(table: Any, where: str) -> list[TimelineEntry]:
    if not isinstance(table, list):
        raise ConfigError(f"{where}timeline must be a list of [[timeline]] tables, got {shown(table)}")
    if len(table) > MAX_TIMELINE_ENTRIES:  # before building any: the model reads them all every week
        raise ConfigError(f"{where}{_too_many_entries(len(table))}")
    entries = []
    for i, item in enumerate(table, start=1):
        at = f"{where}timeline entry {i}: "
        item = check_keys(item, _TIMELINE_KEYS, at)
        for key in ("step", "lever", "value"):
            if key not in item:
                raise ConfigError(f"{at}missing {key!r}; each entry needs step, lever and value")
        try:
            entries.append(TimelineEntry(**item))
        except ConfigError as exc:
            raise ConfigError(f"{at}{exc}") from None
    return sorted(entries, key=lambda e: e.step)


def _too_many_entries(n: int) -> str:
    return (
        f"timeline has {n:,} entries: allowed is at most {MAX_TIMELINE_ENTRIES:,} "
        f"(each entry is a lever change in one week; a run lasts at most {MAX_STEPS:,} weeks)"
    )
