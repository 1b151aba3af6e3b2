"""The front door: reports (denuncias), outreach lists, duplicate keys, link requests.

A report is what the network was told about a child, before there is a case: who
told, when, what was seen, how urgent. It is addressed to a case team, which turns it
into a case, links it to a case it already has, or dismisses it with a reason.

Nothing here is public: a report's document is served by a view that checks who asks
(never by a media URL), and the duplicate key is a keyed hash that reveals nothing
without the secret.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import AlertType, Case
from directory.fields import ChoiceArrayField
from directory.models import AccessRoute, RiskLevel, Sex


def report_document_path(instance: Any, filename: str) -> str:
    """A path that carries no name from the upload (file names often name the child)."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"reports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension[:8]}"


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("To decide")
    CONVERTED = "converted", _("Converted into a case")
    LINKED = "linked", _("Linked to an existing case")
    DISMISSED = "dismissed", _("Dismissed")


class Report(models.Model):
    """A report about a child (denuncia / reporte), received by a member organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    modality = models.CharField(_("access modality"), max_length=20, choices=AccessRoute.choices)
    # Who reported: an organization of the directory, or an institution named in words,
    # with the person's role; or nobody, when the reporter asked to stay anonymous.
    reporter_anonymous = models.BooleanField(_("anonymous report"), default=False)
    reporter_organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reporting organization"),
    )
    reporter_institution = models.CharField(_("reporting institution"), max_length=200, blank=True)
    reporter_role = models.CharField(_("reporter's role"), max_length=100, blank=True)
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    observed = models.TextField(_("what was observed"))
    concern_types = ChoiceArrayField(
        models.CharField(max_length=30, choices=AlertType.choices),
        verbose_name=_("concern types"),
        default=list,
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=RiskLevel.choices)

    # The child as the report describes it: enough to prefill a case, all optional.
    child_full_name = models.CharField(_("child's name"), max_length=200, blank=True)
    child_national_id = models.CharField(_("child's national ID"), max_length=20, blank=True)
    child_birth_date = models.DateField(_("child's birth date"), null=True, blank=True)
    child_age_years = models.PositiveSmallIntegerField(_("approximate age"), null=True, blank=True)
    child_sex = models.CharField(_("child's sex"), max_length=10, choices=Sex.choices, blank=True)
    child_home = models.PointField(
        _("child's home location"), srid=4326, geography=True, null=True, blank=True
    )
    child_description = models.TextField(_("about the child"), blank=True)

    receiving_organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="reports_received",
        verbose_name=_("receiving organization"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    # A provider that takes in a walk-in child may serve it itself; the report still
    # goes to a case team, which keeps the case.
    receiving_attends = models.BooleanField(
        _("the receiving organization attends the child"), default=False
    )
    addressed_to = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="reports_addressed",
        verbose_name=_("case team"),
    )

    # An institution's written report (informe circunstanciado): its reference and
    # date, and the document itself.
    document = models.FileField(
        _("written report"), upload_to=report_document_path, blank=True, max_length=200
    )
    document_reference = models.CharField(_("written report reference"), max_length=100, blank=True)
    document_date = models.DateField(_("written report date"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.RECEIVED
    )
    dismissal_reason = models.TextField(_("reason for dismissing"), blank=True)
    case = models.ForeignKey(
        Case,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("case"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-reported_at"]
        indexes = [
            # The team's queue: its reports still to decide, oldest first.
            models.Index(fields=["addressed_to", "status", "reported_at"], name="report_queue"),
            models.Index(fields=["receiving_organization", "reported_at"], name="report_received"),
        ]
        constraints = [
            # Retention blanks the reason with the rest of the text (anonymised_at set).
            models.CheckConstraint(
                condition=~Q(status="dismissed")
                | ~Q(dismissal_reason="")
                | Q(anonymised_at__isnull=False),
                name="report_dismissed_has_reason",
                violation_error_message=_("A dismissed report needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return str(_("Report of %(date)s") % {"date": f"{self.reported_at:%Y-%m-%d}"})


class OutreachList(models.Model):
    """A territory's list of children or families found by outreach (búsqueda activa)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="outreach_lists",
        verbose_name=_("organization"),
    )
    territory = models.ForeignKey(
        "directory.Territory",
        on_delete=models.PROTECT,
        related_name="outreach_lists",
        verbose_name=_("territory"),
    )
    title = models.CharField(_("title"), max_length=200)
    carried_out_on = models.DateField(_("carried out on"), default=timezone.localdate)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outreach list")
        verbose_name_plural = _("outreach lists")
        ordering = ["-carried_out_on", "-created"]

    def __str__(self) -> str:
        return self.title


class FindingStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CONVERTED = "converted", _("Converted into an intake")
    DISMISSED = "dismissed", _("Dismissed")


class OutreachFinding(models.Model):
    """One child or family found: a short description, never a full identity."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    outreach_list = models.ForeignKey(
        OutreachList,
        on_delete=models.CASCADE,
        related_name="findings",
        verbose_name=_("outreach list"),
    )
    description = models.CharField(_("short description"), max_length=300)
    approximate_age = models.PositiveSmallIntegerField(_("approximate age"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=FindingStatus.choices, default=FindingStatus.PENDING
    )
    dismissal_reason = models.TextField(_("reason for dismissing"), blank=True)
    report = models.OneToOneField(
        Report,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="finding",
        verbose_name=_("report"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("outreach finding")
        verbose_name_plural = _("outreach findings")
        ordering = ["created"]
        # No constraint on the reason: the service asks for one, and retention blanks it
        # (a dismissed finding may describe a child), as for the case file's reasons.

    def __str__(self) -> str:
        return self.description


class CaseDuplicateKey(models.Model):
    """A keyed hash of a case's identity, birth date, sex and territory.

    Only cases that keep an identity have one. The key reveals nothing without
    ``DUPLICATE_KEY_SECRET``; equal keys across teams are "possible duplicates".
    """

    case = models.OneToOneField(
        Case,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="duplicate_key",
        verbose_name=_("case"),
    )
    # Hex HMAC-SHA256. Indexed: the check at registration is one lookup by key.
    key = models.CharField(max_length=64, db_index=True)

    class Meta:
        verbose_name = _("duplicate key")
        verbose_name_plural = _("duplicate keys")

    def __str__(self) -> str:
        return str(self.case)


class LinkRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Link requested")
    ACCEPTED = "accepted", _("Link accepted")
    REFUSED = "refused", _("Link refused")


class CaseLinkRequest(models.Model):
    """One team asks another to link two cases that may be the same child.

    Accepted, the two cases are linked: each team sees the other's case code and
    team, nothing else.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    from_case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="link_requests_sent",
        verbose_name=_("requesting case"),
    )
    to_case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="link_requests_received",
        verbose_name=_("requested case"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=LinkRequestStatus.choices,
        default=LinkRequestStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case link request")
        verbose_name_plural = _("case link requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_case", "to_case"],
                condition=Q(status__in=["requested", "accepted"]),
                name="case_link_request_open_unique",
                violation_error_message=_("These cases are already linked or asked to be."),
            ),
            models.CheckConstraint(
                condition=~Q(from_case=models.F("to_case")),
                name="case_link_request_two_cases",
                violation_error_message=_("A case cannot be linked to itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_case} → {self.to_case}"
