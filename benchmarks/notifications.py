"""Notification emails at scale: 10,000 queued and delivered to a local SMTP server.

The script starts an aiosmtpd server on a free local port (counting what arrives) and a
real Celery worker (``--concurrency 2``, on a queue of this run's own, so no other worker
takes its messages) whose Django SMTP backend points at that server. It then creates
N users with an address (alerts reach them at once, the default) and sends them alerts
through ``notification_send`` in committed batches of 100: each commit queues one
``email_deliver_task`` per person. Timed from the first batch until the server has
received the N-th message.

Usage: .venv/bin/python benchmarks/notifications.py [--emails N] [--concurrency N]
Target: 10,000 emails <= 60 s. Database: its own, ``puente_bench_notifications``
(created and migrated if missing); each run removes the previous run's users first.
Needs Redis (REDIS_URL). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import PYTHON, ROOT, bench_database_url, setup_django

DATABASE = "puente_bench_notifications"
TARGET_SECONDS = 60
BATCH = 100
USER_PREFIX = "bench-notify-"


class CountingHandler:
    """Accepts every message and counts it; the benchmark reads nothing else."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()
        self.last_at = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.count += 1
            self.last_at = time.perf_counter()
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def people(count: int) -> list[Any]:
    """``count`` users with an address, made afresh (the last run's are removed)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    User.objects.filter(username__startswith=USER_PREFIX).delete()
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(
                username=f"{USER_PREFIX}{i}",
                email=f"persona{i}@bench.example.org",
                password=unusable,  # nobody signs in as them
            )
            for i in range(count)
        ],
        batch_size=2000,
    )
    return list(User.objects.filter(username__startswith=USER_PREFIX).order_by("pk"))


def start_worker(*, database_url: str, queue: str, smtp_port: int, concurrency: int) -> Any:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "DJANGO_DEBUG": "false",
        "EMAIL_URL": "",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "false",
    }
    return subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--concurrency={concurrency}",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def wait_for_worker(queue: str, timeout: float = 60) -> None:
    from config.celery import app

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        replies = app.control.ping(timeout=1.0)
        if replies:
            return
    raise RuntimeError("the Celery worker did not start")


def run(*, emails: int, concurrency: int) -> dict[str, Any]:
    from aiosmtpd.controller import Controller
    from django.db import transaction

    from config.celery import app
    from notifications.models import NotificationKind
    from notifications.services import notification_send

    # aiosmtpd logs every SMTP line at INFO: in this process, that is most of the work.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = CountingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    queue = f"bench-notifications-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue  # this process queues onto the worker's queue only
    app.conf.task_always_eager = False
    worker = start_worker(
        database_url=os.environ["DATABASE_URL"],
        queue=queue,
        smtp_port=port,
        concurrency=concurrency,
    )
    try:
        recipients = people(emails)
        print(f"{len(recipients)} people with an address; starting the worker", flush=True)
        wait_for_worker(queue)
        started = time.perf_counter()
        for offset in range(0, len(recipients), BATCH):
            with transaction.atomic():
                notification_send(
                    users=recipients[offset : offset + BATCH],
                    text=f"Nueva alerta en el caso B-{offset // BATCH:05d}.",
                    kind=NotificationKind.ALERT_RAISED,
                    case_code=f"B-{offset // BATCH:05d}",
                    link="/bandeja/",
                )
        queued_s = time.perf_counter() - started
        print(f"queued {emails} emails in {queued_s:.1f} s", flush=True)
        deadline = started + max(5 * TARGET_SECONDS, 120)
        last_print = 0.0
        while handler.count < emails and time.perf_counter() < deadline:
            time.sleep(0.2)
            if time.perf_counter() - last_print >= 2:
                last_print = time.perf_counter()
                print(
                    f"delivered {handler.count}/{emails} ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
        delivered = handler.count
        elapsed = (handler.last_at or time.perf_counter()) - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
        controller.stop()
    rate = delivered / elapsed if elapsed else 0.0
    scaled = elapsed * 10_000 / delivered if delivered else float("inf")
    print(
        f"delivered {delivered}/{emails} in {elapsed:.1f} s ({rate:.0f}/s; "
        f"10,000 at this rate: {scaled:.0f} s, target <= {TARGET_SECONDS} s)",
        flush=True,
    )
    return {"emails": delivered, "emails_s": round(elapsed, 2), "queued_s": round(queued_s, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--database", default=DATABASE)
    args = parser.parse_args()
    setup_django(bench_database_url(args.database))
    figures = run(emails=args.emails, concurrency=args.concurrency)
    print(json.dumps({"emails": figures["emails"], "emails_s": figures["emails_s"]}))


if __name__ == "__main__":
    main()
