"""Slots in use, the unified waitlists, offers of freed slots, allocation rounds, history.

A slot is a unit of a service-at-site's capacity (``directory.ServiceAtSite.capacity``).
It is taken by an active enrolment or held by a pending offer; the rest are free.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("In service")
    COMPLETED = "completed", _("Completed")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    MOVED = "moved", _("Moved away")
    # Set by the case's closing, never chosen by a provider (see waitlists.closing).
    CASE_CLOSED = "case_closed", _("Ended when the case closed")


class Enrolment(models.Model):
    """A case in a slot of a service at a site."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("case")
    )
    service_at_site = models.ForeignKey(
        "directory.ServiceAtSite",
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("service at site"),
    )
    referral = models.ForeignKey(
        "matching.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="enrolments",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EnrolmentStatus.choices, default=EnrolmentStatus.ACTIVE
    )
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            # A child holds at most one slot of a given service at a given site.
            models.UniqueConstraint(
                fields=["case", "service_at_site"],
                condition=Q(status="active"),
                name="enrolment_one_active_per_case_and_site",
            ),
            models.CheckConstraint(
                condition=Q(status="active", ended_at__isnull=True)
                | (~Q(status="active") & Q(ended_at__isnull=False)),
                name="enrolment_ended_iff_not_active",
            ),
        ]
        indexes = [
            models.Index(
                fields=["service_at_site"],
                condition=Q(status="active"),
                name="enrolment_active_by_site",
            ),
            models.Index(fields=["service_at_site", "ended_at"], name="enrolment_throughput"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} @ {self.service_at_site_id}"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Slot offered")
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ACTIVE_ENTRY_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)


class WaitlistEntry(models.Model):
    """A case waiting for a slot of a service. Ordered live by the case's unified priority."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        verbose_name=_("case"),
    )
    service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        verbose_name=_("service"),
    )
    referral = models.ForeignKey(
        "matching.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="waitlist_entries",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING
    )
    requested_at = models.DateTimeField(_("waiting since"), default=timezone.now)
    closed_at = models.DateTimeField(_("left the list"), null=True, blank=True)

    class Meta:
        verbose_name = _("waitlist entry")
        verbose_name_plural = _("waitlist entries")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "service"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_one_active_entry_per_case_and_service",
            )
        ]
        indexes = [
            models.Index(
                fields=["service", "requested_at"],
                condition=Q(status__in=["waiting", "offered"]),
                name="waitlist_active_by_service",
            ),
            models.Index(fields=["service", "closed_at"], name="waitlist_outflow"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ⏳ {self.service_id}"


class OfferStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")


class SlotOffer(models.Model):
    """A freed slot held for the top eligible entry until it answers or the offer expires."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    service_at_site = models.ForeignKey(
        "directory.ServiceAtSite", on_delete=models.PROTECT, related_name="slot_offers"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.PENDING
    )
    offered_at = models.DateTimeField(_("offered"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("slot offer")
        verbose_name_plural = _("slot offers")
        constraints = [
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(status="pending"),
                name="slot_offer_one_pending_per_entry",
            )
        ]
        indexes = [
            models.Index(
                fields=["service_at_site"],
                condition=Q(status="pending"),
                name="slot_offer_pending_by_site",
            )
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} ← {self.service_at_site_id}"


class WaitlistEventKind(models.TextChoices):
    JOINED = "joined", _("Joined the waitlist")
    OFFERED = "offered", _("Offered a slot")
    ACCEPTED = "accepted", _("Accepted the slot")
    DECLINED = "declined", _("Declined the slot")
    EXPIRED = "expired", _("Offer expired")
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn from the waitlist")
    ENDED = "ended", _("Left the service")


class WaitlistEvent(models.Model):
    """Every step of a waitlist or a slot, append-only."""

    kind = models.CharField(max_length=10, choices=WaitlistEventKind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("directory.Service", on_delete=models.CASCADE, related_name="+")
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.SET_NULL, null=True)
    enrolment = models.ForeignKey(Enrolment, on_delete=models.SET_NULL, null=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("waitlist event")
        verbose_name_plural = _("waitlist events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"


class WaitlistSnapshot(models.Model):
    """One day of one service's waitlist, kept for the trend charts."""

    day = models.DateField()
    service = models.ForeignKey("directory.Service", on_delete=models.CASCADE, related_name="+")
    # The service's categories that day (with ancestors), for the per-category charts.
    category_codes = ArrayField(models.CharField(max_length=50), default=list)
    waiting = models.PositiveIntegerField()
    slots = models.PositiveIntegerField()
    enrolled = models.PositiveIntegerField()
    oldest_wait_days = models.FloatField(null=True)
    median_wait_days = models.FloatField(null=True)
    inflow = models.PositiveIntegerField()
    outflow = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("waitlist snapshot")
        verbose_name_plural = _("waitlist snapshots")
        constraints = [
            models.UniqueConstraint(fields=["day", "service"], name="waitlist_snapshot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service_id}: {self.waiting}"


class RoundStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    DISCARDED = "discarded", _("Discarded")


class AllocationRound(models.Model):
    """A proposal of who gets which free slot, for a case-review meeting, then confirmed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    territory = models.ForeignKey(
        "directory.Territory",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("territory"),
    )
    category = models.ForeignKey(
        "directory.TaxonomyTerm",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("category"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=RoundStatus.choices, default=RoundStatus.PROPOSED
    )
    # entry id → service-at-site id (or null), as proposed; plus the comparison figures.
    proposal = models.JSONField(default=dict)
    comparison = models.JSONField(default=dict)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("allocation round")
        verbose_name_plural = _("allocation rounds")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.territory} · {self.category} · {self.created:%Y-%m-%d}"
