import networkx as nx
import numpy as np
import pytest

from coprod_sim.model import CoProdModel
from coprod_sim.network import build_structure


def test_teams_are_complete_with_one_manager():
    s = build_structure(100, 12, 2.0, 4, np.random.default_rng(0))
    sizes = np.bincount(s.team)
    assert sizes.sum() == 100 and sizes.min() >= 12  # the remainder joins the last team
    assert len(s.manager_seat) == len(sizes)
    g = s.to_graph()
    for t, m in enumerate(s.manager_seat):
        members = np.flatnonzero(s.team == t)
        assert s.team[m] == t
        sub = g.subgraph(members.tolist())
        assert sub.number_of_edges() == len(members) * (len(members) - 1) // 2
        assert all(g.edges[m, int(j)]["kind"] == "reports" for j in members if j != m)


def test_informal_ties_cross_teams_and_make_a_small_world():
    s = build_structure(600, 12, 2.0, 4, np.random.default_rng(1))
    assert len(s.informal_edges) > 0.8 * 600  # about informal_ties * n / 2
    assert np.all(s.team[s.informal_edges[:, 0]] != s.team[s.informal_edges[:, 1]])
    g = s.to_graph()
    assert nx.is_connected(g)
    # Small world: high clustering, short paths.
    assert nx.average_clustering(g) > 0.5
    assert nx.average_shortest_path_length(g) < 6


def test_same_seed_same_network():
    a = build_structure(300, 12, 2.0, 4, np.random.default_rng(7))
    b = build_structure(300, 12, 2.0, 4, np.random.default_rng(7))
    np.testing.assert_array_equal(a.informal_edges, b.informal_edges)
    np.testing.assert_array_equal(a.manager_edges, b.manager_edges)


def test_model_graph_has_integer_nodes_and_peer_ties():
    m = CoProdModel(seed=3, organisation_people=200, organisation_disabled_share=0.4, peer_support_enabled=True)
    for _ in range(3):
        m.step()
    assert set(m.graph.nodes) == set(range(m.n))
    peer_edges = [(u, v) for u, v, d in m.graph.edges(data=True) if d.get("peer")]
    s = m.state
    assigned = {(min(i, int(j)), max(i, int(j))) for i, j in enumerate(s.peer_of) if j >= 0}
    assert {(min(u, v), max(u, v)) for u, v in peer_edges} == assigned
    assert len(assigned) > 0


def test_a_run_never_builds_the_networkx_graph(monkeypatch):
    # State stays in arrays; the graph is a view built only when someone asks for it.
    from coprod_sim.network import OrgStructure
    from coprod_sim.run import simulate
    from coprod_sim.scenarios import load_scenario

    def refuse(self, peer_of=None):
        raise AssertionError("the graph was built during a run")

    monkeypatch.setattr(OrgStructure, "to_graph", refuse)
    cfg = load_scenario("peer_support").config.with_overrides({"organisation.people": 200})
    simulate(cfg, seed=1, steps=30)  # peer ties form and end; no graph needed
    m = CoProdModel(seed=1, config=cfg)
    m.step()
    with pytest.raises(AssertionError, match="graph was built"):
        _ = m.graph


def test_graph_view_is_rebuilt_each_week_and_shows_that_weeks_peer_ties():
    m = CoProdModel(seed=3, organisation_people=200, organisation_disabled_share=0.4, peer_support_enabled=True)
    m.step()
    first = m.graph
    assert m.graph is first  # the same week: built once
    for _ in range(20):
        m.step()
    now = m.graph
    assert now is not first
    ties = {(min(i, int(j)), max(i, int(j))) for i, j in enumerate(m.state.peer_of) if j >= 0}
    assert {(min(u, v), max(u, v)) for u, v, d in now.edges(data=True) if d.get("peer")} == ties
