"""The audit log: who read or wrote case data, referrals and alerts, when and from where.

Append-only three times over: the model refuses to save an existing row or delete one,
its queryset refuses bulk ``update``/``delete``, and a PostgreSQL trigger (migration
0001) refuses any ``UPDATE`` or ``DELETE`` on the table, whatever role or bug sends it.
Entries name records by id and case code only: they never copy what a case contains.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    READ = "read", _("Read")
    LIST = "list", _("Listed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    SEND = "send", _("Sent")
    TRANSITION = "transition", _("Moved to another state")
    CONSENT_OVERRIDE = "consent_override", _("Sent without consent")
    ADMISSIBILITY_OVERRIDE = "pre_admission", _("Sent before admissibility")
    REFUSED = "refused", _("Refused")
    EXPORT = "export", _("Exported")
    ANONYMISE = "anonymise", _("Anonymised")
    ASSESSMENT_OVERRIDE = "assessment_override", _("Assessment suggestion overridden")
    ACCEPT = "accept", _("Accepted")
    REVOKE = "revoke", _("Revoked")
    REQUEST = "request", _("Requested")
    COMPLETE = "complete", _("Completed")


class AuditRecordType(models.TextChoices):
    CASE = "case", _("Case")
    IDENTITY = "identity", _("Identity")
    CONSENT = "consent", _("Consent")
    NEED = "need", _("Need")
    ALERT = "alert", _("Alert")
    REFERRAL = "referral", _("Referral")
    WAITLIST = "waitlist", _("Waitlist")
    ENROLMENT = "enrolment", _("Enrolment")
    OFFER = "offer", _("Slot offer")
    ALLOCATION_ROUND = "allocation_round", _("Allocation round")
    CLOSURE = "closure", _("Case closure")
    ADMISSIBILITY = "admissibility", _("Admissibility decision")
    FOLLOW_UP = "follow_up", _("Follow-up")
    NOTE = "note", _("Case note")
    CASE_TEAM = "case_team", _("Case team")
    TRANSFER = "transfer", _("Case transfer")
    PROGRESS_REPORT = "progress_report", _("Progress report")
    REPORT = "report", _("Report")
    OUTREACH = "outreach", _("Outreach list")
    CASE_LINK_REQUEST = "case_link_request", _("Case link request")
    AUDIT = "audit", _("Audit log")
    WEBHOOK = "webhook", _("Webhook subscription")
    ASSESSMENT = "assessment", _("Assessment")
    CASE_PLAN = "case_plan", _("Integrated plan")
    LISTING_VERIFICATION = "listing_verification", _("Listing verification")
    CONFIDENTIAL_SITE = "confidential_site", _("Confidential site location")
    MEETING = "meeting", _("Case-review meeting")
    FAMILY = "family", _("Family")
    INVITATION = "invitation", _("Invitation")
    PASSWORD_RESET = "password_reset", _("Password reset")


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False)
    # PROTECT: a user who appears in the log is deactivated, never deleted; the
    # username is copied anyway so the entry reads the same if the account is renamed.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    record_type = models.CharField(_("record type"), max_length=20, choices=AuditRecordType.choices)
    record_id = models.CharField(_("record"), max_length=64, blank=True)
    # Not a foreign key: the entry outlives anything that happens to the case.
    case_id = models.UUIDField(_("case"), null=True, blank=True)
    case_code = models.CharField(_("case code"), max_length=20, blank=True)
    ip = models.GenericIPAddressField(_("from (IP)"), null=True, blank=True)
    path = models.CharField(_("page or endpoint"), max_length=300, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["case_id", "-at"], name="audit_case_at"),
            models.Index(fields=["user", "-at"], name="audit_user_at"),
            models.Index(fields=["-at"], name="audit_at"),
            models.Index(fields=["case_code"], name="audit_case_code"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.record_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("Audit entries cannot be deleted.")
