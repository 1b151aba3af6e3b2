from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from cases.retention import cases_anonymise_expired
from cases.services.follow_up import follow_ups_notify_due


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def cases_anonymise_expired_task() -> int:
    """Nightly: closed cases past CASE_RETENTION_DAYS lose identity and free text."""
    return cases_anonymise_expired()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def follow_ups_notify_due_task() -> int:
    """Each morning: the case teams are told of the follow-up contacts due (once each)."""
    return follow_ups_notify_due()
