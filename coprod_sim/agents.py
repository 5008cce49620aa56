"""The four roles as thin Mesa agents: views onto the model's per-person arrays.

State lives in numpy arrays owned by :class:`~coprod_sim.model.CoProdModel` (one row per seat in
the organisation) and is updated by vectorised code. An agent stands for the person currently in
a seat; reading ``agent.wellbeing`` reads the array. This keeps Mesa's idioms (``AgentSet``,
``DataCollector`` agent reporters, ``agents_by_type``) working at the cost of no per-agent loop.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol

import mesa

__all__ = [
    "ROLE_CLASSES",
    "ROLE_NAMES",
    "DisabledWorker",
    "Manager",
    "Organisation",
    "PeerSupporter",
    "Person",
    "Staff",
]

#: Role codes used in the model's ``role`` array, in this order.
ROLE_NAMES = ("manager", "staff", "disabled_worker", "peer_supporter")


class Organisation(Protocol):
    """What an agent reads of its model (``CoProdModel`` provides it): the state, the network, other agents."""

    state: Any
    graph: Any

    def agent_at(self, seat: int) -> Person:
        """Return the agent currently in a seat."""
        ...


def _view(name: str, cast=float, doc: str = ""):
    def get(self: Person):
        return cast(getattr(self.model.state, name)[self.seat])

    return property(get, doc=doc or f"Current {name} (read from the model's array).")


class Person(mesa.Agent):
    """Base role: a person in a seat of the organisation.

    Parameters
    ----------
    model : CoProdModel
        The organisation (any model with the :class:`Organisation` attributes).
    seat : int
        Row of this person in the model's state arrays.
    """

    role: ClassVar[str] = ""
    role_code: ClassVar[int] = -1
    model: Organisation

    def __init__(self, model: Organisation, seat: int) -> None:
        super().__init__(model)
        self.seat = int(seat)

    person_id = _view("person_id", int, "Stable identifier of the person (not of the seat).")
    team = _view("team", int, "Team number.")
    disabled = _view("disabled", bool, "Whether the person has a disability (any role).")
    attitude = _view("attitude", float, "0 = medical model, 1 = social model of disability.")
    skill = _view("skill", float, "Co-production skill, 0-1.")
    engagement = _view("engagement", float, "Engagement (voice), 0-1.")
    confidence = _view("confidence", float, "Confidence, 0-1.")
    wellbeing = _view("wellbeing", float, "Wellbeing, 0-1.")
    burnout = _view("burnout", bool, "In burnout (after sustained low wellbeing).")
    grade = _view("grade", int, "Career level, 0 lowest.")
    tenure = _view("tenure", int, "Weeks in the organisation.")
    age = _view("age", int, "Age in weeks (retires at retention.retirement_age).")
    barrier = _view("barrier", float, "Barriers this person meets now, 0-1.")

    def neighbours(self) -> list[Person]:
        """People this person has a tie with in the organisational network."""
        return [self.model.agent_at(j) for j in self.model.graph.neighbors(self.seat)]


class Manager(Person):
    """Holds authority over a team's decisions and resources; openness follows attitude."""

    role = "manager"
    role_code = 0


class Staff(Person):
    """A frontline professional (who may be disabled without taking the expert role)."""

    role = "staff"
    role_code = 1


class DisabledWorker(Person):
    """A disabled employee taking part as an expert by experience."""

    role = "disabled_worker"
    role_code = 2

    @property
    def peer(self) -> Person | None:
        """Return this person's peer supporter, if any."""
        j = int(self.model.state.peer_of[self.seat])
        return None if j < 0 else self.model.agent_at(j)


class PeerSupporter(DisabledWorker):
    """A disabled worker trained to support other disabled workers; carries a support load."""

    role = "peer_supporter"
    role_code = 3

    @property
    def load(self) -> int:
        """Number of people this supporter supports."""
        return int(self.model.state.load[self.seat])


ROLE_CLASSES: tuple[type[Person], ...] = (Manager, Staff, DisabledWorker, PeerSupporter)
