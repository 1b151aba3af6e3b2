"""Tests for the referral-network indicators: hand-computed small networks, NetworkX as oracle."""

from __future__ import annotations

import json
import math
import uuid
from datetime import UTC, datetime, timedelta

import networkx as nx
import numpy as np
import pytest

from gaps.network import (
    ACCEPTED_STATUSES,
    COMPLETED_STATUS,
    IN_SERVICE_STATUS,
    _decode_binary_copy,
    network_facts,
    network_indicators,
    network_indicators_for_period,
)

NAN = math.nan


def indicators(
    pairs, *, organizations, accepted=None, completed=None, overdue=None, days=None, **options
):
    """Indicators for ``pairs`` of (sender, receiver); flags default to False, days to NaN."""
    count = len(pairs)
    return network_indicators(
        senders=[s for s, _ in pairs],
        receivers=[r for _, r in pairs],
        accepted=np.zeros(count, bool) if accepted is None else np.array(accepted, bool),
        completed=np.zeros(count, bool) if completed is None else np.array(completed, bool),
        overdue=np.zeros(count, bool) if overdue is None else np.array(overdue, bool),
        days_to_attention=np.full(count, NAN) if days is None else np.array(days, float),
        organizations=organizations,
        **options,
    )


def as_digraph(pairs, organizations):
    graph = nx.DiGraph()
    graph.add_nodes_from(organizations)
    graph.add_edges_from((s, r) for s, r in pairs if s != r)
    return graph


# --- the graph -------------------------------------------------------------------------------


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


# --- rates, days, overdue -------------------------------------------------------------------


def test_acceptance_and_completion_rates_per_pair():
    pairs = [("A", "B")] * 4 + [("B", "C")] * 2
    result = indicators(
        pairs,
        organizations=["A", "B", "C"],
        accepted=[1, 1, 1, 0, 0, 0],
        completed=[1, 0, 0, 0, 0, 0],
    )
    ab, bc = result.per_pair
    # A->B: 3 of 4 accepted -> 0.75 ; 1 of those 3 completed -> 1/3
    assert (ab.sender, ab.receiver, ab.sent, ab.accepted, ab.completed) == ("A", "B", 4, 3, 1)
    assert ab.acceptance_rate == pytest.approx(0.75)
    assert ab.completion_rate == pytest.approx(1 / 3)
    # B->C: 0 of 2 accepted -> 0 ; nothing accepted, so no completion rate at all
    assert (bc.acceptance_rate, bc.completion_rate) == (0.0, None)


def test_rates_per_organization_as_receiver_and_sent_as_sender():
    pairs = [("A", "C"), ("A", "C"), ("B", "C"), ("C", "A")]
    result = indicators(
        pairs,
        organizations=["A", "B", "C"],
        accepted=[1, 1, 0, 1],
        completed=[1, 0, 0, 0],
        overdue=[0, 0, 1, 0],
    )
    a, b, c = result.per_organization
    # C received 3, accepted 2 -> 2/3, completed 1 of 2 -> 1/2, answered 1 of 3 late -> 1/3
    assert (c.received, c.accepted, c.completed, c.overdue, c.sent) == (3, 2, 1, 1, 1)
    assert c.acceptance_rate == pytest.approx(2 / 3)
    assert c.completion_rate == pytest.approx(0.5)
    assert c.overdue_share == pytest.approx(1 / 3)
    assert (c.in_degree, c.out_degree) == (2, 1)
    # B received nothing: no rates, but it sent 1
    assert (b.sent, b.received, b.acceptance_rate, b.completion_rate, b.overdue_share) == (
        1,
        0,
        None,
        None,
        None,
    )
    assert (a.sent, a.received, a.accepted) == (2, 1, 1)


def test_median_days_to_attention_ignores_referrals_never_attended():
    # all: [2, NaN, 10, 4, 7] -> attended [2, 4, 7, 10] -> median (4 + 7) / 2 = 5.5
    # received by B: [2, NaN, 10] -> [2, 10] -> 6 ; by C: [4, 7] -> 5.5
    pairs = [("A", "B"), ("A", "B"), ("A", "B"), ("A", "C"), ("B", "C")]
    result = indicators(pairs, organizations=["A", "B", "C"], days=[2, NAN, 10, 4, 7])
    assert result.median_days_to_attention == pytest.approx(5.5)
    a, b, c = result.per_organization
    assert a.median_days_to_attention is None
    assert b.median_days_to_attention == pytest.approx(6.0)
    assert c.median_days_to_attention == pytest.approx(5.5)


def test_median_days_of_an_odd_count_is_the_middle_value():
    # [9, 1, 3] sorted [1, 3, 9] -> 3
    result = indicators([("A", "B")] * 3, organizations=["A", "B"], days=[9, 1, 3])
    assert result.median_days_to_attention == pytest.approx(3.0)
    assert result.per_organization[1].median_days_to_attention == pytest.approx(3.0)


def test_median_days_is_none_when_nobody_was_attended():
    result = indicators([("A", "B")] * 2, organizations=["A", "B"], days=[NAN, NAN])
    assert result.median_days_to_attention is None


def test_overdue_share_is_overdue_over_sent():
    # 1 of 4 referrals overdue -> 0.25
    pairs = [("A", "B"), ("A", "B"), ("B", "A"), ("A", "A")]
    result = indicators(pairs, organizations=["A", "B"], overdue=[0, 1, 0, 0])
    assert result.overdue_share == pytest.approx(0.25)
    assert result.per_pair[1].overdue == 1  # A->B (pairs ordered A->A, A->B, B->A)


def test_a_network_without_referrals_is_all_isolated_and_has_no_rates():
    result = indicators([], organizations=["A", "B", "C"])
    assert (result.edges, result.density, result.reciprocity) == (0, 0.0, 0.0)
    assert result.degree_centralization == 0.0
    assert result.weak_components == 3
    assert result.largest_component_share == pytest.approx(1 / 3)
    assert result.isolated == ("A", "B", "C")
    assert result.betweenness == {"A": 0.0, "B": 0.0, "C": 0.0}
    assert result.per_pair == ()
    assert result.median_days_to_attention is None
    assert result.overdue_share is None


def test_no_organizations_at_all_gives_an_empty_snapshot():
    result = indicators([], organizations=[])
    assert (result.organizations, result.weak_components, result.largest_component_share) == (
        0,
        0,
        0.0,
    )
    assert result.betweenness == {}


def test_flags_may_be_zero_one_integers_and_labels_numpy_arrays():
    result = network_indicators(
        senders=np.array([0, 1]),
        receivers=np.array([1, 0]),
        accepted=np.array([1, 0]),
        completed=np.array([0, 0]),
        overdue=np.array([0, 1]),
        days_to_attention=np.array([1.0, NAN]),
        organizations=np.array([0, 1, 2]),
    )
    assert result.isolated == (2,)
    assert result.reciprocity == 1.0
    assert result.per_organization[1].accepted == 1


def test_as_dict_is_json_serialisable_with_uuid_organizations():
    a, b, c = (uuid.UUID(int=i) for i in (1, 2, 3))
    result = indicators([(a, b), (b, a)], organizations=[a, b, c], accepted=[1, 0], days=[1, NAN])
    data = json.loads(json.dumps(result.as_dict(), allow_nan=False))
    assert data["betweenness"] == {str(a): 0.0, str(b): 0.0, str(c): 0.0}
    assert data["isolated"] == [str(c)]
    assert data["per_pair"][0] == {
        "sender": str(a),
        "receiver": str(b),
        "sent": 1,
        "accepted": 1,
        "completed": 0,
        "overdue": 0,
        "acceptance_rate": 1.0,
        "completion_rate": 0.0,
    }
    assert data["per_organization"][2]["organization"] == str(c)
    assert data["median_days_to_attention"] == 1.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"senders": ["A", "Z"]}, "senders contains 'Z', which is not in organizations"),
        ({"receivers": ["A"]}, "senders has 2 entries but receivers has 1"),
        ({"organizations": ["A", "B", "A"]}, "organizations lists 'A' twice"),
        ({"accepted": np.array([0.0, 1.0])}, "accepted must be booleans"),
        ({"overdue": np.array([0, 2])}, "overdue must be booleans"),
        ({"completed": np.array([True, False])}, "completed but not accepted"),
        ({"days_to_attention": np.array([-1.0, 1.0])}, "negative"),
        ({"days_to_attention": np.array([math.inf, 1.0])}, "infinite"),
        ({"days_to_attention": np.array([1.0])}, "one entry per referral"),
        ({"betweenness_k": 1}, "betweenness_k must be an integer >= 2"),
    ],
)
def test_invalid_inputs_raise_a_value_error_naming_the_problem(change, message):
    arguments = {
        "senders": ["A", "B"],
        "receivers": ["B", "A"],
        "accepted": np.array([False, False]),
        "completed": np.array([False, False]),
        "overdue": np.array([False, False]),
        "days_to_attention": np.array([NAN, NAN]),
        "organizations": ["A", "B"],
        **change,
    }
    with pytest.raises(ValueError, match=message):
        network_indicators(**arguments)


def test_the_status_names_are_referral_statuses():
    from matching.models import ReferralStatus

    assert {*ACCEPTED_STATUSES, COMPLETED_STATUS, IN_SERVICE_STATUS} <= set(ReferralStatus.values)
    assert ReferralStatus.REJECTED not in ACCEPTED_STATUSES


# --- the database reader --------------------------------------------------------------------

START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture
def referral_world(db):
    """One sending team, two providers, a bystander, and referrals covering every flag."""
    from accounts.models import Role
    from matching.models import Referral, ReferralEvent, ReferralStatus
    from tests.factories import (
        CaseFactory,
        OrganizationFactory,
        ServiceAtSiteFactory,
        user_with_role,
    )

    team, provider_1, provider_2, bystander = (OrganizationFactory() for _ in range(4))
    author = user_with_role(Role.CASEWORKER, organization=team)
    case = CaseFactory(organization=team)
    service_1 = ServiceAtSiteFactory(service__organization=provider_1).service
    service_2 = ServiceAtSiteFactory(service__organization=provider_2).service
    own_service = ServiceAtSiteFactory(service__organization=team).service
    t0 = START + timedelta(days=10)

    def referral(service, status, *, sent, due=None, answered=None, events=()):
        row = Referral.objects.create(
            case=case,
            service=service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=due,
            responded_at=answered,
        )
        for to_status, at in events:
            ReferralEvent.objects.create(referral=row, to_status=to_status, at=at)
        return row

    s = ReferralStatus
    rows = {
        # answered on time, first in service 2.5 days after sending (a later repeat is ignored)
        "completed": referral(
            service_1,
            s.COMPLETED,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(days=1),
            events=[
                (s.SENT, t0),
                (s.ACCEPTED, t0 + timedelta(days=1)),
                (s.IN_SERVICE, t0 + timedelta(days=4)),
                (s.IN_SERVICE, t0 + timedelta(days=2, hours=12)),
                (s.COMPLETED, t0 + timedelta(days=30)),
            ],
        ),
        # rejected two days after its deadline: overdue, not accepted
        "late_rejection": referral(
            service_1,
            s.REJECTED,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(days=5),
        ),
        # still unanswered, deadline before the period end: overdue
        "unanswered_due": referral(service_2, s.SENT, sent=t0, due=END - timedelta(days=1)),
        # still unanswered, deadline after the period end: not (yet) overdue
        "unanswered_not_due": referral(
            service_2, s.SENT, sent=END - timedelta(hours=2), due=END + timedelta(days=2)
        ),
        # accepted, then withdrawn by the team: the provider did accept it
        "withdrawn_after_yes": referral(
            service_2,
            s.WITHDRAWN,
            sent=t0,
            due=t0 + timedelta(days=3),
            answered=t0 + timedelta(hours=5),
            events=[(s.ACCEPTED, t0 + timedelta(hours=5)), (s.WITHDRAWN, t0 + timedelta(days=6))],
        ),
        # a referral to the team's own service
        "self": referral(own_service, s.ACCEPTED, sent=t0, answered=t0),
    }
    # outside the period: before it, exactly at its (excluded) end, and never sent
    referral(service_1, s.SENT, sent=START - timedelta(seconds=1))
    referral(service_1, s.SENT, sent=END)
    referral(service_1, s.DRAFT, sent=None)
    return {
        "team": team.pk,
        "provider_1": provider_1.pk,
        "provider_2": provider_2.pk,
        "bystander": bystander.pk,
        "rows": rows,
    }


@pytest.mark.django_db
def test_network_facts_reads_senders_receivers_and_flags_of_the_period(referral_world):
    from directory.models import Organization

    facts = network_facts(start=START, end=END)
    organizations = facts["organizations"]
    assert organizations == sorted(Organization.objects.values_list("pk", flat=True))
    assert referral_world["bystander"] in organizations

    rows = {
        (organizations[s], organizations[r], a, c, o, None if math.isnan(d) else d)
        for s, r, a, c, o, d in zip(
            facts["sender_index"].tolist(),
            facts["receiver_index"].tolist(),
            facts["accepted"].tolist(),
            facts["completed"].tolist(),
            facts["overdue"].tolist(),
            facts["days_to_attention"].tolist(),
            strict=True,
        )
    }
    team, p1, p2 = (referral_world[k] for k in ("team", "provider_1", "provider_2"))
    assert len(facts["sender_index"]) == 6  # the three outside [START, END) are left out
    assert rows == {
        # (sender, receiver, accepted, completed, overdue, days to first in_service)
        (team, p1, True, True, False, 2.5),
        (team, p1, False, False, True, None),
        (team, p2, False, False, True, None),
        (team, p2, False, False, False, None),
        (team, p2, True, False, False, None),
        (team, team, True, False, False, None),
    }


@pytest.mark.django_db
def test_network_indicators_for_a_period_combine_the_reader_and_the_core(referral_world):
    result = network_indicators_for_period(start=START, end=END)
    team, p1, p2, bystander = (
        referral_world[k] for k in ("team", "provider_1", "provider_2", "bystander")
    )
    # ties team->p1 and team->p2; the self-referral is no tie
    assert result.edges == 2
    assert result.self_referrals == 1
    assert result.referrals == 6
    assert bystander in result.isolated
    assert team not in result.isolated
    by_org = {o.organization: o for o in result.per_organization}
    # p2 received 3: 1 accepted (then withdrawn), 1 overdue -> 1/3 and 1/3
    assert by_org[p2].acceptance_rate == pytest.approx(1 / 3)
    assert by_org[p2].overdue_share == pytest.approx(1 / 3)
    assert by_org[team].sent == 6
    assert by_org[p1].median_days_to_attention == pytest.approx(2.5)
    # 2 of 6 overdue
    assert result.overdue_share == pytest.approx(2 / 6)
    assert result.median_days_to_attention == pytest.approx(2.5)
    json.dumps(result.as_dict(), allow_nan=False)


def test_network_facts_refuses_naive_or_empty_ranges():
    with pytest.raises(ValueError, match="timezone-aware"):
        network_facts(start=datetime(2026, 1, 1), end=END)
    with pytest.raises(ValueError, match="must be before"):
        network_facts(start=END, end=START)


@pytest.mark.django_db
def test_an_attention_stamped_before_sending_counts_as_immediate_not_negative():
    # Imported history with skewed clocks: in service an hour before sent_at -> 0 days, and a
    # referral never in service stays NaN (greatest() alone would have turned it into 0 too).
    from accounts.models import Role
    from matching.models import Referral, ReferralEvent, ReferralStatus
    from tests.factories import CaseFactory, ServiceAtSiteFactory, user_with_role

    case = CaseFactory()
    service = ServiceAtSiteFactory().service
    author = user_with_role(Role.CASEWORKER, organization=case.organization)
    sent = START + timedelta(days=1)
    skewed, _never_attended = (
        Referral.objects.create(
            case=case, service=service, status=status, created_by=author, sent_at=sent
        )
        for status in (ReferralStatus.IN_SERVICE, ReferralStatus.SENT)
    )
    ReferralEvent.objects.create(
        referral=skewed, to_status=ReferralStatus.IN_SERVICE, at=sent - timedelta(hours=1)
    )
    facts = network_facts(start=START, end=END)
    days = sorted(facts["days_to_attention"].tolist(), key=math.isnan)  # NaN last
    assert days[0] == 0.0
    assert math.isnan(days[1])
    assert sorted(facts["accepted"].tolist()) == [False, True]


def test_a_binary_copy_stream_of_another_shape_is_refused():
    header = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
    with pytest.raises(RuntimeError, match="not a PostgreSQL binary COPY"):
        _decode_binary_copy(b"COPY" + bytes(30))
    with pytest.raises(RuntimeError, match="fixed width"):
        _decode_binary_copy(header + b"\x00\x06" + bytes(10) + b"\xff\xff")
    # a NULL (-1) where a length of 8 is expected, in a row of the right width
    row = bytearray(45)
    row[0:2] = (6).to_bytes(2, "big")
    for offset, length in ((2, 4), (10, 4), (18, 1), (23, 1), (28, 1)):
        row[offset : offset + 4] = length.to_bytes(4, "big")
    row[33:37] = (-1).to_bytes(4, "big", signed=True)
    with pytest.raises(RuntimeError, match="days_len"):
        _decode_binary_copy(header + bytes(row) + b"\xff\xff")
    row[33:37] = (8).to_bytes(4, "big")
    assert len(_decode_binary_copy(header + bytes(row) + b"\xff\xff")) == 1
