from __future__ import annotations

from celery import shared_task

from waitlists.services import slot_offers_expire, waitlist_snapshot_take


@shared_task
def slot_offers_expire_task() -> int:
    return slot_offers_expire()


@shared_task
def waitlist_snapshot_task() -> int:
    return waitlist_snapshot_take()
