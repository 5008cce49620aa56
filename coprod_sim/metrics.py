"""Outputs of a week and the co-production level (docs/ODD.md 4, "Observation"; 7.14).

What each output is called, its unit and how it is summarised are in :mod:`coprod_sim.outputs`;
this module computes them.

Group means are NaN for an empty group (undefined, reported as missing, not as zero). The level
is judged on a quarter: counts of the last 13 weeks are pooled, so quiet weeks do not dilute the
rates.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import numpy as np

from coprod_sim.config import Config
from coprod_sim.mechanisms.costs import COST_PARTS, Ledger
from coprod_sim.mechanisms.deliberation import Meeting
from coprod_sim.mechanisms.people_flow import Exits
from coprod_sim.mechanisms.progression import grade_pay
from coprod_sim.mechanisms.service_users import outcome_counts
from coprod_sim.mechanisms.wellbeing import absence
from coprod_sim.outputs import QUARTER_WEEKS
from coprod_sim.state import DISABLED_WORKER, Caches, Seats, State, ratio

__all__ = ["LEVEL_RULES", "LevelWindow", "classify_level", "compute"]

# Thresholds of the co-production level (docs/ODD.md, "Observation"), on 13-week means.
LEVEL_RULES = {
    "participation_min": 0.05,  # below: no involvement to speak of
    # Tokenism is graded (1 - mean realised influence of attendances, 7.6), so the thresholds
    # read as shares of an equal partner's influence left unrealised.
    "consultation_tokenism": 0.5,  # above: consultation without influence (tokenism)
    "intermediate_tokenism": 0.25,
    "intermediate_stages": 3,
    # Share of the quarter's participations by people who received support (a peer supporter, or
    # accessibility removing at least half their own barriers; 7.14).
    "intermediate_support": 0.5,
    "transformative_tokenism": 0.1,
    "transformative_influence": 0.4,
    "transformative_stages": 4,
}


def classify_level(participation: float, tokenism: float, influence: float, stages: int, support: bool) -> str:
    """Co-production level from indicators averaged over a quarter.

    ``tokenism`` is graded: the share of attendances' potential influence not realised (1 - mean
    realised influence, docs/ODD.md 7.6). none: almost no participation; consultation:
    participation, but attendances realise less than half of an equal partner's influence;
    compliance: input acknowledged; intermediate (recognition and support): most influence
    realised, at least three stages, and support (at least half the participations by people
    who received support: a peer supporter or accessibility);
    transformative: also all four stages, almost all influence realised and at least 40% of
    decision weight (000, 003).
    """
    r = LEVEL_RULES
    if participation < r["participation_min"]:
        return "none"
    if tokenism > r["consultation_tokenism"]:
        return "consultation"
    if tokenism > r["intermediate_tokenism"] or stages < r["intermediate_stages"] or not support:
        return "compliance"
    if (
        tokenism <= r["transformative_tokenism"]
        and influence >= r["transformative_influence"]
        and stages >= r["transformative_stages"]
    ):
        return "transformative"
    return "intermediate"


_COST_COLUMNS = tuple(f"cost_{part}" for part in COST_PARTS)


class LevelWindow:
    """The last quarter's meeting counts and stages, pooled to judge the co-production level."""

    def __init__(self) -> None:
        self._weeks: deque[tuple[int, int, float, float, int, int, int]] = deque(maxlen=QUARTER_WEEKS)
        self._counts = [0, 0, 0, 0]  # participations, disabled workers, meetings, supported participations

    def level(self, meeting: Meeting, c: Caches, p: Config) -> tuple[str, int]:
        """Add this week's meeting and return the quarter's level and number of stages involved."""
        weeks = self._weeks
        if len(weeks) == weeks.maxlen:  # integer counts are kept as running sums (exact)
            old = weeks[0]
            k = self._counts
            self._counts = [k[0] - old[0], k[1] - old[1], k[2] - old[4], k[3] - old[6]]
        part_n, dw_n, unrealised, share_sum, meeting_n = meeting.counts
        weeks.append((part_n, dw_n, unrealised, share_sum, meeting_n, meeting.stages_mask, meeting.supported))
        k = self._counts
        k[0] += part_n
        k[1] += dw_n
        k[2] += meeting_n
        k[3] += meeting.supported
        parts, dws, meetings, supported = k
        tokens = shares = 0  # floats: summed afresh, left to right (add_up's order)
        mask = 0
        for week in weeks:
            tokens += week[2]
            shares += week[3]
            mask |= week[5]
        stages = bin(mask).count("1")
        # Support received, not levers set: a programme that reaches nobody does not count.
        support = bool(parts and supported >= LEVEL_RULES["intermediate_support"] * parts)
        level = classify_level(
            parts / dws if dws else 0.0,
            tokens / parts if parts else 0.0,
            shares / meetings if meetings else 0.0,
            stages,
            support,
        )
        return level, stages


def compute(
    out: dict[str, Any],
    s: State,
    c: Caches,
    seats: Seats,
    p: Config,
    meeting: Meeting,
    exits: Exits,
    costs: Ledger,
    cost: float,
    cost_cumulative: float,
    level: str,
    stages: int,
) -> None:
    """Write every output of the week (OUTPUT_COLUMNS) into ``out``, from the state, the week's flows and costs.

    ``cost`` is the week's total (:func:`coprod_sim.mechanisms.costs.total`); ``cost_cumulative``
    already includes it.
    """
    out["participation_rate"] = meeting.participation_rate
    out["influence_share"] = meeting.influence_share
    out["tokenism_rate"] = meeting.tokenism_rate
    out["fit"] = float(s.last_fit.sum()) / seats.n_teams
    _groups(out, s, c, seats, p)
    _users(out, s)
    out["exits_disabled"] = exits.disabled
    out["exits_nondisabled"] = exits.nondisabled
    out["cost"] = cost
    out["level"] = level
    out["stages_involved"] = stages
    out["exits_disabled_workers"] = exits.disabled_workers
    for column, value in zip(_COST_COLUMNS, costs.values(), strict=True):
        out[column] = value
    out["cost_cumulative"] = cost_cumulative


def _groups(out: dict[str, Any], s: State, c: Caches, seats: Seats, p: Config) -> None:
    """Group means and counts: four passes over everyone, the rest over the (small) disabled subsets."""
    di, dw = c.dis, c.dw
    n, nd = seats.n, len(di)
    nn = n - nd
    n_dw = len(dw)
    dwonly = s.role[dw] == DISABLED_WORKER
    n_dwonly = int(np.count_nonzero(dwonly))
    di_rank = di[~seats.is_manager[di]]  # disabled people below manager
    n_rd = len(di_rank)
    n_rn = n - seats.n_teams - n_rd
    mgr_grade_sum = seats.n_teams * (p.progression.max_grade + 1)
    grade_d = float(s.grade[di_rank].sum())
    g_d = ratio(grade_d, n_rd)
    n_grade = _grade_counts(s, p)  # whole numbers: their weighted sum is the sum of grades exactly
    g_n = ratio(float(n_grade @ np.arange(len(n_grade))) - mgr_grade_sum - grade_d, n_rn)
    pay_gap, senior = _careers(s, di, seats, p, nd / n if n else 0.0, n_grade)
    wb_d, wb_all = float(s.wellbeing[di].sum()), float(s.wellbeing.sum())
    bo_d, bo_all = int(np.count_nonzero(s.burnout[di])), int(np.count_nonzero(s.burnout))
    att_all = float(s.attitude.sum())
    att_m = float(s.attitude[seats.manager_seat].sum())
    n_staff = n - seats.n_teams - n_dw
    att_staff = att_all - att_m - float(s.attitude[dw].sum())
    out.update(
        wellbeing_disabled=ratio(wb_d, nd),
        # Totals less subgroup totals can fall a rounding error below 0 when every value is 0.
        wellbeing_nondisabled=ratio(max(wb_all - wb_d, 0.0), nn),
        burnout_disabled=ratio(bo_d, nd),
        burnout_nondisabled=ratio(bo_all - bo_d, nn),
        share_disabled=nd / n,
        attitude_mean=att_all / n,
        engagement_disabled=ratio(s.engagement[dw].sum(), n_dw),
        confidence_disabled=ratio(s.confidence[dw].sum(), n_dw),
        attitude_managers=att_m / seats.n_teams,
        attitude_staff=ratio(max(att_staff, 0.0), n_staff),
        grade_disabled=g_d,
        grade_nondisabled=g_n,
        progression_gap=g_n - g_d,
        pay_gap=pay_gap,
        senior_ratio=senior,
        accommodated_share=ratio(np.count_nonzero(s.accommodated[di]), nd),
        peer_supported_share=ratio(np.count_nonzero(s.peer_of[dw][dwonly] >= 0), n_dwonly),
        n_people=n,
        n_disabled=nd,
        n_disabled_workers=n_dwonly,
        n_peer_supporters=n_dw - n_dwonly,
        burnout_disabled_workers=ratio(np.count_nonzero(s.burnout[dw]), n_dw),
        absence_disabled=absence(p, bo_d, nd),
        absence_nondisabled=absence(p, bo_all - bo_d, nn),
        absence_cost=p.organisation.wage_week * absence(p, bo_all, n) * n,
    )


def _grade_counts(s: State, p: Config) -> np.ndarray:
    """People at each grade, 0 to manager (a count per grade: cheaper than a bincount of 16-bit grades)."""
    grade = s.grade
    return np.array([np.count_nonzero(grade == g) for g in range(p.progression.max_grade + 2)], dtype=np.int64)


def _careers(s: State, di: np.ndarray, seats: Seats, p: Config, share: float, n_all: np.ndarray) -> tuple[float, float]:
    """Pay gap by disability, and disabled people's share of managers over their share of all (7.12).

    The pay gap is 1 - mean pay of disabled people / mean pay of others, pay rising
    ``progression.pay_step`` a grade (ONS's gap is of medians; grades make medians jump, so means).
    ``n_all`` is everyone's :func:`_grade_counts`.
    """
    top = p.progression.max_grade + 2
    pay = grade_pay(p, top)
    n_d = np.bincount(s.grade[di], minlength=top)
    n_n = n_all - n_d
    gap = math.nan
    if n_d.sum() and n_n.sum():
        gap = 1.0 - float(n_d @ pay / n_d.sum()) / float(n_n @ pay / n_n.sum())
    mgr_d = int(np.count_nonzero(seats.is_manager[di]))
    senior = mgr_d / seats.n_teams / share if share else math.nan
    return gap, senior


def _users(out: dict[str, Any], s: State) -> None:
    """Service users' outcomes by their team's last finished project (7.18): all, views included or not."""
    inc, inc_good, exc, exc_good = (int(x) for x in outcome_counts(s.users))
    out.update(
        users_good_share=ratio(inc_good + exc_good, inc + exc),
        users_good_included=ratio(inc_good, inc),
        users_good_excluded=ratio(exc_good, exc),
        users_included_share=ratio(inc, inc + exc),
    )
