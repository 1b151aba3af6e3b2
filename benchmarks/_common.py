"""Shared set-up for benchmarks: a database of their own, filled by the demo generator."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def bench_database_url(name: str) -> str:
    base = os.environ.get("DATABASE_URL", "postgis://postgres@127.0.0.1:5432/puente")
    return urlunparse(urlparse(base)._replace(path=f"/{name}"))


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ["DJANGO_DEBUG"] = "false"  # DEBUG keeps every query in memory
    sys.path.insert(0, str(ROOT))
    subprocess.run([PYTHON, str(ROOT / "scripts" / "ensure_database.py")], check=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_demo(
    *, services: int, sites: int, territories: int, seed: int = 11, organizations: int | None = None
) -> None:
    """Generate the demo at this scale unless the database already holds exactly it."""
    from django.core.management import call_command

    from directory.models import Organization, Service, Site

    if (
        Service.objects.count() == services
        and Site.objects.count() == sites
        and (organizations is None or Organization.objects.count() == organizations)
    ):
        print(f"reusing {services} services at {sites} sites", flush=True)
        return
    if Service.objects.exists():
        call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    scale = {} if organizations is None else {"organizations": organizations}
    call_command(
        "demo_municipality",
        services=services,
        sites=sites,
        territories=territories,
        seed=seed,
        no_users=True,
        **scale,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


@contextmanager
def http_server(database_url: str, port: int, *, server: str = "runserver") -> Iterator[str]:
    """The project served on ``port``: ``runserver`` (a thread per request: the most
    concurrency, for races) or ``gunicorn`` (as in production: a fixed pool of
    workers, each keeping its database connection)."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        # Throttle counters (and every other cache key) of this run only: a second run
        # within the minute would otherwise start from the first one's counts (429).
        "CACHE_KEY_PREFIX": f"puente-bench-{uuid.uuid4().hex[:12]}",
    }
    if server == "gunicorn":
        env.setdefault("DATABASE_CONN_MAX_AGE", "600")
        command = [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ]
    else:
        command = [
            PYTHON,
            "manage.py",
            "runserver",
            f"127.0.0.1:{port}",
            "--noreload",
            "--skip-checks",
        ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import http.client

        for _ in range(100):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/schema/")
                conn.getresponse().read()
                break
            except OSError:
                time.sleep(0.2)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
