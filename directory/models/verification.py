"""Providers verify their own listings: the schedule, the requests and the review queue.

A ``VerificationRequest`` asks an organization's contact to confirm or correct its
listings through a one-time link (its token is shown once, in the mail; the database
keeps its SHA-256 digest). Each answered service at a site becomes a ``ListingUpdate``
the coordinator accepts, edits or refuses; the services' own history (simple-history)
keeps what the accepted changes did, and the update keeps its own.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.models.organization import Organization
from directory.models.site import ServiceAtSite


class VerificationSchedule(models.Model):
    """One row (pk 1) the coordinator edits in the admin: how often and how patiently."""

    interval_days = models.PositiveSmallIntegerField(
        _("ask every (days)"),
        default=365,
        validators=[MinValueValidator(7), MaxValueValidator(1095)],
    )
    interval_with_capacity_days = models.PositiveSmallIntegerField(
        _("ask every (days) when a service records capacity"),
        default=90,
        validators=[MinValueValidator(7), MaxValueValidator(1095)],
        help_text=_("Sooner: free slots change faster than addresses."),
    )
    link_days = models.PositiveSmallIntegerField(
        _("link valid for (days)"), default=21, validators=[MinValueValidator(1)]
    )
    remind_after_days = models.PositiveSmallIntegerField(
        _("remind after (days)"), default=7, validators=[MinValueValidator(1)]
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to coordination after (days)"), default=14, validators=[MinValueValidator(1)]
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("verification schedule")
        verbose_name_plural = _("verification schedule")

    def __str__(self) -> str:
        return str(_("Verification schedule"))


class VerificationRequest(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="verification_requests",
        verbose_name=_("organization"),
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    sent_to = models.EmailField(_("sent to"), blank=True)
    created = models.DateTimeField(_("asked"))
    expires_at = models.DateTimeField(_("link expires"))
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("answered by (signed in)"),
    )
    # Who answered through the link, as they wrote it: shown on the card's "by whom".
    respondent = models.CharField(_("answered by"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("verification request")
        verbose_name_plural = _("verification requests")
        ordering = ["-created"]
        constraints = [
            # One open request per organization: a reminder renews it, never duplicates.
            models.UniqueConstraint(
                fields=["organization"],
                condition=models.Q(answered_at__isnull=True),
                name="verification_request_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.created:%Y-%m-%d}"


class ListingUpdateStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class ListingUpdate(models.Model):
    """One service at a site as its provider confirmed or corrected it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(
        VerificationRequest,
        on_delete=models.CASCADE,
        related_name="updates",
        verbose_name=_("request"),
    )
    service_at_site = models.ForeignKey(
        ServiceAtSite,
        on_delete=models.CASCADE,
        related_name="listing_updates",
        verbose_name=_("service at a site"),
    )
    # {field: value} as the listing stood when answered, and as the provider proposes;
    # equal means "confirmed as is". Fields: directory.verification.LISTING_FIELDS.
    current = models.JSONField(default=dict)
    proposed = models.JSONField(default=dict)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ListingUpdateStatus.choices,
        default=ListingUpdateStatus.PENDING,
    )
    submitted_at = models.DateTimeField(_("submitted"))
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_note = models.TextField(_("note to the provider"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("listing update")
        verbose_name_plural = _("listing updates")
        ordering = ["submitted_at"]
        indexes = [models.Index(fields=["status", "submitted_at"])]

    def __str__(self) -> str:
        return str(self.service_at_site_id)

    @property
    def changed_fields(self) -> list[str]:
        return [k for k, v in self.proposed.items() if self.current.get(k) != v]
