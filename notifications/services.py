"""Writes of notifications."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification

# The column's width: a longer text is cut rather than refused, since it is ours.
TEXT_MAX = 300


def notification_send(*, users: Iterable[User], text: str, link: str = "") -> None:
    """Put ``text`` in each user's inbox. Name cases by their code only, never contents."""
    Notification.objects.bulk_create(
        [Notification(user=u, text=text[:TEXT_MAX], link=link) for u in users]
    )


@transaction.atomic
def notification_mark_read(*, user: User, notification_ids: Sequence[int]) -> int:
    return Notification.objects.filter(
        user=user, pk__in=notification_ids, read_at__isnull=True
    ).update(read_at=timezone.now())
