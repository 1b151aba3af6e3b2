"""Delivery of webhook events by the Celery worker, retried with exponential backoff."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from webhooks.delivery import WebhookAttemptFailed, webhook_attempt


@shared_task(
    bind=True,
    autoretry_for=(WebhookAttemptFailed,),
    retry_backoff=settings.WEBHOOK_RETRY_BACKOFF_SECONDS,
    retry_backoff_max=6 * 3600,
    retry_jitter=True,
    max_retries=settings.WEBHOOK_MAX_RETRIES,
)
def webhook_deliver_task(
    self: Task, *, subscription_id: str, event_id: str, event_type: str, body: str
) -> bool:
    return webhook_attempt(
        subscription_id=subscription_id,
        event_id=event_id,
        event_type=event_type,
        body=body,
        attempt=self.request.retries + 1,
    )
