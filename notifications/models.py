"""What reaches people: notifications in each user's inbox, and by mail as they choose.

The ground floor of the apps: any app may notify, and a notification names a case by its
code only, so nothing here depends on the case file.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification is about: each person chooses, per kind, how it reaches them."""

    REFERRAL_RECEIVED = "referral_received", _("A referral arrives for your team")
    REFERRAL_ANSWERED = "referral_answered", _("A referral of your team is answered")
    REFERRAL_OVERDUE = "referral_overdue", _("A referral's answer is overdue")
    SLOT_OFFERED = "slot_offered", _("A slot is offered to a case of your team")
    ALERT_RAISED = "alert_raised", _("An alert or report arrives for a case of your team")
    TASK_DUE = "task_due", _("A task falls due")
    # Declared for the case-review meetings the case side will convene.
    MEETING_CONVENED = "meeting_convened", _("A meeting is convened")
    REQUEST = "request", _("Someone asks you to decide or review")
    CASE_UPDATE = "case_update", _("News on a case of your team")
    # Mailed by its sender always (the owner must fix the receiver): not a choice.
    WEBHOOK_PAUSED = "webhook_paused", _("A webhook is paused")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("By email at once")
    DIGEST = "digest", _("In a daily email summary")
    NONE = "none", _("Only in Puente")


# What a person gets until they choose: the urgent at once, what waits a day in the
# digest, news in Puente only.
DEFAULT_DELIVERY: dict[str, str] = {
    NotificationKind.REFERRAL_RECEIVED: Delivery.DIGEST,
    NotificationKind.REFERRAL_ANSWERED: Delivery.DIGEST,
    NotificationKind.REFERRAL_OVERDUE: Delivery.DIGEST,
    NotificationKind.SLOT_OFFERED: Delivery.IMMEDIATE,  # offers expire in hours
    NotificationKind.ALERT_RAISED: Delivery.IMMEDIATE,
    NotificationKind.TASK_DUE: Delivery.DIGEST,
    NotificationKind.MEETING_CONVENED: Delivery.DIGEST,
    NotificationKind.REQUEST: Delivery.DIGEST,
    NotificationKind.CASE_UPDATE: Delivery.NONE,
    NotificationKind.WEBHOOK_PAUSED: Delivery.NONE,
}
# The kinds a person chooses for on their page (the rest have a fixed way).
CHOOSABLE_KINDS: tuple[str, ...] = tuple(
    k for k in NotificationKind.values if k != NotificationKind.WEBHOOK_PAUSED
)


class Notification(models.Model):
    """Something a user must act on (an overdue answer, a new alert), shown in their inbox.

    The text names a case by its code only; the mail is written from the kind and the
    case code alone, in the recipient's language, so it never carries case contents.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(
        _("kind"),
        max_length=24,
        choices=NotificationKind.choices,
        default=NotificationKind.CASE_UPDATE,
    )
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    case_code = models.CharField(_("case code"), max_length=40, blank=True)
    # Set by a sender that must tell each person once (a follow-up falling due): a
    # second run finds the key and sends nothing.
    key = models.CharField(max_length=80, blank=True)
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # How it was to be mailed, chosen when it arrived, and when it was (queued).
    delivery = models.CharField(max_length=12, choices=Delivery.choices, default=Delivery.NONE)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table it had in ``matching``: the move changed Django's state only.
        db_table = "matching_notification"
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            # The digest's scan: only what still waits for it.
            models.Index(
                fields=["user", "created"],
                name="notification_digest_pending",
                condition=Q(delivery="digest", emailed_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=~Q(key=""), name="notification_once_per_key"
            )
        ]

    def __str__(self) -> str:
        return self.text


class NotificationSettings(models.Model):
    """A person's choices: per kind, at once, in the digest or only in Puente; the
    language of their mail. No row means the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_settings",
    )
    language = models.CharField(_("language of emails"), max_length=8, default="es")
    # {kind: delivery} for the kinds chosen; a kind missing takes its default.
    deliveries = models.JSONField(default=dict, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user_id)

    def delivery_for(self, kind: str) -> str:
        if kind not in CHOOSABLE_KINDS:
            return DEFAULT_DELIVERY.get(kind, Delivery.NONE)
        chosen = self.deliveries.get(kind)
        return chosen if chosen in Delivery.values else DEFAULT_DELIVERY.get(kind, Delivery.NONE)
