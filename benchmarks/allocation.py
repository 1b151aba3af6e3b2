"""Allocation of waiting children to free slots: the exact solver at city scale, and enrolment
under concurrency over the HTTP API.

1. Solver (no database): 20,000 waiting cases, 2,000 services with 5,000 free slots in all,
   about 15 eligible services per case (``allocation_solver.solver_figures``). ``allocate``
   must finish in <= 5 s; its peak memory is reported, and the same instance is solved by
   first-come-first-served and by nearest-slot greedy. The instance is crowded (four children
   per slot), so all three serve every slot: the difference is in the mean priority served.
2. Concurrency: a site with 10 free slots, 200 accepted referrals to it, and 200 simultaneous
   ``POST /api/enrolments/`` from one provider's session (50 client threads, one connection
   per request) against ``manage.py runserver``. Exactly 10 must be enrolled, 190 waitlisted,
   none fail; the database is then checked for exactly 10 active enrolments. The server runs
   with CONN_MAX_AGE 0 (see ``--server-conn-max-age``) and connections that runserver's small
   accept backlog resets are sent again and counted (see ``enrol``).

Usage: .venv/bin/python benchmarks/allocation.py [--requests N] [--capacity N] [--workers N]
Database: its own, ``puente_bench_alloc`` (created and migrated if missing); every run adds a
fresh organization, site and cases, so runs never see each other's data.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_database_url, http_server, setup_django
from allocation_solver import TARGET_SECONDS, solver_figures

PASSWORD = "clave-del-benchmark"  # noqa: S105  (a throwaway user in the benchmark's database)


# --- 1. solver ---------------------------------------------------------------------------------


def run_solver(*, cases: int, services: int, slots: int, per_case: int) -> dict[str, Any]:
    figures = solver_figures(cases=cases, services=services, slots=slots, per_case=per_case)
    print(
        f"allocate: {figures['allocate_s']:.2f} s for {figures['cases']} cases, "
        f"{figures['services']} services, {figures['slots']} slots, "
        f"{figures['eligible_pairs']} eligible pairs (target <= {TARGET_SECONDS:g} s); "
        f"Python peak during allocate {figures['python_peak_allocate_mb']:.0f} MB "
        f"(tracemalloc), process peak RSS {figures['peak_rss_mb']:.0f} MB",
        flush=True,
    )
    for name in ("optimal", "fcfs", "nearest_greedy"):
        row = figures[name]
        print(
            f"  {name}: served {row['served']}, mean priority {row['mean_priority']}, "
            f"mean distance {row['mean_cost_m']} m, {row['seconds']} s",
            flush=True,
        )
    return figures


# --- 2. concurrency ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    username: str
    site_id: uuid.UUID
    referral_ids: list[uuid.UUID]


def make_scenario(*, requests: int, capacity: int) -> Scenario:
    """A provider with a password, one site with ``capacity`` slots, accepted referrals to it."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Role
    from accounts.services import user_create
    from cases.models import Case
    from matching.models import Referral, ReferralStatus
    from tests.factories import (
        CaseFactory,
        OrganizationFactory,
        ServiceAtSiteFactory,
        TerritoryFactory,
    )

    tag = uuid.uuid4().hex[:10]  # names of this run; earlier runs' rows stay untouched
    with transaction.atomic():
        territory = TerritoryFactory.create(code=f"BENCH-{tag}", name=f"Benchmark {tag}")
        provider_org = OrganizationFactory.create(name=f"Proveedor benchmark {tag}")
        case_org = OrganizationFactory.create(name=f"Equipo de casos benchmark {tag}")
        site = ServiceAtSiteFactory.create(
            service__organization=provider_org,
            service__name=f"Prestación benchmark {tag}",
            site__territory=territory,
            capacity=capacity,
        )
        provider = user_create(
            username=f"bench-provider-{tag}",
            password=PASSWORD,
            memberships=[(provider_org, Role.PROVIDER)],
        )
        caseworker = user_create(
            username=f"bench-caseworker-{tag}",
            password=PASSWORD,
            memberships=[(case_org, Role.CASEWORKER)],
        )
        cases = Case.objects.bulk_create(
            [
                CaseFactory.build(organization=case_org, caseworker=caseworker, territory=territory)
                for _ in range(requests)
            ]
        )
        now = timezone.now()
        referrals = Referral.objects.bulk_create(
            [
                Referral(
                    case=case,
                    service=site.service,
                    service_at_site=site,
                    status=ReferralStatus.ACCEPTED,
                    created_by=caseworker,
                    sent_at=now,
                    responded_at=now,
                )
                for case in cases
            ]
        )
    return Scenario(
        username=provider.username, site_id=site.pk, referral_ids=[r.pk for r in referrals]
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


@dataclass(frozen=True)
class Session:
    sessionid: str
    csrftoken: str


def login(host: str, port: int, *, username: str, password: str) -> Session:
    """The login page's form, as a browser would post it: CSRF cookie first, then sign in."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/entrar/")
    response = conn.getresponse()
    response.read()
    csrftoken = _cookies(response).get("csrftoken")
    conn.close()
    if response.status != 200 or not csrftoken:
        raise RuntimeError(f"GET /entrar/: HTTP {response.status}, csrftoken {csrftoken!r}")

    conn = http.client.HTTPConnection(host, port, timeout=30)
    body = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": csrftoken})
    conn.request(
        "POST",
        "/entrar/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrftoken}",
            "Referer": f"http://{host}:{port}/entrar/",
        },
    )
    response = conn.getresponse()
    text = response.read().decode(errors="replace")
    conn.close()
    cookies = _cookies(response)
    if response.status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"POST /entrar/: HTTP {response.status}, no session: {text[:300]}")
    # Signing in rotates the CSRF token; the new one comes with the session cookie.
    return Session(sessionid=cookies["sessionid"], csrftoken=cookies.get("csrftoken", csrftoken))


@dataclass(frozen=True)
class Outcome:
    status: int
    body: str
    seconds: float
    resets: int  # connections reset before any response came back, then retried


def enrol(
    host: str, port: int, session: Session, referral_id: uuid.UUID, *, retries: int
) -> Outcome:
    """One POST on a connection of its own.

    runserver listens with a backlog of 10 (``WSGIServer.request_queue_size``): in a burst of
    50 connections some are reset by the kernel before Django ever sees them. Such a request
    is sent again on a new connection, up to ``retries`` times, and counted. A retry cannot
    place a child twice: the first placement moves the referral out of "accepted", so a
    repeated request is refused (and counted as an error); the database check confirms it.
    """
    started = time.perf_counter()
    resets = 0
    while True:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=120)
            conn.request(
                "POST",
                "/api/enrolments/",
                body=json.dumps({"referral_id": str(referral_id)}),
                headers={
                    "Content-Type": "application/json",
                    "Cookie": f"sessionid={session.sessionid}; csrftoken={session.csrftoken}",
                    "X-CSRFToken": session.csrftoken,
                    "Referer": f"http://{host}:{port}/",
                    "Connection": "close",
                },
            )
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
            conn.close()
            return Outcome(response.status, body, time.perf_counter() - started, resets)
        except (ConnectionResetError, ConnectionRefusedError, BrokenPipeError) as error:
            # No status line came back (RemoteDisconnected is a ConnectionResetError).
            conn.close()
            if resets >= retries:
                return Outcome(
                    0, f"{type(error).__name__}: {error}", time.perf_counter() - started, resets
                )
            resets += 1
            time.sleep(0.05 * resets)
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            return Outcome(
                0, f"{type(error).__name__}: {error}", time.perf_counter() - started, resets
            )


def classify(outcome: Outcome) -> str:
    try:
        result = json.loads(outcome.body).get("result")
    except (ValueError, AttributeError):
        result = None
    if outcome.status == 201 and result == "enrolled":
        return "enrolled"
    if outcome.status == 200 and result == "waitlisted":
        return "waitlisted"
    return "errors"


@contextmanager
def environment(**values: str) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_concurrency(
    url: str,
    *,
    requests: int,
    capacity: int,
    workers: int,
    port: int,
    retries: int,
    server_conn_max_age: str,
) -> dict[str, Any]:
    from waitlists.models import Enrolment, EnrolmentStatus, WaitlistEntry

    scenario = make_scenario(requests=requests, capacity=capacity)
    print(
        f"concurrency: {requests} accepted referrals to one site with {capacity} slots; "
        f"{requests} simultaneous POST /api/enrolments/ from {workers} threads "
        f"(server CONN_MAX_AGE {server_conn_max_age})",
        flush=True,
    )
    # http_server passes this process's environment on to runserver.
    with (
        environment(DATABASE_CONN_MAX_AGE=server_conn_max_age),
        http_server(url, port) as address,
    ):
        host, port_text = address.split(":")
        session = login(host, int(port_text), username=scenario.username, password=PASSWORD)
        go = threading.Event()

        def task(referral_id: uuid.UUID) -> Outcome:
            go.wait()
            return enrol(host, int(port_text), session, referral_id, retries=retries)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(task, referral_id) for referral_id in scenario.referral_ids]
            started = time.perf_counter()
            go.set()
            outcomes = [future.result() for future in futures]
            wall_s = time.perf_counter() - started

    counts = {"enrolled": 0, "waitlisted": 0, "errors": 0}
    shown = 0
    for outcome in outcomes:
        kind = classify(outcome)
        counts[kind] += 1
        if kind == "errors" and shown < 5:
            shown += 1
            print(f"  error: HTTP {outcome.status}: {outcome.body[:300]}", flush=True)
    resets = sum(outcome.resets for outcome in outcomes)
    active = Enrolment.objects.filter(
        service_at_site_id=scenario.site_id, status=EnrolmentStatus.ACTIVE
    ).count()
    waiting = WaitlistEntry.objects.filter(referral_id__in=scenario.referral_ids).count()
    latencies = sorted(outcome.seconds for outcome in outcomes)
    print(
        f"  enrolled {counts['enrolled']}, waitlisted {counts['waitlisted']}, "
        f"errors {counts['errors']} in {wall_s:.1f} s "
        f"(slowest request {latencies[-1]:.2f} s; {resets} connections reset by runserver's "
        f"accept backlog and retried); database: {active} active enrolments "
        f"(must be {capacity}), {waiting} waitlist entries",
        flush=True,
    )
    consistent = active == counts["enrolled"] and waiting == counts["waitlisted"]
    if not consistent:
        print("  MISMATCH between the HTTP answers and the database", flush=True)
    return {
        "requests": requests,
        **counts,
        "capacity": capacity,
        "db_active_enrolments": active,
        "db_waitlist_entries": waiting,
        "exactly_capacity": active == capacity,
        "answers_match_database": consistent,
        "connection_resets_retried": resets,
        "server_conn_max_age": int(server_conn_max_age),
        "wall_s": round(wall_s, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--services", type=int, default=2_000)
    parser.add_argument("--slots", type=int, default=5_000)
    parser.add_argument("--per-case", type=int, default=15)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--capacity", type=int, default=10)
    # PostgreSQL allows 100 connections; runserver holds one per request thread.
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument(
        "--retries", type=int, default=5, help="resends of a request whose connection was reset"
    )
    # With persistent connections (settings: 60 s) runserver leaves each finished request
    # thread's connection open until garbage collection: a burst of 200 requests then holds
    # ~100 idle connections and PostgreSQL (max_connections 100) refuses the rest ("too many
    # clients", HTTP 500). Django's docs: the development server creates a thread per request,
    # which negates persistent connections. 0 closes each request's connection at its end.
    parser.add_argument("--server-conn-max-age", default="0")
    args = parser.parse_args()

    # The solver first, before Django is loaded, so the process's RSS is the solver's.
    figures = run_solver(
        cases=args.cases, services=args.services, slots=args.slots, per_case=args.per_case
    )

    url = bench_database_url("puente_bench_alloc")
    setup_django(url)
    concurrency = run_concurrency(
        url,
        requests=args.requests,
        capacity=args.capacity,
        workers=args.workers,
        port=args.port or free_port(),
        retries=args.retries,
        server_conn_max_age=args.server_conn_max_age,
    )

    rows = {"allocate": "optimal", "fcfs": "fcfs", "greedy": "nearest_greedy"}
    print(
        json.dumps(
            {
                "allocate_s": figures["allocate_s"],
                "within_target": figures["within_target"],
                # tracemalloc peak during allocate: Python objects (numpy included); the
                # OR-Tools solver's own C++ memory is not traced, peak_rss_mb bounds it.
                "peak_mb": figures["python_peak_allocate_mb"],
                "peak_rss_mb": figures["peak_rss_mb"],
                "cases": figures["cases"],
                "services": figures["services"],
                "slots": figures["slots"],
                "eligible_pairs": figures["eligible_pairs"],
                "served": {key: figures[row]["served"] for key, row in rows.items()},
                "mean_priority": {key: figures[row]["mean_priority"] for key, row in rows.items()},
                "mean_distance_m": {key: figures[row]["mean_cost_m"] for key, row in rows.items()},
                "concurrency": concurrency,
            }
        )
    )


if __name__ == "__main__":
    main()
