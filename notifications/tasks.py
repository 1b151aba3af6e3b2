"""Celery tasks of notifications: mail delivery (notifications/delivery.py) and the digest."""

from __future__ import annotations

from celery import shared_task

from notifications.delivery import email_deliver_task
from notifications.services import notification_digest_send


@shared_task
def notification_digest_task() -> int:
    """The daily summary of notices each person chose to get so (beat, every morning)."""
    return notification_digest_send()


__all__ = ["email_deliver_task", "notification_digest_task"]
