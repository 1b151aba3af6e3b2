"""Allocate waiting children to free service slots: an exact, priority-faithful solver.

The problem
===========
``allocate`` receives

* ``priorities``: case -> unified priority (higher is served first),
* ``capacities``: service -> free slots,
* ``costs``: (case, service) -> cost in metres, one entry per *eligible* pair,

and returns case -> service (or ``None``) satisfying, in this order of importance:

1. capacities and eligibility are respected;
2. the number of children served is the maximum possible;
3. the allocation is priority-faithful: the served set is the one the greedy rule picks when it
   goes through the cases in priority order and keeps a case whenever the cases kept so far plus
   this one can still all be placed together. In particular no unserved case could take the place
   of a lower-priority served case;
4. among the allocations meeting 1-3, the total cost is minimal.

Order of the cases
==================
Cases are ranked by priority, highest first. Equal priorities are broken by the cases' keys in
ascending order (``sorted()`` of the keys, so ``1 < 2`` and ``"a" < "b"``: the smaller key is
served first). Keys that cannot be compared with each other (e.g. a mix of ``int`` and ``str``)
fall back to the order of ``(type name, repr(key))``. The rank of a case is its position in this
strict total order (0 = served first). Services are ordered the same way; that order only fixes
the solver's arc order, which makes the result deterministic whatever the mappings' iteration
order.

Why the greedy served set is also a maximum one, and how a flow finds it
=======================================================================
Give every service ``s`` with ``c`` free slots ``c`` copies of its set of eligible cases. A set
of cases that can all be placed at once is a *partial transversal* of this family, and partial
transversals are the independent sets of a matroid, the *transversal matroid* (Edmonds &
Fulkerson, "Transversals and matroid partition", J. Res. NBS 69B, 1965; Schrijver,
*Combinatorial Optimization*, 2003, ch. 39). Consequences:

* Property 3's greedy is the matroid greedy algorithm. Its result is a *basis*, and in a matroid
  every basis has the same size, the rank, which is the largest number of cases that can be
  placed. So property 3 implies property 2: maximum cardinality costs no priority and vice versa.
* Rado-Edmonds (Rado 1957; Edmonds, "Matroids and the greedy algorithm", Math. Programming 1,
  1971): for any weights, the greedy algorithm run in order of decreasing weight returns a
  maximum-weight basis. Take the weights ``w = n - rank``: positive, distinct, and decreasing in
  priority order, so the greedy run in rank order is exactly property 3's greedy.
* With *distinct* weights the maximum-weight basis is *unique*. Proof: let ``B != B'`` both be
  maximum-weight bases and ``e`` the heaviest element of their symmetric difference, say
  ``e`` in ``B \\ B'``. ``B' + e`` contains a unique circuit, through ``e``; it is not inside
  ``B``, so it holds some ``f`` in ``B' \\ B``, and ``B' + e - f`` is a basis (basis exchange).
  ``f`` lies in the symmetric difference and weights are distinct, so ``w(f) < w(e)`` and
  ``B' + e - f`` outweighs ``B'``: contradiction.

Hence the served set of property 3 is *the* basis of maximum ``sum(n - rank)``; as all bases have
the same size, it is the basis of minimum ``sum(rank)``. Linear weights suffice: no
exponentially growing (``2**rank``) weights, which would overflow int64 long before 20,000 cases.

The two phases, each an exact integer min-cost flow (OR-Tools ``SimpleMinCostFlow``, a
cost-scaling push-relabel algorithm after Goldberg & Tarjan 1990; integral capacities give an
integral optimal flow, Ahuja, Magnanti & Orlin, *Network Flows*, 1993, thm. 9.10):

A. *Who is served.* source -> case (capacity 1, cost = rank), case -> service for each eligible
   pair (capacity 1, cost 0), service -> sink (capacity = free slots, cost 0). Integral flows of
   maximum value are exactly the bases (maximum matchings); ``solve_max_flow_with_min_cost``
   returns one of minimum ``sum(rank)``, i.e. the greedy basis ``S`` by the argument above.
B. *Where they go.* Each case of ``S`` supplies exactly one unit, case -> service arcs cost the
   travel distance, service -> sink keeps the free slots, the sink demands ``|S|``. This is
   feasible (phase A placed ``S``), and its optimum is the cheapest allocation serving exactly
   ``S``, i.e. property 4.

Integer costs: the solver is exact on integers, so costs are rounded to the millimetre
(``round(metres * 1000)``). Property 4 therefore holds for the costs rounded to the millimetre;
two allocations whose totals differ by less than a millimetre per child may be taken as equal.

Validation: keys of ``costs`` must be ``(case, service)`` pairs with the case in ``priorities``
and the service in ``capacities``; anything else raises ``ValueError`` naming the pair, because
a cost for an unknown case or service is a caller's bug that silently dropping would hide.
Negative or non-integer capacities, negative or non-finite costs and NaN priorities raise
``ValueError`` too.

Two baselines (``allocate_first_come_first_served``, ``allocate_nearest_greedy``) and a summary
helper (``allocation_summary``) serve the allocation-round page and the benchmark.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypedDict

import numpy as np
from ortools.graph.python import min_cost_flow

__all__ = [
    "COST_SCALE",
    "AllocationSummary",
    "allocate",
    "allocate_first_come_first_served",
    "allocate_nearest_greedy",
    "allocation_summary",
]

Allocation = dict[Hashable, Hashable | None]

#: Costs (metres) are multiplied by this and rounded before reaching the integer solver: mm.
COST_SCALE = 1000

# OR-Tools refuses (BAD_COST_RANGE) costs whose magnitude times the number of nodes could
# overflow int64 during cost scaling; staying well below that keeps every sum exact too.
_INT64_BUDGET = 2**62


def allocate(
    *,
    priorities: Mapping[Hashable, float],
    capacities: Mapping[Hashable, int],
    costs: Mapping[tuple[Hashable, Hashable], float],
) -> Allocation:
    """Place the children in ``priorities`` into free slots; see the module docstring.

    Returns a dict with every case of ``priorities`` (in rank order: priority, then key) mapped
    to its service or ``None``. Deterministic: the result depends on the mappings' contents only,
    not on their iteration order.
    """
    ranked = _rank_cases(priorities)
    free = _validated_capacities(capacities)
    pairs = _validated_costs(costs, cases=priorities, services=free)

    result: Allocation = dict.fromkeys(ranked)
    service_order = _key_order(free)
    # Services without a free slot can take nobody; dropping them (and the cases left with no
    # usable service) keeps the flow networks small.
    open_services = [s for s in service_order if free[s] > 0]
    service_index = {s: i for i, s in enumerate(open_services)}
    case_index = {c: i for i, c in enumerate(ranked)}

    rows = [
        (case_index[case], service_index[service], cost)
        for (case, service), cost in pairs.items()
        if service in service_index
    ]
    if not rows:
        return result
    edges = np.array(rows, dtype=np.float64)
    # Canonical arc order (case rank, then service order) so OR-Tools, which is deterministic
    # for a given arc order, breaks cost ties the same way for equal inputs.
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edge_case = edges[order, 0].astype(np.int64)
    edge_service = edges[order, 1].astype(np.int64)
    scaled_cost = np.rint(edges[order, 2] * COST_SCALE)

    # Only cases with at least one open eligible service take part. Their relative rank order is
    # what matters, so they are renumbered 0..m-1 in rank order.
    candidates, edge_candidate = np.unique(edge_case, return_inverse=True)
    n_candidates = len(candidates)
    n_services = len(open_services)
    # A service never needs more slots than there are candidates; capping keeps huge capacities
    # inside int64 without changing any feasible set.
    slots = np.array(
        [min(free[s], n_candidates) for s in open_services],
        dtype=np.int64,
    )
    _check_cost_range(scaled_cost, nodes=n_candidates + n_services + 2, units=n_candidates)
    edge_cost = scaled_cost.astype(np.int64)

    served = _phase_a_served(
        edge_candidate=edge_candidate,
        edge_service=edge_service,
        n_candidates=n_candidates,
        slots=slots,
    )
    placement = _phase_b_place(
        served=served,
        edge_candidate=edge_candidate,
        edge_service=edge_service,
        edge_cost=edge_cost,
        n_candidates=n_candidates,
        slots=slots,
    )
    for candidate, service in placement.items():
        result[ranked[int(candidates[candidate])]] = open_services[service]
    return result


def _phase_a_served(
    *,
    edge_candidate: np.ndarray,
    edge_service: np.ndarray,
    n_candidates: int,
    slots: np.ndarray,
) -> np.ndarray:
    """Boolean mask of the greedy basis: the max flow of least total rank (module docstring, A)."""
    n_services = len(slots)
    source = 0
    first_case = 1
    first_service = first_case + n_candidates
    sink = first_service + n_services

    flow = min_cost_flow.SimpleMinCostFlow()
    case_nodes = np.arange(first_case, first_service, dtype=np.int32)
    # Cost = rank among the candidates: distinct and increasing down the priority order, which is
    # all the uniqueness argument needs (weights n - rank, with the cardinality fixed).
    source_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        np.full(n_candidates, source, dtype=np.int32),
        case_nodes,
        np.ones(n_candidates, dtype=np.int64),
        np.arange(n_candidates, dtype=np.int64),
    )
    _add_matching_and_sink_arcs(
        flow,
        edge_candidate=edge_candidate,
        edge_service=edge_service,
        edge_cost=np.zeros(len(edge_candidate), dtype=np.int64),
        first_case=first_case,
        first_service=first_service,
        sink=sink,
        slots=slots,
    )
    # Supplies only bound the flow here: the solver finds the maximum flow not exceeding them.
    flow.set_node_supply(source, n_candidates)
    flow.set_node_supply(sink, -n_candidates)
    status = flow.solve_max_flow_with_min_cost()
    _require_optimal(flow, status, phase="A")
    return np.asarray(flow.flows(np.asarray(source_arcs, dtype=np.int32))) > 0


def _phase_b_place(
    *,
    served: np.ndarray,
    edge_candidate: np.ndarray,
    edge_service: np.ndarray,
    edge_cost: np.ndarray,
    n_candidates: int,
    slots: np.ndarray,
) -> dict[int, int]:
    """Cheapest placement of exactly the served candidates (module docstring, B)."""
    served_ids = np.flatnonzero(served)
    if len(served_ids) == 0:
        return {}
    # Renumber the served candidates 0..k-1; arcs of unserved candidates are dropped.
    new_id = np.full(n_candidates, -1, dtype=np.int64)
    new_id[served_ids] = np.arange(len(served_ids))
    keep = new_id[edge_candidate] >= 0
    kept_candidate = new_id[edge_candidate[keep]]
    kept_service = edge_service[keep]

    n_served = len(served_ids)
    first_case = 0
    first_service = n_served
    sink = first_service + len(slots)
    flow = min_cost_flow.SimpleMinCostFlow()
    pair_arcs = _add_matching_and_sink_arcs(
        flow,
        edge_candidate=kept_candidate,
        edge_service=kept_service,
        edge_cost=edge_cost[keep],
        first_case=first_case,
        first_service=first_service,
        sink=sink,
        slots=slots,
    )
    # Every served child must be placed: one unit of supply each, all absorbed by the sink.
    flow.set_nodes_supplies(
        np.append(np.arange(n_served, dtype=np.int32), np.int32(sink)),
        np.append(np.ones(n_served, dtype=np.int64), np.int64(-n_served)),
    )
    status = flow.solve()
    _require_optimal(flow, status, phase="B")
    used = np.asarray(flow.flows(pair_arcs)) > 0
    return {
        int(served_ids[c]): int(s)
        for c, s in zip(kept_candidate[used], kept_service[used], strict=True)
    }


def _add_matching_and_sink_arcs(
    flow: min_cost_flow.SimpleMinCostFlow,
    *,
    edge_candidate: np.ndarray,
    edge_service: np.ndarray,
    edge_cost: np.ndarray,
    first_case: int,
    first_service: int,
    sink: int,
    slots: np.ndarray,
) -> np.ndarray:
    """Add case -> service (capacity 1) and service -> sink (free slots) arcs; return the former."""
    n_services = len(slots)
    pair_arcs = flow.add_arcs_with_capacity_and_unit_cost(
        (edge_candidate + first_case).astype(np.int32),
        (edge_service + first_service).astype(np.int32),
        np.ones(len(edge_candidate), dtype=np.int64),
        edge_cost.astype(np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.arange(first_service, first_service + n_services, dtype=np.int32),
        np.full(n_services, sink, dtype=np.int32),
        slots.astype(np.int64),
        np.zeros(n_services, dtype=np.int64),
    )
    return np.asarray(pair_arcs, dtype=np.int32)


def _require_optimal(
    flow: min_cost_flow.SimpleMinCostFlow,
    status: min_cost_flow.SimpleMinCostFlow.Status,
    *,
    phase: str,
) -> None:
    if status != flow.OPTIMAL:
        # Inputs are validated and phase B is feasible by construction, so this is a bug (or a
        # range the pre-check missed), not a user error: fail loudly rather than return junk.
        raise RuntimeError(f"allocation phase {phase}: min-cost flow ended with {status!r}")


def _check_cost_range(scaled_cost: np.ndarray, *, nodes: int, units: int) -> None:
    # Checked on the floats, before the int64 conversion could wrap around.
    largest = float(scaled_cost.max(initial=0.0))
    # Ranks (phase A) are below `nodes`; travel costs (phase B) must survive both the solver's
    # internal scaling by the node count and summation over all placed units.
    if largest * (nodes + 1) >= _INT64_BUDGET or largest * max(units, 1) >= _INT64_BUDGET:
        raise ValueError(
            f"costs up to {largest / COST_SCALE:g} m are too large for an exact integer "
            f"solution with {nodes} nodes; express them in coarser units"
        )


# --- baselines ---------------------------------------------------------------------------------


def allocate_first_come_first_served(
    *,
    order: Sequence[Hashable],
    capacities: Mapping[Hashable, int],
    costs: Mapping[tuple[Hashable, Hashable], float],
) -> Allocation:
    """Baseline: each case in request ``order`` takes its cheapest eligible service with a slot.

    Equal costs go to the service first in key order. Every case of ``order`` is in the result
    (in that order); ``costs`` naming a case not in ``order`` raises ``ValueError``.
    """
    if len(set(order)) != len(order):
        raise ValueError("order lists a case more than once")
    remaining = _validated_capacities(capacities)
    pairs = _validated_costs(costs, cases=set(order), services=remaining)
    service_position = {s: i for i, s in enumerate(_key_order(remaining))}
    options: dict[Hashable, list[tuple[float, int, Hashable]]] = {}
    for (case, service), cost in pairs.items():
        options.setdefault(case, []).append((cost, service_position[service], service))

    result: Allocation = {}
    for case in order:
        choice = None
        for _, _, service in sorted(options.get(case, ())):
            if remaining[service] > 0:
                choice = service
                remaining[service] -= 1
                break
        result[case] = choice
    return result


def allocate_nearest_greedy(
    *,
    capacities: Mapping[Hashable, int],
    costs: Mapping[tuple[Hashable, Hashable], float],
    cases: Iterable[Hashable] = (),
) -> Allocation:
    """Baseline: go through all eligible pairs by ascending cost, assigning whatever still fits.

    Ties in cost are taken in (case key, service key) order. The result holds every case named in
    ``costs`` plus the optional ``cases`` (so that cases with no eligible service appear with
    ``None``), in key order. Priorities play no part: that is the point of the baseline.
    """
    remaining = _validated_capacities(capacities)
    pairs = _validated_costs(costs, cases=None, services=remaining)
    all_cases = set(cases) | {case for case, _ in pairs}
    case_order = _key_order(all_cases)
    case_position = {c: i for i, c in enumerate(case_order)}
    service_position = {s: i for i, s in enumerate(_key_order(remaining))}

    result: Allocation = dict.fromkeys(case_order)
    for (case, service), _ in sorted(
        pairs.items(),
        key=lambda item: (item[1], case_position[item[0][0]], service_position[item[0][1]]),
    ):
        if result[case] is None and remaining[service] > 0:
            result[case] = service
            remaining[service] -= 1
    return result


# --- summary -----------------------------------------------------------------------------------


class AllocationSummary(TypedDict):
    """Headline figures of an allocation, for comparing solver and baselines."""

    served: int
    mean_priority: float | None
    mean_cost: float | None


def allocation_summary(
    *,
    allocation: Mapping[Hashable, Hashable | None],
    priorities: Mapping[Hashable, float],
    costs: Mapping[tuple[Hashable, Hashable], float],
) -> AllocationSummary:
    """Served count, mean priority and mean cost of the served cases (``None`` if none served).

    Raises ``ValueError`` if a served case has no priority or its pair is not eligible.
    """
    served = [(case, service) for case, service in allocation.items() if service is not None]
    if not served:
        return AllocationSummary(served=0, mean_priority=None, mean_cost=None)
    total_priority = 0.0
    total_cost = 0.0
    for case, service in served:
        if case not in priorities:
            raise ValueError(f"served case {case!r} has no priority")
        if (case, service) not in costs:
            raise ValueError(
                f"case {case!r} is placed at {service!r}, which it is not eligible for"
            )
        total_priority += float(priorities[case])
        total_cost += float(costs[case, service])
    return AllocationSummary(
        served=len(served),
        mean_priority=total_priority / len(served),
        mean_cost=total_cost / len(served),
    )


# --- validation and ordering -------------------------------------------------------------------


def _key_order(keys: Iterable[Hashable]) -> list[Hashable]:
    """Keys in ascending order; incomparable mixes fall back to (type name, repr)."""
    items = list(keys)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=lambda key: (type(key).__qualname__, repr(key)))


def _rank_cases(priorities: Mapping[Hashable, float]) -> list[Hashable]:
    """Cases from first to last served: priority descending, then key ascending."""
    for case, priority in priorities.items():
        if isinstance(priority, bool) or not isinstance(priority, numbers.Real):
            raise ValueError(f"priority of case {case!r} must be a number, not {priority!r}")
        if math.isnan(priority):
            raise ValueError(f"priority of case {case!r} is NaN")
    # sorted() is stable, also with reverse=True, so equal priorities keep the key order.
    return sorted(_key_order(priorities), key=priorities.__getitem__, reverse=True)


def _validated_capacities(capacities: Mapping[Hashable, int]) -> dict[Hashable, int]:
    free: dict[Hashable, int] = {}
    for service, slots in capacities.items():
        if isinstance(slots, bool) or not isinstance(slots, numbers.Integral):
            raise ValueError(f"capacity of service {service!r} must be an integer, not {slots!r}")
        if slots < 0:
            raise ValueError(f"capacity of service {service!r} is negative ({slots})")
        free[service] = int(slots)
    return free


def _validated_costs(
    costs: Mapping[tuple[Hashable, Hashable], float],
    *,
    cases: Mapping[Hashable, object] | set[Hashable] | None,
    services: Mapping[Hashable, object],
) -> dict[tuple[Hashable, Hashable], float]:
    """Costs as floats, each pair checked; ``cases=None`` accepts any case."""
    pairs: dict[tuple[Hashable, Hashable], float] = {}
    for pair, cost in costs.items():
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise ValueError(f"cost key {pair!r} is not a (case, service) pair")
        case, service = pair
        if cases is not None and case not in cases:
            raise ValueError(f"cost given for pair {pair!r}, but case {case!r} is unknown")
        if service not in services:
            raise ValueError(f"cost given for pair {pair!r}, but service {service!r} is unknown")
        if isinstance(cost, bool) or not isinstance(cost, numbers.Real):
            raise ValueError(f"cost of pair {pair!r} must be a number, not {cost!r}")
        value = float(cost)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"cost of pair {pair!r} must be finite and non-negative, not {cost!r}")
        pairs[case, service] = value
    return pairs
