"""The organisational network: teams, reporting lines, informal cross-team ties, manager ties.

Edges are generated as numpy arrays (fast, seeded from the model's generator); the model's
processes read only those arrays. A :class:`networkx.Graph` is a view, built when someone asks
for it (``CoProdModel.graph``, the dashboard, Mesa idioms), with the peer-support ties of that
week added from the model's state.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

__all__ = ["OrgStructure", "build_structure"]


@dataclass
class OrgStructure:
    """Seats, teams and edges of an organisation.

    Attributes
    ----------
    team : ndarray of int
        Team of each seat.
    manager_seat : ndarray of int
        Seat of each team's manager.
    informal_edges, manager_edges : ndarray of shape (m, 2)
        Undirected edges (seat pairs) by kind.
    """

    team: np.ndarray
    manager_seat: np.ndarray
    informal_edges: np.ndarray
    manager_edges: np.ndarray

    @property
    def n(self) -> int:
        """Number of seats."""
        return len(self.team)

    @property
    def team_edges(self) -> np.ndarray:
        """Every pair of seats in the same team, shape (m, 2); reporting lines are those touching a manager.

        Teams are complete graphs, so these follow from the team layout and are made when asked
        for (about 66 pairs a person in teams of 12: too many to carry through every run).
        """
        sizes = np.bincount(self.team)
        starts = self.manager_seat
        parts = []
        for size in np.unique(sizes):
            which = starts[sizes == size]
            iu, ju = np.triu_indices(int(size), 1)
            parts.append(np.stack([(which[:, None] + iu).ravel(), (which[:, None] + ju).ravel()], axis=1))
        return np.concatenate(parts).astype(np.int64) if parts else np.empty((0, 2), np.int64)

    def cross_team_matrix(self) -> sp.csr_matrix:
        """Symmetric 0/1 adjacency of ties outside one's own team (informal and manager ties)."""
        e = np.concatenate([self.informal_edges, self.manager_edges])
        rows = np.concatenate([e[:, 0], e[:, 1]])
        cols = np.concatenate([e[:, 1], e[:, 0]])
        m = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(self.n, self.n))
        m.sum_duplicates()
        m.data[:] = 1.0
        return m

    def to_graph(self, peer_of: np.ndarray | None = None) -> nx.Graph:
        """Build a networkx graph over seats 0..n-1 with a ``kind`` on every edge.

        With ``peer_of`` (each seat's peer supporter, -1 for none), peer-support ties are added:
        a tie that joins people already tied gets ``peer=True`` on that edge, any other is a new
        edge of kind ``"peer"`` (also ``peer=True``).
        """
        g = nx.Graph()
        g.add_nodes_from(range(self.n))
        is_mgr = np.zeros(self.n, bool)
        is_mgr[self.manager_seat] = True
        te = self.team_edges
        reports = is_mgr[te[:, 0]] | is_mgr[te[:, 1]]
        g.add_edges_from(map(tuple, te[~reports].tolist()), kind="team")
        g.add_edges_from(map(tuple, te[reports].tolist()), kind="reports")
        g.add_edges_from(map(tuple, self.informal_edges.tolist()), kind="informal")
        g.add_edges_from(map(tuple, self.manager_edges.tolist()), kind="managers")
        if peer_of is not None:
            for seat in np.flatnonzero(peer_of >= 0).tolist():
                j = int(peer_of[seat])
                if g.has_edge(seat, j):
                    g.edges[seat, j]["peer"] = True
                else:
                    g.add_edge(seat, j, kind="peer", peer=True)
        return g


def _team_layout(people: int, team_size: int) -> np.ndarray:
    """Team number of each seat; a remainder too small to be a team joins the last team."""
    n_teams = max(1, people // team_size)
    team = np.minimum(np.arange(people) // team_size, n_teams - 1)
    return team.astype(np.int32)


def _unique_pairs(u: np.ndarray, v: np.ndarray, n: int) -> np.ndarray:
    """Distinct unordered pairs (smaller seat first), sorted, shape (m, 2).

    Each pair is keyed as smaller x n + larger, one int64, so one sort of integers finds them: the
    same rows in the same order as ``np.unique`` over the sorted pairs (``axis=0``), which took
    about 0.6 s of a 1,000,000-person build (this takes about 0.02 s).
    """
    lo, hi = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    key = np.sort(lo * n + hi)
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # np.unique's, 30 times as fast here
    return np.stack([key // n, key % n], axis=1)


def build_structure(
    people: int, team_size: int, informal_ties: float, manager_ties: int, rng: np.random.Generator
) -> OrgStructure:
    """Build seats, teams and ties.

    Teams are complete graphs (dense ties within teams; the first seat of each team is its
    manager, so manager-member ties are the reporting lines). Informal ties join random pairs of
    people in different teams, giving a small world (Watts & Strogatz 1998). Managers are joined
    on a ring lattice with random rewiring (management meetings).
    """
    team = _team_layout(people, team_size)
    n_teams = int(team.max()) + 1
    manager_seat = np.searchsorted(team, np.arange(n_teams)).astype(np.int64)

    n_inf = round(informal_ties * people / 2)
    if n_inf and n_teams > 1:
        u = rng.integers(0, people, n_inf)
        v = rng.integers(0, people, n_inf)
        keep = team[u] != team[v]
        informal_edges = _unique_pairs(u[keep], v[keep], people)
    else:
        informal_edges = np.empty((0, 2), np.int64)

    if n_teams > 2 and manager_ties > 0:
        half = max(1, min(manager_ties // 2, (n_teams - 1) // 2))
        ring = np.arange(n_teams)
        a = np.repeat(ring, half)
        b = (a + np.tile(np.arange(1, half + 1), n_teams)) % n_teams
        rewire = rng.random(len(b)) < 0.1
        b[rewire] = rng.integers(0, n_teams, int(rewire.sum()))
        keep = a != b
        manager_edges = _unique_pairs(manager_seat[a[keep]], manager_seat[b[keep]], people)
    elif n_teams == 2 and manager_ties > 0:
        manager_edges = np.array([[manager_seat[0], manager_seat[1]]], np.int64)
    else:
        manager_edges = np.empty((0, 2), np.int64)

    return OrgStructure(
        team=team,
        manager_seat=manager_seat,
        informal_edges=informal_edges,
        manager_edges=manager_edges,
    )
