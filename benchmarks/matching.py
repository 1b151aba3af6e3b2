"""Matching at scale: referral_options and the priority recomputation.

At 100,000 services and 1,000,000 cases made by the project's generators
(``directory.demo`` for the map, ``demo.bulk.cases_bulk_generate`` for the cases),
times ``referral_options`` over random open cases (half for all their needs, half for
one need) and ``priority_recompute`` over every open case.

Usage: .venv/bin/python benchmarks/matching.py [--services N] [--cases N] [--queries N]
Targets: referral_options p95 <= 50 ms; priority recomputation of all cases <= 60 s.
The database is ``puente_bench_matching`` (``--database`` to change it); map and cases
are reused when their sizes match. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database_url, ensure_demo, percentile, setup_django

DATABASE = "puente_bench_matching"
# The directory benchmark's database, copied when it holds the same map and no cases.
DIRECTORY_DATABASE = "puente_bench"
SEED = 11  # the directory benchmark's seed: the same map


def clone_directory_bench(*, database: str, services: int, sites: int) -> None:
    """Start from the directory benchmark's map if ours does not exist yet.

    ``CREATE DATABASE … TEMPLATE`` copies files, much faster than generating; it
    needs nobody connected to the template, so any failure just means generating.
    """
    import psycopg
    from psycopg import sql

    base = urlparse(bench_database_url(database))
    params: dict[str, Any] = {
        "host": base.hostname or "127.0.0.1",
        "port": base.port or 5432,
        "user": base.username or "postgres",
        "password": base.password,
    }
    try:
        with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
            names = {
                row[0]
                for row in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname = ANY(%s)",
                    [[database, DIRECTORY_DATABASE]],
                )
            }
            if database in names or DIRECTORY_DATABASE not in names:
                return
            with psycopg.connect(dbname=DIRECTORY_DATABASE, **params) as source:
                found = source.execute(
                    "SELECT (SELECT count(*) FROM directory_service), "
                    "(SELECT count(*) FROM directory_site), "
                    "(SELECT count(*) FROM matching_case)"
                ).fetchone()
            if found != (services, sites, 0):
                return
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(database), sql.Identifier(DIRECTORY_DATABASE)
                )
            )
            print(f"copied the map from {DIRECTORY_DATABASE}", flush=True)
    except psycopg.Error as error:
        print(f"not copying {DIRECTORY_DATABASE} ({error}); generating instead", flush=True)


def ensure_cases(*, cases: int, referrals: int, regenerate: bool) -> float | None:
    """Generate the cases unless the database already holds exactly this many.

    Returns the seconds generation took, or None when the cases were reused.
    """
    from django.db import connection

    from cases.models import Case
    from demo.bulk import cases_bulk_generate
    from demo.progress import TqdmProgress
    from matching.models import Referral

    if not regenerate and Case.objects.count() == cases and Referral.objects.exists():
        print(f"reusing {cases} cases", flush=True)
        return None
    with connection.cursor() as cursor:
        # Faster than deleting row by row; the map stays. CASCADE: whatever refers to
        # cases and referrals (waiting lists, say) goes with them.
        cursor.execute(
            "TRUNCATE matching_case, matching_notification, matching_completionmodel CASCADE"
        )
    started = time.perf_counter()
    bars = TqdmProgress(totals={"homes": cases, "cases": cases, "referrals": referrals})
    try:
        made = cases_bulk_generate(count=cases, seed=SEED, referrals=referrals, progress=bars)
    finally:
        bars.close()
    elapsed = time.perf_counter() - started
    print(
        f"generated {made} cases and {Referral.objects.count()} referrals in {elapsed:.0f} s",
        flush=True,
    )
    return elapsed


def ensure_completion_model() -> float | None:
    """Train the completion model once, so ranking runs with all its components."""
    from matching.completion import completion_model_active, completion_model_train

    if completion_model_active() is not None:
        return None
    started = time.perf_counter()
    model = completion_model_train()
    elapsed = time.perf_counter() - started
    if model is None:
        print("completion model: not enough closed referrals; component off", flush=True)
    else:
        print(
            f"completion model trained on {model.training_size} referrals in {elapsed:.0f} s "
            f"(AUC {model.auc:.3f})",
            flush=True,
        )
    return elapsed


def time_priority_recompute() -> tuple[float, float, int]:
    """(every row rewritten, nothing to rewrite, cases scored).

    The first run is the worst case, a new policy version: each open case gets a new
    row. The stored policy is cleared first (untimed) so every row differs, as after
    a publication. The second run, right after, is a quiet nightly run.
    """
    from django.db import connection
    from tqdm import tqdm

    from cases.models import Case, CaseStatus
    from matching.services import priority_recompute

    open_cases = Case.objects.filter(status=CaseStatus.OPEN).count()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE matching_case SET priority_policy_id = NULL")
        cursor.execute("VACUUM ANALYZE matching_case")
    timings = []
    scored = 0
    for label in ("priority (all rows change)", "priority (nothing changes)"):
        with tqdm(total=open_cases, desc=label, unit=" cases") as bar:
            started = time.perf_counter()
            scored = priority_recompute(progress=bar.update)  # type: ignore[arg-type]
            timings.append(time.perf_counter() - started)
        print(f"{label}: {timings[-1]:.1f} s for {scored} cases", flush=True)
    return timings[0], timings[1], scored


def sample_cases(n: int) -> list[tuple[Any, Any]]:
    """(case, need or None) for ``n`` random open, admitted cases with an open need."""
    from django.db import connection

    from cases.models import Case, CaseNeed, NeedStatus

    rng = random.Random(SEED)
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.11)")
        cursor.execute(
            "SELECT c.id FROM matching_case c WHERE c.status = 'open' "
            "AND c.admissibility = 'admitted' AND EXISTS (SELECT 1 FROM matching_caseneed n "
            "WHERE n.case_id = c.id AND n.status IN ('open', 'addressed')) "
            "ORDER BY random() LIMIT %s",
            [n],
        )
        ids = [row[0] for row in cursor.fetchall()]
    cases = Case.objects.in_bulk(ids)
    needs: dict[Any, list[CaseNeed]] = defaultdict(list)
    for row in (
        CaseNeed.objects.filter(case_id__in=ids, status__in=[NeedStatus.OPEN, NeedStatus.ADDRESSED])
        .select_related("term")
        .order_by("case_id", "term__code")
    ):
        needs[row.case_id].append(row)
    picked = []
    for case_id in ids:
        # Half as the options page first opens (every open need), half for one need.
        need: CaseNeed | None = rng.choice(needs[case_id]) if rng.random() < 0.5 else None
        picked.append((cases[case_id], need))
    return picked


@contextmanager
def sql_breakdown() -> Iterator[dict[str, list[float]]]:
    """Time per statement shape (its first words), to see where the milliseconds go."""
    from django.db import connection

    spent: dict[str, list[float]] = defaultdict(list)

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = " ".join(sql.split())[:110]
            spent[shape].append((time.perf_counter() - started) * 1000)

    with connection.execute_wrapper(wrapper):
        yield spent


def time_options(picked: list[tuple[Any, Any]], *, profile: bool) -> list[tuple[bool, float]]:
    """(for one need?, milliseconds) per call."""
    from matching.options import referral_options

    for case, need in picked[:50]:  # warm caches and connections
        referral_options(case=case, need=need)
    profiler = cProfile.Profile() if profile else None
    timings = []
    with sql_breakdown() as spent:
        for case, need in picked:
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            referral_options(case=case, need=need)
            timings.append((need is not None, (time.perf_counter() - started) * 1000))
            if profiler:
                profiler.disable()
    total = sum(ms for _one, ms in timings)
    print("SQL per call, by statement (mean ms, share of the time):", flush=True)
    for shape, ms in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:12]:
        print(
            f"  {sum(ms) / len(picked):7.2f} ms  {100 * sum(ms) / total:4.1f}%  "
            f"x{len(ms) / len(picked):.1f}  {shape}",
            flush=True,
        )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        print(out.getvalue(), flush=True)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=None, help="default: 1.5 per service")
    parser.add_argument("--territories", type=int, default=300)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=None, help="default: 0.3 per case")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--profile", action="store_true", help="cProfile referral_options")
    parser.add_argument("--regenerate", action="store_true", help="generate the cases again")
    parser.add_argument("--skip-priority", action="store_true")
    parser.add_argument("--skip-options", action="store_true")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help="its own database; give small runs another, or they regenerate the big one",
    )
    args = parser.parse_args()
    sites = args.sites if args.sites is not None else args.services * 3 // 2
    referrals = args.referrals if args.referrals is not None else round(0.3 * args.cases)

    # Other work on the machine inflates every figure: say how busy it was.
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    clone_directory_bench(database=args.database, services=args.services, sites=sites)
    setup_django(bench_database_url(args.database))
    ensure_demo(services=args.services, sites=sites, territories=args.territories, seed=SEED)
    generation_s = ensure_cases(cases=args.cases, referrals=referrals, regenerate=args.regenerate)
    training_s = ensure_completion_model()

    recompute_s = unchanged_s = None
    if not args.skip_priority:
        recompute_s, unchanged_s, scored = time_priority_recompute()
        print(
            f"priority_recompute: {recompute_s:.1f} s for {scored} open cases, "
            f"{unchanged_s:.1f} s when nothing changed (target <= 60 s)",
            flush=True,
        )
    options: dict[str, float] | None = None
    if not args.skip_options:
        timed = time_options(sample_cases(args.queries), profile=args.profile)
        timings = [ms for _one, ms in timed]
        for label, part in (
            ("all open needs", [ms for one, ms in timed if not one]),
            ("one need", [ms for one, ms in timed if one]),
        ):
            if part:
                print(
                    f"  {label}: p50 {percentile(part, 50):.1f} ms, "
                    f"p95 {percentile(part, 95):.1f} ms ({len(part)} calls)",
                    flush=True,
                )
        options = {
            "p50_ms": round(percentile(timings, 50), 1),
            "p95_ms": round(percentile(timings, 95), 1),
        }
        print(
            f"referral_options: p50 {options['p50_ms']} ms, p95 {options['p95_ms']} ms "
            f"over {len(timings)} cases (target p95 <= 50 ms)",
            flush=True,
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f}", flush=True)

    def rounded(value: float | None) -> float | None:
        return round(value, 1) if value is not None else None

    print(
        json.dumps(
            {
                "services": args.services,
                "cases": args.cases,
                "referral_options": options,
                "priority_recompute_s": rounded(recompute_s),
                "priority_recompute_unchanged_s": rounded(unchanged_s),
                "generation_s": rounded(generation_s),
                "completion_training_s": rounded(training_s),
            }
        )
    )


if __name__ == "__main__":
    main()
