"""Rates, days to attention and overdue shares per pair and organization, and the checks on
the input columns."""

from __future__ import annotations

import json
import math
import uuid

import numpy as np
import pytest

from gaps.network import (
    network_indicators,
)
from gaps.tests.conftest import NAN, indicators


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
