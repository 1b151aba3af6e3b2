"""The case team across institutions: partners and their roles, who is assigned, transfers.

A case has one lead organization (``Case.organization``, whose caseworkers work it) and
partner organizations, each in a role on the case (seed 004, process base #2 and #8):
the authority that decides the route and verifies closure, an evaluating team, the
linking office, a provider. What a partner reads is bounded by its role and the
consent the family gave to share information (``cases.selectors``).

Assignments and transfers are history: a reassignment or an accepted transfer adds a
row and never rewrites an earlier one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case


class PartnerRole(models.TextChoices):
    AUTHORITY = "authority", _("Authority (decides the route and the closure)")
    EVALUATING = "evaluating", _("Evaluating team")
    LINKING = "linking", _("Linking office")
    PROVIDER = "provider", _("Service provider")


class CasePartner(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="partners", verbose_name=_("case")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="case_partnerships",
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role on the case"), max_length=20, choices=PartnerRole.choices)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(_("joined on"), default=timezone.now)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_at = models.DateTimeField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("case partner")
        verbose_name_plural = _("case partners")
        ordering = ["added_at"]
        constraints = [
            # One active place per organization on a case; a later role is a new row
            # once the earlier one ended, so the history of roles is kept.
            models.UniqueConstraint(
                fields=["case", "organization"],
                condition=Q(ended_at__isnull=True),
                name="case_partner_one_active",
                violation_error_message=_("This organization is already on the case team."),
            )
        ]
        indexes = [
            models.Index(
                fields=["organization", "case"],
                condition=Q(ended_at__isnull=True),
                name="case_partner_active_org",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_role_display()}"


class CaseAssignment(models.Model):
    """Who of the lead team works the case, from when: each reassignment is a row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("case")
    )
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.PROTECT, related_name="+"
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caseworker"),
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned on"), default=timezone.now)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("case assignment")
        verbose_name_plural = _("case assignments")
        ordering = ["-assigned_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.assigned_at:%Y-%m-%d}"


class TransferStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for the supervisor's approval")
    OFFERED = "offered", _("Waiting for the receiving team")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_TRANSFER_STATUSES = (TransferStatus.AWAITING_APPROVAL, TransferStatus.OFFERED)


class CaseTransfer(models.Model):
    """A case handed from its lead organization to another: asked, approved, answered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="transfers", verbose_name=_("case")
    )
    from_organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("from"),
    )
    to_organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="incoming_transfers",
        verbose_name=_("to"),
    )
    reason = models.TextField(_("reason for the transfer"))
    status = models.CharField(
        _("status"), max_length=20, choices=TransferStatus.choices, db_index=True
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested on"), default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered on"), null=True, blank=True)
    answer_note = models.TextField(_("answer"), blank=True)

    class Meta:
        verbose_name = _("case transfer")
        verbose_name_plural = _("case transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status__in=["awaiting_approval", "offered"]),
                name="case_transfer_one_open",
                violation_error_message=_("This case already has a transfer under way."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_status_display()}"


class CaseProgressReport(models.Model):
    """A partner's dated report to the authority: what was done, what changed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="progress_reports", verbose_name=_("case")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    reported_at = models.DateTimeField(_("reported on"), default=timezone.now)
    done = models.TextField(_("what was done"))
    changed = models.TextField(_("what changed"))

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-reported_at"]
        indexes = [models.Index(fields=["case", "-reported_at"], name="case_progress_case_when")]

    def __str__(self) -> str:
        return f"{self.case} · {self.reported_at:%Y-%m-%d}"
