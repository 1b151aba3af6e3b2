"""The gaps app's periodic jobs (scheduled in ``CELERY_BEAT_SCHEDULE``).

A restarted database or a deadlock with a long write is worth another try; every job is
idempotent for its day or period, so a retry cannot leave two snapshots.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

from celery import chord, shared_task
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from gaps.inventory import (
    GapPart,
    gap_inventory_compute,
    gap_inventory_finish,
    gap_inventory_part,
    gap_territory_chunks,
    territory_scope,
)
from gaps.services import management_report_take, network_snapshot_take, quarter_last_completed

_RETRY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 60,
    "max_retries": 3,
}


def _cases_estimate() -> int:
    # The planner's estimate is enough to choose a strategy, and costs no scan.
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'matching_case'")
        row = cursor.fetchone()
    estimate = int(row[0]) if row else 0
    if estimate >= 0:
        return estimate
    from cases.models import Case

    return Case.objects.count()


@shared_task(**_RETRY)
def gap_inventory_task(day: str | None = None) -> str:
    """The nightly gap inventory: in this process, or fanned out by territory at scale.

    The fan-out is a chord: each slice of territories computes its rows (no writes) and
    the callback writes the snapshot in one transaction, so a run with a failed slice
    leaves the previous snapshot as it was.
    """
    the_day = date.fromisoformat(day) if day else timezone.localdate()
    threshold = settings.GAPS_CHORD_MIN_CASES
    if _cases_estimate() < threshold:
        return str(gap_inventory_compute(day=the_day).day)
    chunks = gap_territory_chunks(chunks=settings.GAPS_CHORD_CHUNKS)
    result = chord(gap_inventory_part_task.s(chunk) for chunk in chunks)(
        gap_inventory_save_task.s(day=the_day.isoformat(), started_at=time.time())
    )
    return f"{the_day.isoformat()} ({len(chunks)} slices, {result.id})"


@shared_task(**_RETRY)
def gap_inventory_part_task(territory_ids: list[str]) -> dict[str, Any]:
    return gap_inventory_part(scope=territory_scope(territory_ids)).as_json()


@shared_task(**_RETRY)
def gap_inventory_save_task(parts: list[dict[str, Any]], *, day: str, started_at: float) -> str:
    snapshot = gap_inventory_finish(
        day=date.fromisoformat(day),
        parts=[GapPart.from_json(part) for part in parts],
        started_at=started_at,
    )
    return str(snapshot.day)


@shared_task(**_RETRY)
def network_snapshot_task(day: str | None = None) -> str:
    """The network indicators of the year to yesterday (03:15: yesterday is complete)."""
    the_day = date.fromisoformat(day) if day else timezone.localdate() - timedelta(days=1)
    return str(network_snapshot_take(day=the_day))


@shared_task(**_RETRY)
def quarterly_report_task() -> str:
    """The management report of the last quarter that ended."""
    start, end = quarter_last_completed(today=timezone.localdate())
    return str(management_report_take(start=start, end=end))
