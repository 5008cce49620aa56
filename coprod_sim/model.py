"""CoProdModel: an organisation co-producing its work with disabled people.

One step is one week. Per-person state lives in numpy arrays (:class:`State`, one row per seat);
every process is one vectorised update over those arrays. Agents (:mod:`coprod_sim.agents`) are
thin views, so Mesa's ``AgentSet`` and ``DataCollector`` work as usual.

The processes, their order and their sources are described in ``docs/ODD.md``.
"""

from __future__ import annotations

import dataclasses
import math
from functools import partial
from typing import Any

import mesa
import networkx as nx
import numpy as np

from coprod_sim.agents import ROLE_CLASSES, ROLE_NAMES, Person
from coprod_sim.collector import ScalarDataCollector, metric_reporter
from coprod_sim.config import Config, TimelineEntry
from coprod_sim.network import OrgStructure, build_structure

__all__ = ["BARRIER_TYPES", "LEVELS", "OUTPUT_COLUMNS", "STAGES", "CoProdModel", "State", "classify_level"]

STAGES = ("planning", "design", "delivery", "evaluation")
BARRIER_TYPES = ("physical", "information", "communication", "time", "attitudes")
LEVELS = ("none", "consultation", "compliance", "intermediate", "transformative")

MANAGER, STAFF, DISABLED_WORKER, PEER_SUPPORTER = range(4)
WEEK_HOURS = 37.5
TRACE_RATE = 0.1  # weight of this week in the exponential traces of influence and tokenism
LEVEL_WINDOW = 13  # weeks (a quarter) over which the co-production level is judged
PROFESSIONAL_CORRELATION = 0.5  # professionals share part of their error (a common training)
NEWCOMER_CHUNK = 4096  # seats whose newcomers are drawn together (common random numbers)

# Thresholds of the co-production level (docs/ODD.md, "Observation"), on 13-week means.
LEVEL_RULES = {
    "participation_min": 0.05,  # below: no involvement to speak of
    "consultation_tokenism": 0.5,  # above: consultation without influence (tokenism)
    "intermediate_tokenism": 0.25,
    "intermediate_stages": 3,
    "intermediate_support": 0.5,  # mean accessibility, or a peer-support programme
    "transformative_tokenism": 0.1,
    "transformative_influence": 0.4,
    "transformative_stages": 4,
}


def classify_level(participation: float, tokenism: float, influence: float, stages: int, support: bool) -> str:
    """Co-production level from indicators averaged over a quarter.

    none: almost no participation; consultation: participation, but most of it tokenistic;
    compliance: input acknowledged; intermediate (recognition and support): little tokenism,
    at least three stages, and support (accessibility or peer support); transformative: also
    all four stages, almost no tokenism and at least 40% of decision weight (000, 003).
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


#: Columns of the per-step output, in order.
OUTPUT_COLUMNS = (
    "participation_rate",
    "influence_share",
    "tokenism_rate",
    "fit",
    "wellbeing_disabled",
    "wellbeing_nondisabled",
    "burnout_disabled",
    "burnout_nondisabled",
    "exits_disabled",
    "exits_nondisabled",
    "share_disabled",
    "attitude_mean",
    "cost",
    "level",
    "engagement_disabled",
    "confidence_disabled",
    "attitude_managers",
    "attitude_staff",
    "grade_disabled",
    "grade_nondisabled",
    "progression_gap",
    "accommodated_share",
    "peer_supported_share",
    "n_people",
    "n_disabled",
    "n_disabled_workers",
    "n_peer_supporters",
    "stages_involved",
    "burnout_disabled_workers",
    "exits_disabled_workers",
    "cost_training",
    "cost_accessibility",
    "cost_accommodations",
    "cost_coproduction",
    "cost_peer_support",
    "cost_review",
    "cost_turnover",
    "cost_rework",
    "cost_cumulative",
)
_COST_PARTS = (
    "training",
    "accessibility",
    "accommodations",
    "coproduction",
    "peer_support",
    "review",
    "turnover",
    "rework",
)


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
    skill: np.ndarray
    ability: np.ndarray
    workload: np.ndarray
    engagement: np.ndarray
    confidence: np.ndarray
    wellbeing: np.ndarray
    strain: np.ndarray
    burnout: np.ndarray
    tenure: np.ndarray
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
    # Histories kept for observation (validation patterns, people table); no mechanism reads them.
    part_n: np.ndarray  # co-production meetings attended
    infl_n: np.ndarray  # of those, meetings with real influence
    contact_n: np.ndarray  # equal-status contact meetings (professionals, 7.6)
    trained_at: np.ndarray  # week of the person's last training session (0: never)
    acc_once: np.ndarray  # one-time cost of the person's accommodation (0: none or not one-time)
    # teams
    offset: np.ndarray
    need_t: np.ndarray
    z: np.ndarray  # (3, teams, aspects) standard-normal errors of this project: professionals,
    # disabled outsiders, experts by experience. Drawn once per project: a misreading of needs
    # persists through the project instead of averaging out meeting by meeting.
    decision: np.ndarray
    last_fit: np.ndarray
    fit_acc: np.ndarray  # sum of the stage outputs' fit so far in the running project
    fit_n: np.ndarray  # number of stage outputs in fit_acc (fewer than 4 for the first, joined mid-way)


class CoProdModel(mesa.Model):
    """An organisation where managers, staff, disabled workers and peer supporters co-produce.

    Parameters
    ----------
    seed : int or str, optional
        Seed of all randomness (``model.rng`` and ``model.random``). A string is cast to int;
        without a seed one is drawn from the operating system and recorded in ``self.seed``.
    config : Config, optional
        A validated parameter set; defaults to :class:`~coprod_sim.config.Config()`.
    **kwargs
        Overrides by flat name (``power_transfer=0.5``, ``organisation_people=1000``), for
        Mesa's ``batch_run`` and ``SolaraViz``. Unknown names raise ``ConfigError``.
    """

    def __init__(self, *, seed: int | str | None = None, config: Config | None = None, **kwargs: Any):
        if seed is None or seed == "":
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed = int(seed)
        # rng=, not seed=: Mesa 3.5 deprecates seed=, and for an int both seed model.rng and
        # model.random the same way in Mesa 3.3 and 3.5.
        super().__init__(rng=self.seed)
        base = config if config is not None else Config()
        self.config = Config.from_flat(base, **kwargs) if kwargs else base
        self.p = self.config  # lever values now (the timeline changes them)
        self._lever_started: dict[str, int] = {}
        self._next_training = 1  # training configured from the start runs in week 1
        self._trained = False  # no training boost exists yet, so nothing to decay
        self._last_training: int | None = None
        #: Accommodations granted so far: free, one-time cost, ongoing cost (JAN's three kinds).
        self.accommodations_granted = np.zeros(3, np.int64)

        cfg = self.config
        org = cfg.organisation
        self.structure: OrgStructure = build_structure(
            org.people, org.team_size, org.informal_ties, org.manager_ties, self.rng
        )
        self.graph: nx.Graph = self.structure.to_graph()
        self.n = self.structure.n
        # Cross-team ties (informal and managers') as a sparse 0/1 matrix: a person's sum over
        # those ties is one matrix-vector product.
        self._cross = self.structure.cross_team_matrix()
        # The same ties as (row, column) pairs in CSR order: a bincount over them sums exactly
        # what the sparse product does, in the same order, without scipy's per-call overhead.
        self._cross_rows = np.repeat(np.arange(self.n), np.diff(self._cross.indptr))
        self._cross_cols = self._cross.indices.astype(np.int64)
        # Teams are contiguous runs of seats, so per-team sums are reduceat over the run starts
        # and spreading a team value to its members is a repeat (both cheaper than bincount).
        self._team_start = self.structure.manager_seat
        self._team_size = np.diff(np.append(self._team_start, self.n))
        self.n_teams = len(self.structure.manager_seat)
        self._next_person = 0
        self.state = self._initial_state()
        # Common random numbers: after the start, each process draws from its own stream, the
        # same number of draws every week (one per seat where that number would depend on the
        # state), and the k-th person to arrive in a seat is drawn from a generator keyed by the
        # seat's chunk and k (_arrive). Two runs on one seed that differ in a lever then share
        # every chance event the lever does not change: twin organisations and scenarios compared
        # on common seeds differ by what the levers do, not by reshuffled luck (Law 2015, ch. 11).
        (
            self._rng_train,
            self._rng_accommodate,
            self._rng_meet,
            self._rng_wellbeing,
            self._rng_flow,
            self._rng_promote,
            newcomers,
        ) = self.rng.spawn(7)
        self._newcomer_seq = newcomers.bit_generator.seed_seq
        self._arrivals = np.zeros(self.n, np.int64)  # people who arrived in each seat after the start
        self._newcomer_chunks: dict[tuple[int, int], np.ndarray] = {}
        #: Each person's own draws (one row per seat), made when they arrived: see _arrive.
        self._latent_rows, self._latent = self._latent_layout()
        self._arrive(np.arange(self.n), first=True)
        self._apply_timeline(0)
        # The organisation starts with the default (baseline) accessibility; a scenario's higher
        # levels are investments paid in week 1 (or when the timeline raises them).
        self._access_paid = self._access_vector(Config())
        self._refresh_roles()
        self._phases = self._phase_tables()
        st = self.state
        self._reset_on_hire = (
            st.barrier,
            st.own,
            st.need,
            st.covers,
            st.boost,
            st.strain,
            st.burnout,
            st.tenure,
            st.accommodated,
            st.acc_weekly,
            st.infl_trace,
            st.token_trace,
            st.review_part,
            st.review_infl,
            st.part_n,
            st.infl_n,
            st.contact_n,
            st.trained_at,
            st.acc_once,
        )
        # Agent views are made when someone looks at them (agents, agents_by_type, agent_at):
        # seats whose role class changed are re-viewed then, not every week. A run that never
        # looks at agents pays nothing for them; one that does sees exactly the current roles.
        self._agents_at: list[Person | None] = [None] * self.n
        self._stale_views: set[int] = set(range(self.n))

        self._window: list[tuple[float, float, float, int]] = []
        self._costs = dict.fromkeys(_COST_PARTS, 0.0)
        self.cost_cumulative = 0.0
        self._flows = {
            "participation_rate": 0.0 if (self.state.role >= DISABLED_WORKER).any() else math.nan,
            "influence_share": math.nan,
            "tokenism_rate": math.nan,
            "exits_disabled": 0,
            "exits_nondisabled": 0,
            "exits_disabled_workers": 0,
            "stages_mask": 0,
            "counts": (0, 0, 0, 0.0, 0),
        }
        self._team_att_sum = self._tsum(self.state.attitude)
        self._refresh_own()
        self._update_barriers()
        self.metrics: dict[str, Any] = {}
        self._compute_metrics()
        reporters = {c: partial(metric_reporter, name=c) for c in OUTPUT_COLUMNS}
        self.datacollector = ScalarDataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------------
    # initial state and people
    # ------------------------------------------------------------------------------------
    def _initial_state(self) -> State:
        cfg, rng, n = self.config, self.rng, self.n
        org = cfg.organisation
        team = self.structure.team
        is_mgr = np.zeros(n, bool)
        is_mgr[self.structure.manager_seat] = True
        self.is_manager = is_mgr
        disabled = rng.random(n) < org.disabled_share
        att = np.clip(rng.normal(org.attitude_mean, org.attitude_sd, n) + is_mgr * org.manager_attitude_shift, 0.0, 1.0)
        k = cfg.deliberation.aspects
        s = State(
            person_id=np.arange(n, dtype=np.int64),
            role=np.where(is_mgr, MANAGER, STAFF).astype(np.int8),
            team=team,
            disabled=disabled,
            need=np.zeros((n, 4)),
            covers=np.zeros((n, k), bool),
            att_base=att,
            boost=np.zeros(n),
            attitude=att.copy(),
            skill=rng.beta(2, 5, n),
            ability=rng.beta(5, 3, n),
            workload=np.clip(rng.normal(org.workload, org.workload_sd, n), 0.0, 1.0),
            engagement=np.clip(rng.normal(cfg.reciprocity.resting, 0.1, n), 0, 1),
            confidence=rng.beta(4, 4, n),
            wellbeing=np.clip(rng.normal(0.6, 0.1, n), 0, 1),
            strain=np.zeros(n, np.int16),
            burnout=np.zeros(n, bool),
            tenure=rng.exponential(300, n).astype(np.int32),
            grade=np.where(
                is_mgr, cfg.progression.max_grade + 1, rng.binomial(cfg.progression.max_grade, 0.3, n)
            ).astype(np.int16),
            accommodated=np.zeros(n, bool),
            acc_weekly=np.zeros(n),
            peer_of=np.full(n, -1, np.int64),
            load=np.zeros(n, np.int16),
            peer_u=rng.random(n),
            infl_trace=np.zeros(n),
            token_trace=np.zeros(n),
            review_part=np.zeros(n),
            review_infl=np.zeros(n),
            barrier=np.zeros(n),
            own=np.zeros(n),
            part_n=np.zeros(n, np.int32),
            infl_n=np.zeros(n, np.int32),
            contact_n=np.zeros(n, np.int32),
            trained_at=np.zeros(n, np.int32),
            acc_once=np.zeros(n),
            offset=rng.integers(0, 4 * cfg.deliberation.stage_weeks, self.n_teams),
            need_t=rng.random((self.n_teams, k)),
            z=rng.standard_normal((3, self.n_teams, k)),
            decision=np.full((self.n_teams, k), 0.5),
            last_fit=np.zeros(self.n_teams),
            fit_acc=np.zeros(self.n_teams),
            fit_n=np.zeros(self.n_teams),
        )
        self._next_person = n
        self.state = s
        self._draw_disability(_nonzero(disabled), start=True)
        team_att = np.bincount(team, att, self.n_teams) / np.bincount(team, minlength=self.n_teams)
        open_ = (~is_mgr) & disabled & (rng.random(n) < self._disclosure_p(team_att[team]))
        s.role[open_] = DISABLED_WORKER
        # Fit of past projects: what professionals' pull to the standard service gave (no input
        # from disabled people), so that week 0 reflects how the organisation worked until now.
        # Professionals weighted as in meetings (managers more, experts by experience not at all).
        d = cfg.deliberation
        w = np.where(is_mgr, d.manager_weight, 1.0) * (s.role <= STAFF)
        W = np.maximum(np.bincount(team, w, self.n_teams), 1e-12)
        beta = d.standard_bias * (1.0 - np.bincount(team, w * att, self.n_teams) / W)
        sd = d.outsider_noise * np.sqrt(
            PROFESSIONAL_CORRELATION + (1 - PROFESSIONAL_CORRELATION) * np.bincount(team, w * w, self.n_teams) / W**2
        )
        past = s.need_t + beta[:, None] * (0.5 - s.need_t) + sd[:, None] * s.z[0]
        s.last_fit[:] = self._fit(past, s.need_t)
        return s

    def _disclosure_p(self, team_att: np.ndarray) -> np.ndarray:
        """Chance of taking the expert-by-experience role; equals the parameter at attitude 0.5."""
        return _clip01(self.config.organisation.disclosure * (0.5 + team_att))

    def _draw_disability(self, seats: np.ndarray, start: bool = False) -> None:
        """Impairment profile (barrier intensities) and lived-experience aspects of disabled people.

        At the ``start`` they are drawn from ``model.rng``; later each person's profile is the one
        drawn for them when they arrived (:meth:`_arrive`), whether
        they arrived disabled or became disabled later.
        """
        s, d = self.state, self.config.deliberation
        m = len(seats)
        if m == 0:
            return
        if start:
            rng = self.rng
            need = rng.beta(0.8, 1.5, (m, 4))
            keys = rng.random((m, d.aspects))
            alike = rng.random(m) >= d.diversity
        else:
            lat = self._latent
            need, keys, alike = lat["need"][seats], lat["keys"][seats], lat["alike"][seats] >= d.diversity
        s.need[seats] = need
        # A random subset of `coverage` aspects each: those whose random key is among the smallest.
        covers = keys <= np.partition(keys, d.coverage - 1, axis=1)[:, d.coverage - 1 : d.coverage]
        covers[alike] = np.arange(d.aspects) < d.coverage  # everyone alike knows the same aspects
        s.covers[seats] = covers

    def _sync_agents(self) -> None:
        """Make agent views match the roles: create missing views, swap those whose class changed."""
        if not self._stale_views:
            return
        role = self.state.role
        for seat in sorted(self._stale_views):
            cls = ROLE_CLASSES[int(role[seat])]
            old = self._agents_at[seat]
            if old is not None:
                if type(old) is cls:
                    continue
                old.remove()
            self._agents_at[seat] = cls(self, seat)
        self._stale_views.clear()

    @property
    def agents(self) -> mesa.agent.AgentSet:
        """All agents (views of the people now in the organisation)."""
        self._sync_agents()
        return super().agents

    @property
    def agents_by_type(self) -> dict[type[mesa.Agent], mesa.agent.AgentSet]:
        """Agents by role class: Manager, Staff, DisabledWorker, PeerSupporter."""
        self._sync_agents()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        """Role classes present in the organisation."""
        self._sync_agents()
        return super().agent_types

    def _set_role(self, seats: np.ndarray, role: int | np.ndarray) -> None:
        """Change roles of seats, swapping agent views whose role class changes."""
        s = self.state
        old_roles = s.role[seats].copy()
        s.role[seats] = role
        changed = seats[old_roles != s.role[seats]]
        if len(changed):
            self._stale_views.update(changed.tolist())
            self._update_role_caches(changed, old_roles[old_roles != s.role[seats]])

    def agent_at(self, seat: int) -> Person:
        """Return the agent currently in a seat."""
        self._sync_agents()
        return self._agents_at[seat]

    def _refresh_roles(self) -> None:
        """Cache role-derived arrays (managers never change role, so some are constant)."""
        s, cfg = self.state, self.config
        self._dw = _nonzero(s.role >= DISABLED_WORKER)
        self._dis = _nonzero(s.disabled)
        prof = s.role <= STAFF
        self._prof = prof
        w = np.where(s.role == MANAGER, cfg.deliberation.manager_weight, 1.0) * prof
        self._w_prof = w
        t = self.n_teams
        self._W_P = np.bincount(s.team, w, t)
        self._W2_P = np.bincount(s.team, w * w, t)
        self._n_P = np.bincount(s.team, prof, t).astype(float)
        self._derive_team_weights()
        self._w_att = np.where(s.role == MANAGER, cfg.attitudes.manager_weight, 1.0)
        self._team_w = np.bincount(s.team, self._w_att, t)
        self._cross_w = self._cross @ self._w_att
        self._team_n = np.bincount(s.team, minlength=t).astype(float)
        self._team_others = np.maximum(self._team_n - 1.0, 1.0)  # team mates per member (seats are fixed)
        # Every team has at least two people, so everyone has neighbours: fixed denominators.
        self._inv_den = 1.0 / (self._team_w[s.team] - self._w_att + self._cross_w)
        self._inv_others = 1.0 / np.maximum(self._team_n[s.team] - 1.0, 1.0)
        self._crossover = self._inv_others * cfg.wellbeing.crossover
        self._workload_demand = cfg.wellbeing.workload * s.workload  # changes only when someone is hired

    def _update_role_caches(self, seats: np.ndarray, old_roles: np.ndarray) -> None:
        """Adjust the role caches for a few seats whose role changed (only staff <-> disabled roles)."""
        s = self.state
        was_prof = old_roles <= STAFF
        now_prof = s.role[seats] <= STAFF
        delta = now_prof.astype(float) - was_prof  # managers never change, so weights are 1
        for team, d in zip(s.team[seats].tolist(), delta.tolist(), strict=True):
            if d:
                self._W_P[team] += d
                self._W2_P[team] += d
                self._n_P[team] += d
        self._prof[seats] = now_prof
        self._w_prof[seats] = now_prof.astype(float)
        self._dw = _nonzero(s.role >= DISABLED_WORKER)
        self._derive_team_weights()

    def _derive_team_weights(self) -> None:
        """Per-team terms of deliberation that change only with the professionals in a team."""
        W_P = self._W_P
        self._inv_wp = 1.0 / np.maximum(W_P, 1e-12)
        # Spread of the professionals' pooled proposal (PROFESSIONAL_CORRELATION: shared training).
        self._sd_p = self.config.deliberation.outsider_noise * np.sqrt(
            PROFESSIONAL_CORRELATION + (1 - PROFESSIONAL_CORRELATION) * self._W2_P / np.maximum(W_P**2, 1e-12)
        )

    def _phase_tables(self) -> list[tuple[np.ndarray, ...]]:
        """Each team's stage and the teams starting, ending a stage or ending a project, per week of the cycle.

        A team's project phase is ``(t + offset) % cycle``; offsets and stage lengths are fixed,
        so the cycle's weeks are tabulated once instead of recomputed every week.
        """
        sw = self.config.deliberation.stage_weeks
        cycle = 4 * sw
        tables = []
        for k in range(cycle):
            phase = (k + self.state.offset) % cycle
            tables.append(
                (
                    phase // sw,
                    _nonzero(phase == 0),
                    _nonzero(phase % sw == sw - 1),
                    _nonzero(phase == cycle - 1),
                )
            )
        return tables

    # ------------------------------------------------------------------------------------
    # levers and the timeline
    # ------------------------------------------------------------------------------------
    def _apply_timeline(self, t: int) -> None:
        """Set lever values for week ``t`` from the base config and the timeline."""
        if not self.config.timeline and t > 0:
            return
        values: dict[str, Any] = {}
        for e in self.config.timeline:
            if e.step > t:
                continue
            current = values.get(e.lever, self.config.get(e.lever))
            values[e.lever] = _ramped(e, current, t)
        new = self.config
        if values:
            by_section: dict[str, dict[str, Any]] = {}
            for path, v in values.items():
                sec, name = path.split(".")
                by_section.setdefault(sec, {})[name] = v
            new = dataclasses.replace(
                new, **{sec: dataclasses.replace(getattr(new, sec), **kv) for sec, kv in by_section.items()}
            )
        if t > 0 and new != self.p:
            self._on_levers_changed(self.p, new)
        if t == 0 or new != self.p:
            access = self._access_vector(new)
            self._lev = {
                "involved": np.array([getattr(new.involvement, st) for st in STAGES], float),
                "open": (1.0 - access) / 4.0,  # share of each barrier type left, averaged
                "access_mean": float(access.mean()),
            }
        self.p = new

    def _invest(self) -> None:
        """Pay for raising any accessibility level above what has been paid for already."""
        now = self._access_vector(self.p)
        inc = float(np.clip(now - self._access_paid, 0, None).sum())
        if inc > 0:
            capex = inc * self.p.accessibility.capex_per_person * self.n
            self._costs["accessibility"] += capex
            self._access_paid = np.maximum(self._access_paid, now)

    def _on_levers_changed(self, old: Config, new: Config) -> None:
        t = self.steps
        if _training_active(new) and (not _training_active(old) or new.training.target != old.training.target):
            self._next_training = t  # a programme that starts (or changes group) trains this week
        elif new.training.interval != old.training.interval and self._last_training is not None:
            # A new interval counts from the last session, so a ramp does not restart the schedule.
            self._next_training = max(t, self._last_training + new.training.interval)

    @staticmethod
    def _access_vector(p: Config) -> np.ndarray:
        a = p.accessibility
        return np.array([a.physical, a.information, a.communication, a.time])

    # ------------------------------------------------------------------------------------
    # the weekly step
    # ------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: levers, meetings, attitudes, support, wellbeing, careers, costs."""
        t = self.steps
        self._costs = dict.fromkeys(_COST_PARTS, 0.0)
        p_before = self.p
        self._apply_timeline(t)
        if self.p is not p_before or t == 1:
            self._refresh_own()
            self._invest()
        self._train(t)
        self._run_peer_programme()
        self._update_barriers()
        self._meet(t)
        self._review(t)
        self._update_attitudes()
        self._accommodate()
        self._update_wellbeing()
        self._people_flow()
        self._promote(t)
        self._account()
        self._compute_metrics()
        self.datacollector.collect(self)

    # -- culture: training ------------------------------------------------------------------
    def _train(self, t: int) -> None:
        s, tr = self.state, self.p.training
        if self._trained:
            sustain = self._sustain()
            # Attitude boosts fade unless structure (power transfer, review) consolidates them (003).
            moved = s.boost * (self.p.attitudes.consolidation * sustain)
            s.att_base += moved
            s.boost -= moved
            s.boost *= 1.0 - tr.decay * (1.0 - sustain)
        if not _training_active(self.p) or t < self._next_training:
            return
        self._last_training = t
        self._next_training = t + tr.interval
        group = {"managers": s.role == MANAGER, "staff": s.role == STAFF, "all": np.ones(self.n, bool)}[tr.target]
        trained = group & (self._rng_train.random(self.n) < tr.coverage)
        s.boost[trained] += tr.effect
        s.trained_at[trained] = t
        self._trained = True
        np.minimum(s.boost, 1.0, out=s.boost)
        s.skill[trained] += tr.skill_effect * (1.0 - s.skill[trained])
        n = int(trained.sum())
        hourly = self.config.organisation.wage_week / WEEK_HOURS
        self._costs["training"] += n * tr.hours * (tr.cost_per_hour + hourly)

    def _sustain(self) -> float:
        """How far the organisation's structure sustains training (0-1): power transfer and review."""
        full = self.config.attitudes.sustain_power
        return 0.5 * min(1.0, self.p.power.transfer / full) + 0.5 * float(self.p.review.enabled)

    # -- practice: peer support -------------------------------------------------------------
    def _run_peer_programme(self) -> None:
        s, ps = self.state, self.p.peer_support
        supporters = _nonzero(s.role == PEER_SUPPORTER)
        if not ps.enabled:
            if len(supporters):
                self._unassign(_nonzero(s.peer_of >= 0))
                self._set_role(supporters, DISABLED_WORKER)
            return
        n_dw = len(self._dw)
        target = math.ceil(ps.ratio * n_dw) if n_dw > 1 else 0
        if len(supporters) < target:
            cand = _nonzero((s.role == DISABLED_WORKER) & ~s.burnout & (s.peer_of < 0))
            if len(cand):
                best = cand[np.argsort(-s.confidence[cand], kind="stable")[: target - len(supporters)]]
                self._set_role(best, PEER_SUPPORTER)
                hourly = self.config.organisation.wage_week / WEEK_HOURS
                self._costs["peer_support"] += len(best) * 14 * (hourly + self.p.training.cost_per_hour)
        elif len(supporters) > target:
            drop = supporters[np.argsort(s.load[supporters], kind="stable")[: len(supporters) - target]]
            self._unassign(_nonzero(np.isin(s.peer_of, drop)))
            self._set_role(drop, DISABLED_WORKER)
        # Voluntary uptake: those below the uptake share who have no supporter yet.
        seekers = _nonzero((s.role == DISABLED_WORKER) & (s.peer_of < 0) & (s.peer_u < ps.uptake))
        if len(seekers) == 0:
            return
        sup = _nonzero(s.role == PEER_SUPPORTER)
        for seat in seekers.tolist():
            free = sup[s.load[sup] < ps.max_load]
            if len(free) == 0:
                break
            # Prefer a supporter in one's own team, else the least loaded (ties by seat).
            same = free[s.team[free] == s.team[seat]]
            pool = same if len(same) else free
            j = int(pool[np.argmin(s.load[pool])])
            s.peer_of[seat] = j
            s.load[j] += 1
            if self.graph.has_edge(seat, j):  # a team or informal tie that is now also a peer tie
                self.graph.edges[seat, j]["peer"] = True
            else:
                self.graph.add_edge(seat, j, kind="peer", peer=True)

    def _peer_ties_exist(self) -> bool:
        return bool(self.p.peer_support.enabled or (self.state.role == PEER_SUPPORTER).any())

    def _unassign(self, seats: np.ndarray) -> None:
        s = self.state
        for seat in seats.tolist():
            j = int(s.peer_of[seat])
            if j >= 0:
                s.load[j] -= 1
                if self.graph.has_edge(seat, j):
                    if self.graph.edges[seat, j]["kind"] == "peer":
                        self.graph.remove_edge(seat, j)
                    else:
                        self.graph.edges[seat, j]["peer"] = False
            s.peer_of[seat] = -1

    # -- access: barriers and accommodations ------------------------------------------------
    def _tsum(self, x: np.ndarray) -> np.ndarray:
        """Per-team sums of a per-seat array."""
        return np.add.reduceat(x, self._team_start)

    def _spread(self, per_team: np.ndarray) -> np.ndarray:
        """Give each member its team's value of a per-team array (a new per-seat array)."""
        return np.repeat(per_team, self._team_size)

    def _attitudinal(self, seats: np.ndarray) -> np.ndarray:
        """Attitudinal barrier a person meets: 1 - mean attitude of their team mates."""
        s = self.state
        team = s.team[seats]
        others = (self._team_att_sum[team] - s.attitude[seats]) / self._team_others[team]
        return 1.0 - others

    def _refresh_own(self, seats: np.ndarray | None = None) -> None:
        """Recompute the barriers a person meets from the organisation's own arrangements.

        Only changes with accessibility levers, a new disability or an accommodation, so it is
        cached rather than recomputed every week.
        """
        s, a = self.state, self.p.accessibility
        seats = self._dis if seats is None else seats
        own = s.need[seats] @ self._lev["open"]
        own *= 1.0 - a.accommodation_effect * s.accommodated[seats]
        s.own[seats] = own

    def _update_barriers(self) -> None:
        s = self.state
        di = self._dis
        # Social model (000): barriers come from the organisation, and attitudes are one of them.
        self._att_barrier_dis = self._attitudinal(di)
        s.barrier[di] = (4.0 * s.own[di] + self._att_barrier_dis) / 5.0

    def _accommodate(self) -> None:
        s, a = self.state, self.p.accessibility
        # Asking and being granted, in one draw: every seat's, every week (common random numbers).
        u = self._rng_accommodate.random(self.n, dtype=np.float32)
        di = self._dis
        cand = di[~s.accommodated[di] & (s.barrier[di] > 0.1)]
        if len(cand) == 0:
            return
        rate = a.request_rate * np.where(s.peer_of[cand] >= 0, self.p.peer_effects.knowledge, 1.0)
        granted = cand[u[cand] < np.minimum(rate, 1.0) * a.accommodations]
        if len(granted) == 0:
            return
        s.accommodated[granted] = True
        self._refresh_own(granted)
        # JAN cost mixture: free, one-time (lognormal around the median) or ongoing.
        # What the person needs decides the kind and cost (drawn when they arrived).
        kind, size = self._latent["acc_kind"][granted], self._latent["acc_size"][granted]
        one = (kind >= a.free_share) & (kind < a.free_share + a.one_time_share)
        ongoing = kind >= a.free_share + a.one_time_share
        draws = np.exp(size)
        once = one * draws * a.one_time_median
        s.acc_once[granted] = once
        self.accommodations_granted += np.array([len(granted) - one.sum() - ongoing.sum(), one.sum(), ongoing.sum()])
        self._costs["accommodations"] += float(once.sum())
        s.acc_weekly[granted] = ongoing * draws * a.ongoing_median / 52.0

    # -- the co-production cycle ------------------------------------------------------------
    @staticmethod
    def _fit(decision: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Fit of a service to the real needs: 1 - 2 x mean absolute distance, in [0, 1]."""
        return _clip01(1.0 - (2.0 / need.shape[-1]) * np.abs(decision - need).sum(axis=-1))

    def _meet(self, t: int) -> None:
        """One meeting per team at its current stage: invitation, participation, deliberation."""
        s, p, rng = self.state, self.p, self._rng_meet
        d, pa = self.config.deliberation, self.config.participation
        cycle = 4 * d.stage_weeks
        stage, starting, stage_end, done = self._phases[t % cycle]
        if len(starting):
            s.need_t[starting] = rng.random((len(starting), d.aspects))
            s.z[:, starting] = rng.standard_normal((3, len(starting), d.aspects))
            s.decision[starting] = 0.5
            s.fit_acc[starting] = 0.0
            s.fit_n[starting] = 0.0

        involved = self._lev["involved"]
        dw = self._dw
        dteam = s.team[dw]
        mgr_att = s.attitude[self.structure.manager_seat]
        floor = p.involvement.invite_floor
        p_inv = involved[stage[dteam]] * (floor + (1.0 - floor) * mgr_att[dteam])
        logit = (
            pa.base
            + pa.engagement * (s.engagement[dw] - 0.5)
            + pa.confidence * (s.confidence[dw] - 0.5)
            - pa.barrier * s.barrier[dw]
            + pa.peer * (s.peer_of[dw] >= 0)
            - 2.0 * s.burnout[dw]
        )
        p_take = 1.0 / (1.0 + np.exp(-logit))
        # Invited and then taking part, in one draw: every seat's, every week (common random numbers).
        part_mask = rng.random(self.n, dtype=np.float32)[dw] < p_inv * p_take
        part = dw[part_mask]
        tp = dteam[part_mask]
        T, K = self.n_teams, d.aspects
        n_d = np.bincount(tp, minlength=T).astype(float)

        # Weights: professionals by role; disabled participants as far as professionals listen
        # (equality, 000), with a guaranteed share from power transfer (001, 003).
        wp = self._w_prof
        W_P = self._W_P
        inv_wp = self._inv_wp
        # Professionals' mean attitude: everyone's team sum, less disabled workers, managers weighted.
        mgr_att_sum = (self.config.deliberation.manager_weight - 1.0) * mgr_att
        att_p = (self._team_att_sum - np.bincount(dteam, s.attitude[dw], T) + mgr_att_sum) * inv_wp
        listen = 0.5 * att_p + 0.5 * self._tsum(wp * s.skill) * inv_wp
        W_D = n_d * listen
        s_nat = W_D / np.maximum(W_D + W_P, 1e-12)
        pi = p.power.transfer
        share = np.where(n_d > 0, pi + (1.0 - pi) * s_nat, 0.0)
        has_d = n_d > 0
        ratio = np.where(has_d, share * (n_d + self._n_P) / np.maximum(n_d, 1.0), 0.0)
        influential = has_d & (ratio >= d.token_ratio)

        # Proposals. Professionals lean toward the standard service unless they hold the social
        # model (003); disabled people know the aspects their own experience covers (000).
        beta = d.standard_bias * (1.0 - att_p)
        err = beta[:, None] * (0.5 - s.need_t) + self._sd_p[:, None] * s.z[0]
        x = s.need_t + err
        teams_d = _nonzero(has_d)
        if len(teams_d):
            flat = (tp[:, None] * K + np.arange(K))[s.covers[part]]
            n_cov = np.bincount(flat, minlength=T * K).reshape(T, K)[teams_d]
            err_d = np.where(
                n_cov > 0,
                d.expert_noise / np.sqrt(np.maximum(n_cov, 1)) * s.z[2, teams_d],
                d.outsider_noise * s.z[1, teams_d],
            )
            sh = share[teams_d, None]
            x[teams_d] = s.need_t[teams_d] + sh * err_d + (1.0 - sh) * err[teams_d]
        s.decision += d.step_size * (x - s.decision)

        # Each stage ends with an output (a plan, a design, the service delivered, an evaluated
        # service); a project's fit is the mean fit of its four outputs, so early stages count
        # as much as late ones (000, 001: involvement at all stages).
        if len(stage_end):
            s.fit_acc[stage_end] += self._fit(s.decision[stage_end], s.need_t[stage_end])
            s.fit_n[stage_end] += 1.0
        if len(done):
            # Mean over the stages observed: all four, except for a project under way at week 0.
            fit = s.fit_acc[done] / np.maximum(s.fit_n[done], 1.0)
            s.fit_acc[done] = 0.0
            s.fit_n[done] = 0.0
            s.last_fit[done] = fit
            self._costs["rework"] += float(
                (self.config.costs.rework * (1.0 - fit)).sum() * self.config.costs.project_value
            )

        # Reciprocity (000): real influence builds engagement, tokenism wears it down.
        rc = self.config.reciprocity
        infl_p = influential[tp]
        win, lose = part[infl_p], part[~infl_p]
        gain = rc.gain * (1.5 if p.power.paid else 1.0)
        s.engagement[win] += gain * (1.0 - s.engagement[win])
        s.engagement[lose] -= rc.fatigue * s.engagement[lose]
        s.confidence[win] += 0.5 * gain * (1.0 - s.confidence[win])
        s.confidence[lose] -= 0.5 * rc.fatigue * s.confidence[lose]
        s.engagement[dw] += rc.drift * (rc.resting - s.engagement[dw])
        # Traces of recent influence and tokenism (only disabled workers take part).
        s.infl_trace[dw] *= 1.0 - TRACE_RATE
        s.token_trace[dw] *= 1.0 - TRACE_RATE
        s.infl_trace[win] += TRACE_RATE
        s.token_trace[lose] += TRACE_RATE
        s.review_part[part] += 1.0
        s.review_infl[win] += 1.0
        s.part_n[part] += 1
        s.infl_n[win] += 1

        # Equal-status contact (Allport; Pettigrew & Tropp 2006): only meetings where disabled
        # colleagues had real influence move professionals toward the social model.
        if influential.any():
            contact = self._prof & influential[s.team]
            s.att_base[contact] += self.config.attitudes.contact * (1.0 - s.att_base[contact])
            s.contact_n[contact] += 1

        hourly = self.config.organisation.wage_week / WEEK_HOURS
        # Staff time to make meetings with disabled participants accessible and facilitated
        # (SCIE Guide 51: budget for the cost of co-production); paid experts' own time on top.
        paid_hours = len(part) * p.involvement.hours if p.power.paid else 0.0
        facilitation = int(has_d.sum()) * p.involvement.facilitation_hours
        self._costs["coproduction"] += (paid_hours + facilitation) * hourly
        n_dw = len(dw)
        n_part_teams = int(has_d.sum())
        n_token = int((~infl_p).sum())
        f = self._flows
        f["participation_rate"] = len(part) / n_dw if n_dw else math.nan
        # Undefined in a week nobody took part: reported as missing, not as zero.
        f["influence_share"] = float(share[has_d].sum()) / n_part_teams if n_part_teams else math.nan
        f["tokenism_rate"] = n_token / len(part) if len(part) else math.nan
        seen = np.bincount(stage[has_d], minlength=4) > 0
        f["stages_mask"] = int(seen @ (1 << np.arange(4)))
        # Counts for the quarterly level: pooled, so quiet weeks do not dilute the rates.
        f["counts"] = (len(part), n_dw, n_token, float(share[has_d].sum()), n_part_teams)

    # -- review -----------------------------------------------------------------------------
    def _review(self, t: int) -> None:
        rv, s = self.p.review, self.state
        if not rv.enabled or t % rv.interval:
            return
        # Co-produced reviews make past influence visible (003): engagement grows with it.
        dw = self._dw
        seen = s.review_infl[dw] / np.maximum(s.review_part[dw], 1.0)
        s.engagement[dw] += self.config.reciprocity.review_gain * seen * (1.0 - s.engagement[dw])
        s.review_part[:] = 0.0
        s.review_infl[:] = 0.0
        self._costs["review"] += rv.cost * self.n_teams

    # -- attitudes --------------------------------------------------------------------------
    def _update_attitudes(self) -> None:
        s, at = self.state, self.config.attitudes
        # Weighted mean of neighbours' attitudes (DeGroot): team mates, with managers weighing
        # more, plus cross-team ties. Team sums reuse this week's sum of everyone's attitude.
        wa = self._w_att * s.attitude
        team = self._team_att_sum + (at.manager_weight - 1.0) * s.attitude[self.structure.manager_seat]
        nbr = self._spread(team)
        nbr -= wa
        nbr += np.bincount(self._cross_rows, weights=wa[self._cross_cols], minlength=self.n)
        nbr *= self._inv_den
        nbr -= s.attitude
        nbr *= at.influence
        s.att_base += nbr
        _clip01(s.att_base)
        s.attitude = np.add(s.att_base, s.boost, out=s.attitude)
        np.minimum(s.attitude, 1.0, out=s.attitude)
        # Kept exact from here to the next update (hires adjust it): barriers, meetings and
        # disclosure all read it.
        self._team_att_sum = self._tsum(s.attitude)

    # -- wellbeing and burnout --------------------------------------------------------------
    def _update_wellbeing(self) -> None:
        """Job demands and resources (JD-R) set a target that wellbeing moves toward."""
        s, wb, rng = self.state, self.config.wellbeing, self._rng_wellbeing
        pe, ps = self.config.peer_effects, self.p.peer_support
        burnt = s.burnout.astype(float)
        demands = self._spread(self._tsum(burnt))
        demands -= burnt
        demands *= self._crossover  # burnout among team mates (Bakker et al. 2005)
        demands += self._workload_demand
        # Terms that only disabled workers (experts by experience) carry.
        dw = self._dw
        extra = wb.tokenism * s.token_trace[dw] + pe.load_cost * (1.0 - 0.5 * ps.training) * s.load[dw]
        if not self.p.power.paid:  # unpaid co-production comes on top of the job
            extra += wb.workload * 0.5 * (s.infl_trace[dw] + s.token_trace[dw])
        demands[dw] += extra
        # Terms that every disabled person carries (social model: barriers and attitudes).
        di = self._dis
        # Organisational barriers and attitudes enter separately (attitudes are the discrimination term).
        demands[di] += wb.barriers * s.own[di] + wb.discrimination * self._att_barrier_dis
        has_peer = s.peer_of[dw] >= 0
        demands[dw] *= 1.0 - pe.buffer * has_peer
        target = np.subtract(wb.resting, demands, out=demands)
        target[dw] += wb.accomplishment * s.infl_trace[dw]
        target[di] += wb.accommodation * s.accommodated[di]
        target -= s.wellbeing
        target *= wb.rate
        s.wellbeing += target
        # Weekly variation: uniform with standard deviation wellbeing.noise (a cheap draw; the
        # shape of the noise is an assumption, its size the parameter).
        u = rng.random(self.n, dtype=np.float32)
        u -= 0.5
        u *= wb.noise * math.sqrt(12.0)
        s.wellbeing += u
        _clip01(s.wellbeing)
        conf = s.confidence[dw] + pe.confidence * has_peer * (1.0 - s.confidence[dw])
        s.confidence[dw] = _clip01(conf)
        s.engagement[dw] = _clip01(s.engagement[dw])
        low = s.wellbeing < wb.burnout_threshold
        s.strain += 2 * low - 1
        np.maximum(s.strain, 0, out=s.strain)
        np.minimum(s.strain, 2 * wb.burnout_weeks, out=s.strain)
        # Hysteresis: burnout starts after sustained strain and ends only when strain is gone.
        s.burnout |= s.strain >= wb.burnout_weeks
        s.burnout &= s.strain > 0

    # -- retention, hiring and onset of disability -------------------------------------------
    def _people_flow(self) -> None:
        """Leavers are replaced; some who stay become disabled (Burchardt 2003). One batch a week."""
        s, re, rng = self.state, self.config.retention, self._rng_flow
        s.tenure += 1
        # Every seat's draw, every week (common random numbers).
        u = rng.random(self.n, dtype=np.float32)
        # Weekly hazard base * exp(k (reference - wellbeing) + b burnout), at most 0.5.
        leave = np.empty(0, np.int64)
        if re.base_hazard > 0:
            # Exact hazards only where u is below the largest possible one (the same draws, so
            # the same leavers, as computing everyone's hazard).
            top = re.base_hazard * math.exp(re.wellbeing * (re.reference - float(s.wellbeing.min())) + re.burnout)
            cand = _nonzero(u < min(top, 0.5))
            if len(cand):
                h = re.base_hazard * np.exp(
                    re.wellbeing * (re.reference - s.wellbeing[cand]) + re.burnout * s.burnout[cand]
                )
                leave = cand[u[cand] < np.minimum(h, 0.5)]
        n_dis = int(s.disabled[leave].sum())
        f = self._flows
        f["exits_disabled"] = n_dis
        f["exits_disabled_workers"] = int((s.role[leave] >= DISABLED_WORKER).sum())
        f["exits_nondisabled"] = len(leave) - n_dis
        # Onset: close to one draw per person (repeats merge), without touching every seat.
        weekly = 1.0 - (1.0 - self.config.organisation.onset_rate) ** (1 / 52)
        hit = rng.integers(0, self.n, rng.binomial(self.n, weekly)).tolist()
        leaving = set(leave.tolist())
        onset = np.array(sorted({i for i in hit if not s.disabled[i] and i not in leaving}), dtype=np.int64)
        if len(leave) == 0 and len(onset) == 0:
            return
        seats = np.concatenate([leave, onset])
        mates_att = 1.0 - self._attitudinal(seats)  # team mates' attitude (leavers' own excluded)
        hired_dis = self._hire(leave)
        s.disabled[onset] = True
        new_dis = np.concatenate([hired_dis, onset])
        self._draw_disability(new_dis)
        self._dis = _nonzero(s.disabled)
        self._refresh_own(seats)
        s.barrier[new_dis] = (4.0 * s.own[new_dis] + self._attitudinal(new_dis)) / 5.0  # this week already
        # Roles: leavers' seats get the new person's role; disabled non-managers come forward as
        # experts by experience with a chance that rises with their team's attitude.
        mgr = self.is_manager[seats]
        dis = s.disabled[seats]
        forward = self._latent["forward"][seats]  # how ready each person is to speak up
        come_forward = (~mgr) & dis & (forward < self._disclosure_p(mates_att))
        keep = np.where(s.role[seats] >= DISABLED_WORKER, s.role[seats], STAFF)
        base = np.where(np.arange(len(seats)) < len(leave), STAFF, keep)
        self._set_role(seats, np.where(mgr, MANAGER, np.where(come_forward, DISABLED_WORKER, base)))

    def _hiring_inclusion(self) -> float:
        """How open recruitment is: culture and accessibility (000, employers' invisible barriers)."""
        return 0.5 * float(self.state.attitude.sum()) / self.n + 0.5 * self._lev["access_mean"]

    def _arrive(self, seats: np.ndarray, first: bool = False) -> None:
        """Give the people arriving in ``seats`` their own draws (``first``: those there at the start).

        The k-th person to arrive in a seat (k = 0: who was there at the start) takes row
        ``seat % NEWCOMER_CHUNK`` of chunk (k, ``seat // NEWCOMER_CHUNK``). Each chunk is drawn,
        when first needed, from a generator keyed by k and the chunk number under the newcomers'
        stream, so a seat's k-th newcomer is the same person in any run on this seed, whenever
        they arrive. What is drawn about a person later (an onset of disability and its profile,
        an accommodation's kind and cost, coming forward) reads these rows.
        """
        if not first:
            self._arrivals[seats] += 1
        k = self._arrivals[seats]
        chunk = seats // NEWCOMER_CHUNK
        if len(seats) == 1 or (k.min() == k.max() and chunk.min() == chunk.max()):  # most weeks
            self._latent_rows[seats] = self._newcomer_chunk(int(k[0]), int(chunk[0]))[seats - chunk[0] * NEWCOMER_CHUNK]
            return
        span = self.n // NEWCOMER_CHUNK + 1
        for g in np.unique(k * span + chunk):
            kk, cc = divmod(int(g), span)
            sel = seats[(k == kk) & (chunk == cc)]
            self._latent_rows[sel] = self._newcomer_chunk(kk, cc)[sel - cc * NEWCOMER_CHUNK]

    def _newcomer_chunk(self, k: int, chunk: int) -> np.ndarray:
        """Return (drawing it the first time) the draws of the k-th arrivals in one chunk of seats.

        One row per seat, its columns laid out as in ``_latent`` (see :meth:`_latent_layout`).
        """
        got = self._newcomer_chunks.get((k, chunk))
        if got is None:
            seq = self._newcomer_seq
            keyed = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, k, chunk))
            rng = np.random.Generator(np.random.PCG64(keyed))
            m = min(NEWCOMER_CHUNK, self.n - chunk * NEWCOMER_CHUNK)
            got = np.column_stack(
                [
                    rng.random((m, 2)),  # u: disabled or not, peer-support uptake
                    rng.standard_normal((m, 3)),  # z: attitude, workload, wellbeing
                    rng.beta(2, 5, m),  # skill
                    rng.beta(5, 3, m),  # ability
                    rng.beta(4, 4, m),  # confidence
                    rng.beta(0.8, 1.5, (m, 4)),  # need: impairment profile
                    rng.random((m, self.config.deliberation.aspects)),  # keys: lived-experience aspects
                    rng.random(m),  # alike
                    rng.random(m),  # forward: readiness to come forward
                    rng.random(m),  # acc_kind
                    rng.standard_normal(m),  # acc_size
                ]
            )
            self._newcomer_chunks[(k, chunk)] = got
        return got

    def _latent_layout(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Return the rows of everyone's own draws, and its columns by name (views into the rows)."""
        a = self.config.deliberation.aspects
        r = np.empty((self.n, 16 + a))  # the columns of _newcomer_chunk, in its order
        return r, {
            "u": r[:, 0:2],
            "z": r[:, 2:5],
            "skill": r[:, 5],
            "ability": r[:, 6],
            "confidence": r[:, 7],
            "need": r[:, 8:12],
            "keys": r[:, 12 : 12 + a],
            "alike": r[:, 12 + a],
            "forward": r[:, 13 + a],
            "acc_kind": r[:, 14 + a],
            "acc_size": r[:, 15 + a],
        }

    def _hire(self, seats: np.ndarray) -> np.ndarray:
        """Put a new person in each seat; return the seats whose new person is disabled."""
        s, cfg = self.state, self.config
        org, re = cfg.organisation, cfg.retention
        m = len(seats)
        if m == 0:
            return seats
        self._costs["turnover"] += m * re.replacement_cost * org.wage_week
        # Leavers' peer ties end; their supportees look for a new supporter next week.
        if self._peer_ties_exist():
            self._unassign(seats)
            self._unassign(_nonzero(np.isin(s.peer_of, seats)))
        s.load[seats] = 0
        p_dis = re.applicant_share * (1.0 - re.hiring_bias * (1.0 - self._hiring_inclusion()))
        s.person_id[seats] = np.arange(self._next_person, self._next_person + m)
        self._next_person += m
        # The same laws as at the start (5.2), from each seat's next newcomer draws.
        self._arrive(seats)
        lat = self._latent
        u, z = lat["u"][seats].T, lat["z"][seats].T
        skill, ability, confidence = lat["skill"][seats], lat["ability"][seats], lat["confidence"][seats]
        dis = u[0] < p_dis
        s.disabled[seats] = dis
        # New hires bring the outside culture (Harrison & Carroll 1991: selection and socialisation).
        shift = self.is_manager[seats] * org.manager_attitude_shift
        att = _clip01(org.attitude_mean + org.attitude_sd * z[0] + shift)
        if m == 1:  # most weeks; add.at (needed when two hires share a team) is slower
            self._team_att_sum[s.team[seats]] += att - s.attitude[seats]
        else:
            np.add.at(self._team_att_sum, s.team[seats], att - s.attitude[seats])
        s.att_base[seats] = att
        s.attitude[seats] = att
        s.skill[seats], s.ability[seats], s.confidence[seats] = skill, ability, confidence
        s.workload[seats] = _clip01(org.workload + org.workload_sd * z[1])
        self._workload_demand[seats] = cfg.wellbeing.workload * s.workload[seats]
        s.wellbeing[seats] = _clip01(0.6 + 0.1 * z[2])
        s.engagement[seats] = cfg.reciprocity.resting
        s.peer_u[seats] = u[1]
        s.grade[seats] = np.where(self.is_manager[seats], cfg.progression.max_grade + 1, 0)
        # Everything else starts from zero: no barriers until a profile is drawn, no training
        # boost, strain, burnout, tenure, accommodation or history of meetings.
        for arr in self._reset_on_hire:
            arr[seats] = 0
        return seats[dis]

    # -- progression ------------------------------------------------------------------------
    def _promote(self, t: int) -> None:
        pr, s = self.config.progression, self.state
        if t % pr.interval:
            return
        eligible = (~self.is_manager) & (s.grade < pr.max_grade)
        perf = s.ability * (1.0 - s.barrier)  # performance net of barriers (social model)
        mgr_att = s.attitude[self.structure.manager_seat][s.team]
        known = s.role >= DISABLED_WORKER
        fair = 1.0 - pr.evaluation_bias * (1.0 - mgr_att) * known
        up = eligible & (self._rng_promote.random(self.n) < pr.rate * perf * fair)
        s.grade[up] += 1

    # -- costs and outputs ------------------------------------------------------------------
    def _account(self) -> None:
        s, p = self.state, self.p
        hourly = self.config.organisation.wage_week / WEEK_HOURS
        # Upkeep of what is in place now (a lowered level costs less to keep, and refunds nothing).
        a = p.accessibility
        self._costs["accessibility"] += self._lev["access_mean"] * 4 * a.capex_per_person * self.n * a.upkeep_share
        self._costs["accommodations"] += float(s.acc_weekly.sum())
        if p.peer_support.enabled:
            n_sup = int((s.role == PEER_SUPPORTER).sum())
            self._costs["peer_support"] += (
                n_sup * p.peer_support.cost_week + float(s.load.sum()) * p.peer_support.hours_per_person * hourly
            )

    def _compute_metrics(self) -> None:
        s, f = self.state, self._flows
        nd = len(self._dis)
        cost = float(sum(self._costs.values()))
        self.cost_cumulative += cost
        self._window.append((*f["counts"], f["stages_mask"]))
        del self._window[:-LEVEL_WINDOW]
        parts, dws, tokens, shares, meetings, _ = (sum(c) for c in zip(*self._window, strict=True))
        mask = 0
        for r in self._window:
            mask |= r[5]
        stages = bin(mask).count("1")
        support = bool(self._lev["access_mean"] >= LEVEL_RULES["intermediate_support"] or self.p.peer_support.enabled)
        level = classify_level(
            parts / dws if dws else 0.0,
            tokens / parts if parts else 0.0,
            shares / meetings if meetings else 0.0,
            stages,
            support,
        )
        # Group sums: four passes over everyone, the rest over the (small) disabled subsets.
        di, dw = self._dis, self._dw
        nn = self.n - nd
        n_dw = len(dw)
        dwonly = s.role[dw] == DISABLED_WORKER
        n_dwonly = int(np.count_nonzero(dwonly))
        di_rank = di[~self.is_manager[di]]  # disabled people below manager
        n_rd = len(di_rank)
        n_rn = self.n - self.n_teams - n_rd
        mgr_grade_sum = self.n_teams * (self.config.progression.max_grade + 1)
        grade_d = float(s.grade[di_rank].sum())
        g_d = _ratio(grade_d, n_rd)
        g_n = _ratio(float(s.grade.sum()) - mgr_grade_sum - grade_d, n_rn)
        wb_d, wb_all = float(s.wellbeing[di].sum()), float(s.wellbeing.sum())
        bo_d, bo_all = int(np.count_nonzero(s.burnout[di])), int(np.count_nonzero(s.burnout))
        att_all = float(s.attitude.sum())
        att_m = float(s.attitude[self.structure.manager_seat].sum())
        n_staff = self.n - self.n_teams - n_dw
        att_staff = att_all - att_m - float(s.attitude[dw].sum())
        m = self.metrics
        m.update(
            {
                "participation_rate": f["participation_rate"],
                "influence_share": f["influence_share"],
                "tokenism_rate": f["tokenism_rate"],
                "fit": float(s.last_fit.sum()) / self.n_teams,
                "wellbeing_disabled": _ratio(wb_d, nd),
                "wellbeing_nondisabled": _ratio(wb_all - wb_d, nn),
                "burnout_disabled": _ratio(bo_d, nd),
                "burnout_nondisabled": _ratio(bo_all - bo_d, nn),
                "exits_disabled": f["exits_disabled"],
                "exits_nondisabled": f["exits_nondisabled"],
                "share_disabled": nd / self.n,
                "attitude_mean": att_all / self.n,
                "cost": cost,
                "level": level,
                "engagement_disabled": _ratio(s.engagement[dw].sum(), n_dw),
                "confidence_disabled": _ratio(s.confidence[dw].sum(), n_dw),
                "attitude_managers": att_m / self.n_teams,
                "attitude_staff": _ratio(att_staff, n_staff),
                "grade_disabled": g_d,
                "grade_nondisabled": g_n,
                "progression_gap": g_n - g_d,
                "accommodated_share": _ratio(np.count_nonzero(s.accommodated[di]), nd),
                "peer_supported_share": _ratio(np.count_nonzero(s.peer_of[dw][dwonly] >= 0), n_dwonly),
                "n_people": self.n,
                "n_disabled": nd,
                "n_disabled_workers": n_dwonly,
                "n_peer_supporters": n_dw - n_dwonly,
                "stages_involved": stages,
                "burnout_disabled_workers": _ratio(np.count_nonzero(s.burnout[dw]), n_dw),
                "exits_disabled_workers": f["exits_disabled_workers"],
                **{f"cost_{k}": v for k, v in self._costs.items()},
                "cost_cumulative": self.cost_cumulative,
            }
        )

    # ------------------------------------------------------------------------------------
    # results
    # ------------------------------------------------------------------------------------
    def timeseries(self):
        """Per-step outputs as a pandas DataFrame with a ``step`` column first."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df), dtype=np.int64))
        return df

    def people(self):
        """One row per person at the end: id, role, team, disabled, attitude, wellbeing, ..."""
        import pandas as pd

        s = self.state
        return pd.DataFrame(
            {
                "person_id": s.person_id.copy(),
                "role": pd.Categorical.from_codes(s.role.astype(np.int64), categories=list(ROLE_NAMES)),
                "team": s.team.astype(np.int64),
                "disabled": s.disabled.copy(),
                "attitude": s.attitude.copy(),
                "wellbeing": s.wellbeing.copy(),
                "burnout": s.burnout.copy(),
                "engagement": s.engagement.copy(),
                "confidence": s.confidence.copy(),
                "barrier": s.barrier.copy(),
                "accommodated": s.accommodated.copy(),
                "has_peer_supporter": s.peer_of >= 0,
                "grade": s.grade.astype(np.int64),
                "tenure": s.tenure.astype(np.int64),
                "meetings": s.part_n.astype(np.int64),
                "meetings_with_influence": s.infl_n.astype(np.int64),
                "contact_meetings": s.contact_n.astype(np.int64),
                "last_trained_week": s.trained_at.astype(np.int64),
                "accommodation_one_time_cost": s.acc_once.copy(),
                "accommodation_weekly_cost": s.acc_weekly.copy(),
            }
        )


def _nonzero(mask: np.ndarray) -> np.ndarray:
    """Return the indices where a 1-D mask is true (np.flatnonzero without its Python wrapper)."""
    return mask.nonzero()[0]


def _clip01(x: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] in place with two ufunc calls (np.clip's wrapper costs more at this size)."""
    np.maximum(x, 0.0, out=x)
    return np.minimum(x, 1.0, out=x)


def _ratio(total: float, count: float) -> float:
    """Mean of a group from its total; NaN for an empty group (undefined, reported as missing)."""
    return float(total) / float(count) if count else math.nan


def _training_active(p: Config) -> bool:
    return p.training.target != "none" and p.training.coverage > 0


def _ramped(e: TimelineEntry, current: Any, t: int) -> Any:
    if not e.ramp or isinstance(e.value, bool | str):
        return e.value
    frac = min(1.0, (t - e.step + 1) / e.ramp)
    v = current + frac * (e.value - current)
    return round(v) if isinstance(e.value, int) and isinstance(current, int) else v
