"""How a case leaves the network's watch, and how it comes back.

A closure is requested with a reason; "rights restored" waits for a second person of
the owning team to verify it (the case team's authority, once cases have one), the
other reasons close at once. Every request, decision and reopening is a row of its own:
the history of a case is never overwritten.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Alert, Case, CaseCloseReason


class ClosureStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for verification")
    CLOSED = "closed", _("Closed")
    REFUSED = "refused", _("Verification refused")
    CANCELLED = "cancelled", _("Request withdrawn")


class CaseClosure(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="closures", verbose_name=_("case")
    )
    reason = models.CharField(
        _("reason for closing"), max_length=30, choices=CaseCloseReason.choices
    )
    reason_text = models.TextField(_("details of the reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ClosureStatus.choices, default=ClosureStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("verification note"), blank=True)
    # What closing resolved in the same transaction, per kind of record (counts only).
    resolved = models.JSONField(_("resolved on closing"), default=dict, blank=True)

    class Meta:
        verbose_name = _("case closure")
        verbose_name_plural = _("case closures")
        ordering = ["-requested_at"]
        constraints = [
            # Two requests at once: the second is refused by the database (a 409). The
            # words a reason needs are the services' rule, not a constraint: retention
            # blanks them on anonymised cases.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(status="requested"),
                name="case_closure_one_pending",
                violation_error_message=_("This case already has a closure waiting."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_reason_display()}"


class CaseReopening(models.Model):
    """A closed case opened again: by a decision, or by a new alert about the child."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="reopenings", verbose_name=_("case")
    )
    closure = models.ForeignKey(
        CaseClosure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closure undone"),
    )
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reopened by"),
    )
    reopened_at = models.DateTimeField(_("reopened at"), default=timezone.now)
    reason = models.TextField(_("reason for reopening"), blank=True)
    alert = models.ForeignKey(
        Alert,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("alert"),
    )
    # How it was closed, kept here because reopening clears it from the case.
    previous_reason = models.CharField(
        _("previous reason for closing"), max_length=30, choices=CaseCloseReason.choices
    )
    previous_closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case reopening")
        verbose_name_plural = _("case reopenings")
        ordering = ["-reopened_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.reopened_at:%Y-%m-%d}"
