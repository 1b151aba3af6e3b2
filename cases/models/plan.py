"""The integrated plan: one plan per child, shared by the whole case team.

A plan (``CasePlan``) has versions: the first, and one per review. A version holds the
goals (each tied to an assessed domain or a need of the case), the actions of every
organization on the case team towards them, the review date and the agreement of the
child and the family. The organization's supervisor approves each version; a review
copies the goals and actions into a new version and freezes the earlier one, which
stays readable as it was.

Links to referrals and enrolments point up the layers (``matching``, ``waitlists``)
by name only, as ``Case.priority_policy`` does: this app never imports them, and the
apps above move the actions as their records change (``cases.services.plan``).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case, CaseNeed
from cases.models.follow_up import FollowUp


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_APPROVAL = "awaiting_approval", _("Waiting for the supervisor's approval")
    APPROVED = "approved", _("Approved")
    # Replaced by a review: frozen, kept readable.
    SUPERSEDED = "superseded", _("Replaced by a review")


class ActionStatus(models.TextChoices):
    PENDING = "pending", _("To do")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    # Its referral was rejected: the caseworker chooses another option for the need.
    NEEDS_NEW_OPTION = "needs_new_option", _("Needs a new option")
    DROPPED = "dropped", _("Dropped")


# Actions still to be done: the ones that can be overdue.
OPEN_ACTION_STATUSES = (
    ActionStatus.PENDING,
    ActionStatus.IN_PROGRESS,
    ActionStatus.NEEDS_NEW_OPTION,
)


class CasePlan(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="plan", verbose_name=_("case")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("integrated plan")
        verbose_name_plural = _("integrated plans")

    def __str__(self) -> str:
        return str(self.case)


class CasePlanVersion(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(
        CasePlan, on_delete=models.CASCADE, related_name="versions", verbose_name=_("plan")
    )
    # Denormalised from the plan: the task list reads versions by case without a join.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    review_on = models.DateField(_("review on"))
    review_reason = models.TextField(_("why it was reviewed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved on"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("replaced on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan version")
        verbose_name_plural = _("plan versions")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="case_plan_version_number",
                violation_error_message=_("This plan already has this version."),
            ),
            # One version in force: a review supersedes the earlier one in the same write.
            models.UniqueConstraint(
                fields=["plan"],
                condition=~Q(status="superseded"),
                name="case_plan_one_current",
                violation_error_message=_("This plan is already being reviewed."),
            ),
        ]
        indexes = [
            # The task list's "reviews due" and "plans to approve": partial, so small.
            models.Index(
                fields=["review_on"], name="case_plan_review_due", condition=Q(status="approved")
            ),
            models.Index(
                fields=["case"],
                name="case_plan_to_approve",
                condition=Q(status="awaiting_approval"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} · v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.status == PlanStatus.SUPERSEDED


class PlanGoal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        CasePlanVersion, on_delete=models.CASCADE, related_name="goals", verbose_name=_("version")
    )
    # The assessed domain by its code (the same across instrument versions), or a need.
    domain_code = models.SlugField(_("assessed domain"), max_length=50, blank=True)
    domain_name = models.CharField(_("domain"), max_length=200, blank=True)
    # RESTRICT, not SET_NULL: a goal stays tied to what it serves (the check below); the
    # need goes only with its case, which takes the plan with it.
    need = models.ForeignKey(
        CaseNeed,
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("need"),
    )
    description = models.TextField(_("goal"))
    organization = models.ForeignKey(
        "directory.Organization", on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("plan goal")
        verbose_name_plural = _("plan goals")
        ordering = ["position", "created"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(domain_code="") | Q(need__isnull=False),
                name="plan_goal_domain_or_need",
                violation_error_message=_("Tie the goal to an assessed domain or a need."),
            )
        ]

    def __str__(self) -> str:
        return self.description[:60]


class PlanAction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        CasePlanVersion,
        on_delete=models.CASCADE,
        related_name="actions",
        verbose_name=_("version"),
    )
    goal = models.ForeignKey(
        PlanGoal, on_delete=models.CASCADE, related_name="actions", verbose_name=_("goal")
    )
    # Denormalised: the task list reads open actions by case or organization, no joins.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    # Copied with the version; True once a review replaced it (then never changes).
    frozen = models.BooleanField(default=False, editable=False)
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("responsible organization"),
    )
    responsible = models.CharField(_("responsible person"), max_length=200)
    description = models.TextField(_("action"))
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=20, choices=ActionStatus.choices, default=ActionStatus.PENDING
    )
    note = models.TextField(_("note"), blank=True)
    referral = models.ForeignKey(
        "matching.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referral"),
    )
    enrolment = models.ForeignKey(
        "waitlists.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrolment"),
    )
    follow_up = models.ForeignKey(
        FollowUp,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("changed on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        ordering = ["due_on", "created"]
        indexes = [
            # The overdue actions of a team (lead: by case; a partner: by organization).
            models.Index(
                fields=["case", "due_on"],
                name="plan_action_open_case",
                condition=Q(
                    frozen=False, status__in=["pending", "in_progress", "needs_new_option"]
                ),
            ),
            models.Index(
                fields=["organization", "due_on"],
                name="plan_action_open_org",
                condition=Q(
                    frozen=False, status__in=["pending", "in_progress", "needs_new_option"]
                ),
            ),
            models.Index(
                fields=["referral"], name="plan_action_referral", condition=Q(frozen=False)
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]


class PlanAgreement(models.Model):
    """The child (as age allows) and the family agreeing to a version of the plan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        CasePlanVersion,
        on_delete=models.CASCADE,
        related_name="agreements",
        verbose_name=_("version"),
    )
    agreed_on = models.DateField(_("date"), default=timezone.localdate)
    participants = models.TextField(_("who took part"))
    child_took_part = models.BooleanField(_("the child took part"), default=False)
    child_view = models.TextField(_("what the child said"), blank=True)
    family_view = models.TextField(_("what the family said"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded on"), default=timezone.now)

    class Meta:
        verbose_name = _("plan agreement")
        verbose_name_plural = _("plan agreements")
        ordering = ["agreed_on", "recorded_at"]

    def __str__(self) -> str:
        return f"{self.version} · {self.agreed_on:%Y-%m-%d}"
