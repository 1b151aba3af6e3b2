"""Reads of notifications: each user reads their own, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.selectors import AnyUser
from notifications.models import Notification, NotificationSettings


def notification_list_unread(*, user: AnyUser) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk or 0, read_at__isnull=True).order_by(
        "-created"
    )


def notification_unread_count(*, user: AnyUser) -> int:
    """How many notifications the user has not read: one COUNT on the unread index."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def notification_settings_of(*, user: User) -> NotificationSettings:
    """The user's own choices; an unsaved row of defaults when they never chose."""
    found = NotificationSettings.objects.filter(user_id=user.pk).first()
    return found or NotificationSettings(user_id=user.pk)
