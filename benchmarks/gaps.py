"""Gap inventory and network indicators at scale.

(a) ``two_step_fca`` and its enhanced variant on 1,000,000 demand points x 20,000 supply
    points with a 5 km catchment, building the cost matrix included (haversine BallTree):
    time and peak traced memory (tracemalloc; NumPy and SciPy report their buffers to it).
    The points are synthetic, uniform over a box of ``--fca-box-km`` square (default 200 km,
    a region's size): the demo municipality is 13 x 12 km, where a 5 km catchment would hold
    half the supply for every demand point (10^10 pairs), which no planner would ask for.
(b) the whole nightly gap job (``gap_inventory_run``) on national-scale demo data: 300
    territories, 100,000 services, 150,000 sites, 1,000,000 cases. Target <= 120 s.
(c) the network indicators (``network_indicators_for_period`` over every referral) on
    5,000 organizations and 1,000,000 referrals. Target <= 60 s.

The map is made by the project's generators (``demo_municipality`` with 5,000
organizations, ``demo.bulk.cases_bulk_generate`` with 1,000,000 referrals). The case
generator puts every case in the first 20 social-protection teams; the benchmark then
spreads the cases over all organizations (random, seeded), so referrals come from 5,000
senders and the graph has ~1,000,000 ties, the hard case for the network indicators.

Usage: .venv/bin/python benchmarks/gaps.py [--services N] [--cases N] [--referrals N]
       [--prepare-only] [--skip-fca] [--skip-gaps] [--skip-network]
The database is ``puente_bench_gaps`` (``--database`` to change it); map and cases are
reused when their sizes match. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import ROOT, bench_database_url, ensure_demo, setup_django

# This script is called gaps.py too: the project's root must come before its folder.
sys.path.insert(0, str(ROOT))

DATABASE = "puente_bench_gaps"
SEED = 11


def ensure_cases(*, cases: int, referrals: int, regenerate: bool) -> None:
    """Generate the cases unless the database already holds exactly these counts."""
    from django.db import connection

    from cases.models import Case
    from demo.bulk import cases_bulk_generate
    from demo.progress import TqdmProgress
    from matching.models import Referral

    if not regenerate and Case.objects.count() == cases and Referral.objects.count() == referrals:
        print(f"reusing {cases} cases and {referrals} referrals", flush=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE matching_case, matching_notification, matching_completionmodel CASCADE"
        )
    started = time.perf_counter()
    bars = TqdmProgress(totals={"homes": cases, "cases": cases, "referrals": referrals})
    try:
        cases_bulk_generate(count=cases, seed=SEED, referrals=referrals, progress=bars)
    finally:
        bars.close()
    print(f"cases generated in {time.perf_counter() - started:.0f} s", flush=True)


def spread_senders() -> None:
    """Give the cases random owning organizations, so referrals come from every organization.

    Idempotent: skipped when the cases already belong to many organizations.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(DISTINCT organization_id) FROM matching_case")
        owners = int(cursor.fetchone()[0])
        if owners > 100:
            print(f"cases already spread over {owners} organizations", flush=True)
            return
        started = time.perf_counter()
        cursor.execute("SELECT setseed(0.11)")
        cursor.execute(
            """
            WITH orgs AS (SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n
                          FROM directory_organization)
            UPDATE matching_case c
            SET organization_id = orgs.ids[1 + floor(random() * orgs.n)::int]
            FROM orgs
            """
        )
        cursor.execute("VACUUM ANALYZE matching_case")
    print(f"senders spread in {time.perf_counter() - started:.0f} s", flush=True)


def time_fca(
    *, demand_n: int, supply_n: int, catchment_m: float, box_km: float
) -> dict[str, float]:
    """(a): seconds for 2SFCA and E2SFCA, each building its cost matrix, and peak MB."""
    import numpy as np

    from gaps.accessibility import haversine_cost_matrix, two_step_fca, zone_weights_thirds

    rng = np.random.default_rng(SEED)
    # A box of box_km around 33.45 S: degrees of latitude are 111.2 km, of longitude less.
    lat0 = -33.45
    dlat = box_km / 111.2
    dlon = box_km / (111.2 * np.cos(np.radians(lat0)))

    def points(n: int) -> np.ndarray:
        return np.column_stack(
            (
                -70.6 + (rng.random(n) - 0.5) * dlon,
                lat0 + (rng.random(n) - 0.5) * dlat,
            )
        )

    demand_xy, supply_xy = points(demand_n), points(supply_n)
    demand = rng.integers(1, 20, demand_n).astype(float)
    supply = rng.integers(1, 50, supply_n).astype(float)
    results: dict[str, float] = {}
    peak = 0.0
    for label, weights in (("fca", None), ("e2sfca", zone_weights_thirds(catchment_m))):
        tracemalloc.start()
        started = time.perf_counter()
        cost = haversine_cost_matrix(
            demand_lonlat=demand_xy, supply_lonlat=supply_xy, max_distance_m=catchment_m
        )
        built = time.perf_counter() - started
        access = two_step_fca(
            demand=demand, supply=supply, cost=cost, catchment=catchment_m, weights=weights
        )
        elapsed = time.perf_counter() - started
        _current, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        peak = max(peak, traced_peak / 2**20)
        print(
            f"{label}: {elapsed:.1f} s ({built:.1f} s building {cost.nnz:,} pairs), "
            f"peak {traced_peak / 2**20:.0f} MB, mean A {float(access.mean()):.4f}, "
            f"zero A {float((access == 0).mean()):.1%}",
            flush=True,
        )
        results[f"{label}_s"] = elapsed
        del cost, access
    results["peak_mb"] = peak
    return results


def time_gap_job(*, profile: bool) -> float:
    """(b): the nightly job in one process (the chord spreads the same work over workers)."""
    from django.utils import timezone

    from gaps.inventory import gap_inventory_compute

    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    started = time.perf_counter()
    snapshot = gap_inventory_compute(day=timezone.localdate(), progress=lambda m: print(f"  {m}"))
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue(), flush=True)
    print(
        f"gap job: {elapsed:.1f} s, {snapshot.cells.count()} cells, "
        f"{snapshot.hotspots.count()} hotspots (target <= 120 s)",
        flush=True,
    )
    return elapsed


def time_network() -> float:
    """(c): indicators over every referral in the database."""
    from django.db import connection

    from gaps.network import network_indicators_for_period

    with connection.cursor() as cursor:
        cursor.execute("SELECT min(sent_at), max(sent_at), count(*) FROM matching_referral")
        first, last, count = cursor.fetchone()
    start = (first or datetime.now(UTC)) - timedelta(days=1)
    end = (last or datetime.now(UTC)) + timedelta(days=1)
    started = time.perf_counter()
    indicators = network_indicators_for_period(start=start, end=end)
    elapsed = time.perf_counter() - started
    print(
        f"network: {elapsed:.1f} s for {indicators.referrals:,} referrals "
        f"({count:,} rows, drafts unsent) among {indicators.organizations:,} organizations, "
        f"{indicators.edges:,} ties, density {indicators.density:.4f} (target <= 60 s)",
        flush=True,
    )
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=None, help="default: 1.5 per service")
    parser.add_argument("--territories", type=int, default=300)
    parser.add_argument("--organizations", type=int, default=5_000)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=1_000_000)
    parser.add_argument("--fca-demand", type=int, default=1_000_000)
    parser.add_argument("--fca-supply", type=int, default=20_000)
    parser.add_argument("--fca-catchment-m", type=float, default=5_000.0)
    parser.add_argument("--fca-box-km", type=float, default=200.0)
    parser.add_argument(
        "--prepare-only", action="store_true", help="generate the data, time nothing"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the cases again")
    parser.add_argument("--profile", action="store_true", help="cProfile the gap job")
    parser.add_argument("--skip-fca", action="store_true")
    parser.add_argument("--skip-gaps", action="store_true")
    parser.add_argument("--skip-network", action="store_true")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help="its own database; give small runs another, or they regenerate the big one",
    )
    args = parser.parse_args()
    sites = args.sites if args.sites is not None else args.services * 3 // 2

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    figures: dict[str, float | None] = {
        "fca_1m_s": None,
        "e2sfca_1m_s": None,
        "fca_peak_mb": None,
        "gap_job_s": None,
        "network_s": None,
    }
    if not args.skip_fca and not args.prepare_only:
        fca = time_fca(
            demand_n=args.fca_demand,
            supply_n=args.fca_supply,
            catchment_m=args.fca_catchment_m,
            box_km=args.fca_box_km,
        )
        figures["fca_1m_s"] = round(fca["fca_s"], 1)
        figures["e2sfca_1m_s"] = round(fca["e2sfca_s"], 1)
        figures["fca_peak_mb"] = round(fca["peak_mb"])
    if args.prepare_only or not (args.skip_gaps and args.skip_network):
        setup_django(bench_database_url(args.database))
        ensure_demo(
            services=args.services,
            sites=sites,
            territories=args.territories,
            seed=SEED,
            organizations=args.organizations,
        )
        ensure_cases(cases=args.cases, referrals=args.referrals, regenerate=args.regenerate)
        spread_senders()
    if not args.prepare_only:
        if not args.skip_gaps:
            figures["gap_job_s"] = round(time_gap_job(profile=args.profile), 1)
        if not args.skip_network:
            figures["network_s"] = round(time_network(), 1)
    print(f"load average at end: {os.getloadavg()[0]:.2f}", flush=True)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
