"""The network's case-review meetings (juntas técnicas).

A meeting of a territory (or of the whole network) reviews the cases that need the
network's attention: Puente proposes them (``network.selectors.agenda_proposal``), the
members add their own, and each case gets its discussion and agreements. An agreement
has an owner organization (and person) and a due date; it shows on the owner's task
list until it is done, and the next meeting of the territory opens with it.

The minutes name cases by their code only; each organization sees the agenda items
its role and the family's consent allow (``network.selectors``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    CONVENED = "convened", _("Convened")
    HELD = "held", _("Held")


class AgendaReason(models.TextChoices):
    URGENT = "urgent", _("Urgent safety concern")
    MULTIPLE_ALERTS = "multiple_alerts", _("Simultaneous or successive alerts")
    OVERDUE_ACTIONS = "overdue_actions", _("Plan actions past their date")
    REFERRAL_OVERDUE = "referral_overdue", _("A referral's answer is overdue")
    REFERRAL_REJECTED_TWICE = "referral_rejected_twice", _("Referrals rejected twice or more")
    LONG_WAIT = "long_wait", _("Waiting for a slot longer than the network's limit")
    FOLLOW_UP_WORSE = "follow_up_worse", _("A follow-up found the child worse")
    REPEATED_NO_CONTACT = "repeated_no_contact", _("Repeated follow-ups without contact")
    CLOSURE_TO_VERIFY = "closure_to_verify", _("A closure waits for its verification")
    MEMBER = "member", _("Added by a member")


class AgreementStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")


class Meeting(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # None: a meeting of the whole network.
    territory = models.ForeignKey(
        "directory.Territory",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("territory"),
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    allocation_round = models.ForeignKey(
        "waitlists.AllocationRound",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("allocation round"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    convened_at = models.DateTimeField(_("convened on"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-created"]
        indexes = [models.Index(fields=["territory", "held_on"], name="meeting_territory_date")]

    def __str__(self) -> str:
        return f"{self.title} · {self.held_on:%Y-%m-%d}"


class MeetingInvitation(models.Model):
    """An organization invited, or one of its people (``user``); ``present`` once held."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("meeting")
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organization"],
                condition=Q(user__isnull=True),
                name="meeting_invitation_one_per_org",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="meeting_invitation_one_per_person",
            ),
        ]

    def __str__(self) -> str:
        return str(self.user or self.organization)


class AgendaItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("meeting")
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="+", verbose_name=_("case")
    )
    reasons = ArrayField(
        models.CharField(max_length=30, choices=AgendaReason.choices),
        verbose_name=_("why it is on the agenda"),
        default=list,
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # Free text, blanked with the case at retention (network.receivers).
    challenges = models.TextField(_("challenges"), blank=True)
    progress = models.TextField(_("progress"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["position", "added_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="agenda_item_one_per_case")
        ]
        indexes = [models.Index(fields=["case"], name="agenda_item_case")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.case_id}"


class Agreement(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    item = models.ForeignKey(
        AgendaItem, on_delete=models.CASCADE, related_name="agreements", verbose_name=_("case")
    )
    # Denormalised: the task list reads open agreements by organization, no joins.
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("agreement"))
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organization"),
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible person"),
    )
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus.choices, default=AgreementStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["due_on", "created"]
        indexes = [
            models.Index(
                fields=["organization", "due_on"],
                name="agreement_open_org",
                condition=Q(status="open"),
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]
