"""One task end to end through a real Celery worker process on the real Redis broker."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from directory.models import Service
from directory.tasks import services_flag_verification_due_task
from tests.factories import ServiceFactory


def _database_url_for_test_db() -> str:
    cfg = connection.settings_dict
    auth = cfg["USER"] or "postgres"
    if cfg["PASSWORD"]:
        auth += f":{cfg['PASSWORD']}"
    return f"postgis://{auth}@{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


@pytest.fixture
def worker_queue(django_db_serialized_rollback, transactional_db) -> Iterator[str]:
    """Start a worker bound to the test database, on a queue of its own."""
    queue = f"puente-test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_test_db(),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--queues",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=Path(settings.BASE_DIR),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield queue
    finally:
        celery_app.conf.task_always_eager = eager
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
def test_a_real_worker_flags_services_due_for_verification(worker_queue):
    stale = ServiceFactory(verified_on=None)
    result = services_flag_verification_due_task.apply_async(queue=worker_queue)
    assert result.get(timeout=90) == 1
    assert Service.objects.get(pk=stale.pk).verification_due
