"""waitlists.allocation.allocate on a city-sized waiting list, against two baselines.

Instance (seeded): 20,000 waiting cases and 2,000 services at uniform random points in a 10 km
square; 5,000 free slots spread over the services at random (some have none); each case is
eligible for a random half of its 30 nearest services (~15 on average), at the straight-line
distance in metres. Priorities have two decimals, so ties occur and the key order breaks them.
Request order for first-come-first-served is a random permutation, independent of priority.

Usage: .venv/bin/python benchmarks/allocation_solver.py [--cases N] [--services N] [--slots N]
Target: allocate <= 5 s. No database needed. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from waitlists.allocation import (  # noqa: E402  (needs the repository root on sys.path)
    allocate,
    allocate_first_come_first_served,
    allocate_nearest_greedy,
    allocation_summary,
)

SQUARE_METRES = 10_000.0
TARGET_SECONDS = 5.0


class Instance:
    """The solver's three mappings plus the request order for the FCFS baseline."""

    def __init__(
        self,
        *,
        priorities: dict[Hashable, float],
        capacities: dict[Hashable, int],
        costs: dict[tuple[Hashable, Hashable], float],
        order: list[Hashable],
    ) -> None:
        self.priorities = priorities
        self.capacities = capacities
        self.costs = costs
        self.order = order


def make_instance(*, cases: int, services: int, slots: int, per_case: int, seed: int) -> Instance:
    rng = np.random.default_rng(seed)
    case_xy = rng.uniform(0, SQUARE_METRES, size=(cases, 2))
    service_xy = rng.uniform(0, SQUARE_METRES, size=(services, 2))
    free = rng.multinomial(slots, np.full(services, 1 / services))
    # Two decimals on a 0-10 scale: about 1,000 distinct values, so ties are common.
    priority = np.round(rng.uniform(0, 10, size=cases), 2)

    nearest = min(2 * per_case, services)
    distance, neighbour = cKDTree(service_xy).query(case_xy, k=nearest)
    distance = np.asarray(distance).reshape(cases, nearest)
    neighbour = np.asarray(neighbour).reshape(cases, nearest)
    # Eligibility (age, category, ...) keeps about per_case of the nearby services.
    eligible = rng.random(size=(cases, nearest)) < per_case / nearest

    costs: dict[tuple[Hashable, Hashable], float] = {}
    for case, service, metres in zip(
        np.repeat(np.arange(cases), nearest)[eligible.ravel()].tolist(),
        neighbour.ravel()[eligible.ravel()].tolist(),
        distance.ravel()[eligible.ravel()].tolist(),
        strict=True,
    ):
        costs[case, service] = metres
    return Instance(
        priorities=dict(enumerate(priority.tolist())),
        capacities=dict(enumerate(free.tolist())),
        costs=costs,
        order=rng.permutation(cases).tolist(),
    )


def _maxrss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def solver_figures(
    *,
    cases: int = 20_000,
    services: int = 2_000,
    slots: int = 5_000,
    per_case: int = 15,
    seed: int = 1,
) -> dict[str, Any]:
    """Time ``allocate`` and compare it with the baselines; JSON-ready figures."""
    started = time.perf_counter()
    instance = make_instance(
        cases=cases, services=services, slots=slots, per_case=per_case, seed=seed
    )
    generated_s = time.perf_counter() - started
    rss_before = _maxrss_mb()

    started = time.perf_counter()
    optimal = allocate(
        priorities=instance.priorities, capacities=instance.capacities, costs=instance.costs
    )
    allocate_s = time.perf_counter() - started
    rss_after = _maxrss_mb()

    # A second run under tracemalloc: Python-side peak (numpy arrays and dicts included; the
    # solver's C++ memory is not traced, ru_maxrss above covers it) and a determinism check.
    tracemalloc.start()
    again = allocate(
        priorities=instance.priorities, capacities=instance.capacities, costs=instance.costs
    )
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    fcfs = allocate_first_come_first_served(
        order=instance.order, capacities=instance.capacities, costs=instance.costs
    )
    fcfs_s = time.perf_counter() - started
    started = time.perf_counter()
    greedy = allocate_nearest_greedy(
        capacities=instance.capacities, costs=instance.costs, cases=instance.priorities
    )
    greedy_s = time.perf_counter() - started

    def summary(allocation: dict[Hashable, Hashable | None], seconds: float) -> dict[str, Any]:
        figures = allocation_summary(
            allocation=allocation, priorities=instance.priorities, costs=instance.costs
        )
        return {
            "served": figures["served"],
            "mean_priority": _round(figures["mean_priority"], 3),
            "mean_cost_m": _round(figures["mean_cost"], 1),
            "seconds": round(seconds, 3),
        }

    return {
        "benchmark": "allocation_solver",
        "cases": cases,
        "services": services,
        "slots": slots,
        "eligible_pairs": len(instance.costs),
        "seed": seed,
        "generate_s": round(generated_s, 2),
        "allocate_s": round(allocate_s, 3),
        "target_s": TARGET_SECONDS,
        "within_target": allocate_s <= TARGET_SECONDS,
        "deterministic": again == optimal,
        "rss_before_allocate_mb": round(rss_before, 1),
        "peak_rss_mb": round(rss_after, 1),
        "python_peak_allocate_mb": round(python_peak / 2**20, 1),
        "optimal": summary(optimal, allocate_s),
        "fcfs": summary(fcfs, fcfs_s),
        "nearest_greedy": summary(greedy, greedy_s),
    }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--services", type=int, default=2_000)
    parser.add_argument("--slots", type=int, default=5_000)
    parser.add_argument("--per-case", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    figures = solver_figures(
        cases=args.cases,
        services=args.services,
        slots=args.slots,
        per_case=args.per_case,
        seed=args.seed,
    )
    print(
        f"allocate: {figures['allocate_s']:.2f} s for {figures['cases']} cases, "
        f"{figures['eligible_pairs']} eligible pairs (target <= {TARGET_SECONDS:g} s); "
        f"peak RSS {figures['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    for name in ("optimal", "fcfs", "nearest_greedy"):
        row = figures[name]
        print(
            f"{name}: served {row['served']}, mean priority {row['mean_priority']}, "
            f"mean distance {row['mean_cost_m']} m",
            flush=True,
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
