"""The organisation's state: per-seat and per-team arrays, and the caches kept beside them.

Seats are fixed for a run (every leaver is replaced in the same seat), so the state is a set of
numpy arrays, one row per seat (the person now in it) or per team. Three records hold it:

- :class:`State`: what the mechanisms change and the outputs read (docs/ODD.md, section 2);
- :class:`Seats`: what never changes during a run: teams as contiguous runs of seats, managers,
  cross-team ties and the weights and denominators built on them;
- :class:`Caches`: quantities derived from :class:`State` and kept instead of recomputed each
  week. Each field's docstring states the rule that keeps it exact; the functions here
  (:func:`set_role`, :func:`refresh_disabled`) and the mechanisms named there follow it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable

import numpy as np
import scipy.sparse as sp

from coprod_sim.config import Config
from coprod_sim.network import OrgStructure

__all__ = [
    "BARRIER_TYPES",
    "DISABLED_WORKER",
    "MANAGER",
    "PEER_SUPPORTER",
    "SELECT_FROM",
    "SHARED_ERROR",
    "STAFF",
    "STAGES",
    "Caches",
    "Phase",
    "Seats",
    "State",
    "Users",
    "access_levels",
    "add_up",
    "build_caches",
    "clip01",
    "move_people",
    "nonzero",
    "phase_tables",
    "ratio",
    "refresh_disabled",
    "refresh_levers",
    "set_role",
    "swap_people",
]

#: The four stages of the co-production cycle, in order (000).
STAGES = ("planning", "design", "delivery", "evaluation")
#: The five barrier types; the first four are removed by accessibility, the last is attitudes (000, 003).
BARRIER_TYPES = ("physical", "information", "communication", "time", "attitudes")

#: Role codes of the ``role`` array (the order of :data:`coprod_sim.agents.ROLE_NAMES`).
MANAGER, STAFF, DISABLED_WORKER, PEER_SUPPORTER = range(4)

#: Each team's stage, and the teams starting a project, ending a stage and ending a project, in one
#: week of the project cycle (docs/ODD.md 7.6).
Phase = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]

#: Organisation size from which sums over cross-team ties use the sparse product (see Seats.cross_sum).
CROSS_SPARSE_FROM = 200_000

#: Organisation size from which the step first selects the seats or teams some work concerns (the
#: invited, the seats that changed) and works on those alone. Both ways give the same bits; below
#: this size numpy's cost per call outweighs the elements saved (10,000 people: the selecting
#: cost more than it saved).
SELECT_FROM = 50_000

#: Share of the variance of anyone's misreading of a project's needs that the whole team shares
#: (the same referral, the same framing of the problem): 0 independent errors, 1 one error for all.
#: Everyone's error has this structure, professionals' and disabled participants' alike; lived
#: experience makes the whole error smaller, it does not make it independent (docs/ODD.md 7.6).
SHARED_ERROR = 0.5


@dataclasses.dataclass(eq=False)
class Users:
    """The people who use the teams' services (docs/ODD.md 2, 7.18): arrays of shape (teams, users per team).

    A team's users are the same people all run long (each stands for an equal share of those the
    team serves); their needs about the running project are drawn when it starts. Outcome counts
    pool every project finished since week 0.
    """

    disabled: np.ndarray  # (T, U) bool
    intensity: np.ndarray  # (T, U) barrier met at no accessibility (0 if not disabled)
    confidence: np.ndarray  # (T, U)
    need: np.ndarray  # (T, U, aspects) each user's own need on the running project's aspects
    included: np.ndarray  # (T, U) bool: views included in the running project (7.18)
    fit_acc: np.ndarray  # (T, U) sum of the stage outputs' fit to the user's own need
    last_fit: np.ndarray  # (T, U) fit of the last finished project to the user's own need
    last_included: np.ndarray  # (T, U) bool: views included in that project
    part_n: np.ndarray  # (T, U) meetings attended (history; no mechanism reads it)
    last_counts: np.ndarray  # (T, 4) per team, its users by their last finished project: views included,
    # of whom good outcome; not included, of whom good (the weekly outputs sum it, 7.14)
    # Finished projects' outcomes pooled since week 0: included users, of whom good; others, of whom good.
    outcomes: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(4, np.int64))
    # Within finished projects that had users of both kinds: the mean gain of those whose views
    # were included less that of the others, summed, and the number of such projects (the same
    # team and project, so differences between teams do not enter).
    within: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(2))
    # last_counts summed over teams. Rule: finish (7.18) adds each finished team's new counts and
    # subtracts its old ones (whole numbers: exact in any order).
    last_total: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(4, np.int64))
    # Chance each user takes part once invited, and the barriers and coefficients it was computed
    # for. Rule: recomputed by take_part (7.18) whenever that key changes (users' traits are fixed).
    p_take: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(0))
    p_take_key: tuple[float, ...] = ()


@dataclasses.dataclass(eq=False)
class State:
    """Per-seat arrays (the person now in the seat) and per-team arrays."""

    person_id: np.ndarray
    role: np.ndarray
    team: np.ndarray
    disabled: np.ndarray
    need: np.ndarray  # (n, 4) barrier intensity per non-attitudinal barrier type
    covers: np.ndarray  # (n, aspects) aspects of real needs known from lived experience
    att_base: np.ndarray
    boost: np.ndarray  # training boost, decays unless structure consolidates it
    attitude: np.ndarray
    # Friedkin-Johnsen (7.8): the view each person holds on their own, which the network's pull
    # does not move (set on arrival; moved only by their own experience: consolidated training,
    # equal-status contact), and the weight they give the network's view against it.
    att_anchor: np.ndarray
    suscept: np.ndarray
    lead: np.ndarray  # uniform draw on arrival: qualities for management no measure of merit sees (7.12)
    skill: np.ndarray
    ability: np.ndarray
    workload: np.ndarray
    engagement: np.ndarray
    confidence: np.ndarray
    wellbeing: np.ndarray
    strain: np.ndarray
    burnout: np.ndarray
    tenure: np.ndarray
    age: np.ndarray  # weeks since birth (ageing, retirement, onset of disability: 7.11)
    fluct: np.ndarray  # the person's disabling condition, if any, fluctuates and can end (7.11)
    grade: np.ndarray
    accommodated: np.ndarray
    acc_weekly: np.ndarray
    peer_of: np.ndarray
    load: np.ndarray
    peer_u: np.ndarray  # uniform draw: takes up peer support if below the uptake lever
    infl_trace: np.ndarray
    token_trace: np.ndarray
    review_part: np.ndarray
    review_infl: np.ndarray
    barrier: np.ndarray
    own: np.ndarray  # barriers from accessibility and accommodations (without attitudes), 0-1
    removed: np.ndarray  # share of the person's own barriers co-production has removed (7.15, 7.17)
    # Histories kept for observation (validation patterns, people table); no mechanism reads them.
    part_n: np.ndarray  # co-production meetings attended
    infl_sum: np.ndarray  # influence realised in those meetings, summed (0-1 each, 7.6)
    contact_sum: np.ndarray  # equal-status contact: realised influence of the meetings attended (professionals, 7.6)
    trained_at: np.ndarray  # week of the person's last training session (0: never)
    acc_once: np.ndarray  # one-time cost of the person's accommodation (0: none or not one-time)
    # teams
    offset: np.ndarray
    need_t: np.ndarray
    z: np.ndarray  # (3, teams, aspects) standard-normal errors of this project: the part of the
    # misreading of needs the whole team shares, professionals' own parts (pooled) and disabled
    # participants' own parts (pooled). Drawn once per project: a misreading of needs persists
    # through the project instead of averaging out meeting by meeting.
    decision: np.ndarray
    last_fit: np.ndarray
    fit_acc: np.ndarray  # sum of the stage outputs' fit so far in the running project
    fit_n: np.ndarray  # number of stage outputs in fit_acc (fewer than 4 for the first, joined mid-way)
    imposed: np.ndarray  # decision weight this week's power transfer gave participants beyond what
    # professionals would have given (0 without participants; staff strain and resistance, 7.6, 7.10)
    # the organisation
    access_paid: np.ndarray  # highest accessibility level paid for so far, per barrier type (7.2)
    acc_granted: np.ndarray  # accommodations granted so far: free, one-time cost, ongoing cost (JAN)
    # the people the teams serve (set by initialization once the teams' first projects are drawn)
    users: Users = dataclasses.field(default=None)  # type: ignore[assignment]

    def reset_on_hire(self) -> tuple[np.ndarray, ...]:
        """Arrays a new person starts at zero in: no barriers until a profile is drawn, no history."""
        return (
            self.barrier,
            self.own,
            self.need,
            self.covers,
            self.boost,
            self.strain,
            self.burnout,
            self.tenure,
            self.accommodated,
            self.acc_weekly,
            self.infl_trace,
            self.token_trace,
            self.review_part,
            self.review_infl,
            self.part_n,
            self.infl_sum,
            self.contact_sum,
            self.trained_at,
            self.acc_once,
            self.removed,
        )


@dataclasses.dataclass(eq=False)
class Seats:
    """What does not change during a run: teams, managers, cross-team ties and weights built on them.

    Teams are contiguous runs of seats starting at their manager's seat (5.1), so per-team sums
    are ``np.add.reduceat`` over the run starts and spreading a team value to its members is a
    ``np.repeat``: both cheaper than ``bincount``. Managers never change role and every team has at
    least two people, so the attitude weights and their denominators are fixed.
    """

    n: int
    n_teams: int
    team: np.ndarray
    manager_seat: np.ndarray
    is_manager: np.ndarray
    team_start: np.ndarray
    team_size: np.ndarray
    cross: sp.csr_matrix  # cross-team ties (informal and managers'): 0/1, symmetric, columns sorted per row
    cross_rows: np.ndarray | None  # the same ties as (row, column) pairs in CSR order; None in large
    cross_cols: np.ndarray | None  # organisations, which sum with the sparse product (see cross_sum)
    w_att: np.ndarray  # weight of each person's view in the attitude pull (managers weigh more)
    inv_den: np.ndarray  # 1 / total weight of each person's neighbours in the attitude pull
    team_others: np.ndarray  # team mates per member, per team (at least 1)
    crossover: np.ndarray  # per seat: burnout crossover per burnt-out team mate

    @classmethod
    def build(cls, structure: OrgStructure, config: Config) -> Seats:
        """Derive the fixed layout from the organisation's structure and the configuration."""
        n = structure.n
        team = structure.team
        manager_seat = structure.manager_seat
        n_teams = len(manager_seat)
        is_manager = np.zeros(n, bool)
        is_manager[manager_seat] = True
        cross = structure.cross_team_matrix()
        cross_rows = cross_cols = None
        if n < CROSS_SPARSE_FROM:
            cross_rows = np.repeat(np.arange(n), np.diff(cross.indptr))
            cross_cols = cross.indices.astype(np.int64)
        w_att = np.where(is_manager, config.attitudes.manager_weight, 1.0)
        team_w = np.bincount(team, w_att, n_teams)
        cross_w = cross @ w_att
        team_n = np.bincount(team, minlength=n_teams).astype(float)
        inv_others = 1.0 / np.maximum(team_n[team] - 1.0, 1.0)
        return cls(
            n=n,
            n_teams=n_teams,
            team=team,
            manager_seat=manager_seat,
            is_manager=is_manager,
            team_start=manager_seat,
            team_size=np.diff(np.append(manager_seat, n)),
            cross=cross,
            cross_rows=cross_rows,
            cross_cols=cross_cols,
            w_att=w_att,
            inv_den=1.0 / (team_w[team] - w_att + cross_w),
            team_others=np.maximum(team_n - 1.0, 1.0),
            crossover=inv_others * config.wellbeing.crossover,
        )

    def cross_sum(self, x: np.ndarray) -> np.ndarray:
        """Sum of ``x`` over each person's cross-team ties (a new per-seat array).

        Both ways add each person's ties in ascending seat order starting from 0, so they give
        the same bits: a bincount over the (row, column) pairs is faster in small organisations
        (scipy's per-call overhead), the sparse product in large ones (one pass, no gathered copy).
        """
        if self.cross_rows is None:
            return self.cross @ x
        return np.bincount(self.cross_rows, weights=x[self.cross_cols], minlength=self.n)

    def tsum(self, x: np.ndarray) -> np.ndarray:
        """Per-team sums of a per-seat array."""
        return np.add.reduceat(x, self.team_start)

    def spread(self, per_team: np.ndarray) -> np.ndarray:
        """Give each member its team's value of a per-team array (a new per-seat array)."""
        return np.repeat(per_team, self.team_size)

    def members(self, teams: np.ndarray) -> np.ndarray:
        """Seats of the given teams, team by team (ascending if ``teams`` is): a few teams' worth of work."""
        sizes = self.team_size[teams]
        ends = np.cumsum(sizes)
        # Each seat is its team's start plus its place in the team: arange over all, less the
        # number of seats in the teams before it, plus the team's start.
        return np.arange(ends[-1] if len(ends) else 0) + np.repeat(self.team_start[teams] - (ends - sizes), sizes)


@dataclasses.dataclass(eq=False)
class Caches:
    """Quantities derived from the state, each kept exact by the rule in its comment."""

    #: Seats in the expert-by-experience roles (disabled worker, peer supporter), ascending.
    #: Rule: :func:`set_role` recomputes it whenever a role changes (from :data:`SELECT_FROM`
    #: seats: removes the seats that left these roles and inserts those that took one, in order,
    #: the same array).
    dw: np.ndarray
    #: Disabled seats, ascending. Rule: recomputed by :func:`refresh_disabled` when anyone's
    #: disability changes (hiring, onset and the end of a condition, 7.11); from
    #: :data:`SELECT_FROM` seats, from the seats changed if the caller names every one of them.
    dis: np.ndarray
    #: Professionals (managers and staff). Rule: :func:`set_role`.
    prof: np.ndarray
    #: Decision weight of each professional (managers ``deliberation.manager_weight``, staff 1,
    #: others 0). Rule: :func:`set_role` (only staff change role, so only weights of 1 move).
    w_prof: np.ndarray
    #: Per team: sum of professionals' weights, of their squares, and their number. Rule:
    #: :func:`set_role` adds or removes each changed seat's weight.
    W_P: np.ndarray
    W2_P: np.ndarray
    n_prof: np.ndarray
    #: Per team: 1 / W_P, and sqrt(W2_P) / W_P, the spread of the professionals' own (not shared)
    #: errors once pooled, per unit of one person's (7.6). Rule: rederived from W_P and W2_P
    #: whenever they change (:func:`set_role`).
    inv_wp: np.ndarray
    q_p: np.ndarray
    #: Per team: sum of everyone's attitude. Rule: recomputed after the attitude update (7.8),
    #: which is the only place attitudes move between hires, and adjusted by each hire (7.11).
    team_att_sum: np.ndarray
    #: Per seat: ``wellbeing.workload`` x workload. Rule: set for each new hire (workload is
    #: drawn only then).
    workload_demand: np.ndarray
    #: Per disabled seat (aligned with ``dis``): the attitudinal barrier met this week. Rule: set
    #: by the barrier update (7.5) each week, before anything reads it.
    att_barrier_dis: np.ndarray
    #: The stages disabled workers are invited to (1.0 or 0.0 each, in STAGES order), the share of
    #: each non-attitudinal barrier type left, divided by 4, and the mean accessibility level.
    #: Rule: :func:`refresh_levers` whenever the levers in force change (7.1).
    involved: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(4))
    open: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(4))
    access_mean: float = 0.0
    #: The project cycle's weeks (``phase_tables``). Rule: fixed for the run (team offsets and
    #: stage lengths do not change).
    phases: list[Phase] = dataclasses.field(default_factory=list)
    #: Seats whose role changed since the Mesa agent views were last brought up to date. Rule:
    #: :func:`set_role` adds; the model clears it when it syncs its views.
    roles_changed: set[int] = dataclasses.field(default_factory=set)


def phase_tables(offset: np.ndarray, stage_weeks: int) -> list[Phase]:
    """Each team's stage and the teams starting, ending a stage or ending a project, per week of the cycle.

    A team's phase is ``(t + offset) % cycle``; offsets and stage lengths are fixed, so the
    cycle's weeks are tabulated once instead of recomputed every week.
    """
    cycle = 4 * stage_weeks
    tables = []
    for k in range(cycle):
        phase = (k + offset) % cycle
        tables.append(
            (
                phase // stage_weeks,
                nonzero(phase == 0),
                nonzero(phase % stage_weeks == stage_weeks - 1),
                nonzero(phase == cycle - 1),
            )
        )
    return tables


def build_caches(state: State, seats: Seats, config: Config) -> Caches:
    """Derive every cache from the state (at the start of a run)."""
    s, d = state, config.deliberation
    prof = s.role <= STAFF
    w = np.where(s.role == MANAGER, d.manager_weight, 1.0) * prof
    t = seats.n_teams
    c = Caches(
        dw=nonzero(s.role >= DISABLED_WORKER),
        dis=nonzero(s.disabled),
        prof=prof,
        w_prof=w,
        W_P=np.bincount(s.team, w, t),
        W2_P=np.bincount(s.team, w * w, t),
        n_prof=np.bincount(s.team, prof, t).astype(float),
        inv_wp=np.empty(0),
        q_p=np.empty(0),
        team_att_sum=seats.tsum(s.attitude),
        workload_demand=config.wellbeing.workload * s.workload,
        att_barrier_dis=np.empty(0),
        phases=phase_tables(s.offset, d.stage_weeks),
        roles_changed=set(range(seats.n)),
    )
    _derive_team_weights(c)
    return c


def _team_weight_terms(w_p: np.ndarray, w2_p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return 1 / W_P, and sqrt(W2_P) / W_P (the pooled spread of professionals' own errors)."""
    inv = 1.0 / np.maximum(w_p, 1e-12)
    return inv, np.sqrt(w2_p) * inv


def _derive_team_weights(c: Caches, teams: np.ndarray | None = None) -> None:
    """Per-team terms of deliberation that change only with the professionals in a team (all, or ``teams``).

    The terms are elementwise, so recomputing a few teams gives the same bits as recomputing all.
    """
    if teams is None:
        c.inv_wp, c.q_p = _team_weight_terms(c.W_P, c.W2_P)
    else:
        c.inv_wp[teams], c.q_p[teams] = _team_weight_terms(c.W_P[teams], c.W2_P[teams])


def set_role(state: State, caches: Caches, config: Config, seats: np.ndarray, role: int | np.ndarray) -> None:
    """Change the roles of ``seats`` and keep the role caches exact (only staff <-> disabled roles change)."""
    s, c = state, caches
    old_roles = s.role[seats].copy()
    s.role[seats] = role
    moved = old_roles != s.role[seats]
    changed = seats[moved]
    if not len(changed):
        return
    c.roles_changed.update(changed.tolist())
    was_prof = old_roles[moved] <= STAFF
    now_prof = s.role[changed] <= STAFF
    delta = now_prof.astype(float) - was_prof  # managers never change, so weights are 1
    teams = s.team[changed]
    # Adding and removing weights of 1 to sums of whole numbers is exact in any order.
    np.add.at(c.W_P, teams, delta)
    np.add.at(c.W2_P, teams, delta)
    np.add.at(c.n_prof, teams, delta)
    c.prof[changed] = now_prof
    c.w_prof[changed] = now_prof.astype(float)
    if len(s.role) < SELECT_FROM:
        c.dw = nonzero(s.role >= DISABLED_WORKER)
    else:
        was_dw, now_dw = old_roles[moved] >= DISABLED_WORKER, ~now_prof  # managers never change
        if (was_dw != now_dw).any():
            c.dw = _resorted(c.dw, changed[was_dw & ~now_dw], changed[now_dw & ~was_dw])
    _derive_team_weights(c, teams)  # a team listed twice gets the same values twice


def _resorted(seats: np.ndarray, leaving: np.ndarray, joining: np.ndarray) -> np.ndarray:
    """Return the sorted ``seats`` without ``leaving`` (all among them) and with ``joining`` (none among them).

    The same array as recomputing the whole selection, from a few changed seats instead of a pass
    over everyone (a seat listed twice counts once).
    """
    if len(leaving):
        seats = np.delete(seats, np.searchsorted(seats, np.unique(leaving)))
    if len(joining):
        joining = np.unique(joining)
        seats = np.insert(seats, np.searchsorted(seats, joining), joining)
    return seats


#: State fields that belong to the seat, the team or the organisation, not to the person in the
#: seat: a promotion moves a person to another seat and leaves these where they are.
SEAT_FIELDS = frozenset(
    (
        *("role", "team", "offset", "need_t", "z", "decision", "last_fit", "fit_acc", "fit_n", "imposed"),
        *("access_paid", "acc_granted", "users"),
    )
)


#: Names of the per-person fields of :class:`State` (every field not in :data:`SEAT_FIELDS`).
PERSON_FIELDS = tuple(f.name for f in dataclasses.fields(State) if f.name not in SEAT_FIELDS)


def _person_arrays(state: State) -> list[np.ndarray]:
    """Return the per-person arrays of the state (every field not in :data:`SEAT_FIELDS`)."""
    d = state.__dict__
    return [d[name] for name in PERSON_FIELDS]


def move_people(state: State, caches: Caches, config: Config, src: np.ndarray, dst: np.ndarray) -> None:
    """Move the people in seats ``src`` into seats ``dst`` (promotion into vacated manager seats, 7.12).

    ``src`` still holds copies until it is refilled (a hire); roles stay with the seats. Cache
    rules kept: ``team_att_sum`` (each ``dst`` team gains the mover's attitude for the leaver's)
    and ``workload_demand``; the disabled seats (``dis``) must be recomputed by the caller
    (:func:`refresh_disabled`, as after every hire). Managers hold no peer ties: a mover's end
    when ``src`` is refilled.
    """
    s = state
    np.add.at(caches.team_att_sum, s.team[dst], s.attitude[src] - s.attitude[dst])
    for arr in _person_arrays(s):
        arr[dst] = arr[src]
    caches.workload_demand[dst] = caches.workload_demand[src]
    s.peer_of[dst] = -1
    s.load[dst] = 0


def swap_people(state: State, caches: Caches, seats: Seats, config: Config, a: np.ndarray, b: np.ndarray) -> None:
    """Swap the people in seats ``a`` and ``b`` (week 0 only: who holds the manager seats, 5.6).

    Roles stay with the seats; ``a`` become staff (an expert role belongs to the person who took
    it). Cache rules: ``team_att_sum`` and ``workload_demand`` are rederived, the disabled seats
    recomputed and the roles set through :func:`set_role`.
    """
    s = state
    for arr in _person_arrays(s):
        arr[a], arr[b] = arr[b].copy(), arr[a].copy()
    caches.team_att_sum = seats.tsum(s.attitude)
    caches.workload_demand = config.wellbeing.workload * s.workload
    refresh_disabled(s, caches)
    set_role(s, caches, config, a, STAFF)


def refresh_disabled(state: State, caches: Caches, touched: np.ndarray | None = None) -> None:
    """Recompute the disabled seats after anyone's disability changed.

    ``touched``: every seat whose disability may have changed since the last refresh (repeats
    allowed); the others are kept as they were instead of looked at again.
    """
    if touched is None or len(state.disabled) < SELECT_FROM:
        caches.dis = nonzero(state.disabled)
        return
    dis = caches.dis
    at = np.minimum(np.searchsorted(dis, touched), max(len(dis) - 1, 0))
    was = dis[at] == touched if len(dis) else np.zeros(len(touched), bool)
    now = state.disabled[touched]
    caches.dis = _resorted(dis, touched[was & ~now], touched[now & ~was])


def access_levels(p: Config) -> np.ndarray:
    """Return the accessibility levels of the four non-attitudinal barrier types (share of each removed)."""
    a = p.accessibility
    return np.array([a.physical, a.information, a.communication, a.time])


def refresh_levers(caches: Caches, p: Config) -> None:
    """Recompute the terms derived from the levers in force (after they change)."""
    access = access_levels(p)
    caches.involved = np.array([getattr(p.involvement, st) for st in STAGES], float)
    caches.open = (1.0 - access) / 4.0  # share of each barrier type left, averaged
    caches.access_mean = float(access.mean())


def nonzero(mask: np.ndarray) -> np.ndarray:
    """Return the indices where a 1-D mask is true (np.flatnonzero without its Python wrapper)."""
    return mask.nonzero()[0]


def clip01(x: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] in place with two ufunc calls (np.clip's wrapper costs more at this size)."""
    np.maximum(x, 0.0, out=x)
    return np.minimum(x, 1.0, out=x)


def add_up(values: Iterable[float]) -> float:
    """Sum numbers left to right from 0, the same bits on every Python.

    The built-in ``sum`` of floats is compensated from Python 3.12 on, so it can differ from
    3.11's in the last bit; results must not depend on the Python version.
    """
    total = 0
    for v in values:
        total += v
    return total


def ratio(total: float, count: float) -> float:
    """Mean of a group from its total; NaN for an empty group (undefined, reported as missing)."""
    return float(total) / float(count) if count else math.nan
