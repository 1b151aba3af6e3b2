"""waitlists.allocation: hand-made instances, brute force on small ones, hypothesis properties.

No database: these are pure functions.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from waitlists.allocation import (
    allocate,
    allocate_first_come_first_served,
    allocate_nearest_greedy,
    allocation_summary,
)

# --- oracles, written independently of the solver -----------------------------------------------


def ranked(priorities):
    """Highest priority first, equal priorities by ascending key (the documented order)."""
    return sorted(priorities, key=lambda case: (-priorities[case], case))


def slot_owners(capacities):
    """One entry per free slot: the transversal-matroid view of the services."""
    return [s for s in sorted(capacities) for _ in range(capacities[s])]


def matching_size(cases, capacities, costs):
    """Largest number of `cases` that can be placed at once (Kuhn's augmenting paths)."""
    slots = slot_owners(capacities)
    options = {c: [i for i, s in enumerate(slots) if (c, s) in costs] for c in cases}
    holder: dict[int, object] = {}

    def augment(case, seen):
        for slot in options[case]:
            if slot in seen:
                continue
            seen.add(slot)
            if slot not in holder or augment(holder[slot], seen):
                holder[slot] = case
                return True
        return False

    return sum(augment(case, set()) for case in cases)


def matchable(cases, capacities, costs):
    return matching_size(cases, capacities, costs) == len(cases)


def greedy_served_set(priorities, capacities, costs):
    """Property 3 literally: keep a case if the kept ones plus it can still all be placed."""
    kept: list[object] = []
    for case in ranked(priorities):
        if matchable([*kept, case], capacities, costs):
            kept.append(case)
    return set(kept)


def cheapest_cost_for(served, capacities, costs):
    """Least total cost placing exactly `served` (Hungarian method on slot copies)."""
    if not served:
        return 0.0
    served = sorted(served)
    slots = slot_owners(capacities)
    forbidden = 1e9
    matrix = [[costs.get((c, s), forbidden) for s in slots] for c in served]
    rows, cols = linear_sum_assignment(matrix)
    total = sum(matrix[r][c] for r, c in zip(rows, cols, strict=True))
    assert total < forbidden
    return total


def total_cost(allocation, costs):
    return sum(costs[c, s] for c, s in allocation.items() if s is not None)


def served_set(allocation):
    return {c for c, s in allocation.items() if s is not None}


def assert_feasible(allocation, capacities, costs):
    load = Counter(s for s in allocation.values() if s is not None)
    for service, used in load.items():
        assert used <= capacities[service]
    for case, service in allocation.items():
        if service is not None:
            assert (case, service) in costs


def brute_force(priorities, capacities, costs):
    """Properties 1-4 literally, by enumerating every assignment.

    Returns (greedy served set, maximum number served, least cost among the allocations that
    serve the maximum number and exactly the greedy set).
    """
    cases = list(priorities)
    options = [[None, *(s for s in capacities if (c, s) in costs)] for c in cases]
    feasible = []
    for choice in itertools.product(*options):
        load = Counter(s for s in choice if s is not None)
        if all(used <= capacities[s] for s, used in load.items()):  # property 1
            feasible.append(dict(zip(cases, choice, strict=True)))
    independent = {frozenset(served_set(a)) for a in feasible}
    most = max(len(s) for s in independent)  # property 2
    kept: set[object] = set()
    for case in ranked(priorities):  # property 3: greedy over all feasible matchings
        if any(kept | {case} <= s for s in independent):
            kept.add(case)
    eligible = [a for a in feasible if served_set(a) == kept and len(kept) == most]
    assert eligible, "the greedy set is a maximum one (matroid bases have equal size)"
    return kept, most, min(total_cost(a, costs) for a in eligible)  # property 4


def assert_matches_brute_force(priorities, capacities, costs):
    result = allocate(priorities=priorities, capacities=capacities, costs=costs)
    kept, most, least = brute_force(priorities, capacities, costs)
    assert set(result) == set(priorities)
    assert_feasible(result, capacities, costs)
    assert served_set(result) == kept
    assert len(kept) == most
    assert total_cost(result, costs) == pytest.approx(least, abs=1e-6)


# --- hand-made instances ------------------------------------------------------------------------


def test_it_serves_the_higher_priority_child_even_if_another_lives_closer():
    result = allocate(
        priorities={"near": 1.0, "urgent": 9.0},
        capacities={"x": 1},
        costs={("near", "x"): 10.0, ("urgent", "x"): 9_000.0},
    )
    assert result == {"urgent": "x", "near": None}


def test_it_serves_the_maximum_number_of_children():
    # Serving the urgent case at its nearest service would leave `only_x` out; moving it to y
    # serves both, which a nearest-first rule misses.
    costs = {("urgent", "x"): 100.0, ("urgent", "y"): 5_000.0, ("only_x", "x"): 200.0}
    result = allocate(
        priorities={"urgent": 9.0, "only_x": 1.0}, capacities={"x": 1, "y": 1}, costs=costs
    )
    assert result == {"urgent": "y", "only_x": "x"}
    greedy = allocate_nearest_greedy(capacities={"x": 1, "y": 1}, costs=costs)
    assert sum(s is not None for s in greedy.values()) == 1


def test_it_keeps_the_high_priority_child_that_two_cheaper_ones_could_replace():
    # {low_x, low_y} and {urgent, low_x} are both maximum; the greedy keeps `urgent` first,
    # then `low_x` (urgent moves to y), and `low_y` no longer fits. Cost does not overturn that.
    result = allocate(
        priorities={"urgent": 9.0, "low_x": 2.0, "low_y": 1.0},
        capacities={"x": 1, "y": 1},
        costs={
            ("urgent", "x"): 9_000.0,
            ("urgent", "y"): 9_000.0,
            ("low_x", "x"): 1.0,
            ("low_y", "y"): 1.0,
        },
    )
    assert result == {"urgent": "y", "low_x": "x", "low_y": None}


def test_it_serves_a_lower_priority_child_when_the_higher_one_cannot_be_placed():
    result = allocate(
        priorities={"urgent": 9.0, "other": 1.0},
        capacities={"full": 0, "open": 1},
        costs={("urgent", "full"): 1.0, ("other", "open"): 1.0},
    )
    assert result == {"urgent": None, "other": "open"}


def test_it_breaks_priority_ties_by_the_smaller_key():
    result = allocate(
        priorities={"b": 5.0, "a": 5.0, "c": 5.0},
        capacities={"x": 1},
        costs={("a", "x"): 3.0, ("b", "x"): 1.0, ("c", "x"): 2.0},
    )
    assert result == {"a": "x", "b": None, "c": None}
    assert list(result) == ["a", "b", "c"]


def test_it_minimises_the_total_distance_among_priority_faithful_allocations():
    result = allocate(
        priorities={"a": 2.0, "b": 1.0},
        capacities={"x": 1, "y": 1},
        costs={("a", "x"): 1.0, ("a", "y"): 2.0, ("b", "x"): 1.0, ("b", "y"): 10.0},
    )
    # a -> x, b -> y would cost 11; a -> y, b -> x costs 3.
    assert result == {"a": "y", "b": "x"}


def test_it_resolves_costs_below_one_metre():
    result = allocate(
        priorities={"a": 1.0}, capacities={"x": 1, "y": 1}, costs={("a", "x"): 0.6, ("a", "y"): 0.4}
    )
    assert result == {"a": "y"}


def test_it_lists_every_case_in_rank_order_with_none_for_the_unplaceable():
    result = allocate(
        priorities={3: 1.0, 1: 1.0, 2: 7.0, 4: 0.5},
        capacities={"x": 2, "closed": 0},
        costs={(1, "x"): 1.0, (2, "x"): 1.0, (4, "closed"): 1.0},
    )
    assert list(result.items()) == [(2, "x"), (1, "x"), (3, None), (4, None)]


def test_it_returns_an_empty_allocation_for_empty_inputs():
    assert allocate(priorities={}, capacities={}, costs={}) == {}
    assert allocate(priorities={"a": 1.0}, capacities={}, costs={}) == {"a": None}
    assert allocate(priorities={}, capacities={"x": 3}, costs={}) == {}


def test_it_accepts_capacities_larger_than_int64():
    result = allocate(
        priorities={"a": 1.0, "b": 2.0},
        capacities={"x": 10**30},
        costs={("a", "x"): 1.0, ("b", "x"): 2.0},
    )
    assert result == {"b": "x", "a": "x"}


def test_it_orders_keys_of_mixed_types_by_type_name_then_repr():
    result = allocate(
        priorities={"a": 1.0, 7: 1.0}, capacities={"x": 1}, costs={("a", "x"): 1.0, (7, "x"): 1.0}
    )
    assert result == {7: "x", "a": None}  # "int" < "str"


def test_it_accepts_integer_and_infinite_priorities():
    result = allocate(
        priorities={"a": 3, "b": math.inf, "c": -math.inf},
        capacities={"x": 2},
        costs={("a", "x"): 1.0, ("b", "x"): 1.0, ("c", "x"): 1.0},
    )
    assert result == {"b": "x", "a": "x", "c": None}


@pytest.mark.parametrize(
    ("priorities", "capacities", "costs", "message"),
    [
        ({"a": 1.0}, {"x": 1}, {("ghost", "x"): 1.0}, r"\('ghost', 'x'\).*case 'ghost'"),
        ({"a": 1.0}, {"x": 1}, {("a", "nowhere"): 1.0}, r"\('a', 'nowhere'\).*service"),
        ({"a": 1.0}, {"x": 1}, {"a": 1.0}, "not a \\(case, service\\) pair"),
        ({"a": 1.0}, {"x": -1}, {}, "capacity of service 'x' is negative"),
        ({"a": 1.0}, {"x": 1.5}, {}, "must be an integer"),
        ({"a": 1.0}, {"x": 1}, {("a", "x"): -1.0}, "non-negative"),
        ({"a": 1.0}, {"x": 1}, {("a", "x"): math.nan}, "non-negative"),
        ({"a": 1.0}, {"x": 1}, {("a", "x"): math.inf}, "finite"),
        ({"a": math.nan}, {"x": 1}, {}, "priority of case 'a' is NaN"),
        ({"a": "high"}, {"x": 1}, {}, "must be a number"),
        ({"a": 1.0}, {"x": 1}, {("a", "x"): 1e17}, "too large"),
    ],
)
def test_it_rejects_invalid_input_with_a_clear_message(priorities, capacities, costs, message):
    with pytest.raises(ValueError, match=message):
        allocate(priorities=priorities, capacities=capacities, costs=costs)


# --- brute force ---------------------------------------------------------------------------------


def test_it_matches_brute_force_on_every_eligibility_and_capacity_pattern_of_three_by_two():
    rng = random.Random(7)
    cases, services = ["a", "b", "c"], ["x", "y"]
    pairs = list(itertools.product(cases, services))
    for mask in range(2 ** len(pairs)):
        for caps in itertools.product(range(3), repeat=len(services)):
            costs = {p: float(rng.randint(0, 9)) for i, p in enumerate(pairs) if mask >> i & 1}
            for priorities in ({"a": 1.0, "b": 2.0, "c": 3.0}, {"a": 1.0, "b": 1.0, "c": 0.0}):
                assert_matches_brute_force(
                    priorities, dict(zip(services, caps, strict=True)), costs
                )


def test_it_matches_brute_force_on_random_small_instances():
    rng = random.Random(2024)
    for _ in range(400):
        cases = list(range(rng.randint(0, 6)))
        services = [f"s{i}" for i in range(rng.randint(0, 3))]
        density = rng.random()
        priorities = {c: float(rng.randint(0, 3)) for c in cases}
        capacities = {s: rng.randint(0, 2) for s in services}
        costs = {
            (c, s): rng.randint(0, 40) / 4
            for c in cases
            for s in services
            if rng.random() < density
        }
        assert_matches_brute_force(priorities, capacities, costs)


# --- hypothesis properties ------------------------------------------------------------------------


@st.composite
def instances(draw):
    n_cases = draw(st.integers(0, 7))
    n_services = draw(st.integers(0, 4))
    cases = list(range(n_cases))
    services = [f"s{i}" for i in range(n_services)]
    priorities = {c: draw(st.sampled_from([0, 0.5, 1.0, 2, 3.25])) for c in cases}
    capacities = {s: draw(st.integers(0, 3)) for s in services}
    costs = {}
    for c in cases:
        for s in services:
            if draw(st.booleans()):
                # Whole millimetres, which the solver represents exactly.
                costs[c, s] = draw(st.integers(0, 50_000)) / 1000
    return priorities, capacities, costs


PROPERTIES = settings(max_examples=200, deadline=None)


@PROPERTIES
@given(instances())
def test_it_always_respects_capacities_and_eligibility(instance):
    priorities, capacities, costs = instance
    result = allocate(priorities=priorities, capacities=capacities, costs=costs)
    assert list(result) == ranked(priorities)
    assert_feasible(result, capacities, costs)


@PROPERTIES
@given(instances())
def test_it_always_serves_as_many_children_as_a_maximum_matching(instance):
    priorities, capacities, costs = instance
    result = allocate(priorities=priorities, capacities=capacities, costs=costs)
    served = len(served_set(result))
    assert served == matching_size(list(priorities), capacities, costs)
    for baseline in (
        allocate_first_come_first_served(
            order=list(priorities), capacities=capacities, costs=costs
        ),
        allocate_nearest_greedy(capacities=capacities, costs=costs),
    ):
        assert served >= len(served_set(baseline))


@PROPERTIES
@given(instances())
def test_it_is_always_priority_faithful(instance):
    priorities, capacities, costs = instance
    result = allocate(priorities=priorities, capacities=capacities, costs=costs)
    served = served_set(result)
    assert served == greedy_served_set(priorities, capacities, costs)
    # The property as stated: no unserved case can replace a lower-priority served case.
    rank = {case: i for i, case in enumerate(ranked(priorities))}
    for waiting in set(priorities) - served:
        for placed in served:
            if rank[placed] > rank[waiting]:
                assert not matchable(list(served - {placed} | {waiting}), capacities, costs)


@PROPERTIES
@given(instances())
def test_it_always_finds_the_cheapest_allocation_of_the_served_children(instance):
    priorities, capacities, costs = instance
    result = allocate(priorities=priorities, capacities=capacities, costs=costs)
    assert total_cost(result, costs) == pytest.approx(
        cheapest_cost_for(served_set(result), capacities, costs), abs=1e-6
    )


@PROPERTIES
@given(instances(), st.randoms(use_true_random=False))
def test_it_is_deterministic_whatever_the_input_order(instance, rng):
    priorities, capacities, costs = instance

    def shuffled(mapping):
        items = list(mapping.items())
        rng.shuffle(items)
        return dict(items)

    first = allocate(priorities=priorities, capacities=capacities, costs=costs)
    again = allocate(
        priorities=shuffled(priorities), capacities=shuffled(capacities), costs=shuffled(costs)
    )
    assert list(again.items()) == list(first.items())


# --- baselines and summary ------------------------------------------------------------------------


def test_first_come_first_served_lets_each_request_take_its_cheapest_free_service():
    result = allocate_first_come_first_served(
        order=["early", "second", "late_urgent"],
        capacities={"x": 1, "y": 1},
        costs={
            ("early", "x"): 1.0,
            ("early", "y"): 2.0,
            ("second", "x"): 1.0,
            ("second", "y"): 5.0,
            ("late_urgent", "x"): 1.0,
        },
    )
    assert result == {"early": "x", "second": "y", "late_urgent": None}
    assert list(result) == ["early", "second", "late_urgent"]


def test_first_come_first_served_breaks_cost_ties_by_service_key():
    result = allocate_first_come_first_served(
        order=["a"], capacities={"y": 1, "x": 1}, costs={("a", "y"): 1.0, ("a", "x"): 1.0}
    )
    assert result == {"a": "x"}


def test_first_come_first_served_rejects_costs_for_cases_outside_the_order():
    with pytest.raises(ValueError, match="case 'b'"):
        allocate_first_come_first_served(order=["a"], capacities={"x": 1}, costs={("b", "x"): 1.0})
    with pytest.raises(ValueError, match="more than once"):
        allocate_first_come_first_served(order=["a", "a"], capacities={}, costs={})


def test_nearest_greedy_assigns_the_cheapest_pairs_first():
    result = allocate_nearest_greedy(
        capacities={"x": 1, "y": 1},
        costs={("a", "x"): 5.0, ("b", "x"): 1.0, ("a", "y"): 7.0, ("c", "y"): 9.0},
        cases=["d"],
    )
    assert result == {"a": "y", "b": "x", "c": None, "d": None}


@PROPERTIES
@given(instances())
def test_the_baselines_are_feasible_and_leave_no_usable_slot_to_an_unserved_child(instance):
    priorities, capacities, costs = instance
    for result in (
        allocate_first_come_first_served(
            order=list(priorities), capacities=capacities, costs=costs
        ),
        allocate_nearest_greedy(capacities=capacities, costs=costs, cases=priorities),
    ):
        assert set(result) == set(priorities)
        assert_feasible(result, capacities, costs)
        load = Counter(s for s in result.values() if s is not None)
        for case in set(priorities) - served_set(result):
            assert all(load[s] == capacities[s] for (c, s) in costs if c == case)


def test_allocation_summary_reports_served_count_and_means():
    summary = allocation_summary(
        allocation={"a": "x", "b": None, "c": "y"},
        priorities={"a": 4.0, "b": 9.0, "c": 2.0},
        costs={("a", "x"): 100.0, ("c", "y"): 300.0},
    )
    assert summary == {"served": 2, "mean_priority": 3.0, "mean_cost": 200.0}


def test_allocation_summary_of_nobody_served_has_no_means():
    assert allocation_summary(allocation={"a": None}, priorities={"a": 1.0}, costs={}) == {
        "served": 0,
        "mean_priority": None,
        "mean_cost": None,
    }


def test_allocation_summary_rejects_an_ineligible_placement():
    with pytest.raises(ValueError, match="not eligible"):
        allocation_summary(allocation={"a": "x"}, priorities={"a": 1.0}, costs={})
