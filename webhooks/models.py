"""Webhooks: an organization's own system follows the events of its scope.

A subscription belongs to one organization and receives only the events whose scope is
that organization (a referral sent to it, a referral it sent being answered, an
enrolment or an offer of its services or cases, an alert on a case of its team).
Deliveries carry ids, case codes and a link back to Puente, never case contents.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.TextChoices):
    REFERRAL_SENT = "referral.sent", _("Referral sent to the organization")
    REFERRAL_ANSWERED = "referral.answered", _("Referral of the organization answered")
    ENROLMENT_STARTED = "enrolment.started", _("Enrolment started")
    ENROLMENT_ENDED = "enrolment.ended", _("Enrolment ended")
    OFFER_MADE = "offer.made", _("Slot offered")
    ALERT_RAISED = "alert.raised", _("Alert on a case of the team")


class SubscriptionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused by hand")
    FAILING = "failing", _("Paused after repeated failures")


class WebhookSubscription(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("organization"),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = ArrayField(
        models.CharField(max_length=40, choices=WebhookEvent.choices),
        verbose_name=_("events"),
    )
    # Kept as is, not as a digest: every delivery is signed with it (HMAC needs the key).
    secret = models.CharField(_("secret"), max_length=100, editable=False)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=SubscriptionStatus.choices,
        default=SubscriptionStatus.ACTIVE,
    )
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # PROTECT: the owner is told when the subscription is paused; users are deactivated.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["-created"]
        indexes = [models.Index(fields=["organization", "status"], name="webhook_org_status")]

    def __str__(self) -> str:
        return self.url

    @property
    def is_active(self) -> bool:
        return self.status == SubscriptionStatus.ACTIVE


class WebhookDelivery(models.Model):
    """One attempt to deliver one event: its answer, never its body or the secret."""

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    event_id = models.UUIDField(_("event"))
    event_type = models.CharField(_("event type"), max_length=40, choices=WebhookEvent.choices)
    attempt = models.PositiveIntegerField(_("attempt"), default=1)
    at = models.DateTimeField(_("when"), default=timezone.now)
    status_code = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["subscription", "-at"], name="webhook_delivery_sub_at")]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.attempt}"
