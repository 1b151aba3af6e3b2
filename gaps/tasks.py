from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from gaps.inventory import gap_inventory_compute


# A restarted database or a deadlock with a long write is worth another try; the job
# is idempotent for its day, so a retry cannot leave two snapshots.
@shared_task(autoretry_for=(OperationalError,), retry_backoff=60, max_retries=3)
def gap_inventory_task() -> str:
    return str(gap_inventory_compute().day)
