"""Casework at scale: the task list, the case page, the duplicate check, closing a case.

At 1,000,000 cases made by the project's generator (``demo.bulk.cases_bulk_generate``:
each case with its report, needs, consents, alerts, referrals, follow-ups, notes,
partners, and an identity with its duplicate key for most), on the matching
benchmark's map (100,000 services), times:

* the task list: ``GET /tareas/`` through ``django.test.Client``, signed in as a
  caseworker of one team (the generator's teams hold ~50,000 cases each), and once as
  the generator's caseworker, who is on every team (1,000,000 cases);
* the case page: ``GET /casos/<id>/`` of random cases with a full history (referrals,
  follow-ups, notes, alerts, partners), and their closure page ``/casos/<id>/cierre/``;
* the duplicate check: ``case_duplicate_find`` with keys of existing cases and of new
  children;
* closing a case: ``case_close`` on distinct cases, each with 5 open referrals (sent or
  accepted) and 3 waitlist entries (their referrals waiting), committed.

Usage: .venv/bin/python benchmarks/casework.py [--cases N] [--queries N] [--closes N]
Targets (p95): task list <= 50 ms, case page <= 80 ms, duplicate check <= 20 ms,
case close <= 100 ms. The database is ``puente_bench_casework`` (``--database``);
created from the matching benchmark's (or the directory benchmark's) by TEMPLATE when
that one holds the same data, otherwise generated; reused when its sizes match. The
closes leave their cases closed: a later run closes others. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import json
import os
import pstats
import random
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database_url, ensure_demo, percentile, setup_django

DATABASE = "puente_bench_casework"
# Copied when one of them holds the same map (and the same cases, or none yet).
TEMPLATES = ("puente_bench_matching", "puente_bench")
SEED = 11  # the matching benchmark's seed: the same map and cases
BENCH_PREFIX = "bench-casework"


def clone_template(*, database: str, services: int, sites: int, cases: int) -> None:
    """Start from another benchmark's database if ours does not exist yet.

    ``CREATE DATABASE … TEMPLATE`` copies files, much faster than generating; it needs
    nobody connected to the template, so any failure just means generating.
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
                    [[database, *TEMPLATES]],
                )
            }
            if database in names:
                return
            for template in TEMPLATES:
                if template not in names:
                    continue
                with psycopg.connect(dbname=template, **params) as source:
                    found = source.execute(
                        "SELECT (SELECT count(*) FROM directory_service), "
                        "(SELECT count(*) FROM directory_site), "
                        "(SELECT count(*) FROM matching_case), "
                        "(SELECT count(*) FROM cases_report)"
                    ).fetchone()
                # The same map, and either the same cases with their casework or none.
                if found not in ((services, sites, cases, cases), (services, sites, 0, 0)):
                    continue
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(database), sql.Identifier(template)
                    )
                )
                print(f"copied {template}", flush=True)
                return
    except psycopg.Error as error:
        print(f"not copying a template ({error}); generating instead", flush=True)


def ensure_cases(*, cases: int, referrals: int, regenerate: bool) -> float | None:
    """Generate the cases unless the database holds this many with their casework."""
    from django.db import connection

    from cases.models import Case, Report
    from demo.bulk import cases_bulk_generate
    from demo.progress import TqdmProgress

    if not regenerate and Case.objects.count() == cases and Report.objects.exists():
        print(f"reusing {cases} cases", flush=True)
        vacuum_analyze()
        return None
    with connection.cursor() as cursor:
        # CASCADE: whatever refers to cases (reports, notes, waiting lists) goes too.
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
    print(f"generated {made} cases in {elapsed:.0f} s", flush=True)
    vacuum_analyze()
    return elapsed


def vacuum_analyze() -> None:
    """What autovacuum does after a bulk insert, at once: without the visibility map
    every count of a team's rows fetches each heap page instead of an index-only scan,
    which a running database (autovacuum on) never does for long."""
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"vacuumed in {time.perf_counter() - started:.0f} s", flush=True)


def team_caseworkers() -> list[tuple[Any, Any, int]]:
    """(caseworker, team, cases) for each team holding cases: one account per team."""
    from django.db.models import Count

    from accounts.models import Role, User
    from accounts.services import membership_grant
    from cases.models import Case
    from directory.models import Organization

    sizes = dict(
        Case.objects.values("organization_id")
        .annotate(n=Count("id"))
        .values_list("organization_id", "n")
    )
    found = []
    for index, team in enumerate(Organization.objects.filter(pk__in=sizes).order_by("name")):
        user, created = User.objects.get_or_create(username=f"{BENCH_PREFIX}-{index}")
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        membership_grant(user=user, organization=team, role=Role.CASEWORKER)
        found.append((user, team, sizes[team.pk]))
    return found


def client_for(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


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
            spent[" ".join(sql.split())[:140]].append((time.perf_counter() - started) * 1000)

    with connection.execute_wrapper(wrapper):
        yield spent


def timed(
    label: str,
    calls: list[Callable[[], Any]],
    *,
    profile: bool,
    warm: int = 20,
) -> list[float]:
    """Milliseconds per call (after ``warm`` untimed ones), with the SQL breakdown."""
    for call in calls[:warm]:
        call()
    profiler = cProfile.Profile() if profile else None
    timings = []
    with sql_breakdown() as spent:
        for call in calls:
            if profiler:
                profiler.enable()
            started = time.perf_counter()
            call()
            timings.append((time.perf_counter() - started) * 1000)
            if profiler:
                profiler.disable()
    total = sum(timings)
    print(f"{label}: SQL per call, by statement (mean ms, share of the time):", flush=True)
    for shape, ms in sorted(spent.items(), key=lambda kv: -sum(kv[1]))[:8]:
        print(
            f"  {sum(ms) / len(calls):7.2f} ms  {100 * sum(ms) / total:4.1f}%  "
            f"x{len(ms) / len(calls):.1f}  {shape}",
            flush=True,
        )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(25)
        print(out.getvalue(), flush=True)
    return timings


def summary(label: str, timings: list[float], target: float) -> float:
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    print(
        f"{label}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(timings)} "
        f"(target p95 <= {target:g} ms)",
        flush=True,
    )
    return round(p95, 1)


def get_ok(client: Any, path: str) -> Callable[[], Any]:
    def call() -> Any:
        response = client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code}")
        return response

    return call


def time_task_list(
    workers: list[tuple[Any, Any, int]], *, queries: int, profile: bool
) -> list[float]:
    clients = [client_for(user) for user, _team, _n in workers]
    calls = [get_ok(clients[i % len(clients)], "/tareas/") for i in range(queries)]
    return timed("task list", calls, profile=profile)


def full_history_cases(n: int) -> list[tuple[Any, Any]]:
    """(case id, team id) of ``n`` random cases with referrals, follow-ups, notes, alerts."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.11)")
        cursor.execute(
            "SELECT c.id, c.organization_id FROM matching_case c "
            "TABLESAMPLE BERNOULLI (5) REPEATABLE (11) "
            "WHERE EXISTS (SELECT 1 FROM matching_referral r WHERE r.case_id = c.id) "
            "AND EXISTS (SELECT 1 FROM cases_followup f WHERE f.case_id = c.id) "
            "AND EXISTS (SELECT 1 FROM cases_casenote o WHERE o.case_id = c.id) "
            "AND EXISTS (SELECT 1 FROM matching_alert a WHERE a.case_id = c.id) "
            "ORDER BY random() LIMIT %s",
            [n],
        )
        return list(cursor.fetchall())


def time_case_pages(
    workers: list[tuple[Any, Any, int]], *, queries: int, profile: bool
) -> tuple[list[float], list[float]]:
    clients = {team.pk: client_for(user) for user, team, _n in workers}
    picked = full_history_cases(queries)
    print(f"case page: {len(picked)} cases with a full history", flush=True)
    pages = [get_ok(clients[team_id], f"/casos/{case_id}/") for case_id, team_id in picked]
    closures = [
        get_ok(clients[team_id], f"/casos/{case_id}/cierre/") for case_id, team_id in picked
    ]
    return (
        timed("case page", pages, profile=profile),
        timed("closure page", closures, profile=False),
    )


def time_duplicate_check(*, queries: int, profile: bool) -> list[float]:
    """Half with keys of existing cases (found), half with new children's (not found)."""
    from django.db import connection

    from cases.demo.bulk_casework import _invented_name
    from cases.selectors_intake import case_duplicate_find, duplicate_key_compute
    from directory.models import Territory

    rng = random.Random(SEED)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM cases_caseduplicatekey TABLESAMPLE BERNOULLI (1) REPEATABLE (11) "
            "LIMIT %s",
            [queries // 2],
        )
        existing = [row[0] for row in cursor.fetchall()]
    territories = list(Territory.objects.values_list("pk", flat=True)[:300])
    today = date.today()
    new = [
        duplicate_key_compute(
            full_name=_invented_name(rng),
            national_id="",
            birth_date=date(today.year - rng.randint(1, 17), 1, 1)
            + timedelta(days=rng.randint(0, 364)),
            sex=rng.choice(["female", "male"]),
            territory_id=rng.choice(territories),
        )
        for _ in range(queries - len(existing))
    ]
    keys = [key for key in existing + new if key]
    rng.shuffle(keys)
    found = 0

    def check(key: str) -> Callable[[], Any]:
        def call() -> Any:
            nonlocal found
            rows = case_duplicate_find(key=key)
            found += bool(rows)
            return rows

        return call

    timings = timed("duplicate check", [check(key) for key in keys], profile=profile, warm=0)
    print(f"duplicate check: {found} of {len(keys)} keys found a team", flush=True)
    return timings


def prepare_closes(workers: list[tuple[Any, Any, int]], *, count: int) -> list[tuple[Any, Any]]:
    """(caseworker, case) for ``count`` open cases, each given 5 open referrals (3 sent,
    2 accepted) and 3 waitlist entries with their waiting referrals: the rows and events
    ``referral_send``, ``referral_transition`` and ``referral_place`` write."""
    from django.db import connection, transaction
    from django.utils import timezone

    from cases.models import Case, Consent
    from directory.models import ServiceAtSite
    from matching.models import Referral, ReferralEvent, ReferralStatus
    from waitlists.models import WaitlistEntry, WaitlistEvent, WaitlistEventKind

    by_team = {team.pk: user for user, team, _n in workers}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id FROM matching_case c TABLESAMPLE BERNOULLI (1) REPEATABLE (7) "
            "WHERE c.status = 'open' AND c.admissibility = 'admitted' "
            "AND c.organization_id = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM matching_referral r WHERE r.case_id = c.id "
            "  AND r.status IN ('draft', 'sent', 'accepted', 'waiting', 'in_service')) "
            "AND NOT EXISTS (SELECT 1 FROM waitlists_waitlistentry w WHERE w.case_id = c.id) "
            "ORDER BY random() LIMIT %s",
            [list(by_team), count],
        )
        ids = [row[0] for row in cursor.fetchall()]
    cases = list(Case.objects.filter(pk__in=ids))
    sites = list(
        ServiceAtSite.objects.order_by("?").values_list("pk", "service_id")[: 8 * len(cases)]
    )
    now = timezone.now()
    with transaction.atomic():
        for index, case in enumerate(cases):
            actor = by_team[case.organization_id]
            consent = Consent.objects.filter(case=case).first()
            mine = sites[8 * index : 8 * index + 8]
            statuses = [ReferralStatus.SENT] * 3 + [ReferralStatus.ACCEPTED] * 2
            statuses += [ReferralStatus.WAITING] * 3
            referrals = Referral.objects.bulk_create(
                [
                    Referral(
                        case=case,
                        service_id=service_id,
                        service_at_site_id=site_id,
                        status=status,
                        created_by=actor,
                        consent=consent,
                        sent_at=now - timedelta(days=3),
                        response_due=now + timedelta(days=2),
                        responded_at=None if status == ReferralStatus.SENT else now,
                    )
                    for (site_id, service_id), status in zip(mine, statuses, strict=True)
                ]
            )
            events = []
            for referral in referrals:
                path = [ReferralStatus.DRAFT, ReferralStatus.SENT]
                if referral.status != ReferralStatus.SENT:
                    path.append(ReferralStatus.ACCEPTED)
                if referral.status == ReferralStatus.WAITING:
                    path.append(ReferralStatus.WAITING)
                events += [
                    ReferralEvent(referral=referral, from_status=a, to_status=b, actor=actor)
                    for a, b in itertools.pairwise(path)
                ]
            ReferralEvent.objects.bulk_create(events)
            entries = WaitlistEntry.objects.bulk_create(
                [
                    WaitlistEntry(case=case, service_id=r.service_id, referral=r)
                    for r in referrals
                    if r.status == ReferralStatus.WAITING
                ]
            )
            WaitlistEvent.objects.bulk_create(
                [
                    WaitlistEvent(
                        kind=WaitlistEventKind.JOINED,
                        case=case,
                        service_id=entry.service_id,
                        entry=entry,
                        actor=actor,
                    )
                    for entry in entries
                ]
            )
    return [(by_team[case.organization_id], case) for case in cases]


def time_closes(prepared: list[tuple[Any, Any]], *, profile: bool) -> list[float]:
    from django.db import transaction

    from cases.models import Case, CaseCloseReason, CaseStatus
    from cases.services.closure import case_close
    from matching.models import Referral, ReferralStatus
    from waitlists.models import EntryStatus, WaitlistEntry

    def close(actor: Any, case: Any) -> Callable[[], Any]:
        def call() -> Any:
            # Committed, as a caseworker's close is: the timing includes the commit.
            with transaction.atomic():
                return case_close(actor=actor, case=case, reason=CaseCloseReason.PLAN_COMPLETED)

        return call

    timings = timed(
        "case close", [close(actor, case) for actor, case in prepared], profile=profile, warm=0
    )
    ids = [case.pk for _actor, case in prepared]
    # What the closes did: every case closed, nothing of theirs left open.
    closed = Case.objects.filter(pk__in=ids, status=CaseStatus.CLOSED).count()
    withdrawn = Referral.objects.filter(case_id__in=ids, status=ReferralStatus.WITHDRAWN).count()
    left = WaitlistEntry.objects.filter(case_id__in=ids, status=EntryStatus.WITHDRAWN).count()
    print(
        f"case close: {closed} of {len(ids)} closed, {withdrawn} referrals withdrawn, "
        f"{left} waitlist entries left",
        flush=True,
    )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--services", type=int, default=100_000)
    parser.add_argument("--sites", type=int, default=None, help="default: 1.5 per service")
    parser.add_argument("--territories", type=int, default=300)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--referrals", type=int, default=None, help="default: 0.3 per case")
    parser.add_argument("--queries", type=int, default=500, help="calls per figure")
    parser.add_argument("--closes", type=int, default=100, help="cases closed")
    parser.add_argument("--profile", action="store_true", help="cProfile each timed call")
    parser.add_argument("--regenerate", action="store_true", help="generate the cases again")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help="its own database; give small runs another, or they regenerate the big one",
    )
    args = parser.parse_args()
    sites = args.sites if args.sites is not None else args.services * 3 // 2
    referrals = args.referrals if args.referrals is not None else round(0.3 * args.cases)

    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    # The test client's host, and cache keys (sessions, throttles) of this run only.
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["CACHE_KEY_PREFIX"] = f"puente-bench-{uuid.uuid4().hex[:12]}"
    clone_template(database=args.database, services=args.services, sites=sites, cases=args.cases)
    setup_django(bench_database_url(args.database))
    import logging

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per forced sign-in
    ensure_demo(services=args.services, sites=sites, territories=args.territories, seed=SEED)
    generation_s = ensure_cases(cases=args.cases, referrals=referrals, regenerate=args.regenerate)

    workers = team_caseworkers()
    sizes = sorted(n for _user, _team, n in workers)
    print(
        f"{len(workers)} teams, {sizes[0]}–{sizes[-1]} cases each: one caseworker per team",
        flush=True,
    )
    task_p95 = summary(
        "task list (one team)",
        time_task_list(workers, queries=args.queries, profile=args.profile),
        50,
    )
    # The generator's caseworker is on every team: a team of a million cases.
    from accounts.models import User
    from cases.demo.bulk import BULK_USERNAME

    everyone = User.objects.get(username=BULK_USERNAME)
    every_p95 = summary(
        "task list (every team)",
        time_task_list(
            [(everyone, None, args.cases)], queries=max(50, args.queries // 5), profile=False
        ),
        50,
    )
    pages, closure_pages = time_case_pages(workers, queries=args.queries, profile=args.profile)
    page_p95 = summary("case page", pages, 80)
    closure_p95 = summary("closure page", closure_pages, 80)
    duplicate_p95 = summary(
        "duplicate check", time_duplicate_check(queries=args.queries, profile=args.profile), 20
    )
    prepared = prepare_closes(workers, count=args.closes)
    close_p95 = summary("case close", time_closes(prepared, profile=args.profile), 100)
    print(
        f"also: task list of every team p95 {every_p95} ms, closure page p95 {closure_p95} ms"
        + (f", generation {generation_s:.0f} s" if generation_s is not None else ""),
        flush=True,
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}", flush=True)
    print(
        json.dumps(
            {
                "cases": args.cases,
                "task_list_p95_ms": task_p95,
                "case_page_p95_ms": page_p95,
                "duplicate_check_p95_ms": duplicate_p95,
                "case_close_p95_ms": close_p95,
            }
        )
    )


if __name__ == "__main__":
    main()
