"""Follow-up (seguimiento): scheduled contacts once a case's services have ended.

When the last service of a case ends, a period of watch starts (6 months for low and
moderate risk, 12 for high and very high: settings). Each contact is planned with a
due date and, once made, says how the child is: better, the same, worse, or no contact.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case, CaseNeed


class FollowUpKind(models.TextChoices):
    HOME_VISIT = "home_visit", _("Home visit")
    CALL = "call", _("Phone call")
    MEETING = "meeting", _("Meeting")
    SCHOOL_CHECK = "school_check", _("School check")


class FollowUpResult(models.TextChoices):
    BETTER = "better", _("Better")
    SAME = "same", _("The same")
    WORSE = "worse", _("Worse")
    NO_CONTACT = "no_contact", _("No contact")


class FollowUp(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("case")
    )
    kind = models.CharField(_("kind of contact"), max_length=20, choices=FollowUpKind.choices)
    due_on = models.DateField(_("due on"))
    need = models.ForeignKey(
        CaseNeed,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("need it concerns"),
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    result = models.CharField(
        _("result"), max_length=12, choices=FollowUpResult.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    # The case's lead team, kept by database triggers (cases/case_team_sql.py) so the
    # team's counts need no join to the case. Read in queries only: a row just created
    # in Python holds None here until it is read back.
    case_team = models.ForeignKey(
        "directory.Organization",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
        db_index=False,
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_on", "created"]
        indexes = [
            models.Index(fields=["case", "due_on"], name="follow_up_case_due"),
            # The task lists: what is still to do, by due date.
            models.Index(
                fields=["due_on", "case"],
                name="follow_up_pending_due",
                condition=Q(done_on__isnull=True),
            ),
            # A team's task list: its contacts still to make, by due date.
            models.Index(
                fields=["case_team", "due_on"],
                name="follow_up_pending_by_team",
                condition=Q(done_on__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_on__isnull=True, result="")
                | Q(done_on__isnull=False) & ~Q(result=""),
                name="follow_up_done_has_result",
                violation_error_message=_("A contact made needs its result, one planned none."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.get_kind_display()} · {self.due_on}"
