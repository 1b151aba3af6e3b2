"""The case record: a minimal, pseudonymous case, its identity apart, consents, needs, alerts.

The case tables hold no names: a case is known by its code. Identity, when a team
keeps it, lives in ``CaseIdentity``, which only the owning team reads. The tables keep
the names they had when these models lived in ``matching`` (``matching_case`` and so
on): moving the models was a change of Django's state only, and no row moved.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import date

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.fields import ChoiceArrayField
from directory.models import AccessRoute, RiskLevel, Sex

# Risk bands in ascending order; the index is the band's rank in the priority.
RISK_BANDS: tuple[str, ...] = (
    RiskLevel.LOW,
    RiskLevel.MODERATE,
    RiskLevel.HIGH,
    RiskLevel.VERY_HIGH,
)

# No 0/O or 1/I: codes are read aloud on the phone between teams.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def case_code_new() -> str:
    return "C-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def age_in_years(*, birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


class VulnerabilityFactor(models.TextChoices):
    SCHOOL_DROPOUT = "school_dropout", _("Out of school")
    CHILD_LABOUR = "child_labour", _("Child labour")
    DOMESTIC_VIOLENCE = "domestic_violence", _("Violence at home")
    PARENTAL_SUBSTANCE_USE = "parental_substance_use", _("Substance use by a carer")
    DISABILITY = "disability", _("Disability")
    MIGRANT_UNDOCUMENTED = "migrant_undocumented", _("Migrant without papers")
    HOMELESSNESS = "homelessness", _("Homelessness or precarious housing")
    TEEN_PREGNANCY = "teen_pregnancy", _("Adolescent pregnancy")
    PREVIOUS_PROTECTION = "previous_protection", _("Earlier protection measures")


class Admissibility(models.TextChoices):
    PENDING = "pending", _("Pending assessment")
    ADMITTED = "admitted", _("Admitted")
    NOT_ADMITTED = "not_admitted", _("Not admitted")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CaseCloseReason(models.TextChoices):
    # "plan_completed" is the stored value from before closures were verified: the
    # plan done is the rights restored, and rows keep the value they had.
    PLAN_COMPLETED = "plan_completed", _("Rights restored")
    MOVED_AWAY = "moved_away", _("Moved out of the territory")
    TRANSFERRED = "transferred", _("Transferred outside the network")
    AGED_OUT = "aged_out", _("Turned 18")
    UNREACHABLE = "unreachable", _("No longer reachable")
    FAMILY_DECLINED = "family_declined", _("Family declined to continue")
    NOT_ADMITTED = "not_admitted", _("Not admitted")
    OTHER = "other", _("Other")


# Closing for these needs a second person's verification before the case closes: a
# case closed as "rights restored" leaves the network's watch (seeds/003, step 5).
VERIFIED_CLOSE_REASONS = frozenset({CaseCloseReason.PLAN_COMPLETED})


class Case(models.Model):
    """What a referral needs to know about a child, and nothing more."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(
        _("case code"), max_length=20, unique=True, default=case_code_new, editable=False
    )
    # No index of its own: case_org_status (organization, status) serves every lookup
    # by team, and one index less is one write less per rescored case.
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("owning team"),
        db_index=False,
    )
    caseworker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("caseworker"),
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    # geography=True: distances to services in metres on the spheroid. No spatial
    # index: no query looks cases up by place (distances are from given cases), and
    # the GiST insert was the dearest part of rewriting a case's priority.
    home = models.PointField(_("home location"), srid=4326, geography=True, spatial_index=False)
    territory = models.ForeignKey(
        "directory.Territory",
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("territory"),
        editable=False,
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    urgent_safety = models.BooleanField(_("urgent safety concern"), default=False)
    vulnerability_factors = ChoiceArrayField(
        models.CharField(max_length=30, choices=VulnerabilityFactor.choices),
        verbose_name=_("vulnerability factors"),
        default=list,
        blank=True,
    )
    has_judicial_order = models.BooleanField(_("has a judicial order"), default=False)
    access_route = models.CharField(_("access route"), max_length=20, choices=AccessRoute.choices)
    admissibility = models.CharField(
        _("admissibility"),
        max_length=20,
        choices=Admissibility.choices,
        default=Admissibility.PENDING,
    )
    admissibility_reason = models.TextField(_("admissibility reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    close_reason = models.CharField(
        _("reason for closing"), max_length=30, choices=CaseCloseReason.choices, blank=True
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Set when the last service ended: the case is watched until this day (FollowUp).
    follow_up_until = models.DateField(_("follow-up until"), null=True, blank=True)
    # Set by the retention job: identity and free text are gone, aggregates remain.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    # When the network was first asked to act: waiting time and ties count from here.
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    # The unified priority, written by ``matching`` (the policy lives there) and read by
    # every queue. A string reference, not an import: the case file sits below matching.
    priority_score = models.IntegerField(_("priority"), default=0, editable=False)
    # No index: nothing looks cases up by policy version (versions are never deleted),
    # and the nightly job rewrites this column on every case after a publication.
    priority_policy = models.ForeignKey(
        "matching.PriorityPolicy",
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
        verbose_name=_("policy version"),
        db_index=False,
    )
    # Points per component code, as computed; sentences are rebuilt from these.
    priority_components = models.JSONField(default=dict, editable=False)
    priority_computed_at = models.DateTimeField(null=True, editable=False)
    multiple_alerts = models.BooleanField(_("multiple alerts"), default=False, editable=False)

    class Meta:
        db_table = "matching_case"
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            # The unified queue: highest score first, then who asked first.
            models.Index(
                fields=["-priority_score", "requested_at"],
                name="case_priority_order",
                condition=Q(status="open"),
            ),
            models.Index(fields=["organization", "status"], name="case_org_status"),
            # A team's task list at a million cases (benchmarks/casework.py): its cases
            # pending admissibility, oldest first, without reading its open ones.
            models.Index(
                fields=["organization", "requested_at"],
                name="case_org_pending",
                condition=Q(status="open", admissibility="pending"),
            ),
            models.Index(
                fields=["organization", "id"], name="case_org_open", condition=Q(status="open")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", close_reason="")
                | Q(status="closed") & ~Q(close_reason=""),
                name="case_closed_has_reason",
                violation_error_message=_("A closed case needs a reason, an open one none."),
            )
        ]

    def __str__(self) -> str:
        return self.code

    def age_years(self, on: date | None = None) -> int:
        return age_in_years(birth_date=self.birth_date, on=on or timezone.localdate())

    def clean(self) -> None:
        from directory.selectors import territory_for_point

        if self.birth_date and self.birth_date > timezone.localdate():
            raise ValidationError({"birth_date": _("The birth date cannot be in the future.")})
        if self.birth_date and self.age_years() >= 18:
            raise ValidationError(
                {"birth_date": _("Puente follows children and adolescents under 18.")}
            )
        if self.home is not None:
            territory = territory_for_point(point=self.home)
            if territory is None:
                raise ValidationError(
                    {"home": _("The home location is outside every territory of the map.")}
                )
            self.territory = territory
        if self.admissibility == Admissibility.NOT_ADMITTED and not self.admissibility_reason:
            raise ValidationError({"admissibility_reason": _("Say why the case was not admitted.")})


class CaseIdentity(models.Model):
    """Who the child is, kept apart from the case record; only the owning team reads it."""

    case = models.OneToOneField(
        Case, on_delete=models.CASCADE, related_name="identity", verbose_name=_("case")
    )
    full_name = models.CharField(_("full name"), max_length=200)
    national_id = models.CharField(_("national ID (RUN)"), max_length=20, blank=True)
    contact = models.TextField(_("family contact"), blank=True)

    class Meta:
        db_table = "matching_caseidentity"
        verbose_name = _("identity")
        verbose_name_plural = _("identities")

    def __str__(self) -> str:
        return str(_("Identity of %(case)s") % {"case": self.case})


class ConsentScope(models.TextChoices):
    REFERRAL = "referral", _("Referral to services")
    INFORMATION_SHARING = "information_sharing", _("Sharing information with the network")


class Consent(models.Model):
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="consents", verbose_name=_("case")
    )
    given_by = models.CharField(
        _("given by"), max_length=100, help_text=_("Who consented, e.g. “mother”, “the child”.")
    )
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    scopes = ChoiceArrayField(
        models.CharField(max_length=30, choices=ConsentScope.choices),
        verbose_name=_("scope"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        db_table = "matching_consent"
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at"]

    def __str__(self) -> str:
        return f"{self.case} · {self.given_by}"

    def covers(self, scope: str) -> bool:
        return self.withdrawn_at is None and scope in self.scopes


class NeedStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ADDRESSED = "addressed", _("Being addressed")
    MET = "met", _("Met")
    DROPPED = "dropped", _("No longer needed")


class CaseNeed(models.Model):
    """A need from the common assessment: one line of the case plan."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="needs", verbose_name=_("case")
    )
    term = models.ForeignKey(
        "directory.TaxonomyTerm",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("need"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    note = models.TextField(_("note"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        db_table = "matching_caseneed"
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            models.UniqueConstraint(fields=["case", "term"], name="case_need_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.term}"


class AlertType(models.TextChoices):
    NEGLECT = "neglect", _("Neglect")
    PHYSICAL_ABUSE = "physical_abuse", _("Physical abuse")
    PSYCHOLOGICAL_ABUSE = "psychological_abuse", _("Psychological abuse")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    VIOLENCE_AT_HOME = "violence_at_home", _("Exposure to violence at home")
    SCHOOL_ABSENCE = "school_absence", _("Repeated school absence")
    CHILD_LABOUR = "child_labour", _("Child labour")
    STREET_SITUATION = "street_situation", _("Street situation")
    OTHER = "other", _("Other")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("New")
    ACKNOWLEDGED = "acknowledged", _("Seen by the case team")
    CLOSED = "closed", _("Closed")


class AlertKind(models.TextChoices):
    # seeds/003: the network tells these apart, and each asks something else of it.
    SIMULTANEOUS = "simultaneous", _("Simultaneous: several organizations at once")
    SUCCESSIVE = "successive", _("Successive: again after a closure")
    COMPLEX = "complex", _("Complex: several concerns or very high severity")


ALERT_KIND_SHORT = {
    AlertKind.SIMULTANEOUS: _("Simultaneous"),
    AlertKind.SUCCESSIVE: _("Successive"),
    AlertKind.COMPLEX: _("Complex"),
}


class Alert(models.Model):
    """A vulnerability alert raised by any member of the network."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case,
        on_delete=models.CASCADE,
        related_name="alerts",
        verbose_name=_("case"),
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_by_organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="alerts_raised",
        verbose_name=_("raised by"),
    )
    alert_type = models.CharField(_("type"), max_length=30, choices=AlertType.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=RiskLevel.choices)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    # What the alert was when raised (sorted codes of AlertKind); never recomputed.
    kinds = ChoiceArrayField(
        models.CharField(max_length=20, choices=AlertKind.choices),
        verbose_name=_("kind"),
        default=list,
        blank=True,
        editable=False,
    )
    # True when this alert opened the case (an intake), rather than joining one.
    started_intake = models.BooleanField(_("started an intake"), default=False, editable=False)
    created = models.DateTimeField(_("raised at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

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
        db_table = "matching_alert"
        verbose_name = _("vulnerability alert")
        verbose_name_plural = _("vulnerability alerts")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["case", "created"], name="alert_case_created"),
            # A team's badge of new alerts: one index-only count.
            models.Index(
                fields=["case_team"], name="alert_open_by_team", condition=Q(status="open")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_alert_type_display()} · {self.case}"

    def kind_badges(self) -> list[tuple[str, str, str]]:
        """(code, short word, full sentence) for each kind the alert was raised as."""
        return [
            (kind, str(ALERT_KIND_SHORT[AlertKind(kind)]), str(AlertKind(kind).label))
            for kind in self.kinds
        ]
