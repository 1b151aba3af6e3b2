"""What reaches people: notifications in each user's inbox.

The ground floor of the apps: any app may notify, and a notification names a case by its
code only, so nothing here depends on the case file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """Something a user must act on (an overdue answer, a new alert), shown in their inbox.

    The text names a case by its code only: notifications may be mailed one day.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had in ``matching``: the move changed Django's state only.
        db_table = "matching_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.text
