"""CoProdModel: an organisation co-producing its work with disabled people.

One step is one week. The model holds the organisation's state in numpy arrays
(:mod:`coprod_sim.state`) and runs the weekly schedule of docs/ODD.md section 3; each process is
a function of one module in :mod:`coprod_sim.mechanisms` (one per ODD submodel), called here
with its inputs. Agents (:mod:`coprod_sim.agents`) are thin views of the arrays, made when code
reads them, so Mesa's ``AgentSet`` and ``DataCollector`` work as usual. The networkx graph is a
view too, built when asked for.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import mesa
import networkx as nx
import numpy as np

from coprod_sim.agents import ROLE_CLASSES, ROLE_NAMES, Person
from coprod_sim.collector import ScalarDataCollector, metric_reporter
from coprod_sim.config import Config
from coprod_sim.heap import tune_malloc
from coprod_sim.mechanisms import (
    access,
    attitudes,
    costs,
    deliberation,
    peer_support,
    people_flow,
    progression,
    review,
    support,
    training,
    wellbeing,
)
from coprod_sim.metrics import LevelWindow, classify_level, compute
from coprod_sim.network import OrgStructure, build_structure
from coprod_sim.newcomers import Newcomers
from coprod_sim.outputs import LEVELS, OUTPUT_COLUMNS
from coprod_sim.population import initial_state, settle
from coprod_sim.state import (
    BARRIER_TYPES,
    DISABLED_WORKER,
    MANAGER,
    PEER_SUPPORTER,
    STAFF,
    STAGES,
    Seats,
    State,
    build_caches,
    refresh_levers,
)
from coprod_sim.timeline import levers_at

__all__ = [
    "BARRIER_TYPES",
    "DISABLED_WORKER",
    "LEVELS",
    "MANAGER",
    "OUTPUT_COLUMNS",
    "PEER_SUPPORTER",
    "STAFF",
    "STAGES",
    "CoProdModel",
    "State",
    "classify_level",
]


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
        tune_malloc()  # large organisations: weekly temporaries stay in the heap (coprod_sim.heap)
        if seed is None or seed == "":
            seed = int(np.random.SeedSequence().entropy % (2**63))
        self.seed = int(seed)
        # rng=, not seed=: Mesa 3.5 deprecates seed=, and for an int both seed model.rng and
        # model.random the same way in Mesa 3.3 and 3.5.
        super().__init__(rng=self.seed)
        base = config if config is not None else Config()
        self.config = Config.from_flat(base, **kwargs) if kwargs else base
        #: Parameter values in force this week (the timeline changes the levers among them).
        self.p = self.config
        org = self.config.organisation
        self.structure: OrgStructure = build_structure(
            org.people, org.team_size, org.informal_ties, org.manager_ties, self.rng
        )
        self.seats = Seats.build(self.structure, self.config)
        self.n, self.n_teams, self.is_manager = self.seats.n, self.seats.n_teams, self.seats.is_manager
        # Common random numbers: after the start, each process draws from its own stream, the
        # same number of draws every week (one per seat where that number would depend on the
        # state), and each newcomer's draws are keyed by seat and arrival (coprod_sim.newcomers).
        # Two runs on one seed that differ in a lever then share every chance event the lever
        # does not change (Law 2015, ch. 11). Spawning draws nothing from self.rng, so the
        # newcomers' rows can be drawn (in a large organisation, in the background) while the
        # week-0 population is.
        *streams, newcomer_stream, settle_stream = self.rng.spawn(8)
        self._streams = dict(
            zip(("train", "accommodate", "meet", "wellbeing", "flow", "promote"), streams, strict=True)
        )
        self.newcomers = Newcomers(self.n, self.config.deliberation.aspects, newcomer_stream)
        self.state: State = initial_state(self.config, self.seats, self.rng)
        self.newcomers.arrive(np.arange(self.n), first=True)
        self.caches = build_caches(self.state, self.seats, self.config)
        # Accommodations, wellbeing and burnout at their steady state (ODD 5.6), the same for
        # every scenario on this seed: a scenario's levers act from week 1.
        settle(self.state, self.caches, self.seats, self.config, self.newcomers.latent, settle_stream)
        self.training_plan = training.TrainingPlan()
        self._apply_timeline(0)
        # Agent views are made when someone looks at them (agents, agents_by_type, agent_at):
        # seats whose role class changed are re-viewed then, not every week.
        self._agents_at: list[Person | None] = [None] * self.n
        self._graph: tuple[int, nx.Graph] | None = None
        self._window = LevelWindow()
        self.costs = costs.Ledger()
        self.cost_cumulative = 0.0
        self._meeting = deliberation.Meeting.none_yet(len(self.caches.dw) > 0)
        self._exits = people_flow.Exits()
        access.refresh_own(self.state, self.caches, self.p)
        access.update_barriers(self.state, self.caches, self.seats)
        self.metrics: dict[str, Any] = dict.fromkeys(OUTPUT_COLUMNS)
        self._observe()
        reporters = {c: partial(metric_reporter, name=c) for c in OUTPUT_COLUMNS}
        self.datacollector = ScalarDataCollector(model_reporters=reporters)
        self.datacollector.collect(self)

    # ------------------------------------------------------------------------------------
    # the weekly schedule (docs/ODD.md, section 3)
    # ------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one week: levers, meetings, attitudes, support, wellbeing, careers, costs."""
        t = self.steps
        self.costs = ledger = costs.Ledger()
        p_before = self.p
        self._apply_timeline(t)
        s, c, seats, p, rng = self.state, self.caches, self.seats, self.p, self._streams
        if p is not p_before or t == 1:
            access.refresh_own(s, c, p)
            access.invest(s, p, ledger)
        training.train(s, p, rng["train"], t, self.training_plan, ledger)
        peer_support.run_programme(s, c, p, ledger)
        access.update_barriers(s, c, seats)
        phase = c.phases[t % len(c.phases)]
        self._meeting = deliberation.meet(s, c, seats, p, rng["meet"], phase, ledger)
        review.review(s, c, p, t, self.n_teams, ledger)
        support.support(s, c, p, ledger)
        attitudes.update_attitudes(s, c, seats, p)
        access.accommodate(s, c, p, rng["accommodate"], self.newcomers.latent, ledger)
        wellbeing.update_wellbeing(s, c, seats, p, rng["wellbeing"])
        self._exits = people_flow.flow(s, c, seats, p, rng["flow"], self.newcomers, ledger)
        progression.promote(s, seats, p, rng["promote"], t)
        costs.account(s, c, seats, p, ledger)
        self._observe()
        self.datacollector.collect(self)

    def _apply_timeline(self, t: int) -> None:
        """Set the lever values in force in week ``t`` (7.1), and what depends on them."""
        if not self.config.timeline and t > 0:
            return
        new = levers_at(self.config, t)
        if t > 0 and new != self.p:
            training.on_levers_changed(self.training_plan, self.p, new, t)
        if t == 0 or new != self.p:
            refresh_levers(self.caches, new)
        # A new object whenever a timeline entry applies, even with the same values: the week's
        # step then recomputes everyone's own barriers (7.5), as the ODD's schedule says.
        self.p = new

    def _observe(self) -> None:
        """Compute the week's outputs (7.14): costs, the quarter's level, group means."""
        cost = costs.total(self.costs)
        self.cost_cumulative += cost
        level, stages = self._window.level(self._meeting, self.caches, self.p)
        compute(
            self.metrics,
            self.state,
            self.caches,
            self.seats,
            self.p,
            self._meeting,
            self._exits,
            self.costs,
            cost,
            self.cost_cumulative,
            level,
            stages,
        )

    # ------------------------------------------------------------------------------------
    # views: Mesa agents and the network
    # ------------------------------------------------------------------------------------
    def _sync_agents(self) -> None:
        """Make agent views match the roles: create missing views, swap those whose class changed."""
        stale = self.caches.roles_changed
        if not stale:
            return
        role = self.state.role
        for seat in sorted(stale):
            cls = ROLE_CLASSES[int(role[seat])]
            old = self._agents_at[seat]
            if old is not None:
                if type(old) is cls:
                    continue
                old.remove()
            self._agents_at[seat] = cls(self, seat)
        stale.clear()

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

    def agent_at(self, seat: int) -> Person:
        """Return the agent currently in a seat."""
        self._sync_agents()
        return self._agents_at[seat]

    @property
    def accommodations_granted(self) -> np.ndarray:
        """Accommodations granted so far: free, one-time cost, ongoing cost (JAN's three kinds)."""
        return self.state.acc_granted

    @property
    def graph(self) -> nx.Graph:
        """The organisation's network this week: teams, reporting lines, informal, managers' and peer ties.

        Built when first asked for in a week (state stays in arrays); do not change it.
        """
        if self._graph is None or self._graph[0] != self.steps:
            self._graph = (self.steps, self.structure.to_graph(self.state.peer_of))
        return self._graph[1]

    # ------------------------------------------------------------------------------------
    # results
    # ------------------------------------------------------------------------------------
    def timeseries(self):
        """Per-step outputs as a pandas DataFrame with a ``step`` column first."""
        df = self.datacollector.get_model_vars_dataframe().reset_index(drop=True)
        df.insert(0, "step", np.arange(len(df), dtype=np.int64))
        return df

    def service_users(self):
        """One row per service user (arrays, not Mesa agents: ODD 2): team, disabled, meetings, last outcome."""
        import pandas as pd

        u = self.state.users
        t, k = u.disabled.shape
        return pd.DataFrame(
            {
                "team": np.repeat(np.arange(t, dtype=np.int64), k),
                "disabled": u.disabled.ravel(),
                "confidence": u.confidence.ravel(),
                "meetings": u.part_n.ravel().astype(np.int64),
                "views_included_running": u.included.ravel(),
                "last_fit": u.last_fit.ravel(),
                "last_views_included": u.last_included.ravel(),
            }
        )

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
                "age_years": s.age / 52.0,
                "meetings": s.part_n.astype(np.int64),
                "influence_realised": s.infl_sum.copy(),
                "equal_status_contact": s.contact_sum.copy(),
                "last_trained_week": s.trained_at.astype(np.int64),
                "accommodation_one_time_cost": s.acc_once.copy(),
                "accommodation_weekly_cost": s.acc_weekly.copy(),
            }
        )
