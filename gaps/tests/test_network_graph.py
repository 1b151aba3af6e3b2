"""The graph indicators of the referral network on hand-computed small networks, NetworkX as
oracle: density, reciprocity, centralization, components, betweenness."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from gaps.tests.conftest import indicators


def as_digraph(pairs, organizations):
    graph = nx.DiGraph()
    graph.add_nodes_from(organizations)
    graph.add_edges_from((s, r) for s, r in pairs if s != r)
    return graph


def test_density_of_three_organizations_with_ties_a_b_b_a_b_c_is_one_half():
    # n = 3 -> n(n-1) = 6 possible directed ties; 3 present -> 3/6 = 0.5
    result = indicators([("A", "B"), ("B", "A"), ("B", "C")], organizations=["A", "B", "C"])
    assert result.edges == 3
    assert result.density == pytest.approx(0.5)


def test_repeated_referrals_between_the_same_pair_are_one_tie():
    # A -> B five times is still one tie: density 1/6
    result = indicators([("A", "B")] * 5, organizations=["A", "B", "C"])
    assert result.edges == 1
    assert result.density == pytest.approx(1 / 6)
    assert result.per_pair[0].sent == 5


def test_reciprocity_is_the_share_of_ties_whose_reverse_exists():
    # A->B and B->A reciprocate each other, B->C does not: 2 of 3 ties -> 2/3
    result = indicators([("A", "B"), ("B", "A"), ("B", "C")], organizations=["A", "B", "C"])
    assert result.reciprocity == pytest.approx(2 / 3)


def test_freeman_centralization_of_a_star_is_one_whatever_the_direction():
    # Star on 5: degrees 4,1,1,1,1 -> sum(4 - d_i) = 0 + 4*3 = 12 ; (n-1)(n-2) = 4*3 = 12 -> 1
    pairs = [("hub", "a"), ("b", "hub"), ("hub", "c"), ("d", "hub"), ("hub", "d")]
    result = indicators(pairs, organizations=["hub", "a", "b", "c", "d"])
    assert result.degree_centralization == pytest.approx(1.0)


def test_freeman_centralization_of_a_complete_graph_is_zero():
    # K4, every org referred to every other: degrees 3,3,3,3 -> sum(3 - 3) = 0
    organizations = ["A", "B", "C", "D"]
    pairs = [(s, r) for s in organizations for r in organizations if s != r]
    result = indicators(pairs, organizations=organizations)
    assert result.degree_centralization == pytest.approx(0.0)
    assert result.density == pytest.approx(1.0)
    assert result.reciprocity == pytest.approx(1.0)


def test_freeman_centralization_of_a_path_of_four_is_one_third():
    # A-B-C-D: degrees 1,2,2,1 -> sum(2 - d_i) = 1+0+0+1 = 2 ; (n-1)(n-2) = 3*2 = 6 -> 1/3
    result = indicators([("A", "B"), ("C", "B"), ("C", "D")], organizations=["A", "B", "C", "D"])
    assert result.degree_centralization == pytest.approx(1 / 3)


def test_fewer_than_three_organizations_have_centralization_zero():
    # (n-1)(n-2) = 0 for n = 2: defined as 0 rather than dividing by zero
    assert indicators([("A", "B")], organizations=["A", "B"]).degree_centralization == 0.0
    assert indicators([], organizations=["A"]).degree_centralization == 0.0


def test_weak_components_count_isolated_organizations_as_components_of_one():
    # {A,B} via A->B, {C,D} via C->D and D->C, {E} alone -> 3 components, largest 2 of 5
    pairs = [("A", "B"), ("C", "D"), ("D", "C")]
    result = indicators(pairs, organizations=["A", "B", "C", "D", "E"])
    assert result.weak_components == 3
    assert result.largest_component_share == pytest.approx(2 / 5)
    assert result.isolated == ("E",)


def test_direction_does_not_split_a_weak_component():
    # A->B<-C: no directed path A to C, but one weak component of 3
    result = indicators([("A", "B"), ("C", "B")], organizations=["A", "B", "C"])
    assert result.weak_components == 1
    assert result.largest_component_share == 1.0
    assert result.isolated == ()


def test_self_referrals_are_not_ties_but_count_for_the_organization():
    # A refers twice to itself and once to B; C only to itself.
    pairs = [("A", "A"), ("A", "A"), ("A", "B"), ("C", "C")]
    result = indicators(pairs, organizations=["A", "B", "C"], accepted=[1, 0, 1, 1])
    # one tie (A->B): density 1/6; C's self-referral makes no tie, so C is isolated
    assert result.edges == 1
    assert result.density == pytest.approx(1 / 6)
    assert result.self_referrals == 3
    assert result.isolated == ("C",)
    assert result.weak_components == 2  # {A, B}, {C}
    by_org = {o.organization: o for o in result.per_organization}
    # A sent 3 (2 to itself + 1 to B) and received its own 2, one of them accepted
    assert (by_org["A"].sent, by_org["A"].received, by_org["A"].accepted) == (3, 2, 1)
    assert by_org["A"].acceptance_rate == pytest.approx(0.5)
    assert (by_org["A"].out_degree, by_org["A"].in_degree) == (1, 0)
    assert (by_org["C"].sent, by_org["C"].received, by_org["C"].out_degree) == (1, 1, 0)
    # the self pairs are reported like any pair
    assert [(p.sender, p.receiver, p.sent) for p in result.per_pair] == [
        ("A", "A", 2),
        ("A", "B", 1),
        ("C", "C", 1),
    ]


def test_betweenness_of_the_middle_of_a_directed_path_is_one_half():
    # A->B->C: B lies on the only shortest path A..C, 1 of the (n-1)(n-2) = 2 ordered pairs of
    # other organizations (A,C) and (C,A) -> 1/2. A and C are between nobody.
    result = indicators([("A", "B"), ("B", "C")], organizations=["A", "B", "C"])
    assert result.betweenness == pytest.approx({"A": 0.0, "B": 0.5, "C": 0.0})
    assert result.betweenness_sources is None


def test_betweenness_splits_between_two_equally_short_routes():
    # A->B->D and A->C->D: 2 shortest paths A..D, B and C each on 1 -> 1/2 each raw;
    # normalized by (n-1)(n-2) = 3*2 = 6 -> 1/12
    pairs = [("A", "B"), ("B", "D"), ("A", "C"), ("C", "D")]
    result = indicators(pairs, organizations=["A", "B", "C", "D"])
    assert result.betweenness == pytest.approx({"A": 0.0, "B": 1 / 12, "C": 1 / 12, "D": 0.0})


@pytest.mark.parametrize("seed", range(12))
def test_betweenness_matches_networkx_exact_and_sampled(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 60))
    organizations = [f"org-{i}" for i in rng.permutation(n)]
    pairs = [
        (organizations[s], organizations[r])
        for s, r in rng.integers(0, n, size=(int(rng.integers(0, 4 * n)), 2))
    ]
    graph = as_digraph(pairs, organizations)
    exact = indicators(pairs, organizations=organizations)
    assert exact.betweenness == pytest.approx(nx.betweenness_centrality(graph), abs=1e-12)
    # Sampled: same sources as networkx for the same seed, same rescaling.
    k = int(rng.integers(2, n)) if n > 2 else 2
    sampled = indicators(
        pairs,
        organizations=organizations,
        betweenness_sample_threshold=2,
        betweenness_k=k,
        seed=seed,
    )
    expected = nx.betweenness_centrality(graph, k=k, seed=seed) if k < n else None
    if expected is None:
        assert sampled.betweenness_sources is None
    else:
        assert sampled.betweenness_sources == k
        assert sampled.betweenness == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(12))
def test_graph_indicators_match_networkx_on_random_networks(seed):
    rng = np.random.default_rng(100 + seed)
    n = int(rng.integers(1, 40))
    organizations = list(range(n))
    pairs = [tuple(p) for p in rng.integers(0, n, size=(int(rng.integers(0, 3 * n)), 2)).tolist()]
    graph = as_digraph(pairs, organizations)
    result = indicators(pairs, organizations=organizations)
    assert result.edges == graph.number_of_edges()
    assert result.density == pytest.approx(nx.density(graph))
    assert result.reciprocity == pytest.approx(
        nx.overall_reciprocity(graph) if graph.number_of_edges() else 0.0
    )
    assert result.weak_components == nx.number_weakly_connected_components(graph)
    assert set(result.isolated) == set(nx.isolates(graph))
    undirected = graph.to_undirected()
    degrees = [d for _, d in undirected.degree()]
    expected = sum(max(degrees) - d for d in degrees) / ((n - 1) * (n - 2)) if n >= 3 else 0.0
    assert result.degree_centralization == pytest.approx(expected)


def test_the_sample_is_used_only_above_the_threshold():
    organizations = list(range(6))
    pairs = [(i, (i + 1) % 6) for i in range(6)]
    assert indicators(pairs, organizations=organizations).betweenness_sources is None
    sampled = indicators(
        pairs, organizations=organizations, betweenness_sample_threshold=5, betweenness_k=3
    )
    assert sampled.betweenness_sources == 3
    # k >= n is the whole network again: exact
    everyone = indicators(
        pairs, organizations=organizations, betweenness_sample_threshold=5, betweenness_k=6
    )
    assert everyone.betweenness_sources is None
