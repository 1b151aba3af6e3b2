"""The family as the unit of work: the household, its plan and family accompaniment.

A family (``Family``) has its own pseudonymous code, as a case does. It links the
children who are cases (``FamilyChild``, one family per case) and the caregivers
(``Caregiver``): caregivers are not cases, so the record holds only what the plan
needs (the relationship, a name if the team wants one, a short note). The family plan
(``FamilyPlan``) holds the goals shared by the household; each child's integrated plan
hangs from it through the child's place in the family.

Family accompaniment (acompañamiento familiar) is a modality with entry criteria the
coordinator sets (``AccompanimentCriteria``, one row); a family that meets them is
flagged, an accompanist is assigned (``FamilyAccompaniment``), sessions or visits are
logged (``AccompanimentSession``), and the intensity and the exit are recorded.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import CODE_ALPHABET, Case
from directory.models import RiskLevel


def family_code_new() -> str:
    return "F-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


class Family(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(
        _("family code"), max_length=20, unique=True, default=family_code_new, editable=False
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    # Set when every child's case has been anonymised: the caregivers' details and the
    # sessions' words went with them.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.code


class FamilyChild(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="children", verbose_name=_("family")
    )
    # One family per case: a child's case belongs to one household.
    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="family_link", verbose_name=_("case")
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("child in the family")
        verbose_name_plural = _("children in the family")
        ordering = ["added"]

    def __str__(self) -> str:
        return f"{self.family} · {self.case}"


class CaregiverRelationship(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    GRANDPARENT = "grandparent", _("Grandparent")
    SIBLING = "sibling", _("Adult sibling")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    FOSTER = "foster", _("Foster carer")
    OTHER = "other", _("Other")


class Caregiver(models.Model):
    """Someone who cares for the children: not a case, so only what the plan needs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.ForeignKey(
        Family, on_delete=models.CASCADE, related_name="caregivers", verbose_name=_("family")
    )
    relationship = models.CharField(
        _("relationship"), max_length=20, choices=CaregiverRelationship.choices
    )
    name = models.CharField(_("name (optional)"), max_length=120, blank=True)
    lives_in_household = models.BooleanField(_("lives in the household"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("caregiver")
        verbose_name_plural = _("caregivers")
        ordering = ["added"]

    def __str__(self) -> str:
        return f"{self.family} · {self.get_relationship_display()}"


class FamilyPlan(models.Model):
    """The household's plan: the goals the children's integrated plans share."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.OneToOneField(
        Family, on_delete=models.CASCADE, related_name="plan", verbose_name=_("family")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("family plan")
        verbose_name_plural = _("family plans")

    def __str__(self) -> str:
        return str(self.family)


class FamilyGoalStatus(models.TextChoices):
    OPEN = "open", _("Being worked on")
    MET = "met", _("Met")
    DROPPED = "dropped", _("Dropped")


class FamilyGoal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(
        FamilyPlan, on_delete=models.CASCADE, related_name="goals", verbose_name=_("family plan")
    )
    description = models.TextField(_("goal"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=FamilyGoalStatus.choices,
        default=FamilyGoalStatus.OPEN,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        verbose_name = _("family goal")
        verbose_name_plural = _("family goals")
        ordering = ["created"]

    def __str__(self) -> str:
        return self.description[:60]


class AccompanimentCriteria(models.Model):
    """The coordinator's entry criteria for family accompaniment (one row, the admin).

    A family is flagged when it meets any criterion that is set (a blank one is off).
    """

    min_open_children = models.PositiveSmallIntegerField(
        _("children with open cases, at least"), null=True, blank=True, default=2
    )
    min_risk_level = models.CharField(
        _("a child's risk level, at least"),
        max_length=10,
        choices=RiskLevel.choices,
        blank=True,
        default=RiskLevel.HIGH,
    )
    min_alerts = models.PositiveSmallIntegerField(
        _("alerts on the family's children, at least"), null=True, blank=True, default=2
    )
    alert_window_days = models.PositiveSmallIntegerField(
        _("counting alerts of the last days"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
    )
    updated = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("family accompaniment criteria")
        verbose_name_plural = _("family accompaniment criteria")

    def __str__(self) -> str:
        return str(_("Family accompaniment criteria"))


class AccompanimentIntensity(models.TextChoices):
    WEEKLY = "weekly", _("High: every week")
    FORTNIGHTLY = "fortnightly", _("Medium: every two weeks")
    MONTHLY = "monthly", _("Low: every month")


class AccompanimentExit(models.TextChoices):
    GOALS_MET = "goals_met", _("Goals met")
    DROPPED_OUT = "dropped_out", _("Dropped out")
    MOVED = "moved", _("Moved away")
    TRANSFERRED = "transferred", _("Transferred to another programme")


class FamilyAccompaniment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    family = models.ForeignKey(
        Family,
        on_delete=models.CASCADE,
        related_name="accompaniments",
        verbose_name=_("family"),
    )
    accompanist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="accompaniments",
        verbose_name=_("accompanist"),
    )
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    intensity = models.CharField(
        _("intensity"), max_length=15, choices=AccompanimentIntensity.choices
    )
    started_on = models.DateField(_("started on"), default=timezone.localdate)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    exit_reason = models.CharField(
        _("exit"), max_length=15, choices=AccompanimentExit.choices, blank=True
    )
    exit_note = models.TextField(_("exit note"), blank=True)

    class Meta:
        verbose_name = _("family accompaniment")
        verbose_name_plural = _("family accompaniments")
        ordering = ["-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=Q(ended_on__isnull=True),
                name="family_one_open_accompaniment",
                violation_error_message=_("This family is already accompanied."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} · {self.started_on}"


class SessionProgress(models.IntegerChoices):
    WORSE = 1, _("Worse")
    NO_CHANGE = 2, _("No change")
    SOME = 3, _("Some progress")
    GOOD = 4, _("Good progress")
    ACHIEVED = 5, _("Achieved")


class SessionKind(models.TextChoices):
    VISIT = "visit", _("Home visit")
    SESSION = "session", _("Session")
    CALL = "call", _("Phone call")


class AccompanimentSession(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    accompaniment = models.ForeignKey(
        FamilyAccompaniment,
        on_delete=models.CASCADE,
        related_name="sessions",
        verbose_name=_("accompaniment"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=SessionKind.choices, default=SessionKind.VISIT
    )
    held_on = models.DateField(_("date"))
    participants = models.CharField(_("who took part"), max_length=300)
    goals = models.ManyToManyField(
        FamilyGoal, blank=True, related_name="sessions", verbose_name=_("goals worked")
    )
    progress = models.PositiveSmallIntegerField(_("progress"), choices=SessionProgress.choices)
    next_step = models.TextField(_("next step"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded = models.DateTimeField(_("recorded"), default=timezone.now)

    class Meta:
        verbose_name = _("accompaniment session")
        verbose_name_plural = _("accompaniment sessions")
        ordering = ["-held_on", "-recorded"]

    def __str__(self) -> str:
        return f"{self.accompaniment} · {self.held_on}"
