"""The unified prioritization policy, referrals and their events, the completion model.

The case file itself (``Case``, its identity, consents, needs and alerts) lives in
``cases``, one layer below: matching reads it and writes only the priority fields.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import RISK_BANDS, Case, CaseNeed, Consent
from directory.models import RiskLevel


class PriorityPolicy(models.Model):
    """One prioritization policy for the whole network, versioned.

    Rows are never edited: a coordinator's change publishes the next version, so
    every score ever shown can name the exact rules that produced it.
    """

    version = models.PositiveIntegerField(_("version"), unique=True, editable=False)
    created = models.DateTimeField(_("published"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    change_note = models.TextField(_("what changed and why"), blank=True)

    urgent_points = models.PositiveIntegerField(
        _("points for an urgent-safety flag"),
        default=10000,
        help_text=_("Must exceed every risk band plus every other component."),
    )
    band_points = models.PositiveIntegerField(
        _("points per risk band"),
        default=1000,
        help_text=_("Low 0, moderate 1×, high 2×, very high 3×. Must exceed all in-band caps."),
    )
    overdue_points_per_day = models.PositiveIntegerField(
        _("points per day a response is overdue"), default=10
    )
    overdue_cap = models.PositiveIntegerField(_("cap for overdue responses"), default=200)
    waiting_points_per_week = models.PositiveIntegerField(_("points per week waiting"), default=8)
    waiting_cap = models.PositiveIntegerField(_("cap for time waiting"), default=400)
    young_age_limit_years = models.PositiveSmallIntegerField(
        _("younger than (years) counts as young"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(18)],
    )
    young_age_points_per_year = models.PositiveIntegerField(
        _("points per year below that age"), default=20
    )
    alert_points_each = models.PositiveIntegerField(_("points per active alert"), default=40)
    alert_cap = models.PositiveIntegerField(_("cap for alerts"), default=160)
    vulnerability_points_each = models.PositiveIntegerField(
        _("points per vulnerability factor"), default=15
    )
    vulnerability_cap = models.PositiveIntegerField(_("cap for vulnerability factors"), default=90)

    multiple_alert_threshold = models.PositiveSmallIntegerField(
        _("alerts that make “multiple alerts”"), default=2, validators=[MinValueValidator(2)]
    )
    alert_window_days = models.PositiveSmallIntegerField(
        _("days an alert stays active"), default=90, validators=[MinValueValidator(1)]
    )
    response_hours_very_high = models.PositiveIntegerField(
        _("response deadline, very high risk (hours)"), default=24
    )
    response_hours_high = models.PositiveIntegerField(
        _("response deadline, high risk (hours)"), default=72
    )
    response_hours_moderate = models.PositiveIntegerField(
        _("response deadline, moderate risk (hours)"), default=168
    )
    response_hours_low = models.PositiveIntegerField(
        _("response deadline, low risk (hours)"), default=336
    )

    class Meta:
        verbose_name = _("prioritization policy")
        verbose_name_plural = _("prioritization policies")
        ordering = ["-version"]

    def __str__(self) -> str:
        return str(_("Prioritization policy v%(version)s") % {"version": self.version})

    def in_band_cap(self) -> int:
        return (
            self.overdue_cap
            + self.waiting_cap
            + self.young_age_points_per_year * self.young_age_limit_years
            + self.alert_cap
            + self.vulnerability_cap
        )

    def clean(self) -> None:
        # The order of dominance is the policy's promise: nothing within a band may add
        # up to a band step, and no band to the urgent flag.
        cap = self.in_band_cap()
        if cap >= self.band_points:
            raise ValidationError(
                {
                    "band_points": _(
                        "Points per risk band (%(band)s) must exceed the sum of the in-band "
                        "caps (%(cap)s), or a lower band could outrank a higher one."
                    )
                    % {"band": self.band_points, "cap": cap}
                }
            )
        top = self.band_points * (len(RISK_BANDS) - 1) + cap
        if self.urgent_points <= top:
            raise ValidationError(
                {
                    "urgent_points": _(
                        "The urgent-safety flag (%(urgent)s) must exceed the highest score "
                        "without it (%(top)s)."
                    )
                    % {"urgent": self.urgent_points, "top": top}
                }
            )

    def response_hours(self, risk_level: str) -> int:
        return {
            RiskLevel.VERY_HIGH: self.response_hours_very_high,
            RiskLevel.HIGH: self.response_hours_high,
            RiskLevel.MODERATE: self.response_hours_moderate,
        }.get(risk_level, self.response_hours_low)  # type: ignore[call-overload]


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    WAITING = "waiting", _("Waiting for a slot")
    IN_SERVICE = "in_service", _("In service")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    NO_SHOW = "no_show", _("Did not attend")
    EXPIRED = "expired", _("Expired")


# States in which the provider still owes an answer or the child is still being served.
ACTIVE_REFERRAL_STATUSES = (
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.WAITING,
    ReferralStatus.IN_SERVICE,
)
CLOSED_REFERRAL_STATUSES = (
    ReferralStatus.COMPLETED,
    ReferralStatus.REJECTED,
    ReferralStatus.WITHDRAWN,
    ReferralStatus.NO_SHOW,
    ReferralStatus.EXPIRED,
)


class RejectionReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    NOT_ELIGIBLE = "not_eligible", _("Does not meet the eligibility rules")
    NOT_PERTINENT = "not_pertinent", _("The service does not fit the need")
    OUTSIDE_AREA = "outside_area", _("Outside the service area")
    INCOMPLETE = "incomplete", _("Incomplete referral information")
    ALREADY_SERVED = "already_served", _("Already served by this or another programme")
    OTHER = "other", _("Other")


class Referral(models.Model):
    """A closed-loop referral (derivación efectiva) of one case to one service."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("case")
    )
    need = models.ForeignKey(
        CaseNeed,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("need addressed"),
    )
    service = models.ForeignKey(
        "directory.Service",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("service"),
    )
    service_at_site = models.ForeignKey(
        "directory.ServiceAtSite",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("site"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_note = models.TextField(
        _("what the provider should know"),
        blank=True,
        help_text=_("Only this note, the needs and the age band reach the provider."),
    )
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consent"),
    )
    consent_override_reason = models.TextField(_("why sent without consent"), blank=True)
    # An urgent-safety case may be referred before its admissibility is decided; why.
    admissibility_override_reason = models.TextField(_("why sent before admissibility"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    response_due = models.DateTimeField(_("answer due by"), null=True, blank=True)
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rejection_reason = models.CharField(
        _("reason for rejecting"), max_length=20, choices=RejectionReason.choices, blank=True
    )
    feedback = models.TextField(_("provider's feedback (contrarreferencia)"), blank=True)
    overdue_notified = models.BooleanField(default=False, editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)
    # The case's lead team, kept by database triggers (cases/case_team_sql.py) so a
    # team's overdue list needs no join to the case. Read in queries only.
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
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created"]
        indexes = [
            models.Index(fields=["service", "status"], name="referral_service_status"),
            models.Index(fields=["case", "status"], name="referral_case_status"),
            models.Index(
                fields=["response_due"],
                name="referral_awaiting_answer",
                condition=Q(status="sent"),
            ),
            models.Index(
                fields=["case_team", "response_due"],
                name="referral_awaiting_by_team",
                condition=Q(status="sent"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.service}"

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ReferralStatus.SENT
            and self.response_due is not None
            and self.response_due < timezone.now()
        )


class ReferralEvent(models.Model):
    """One step of a referral's life: who moved it, when, from what to what, and why.

    Append-only: the application never updates or deletes these rows.
    """

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.from_status} → {self.to_status}"


class CompletionModel(models.Model):
    """A fitted model of the chance a referral completes, stored as plain numbers.

    Coefficients rather than a pickle: they are what the reasons show, and loading a
    pickle from the database would execute whatever it holds.
    """

    created = models.DateTimeField(default=timezone.now)
    features = ArrayField(models.CharField(max_length=40))
    means = ArrayField(models.FloatField())
    scales = ArrayField(models.FloatField())
    coefficients = ArrayField(models.FloatField())
    intercept = models.FloatField()
    # Platt scaling fitted on a calibration split: p = 1 / (1 + exp(a·z + b)).
    platt_a = models.FloatField()
    platt_b = models.FloatField()
    training_size = models.PositiveIntegerField()
    test_size = models.PositiveIntegerField()
    auc = models.FloatField(null=True)
    is_active = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("completion model")
        verbose_name_plural = _("completion models")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.created:%Y-%m-%d} AUC={self.auc}"


class ReferralLinkChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    PRINT = "print", _("Printed letter")


class ReferralLinkState(models.TextChoices):
    SENT = "sent", _("Sent")
    VIEWED = "viewed", _("Viewed")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class ReferralLink(models.Model):
    """A one-time, expiring link for a service whose organization has no one on Puente.

    Only the SHA-256 digest of the token is kept: the token itself lives in the letter
    (mail or paper) and nowhere else, so a copy of the database opens no referral.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    referral = models.ForeignKey(
        Referral, on_delete=models.CASCADE, related_name="links", verbose_name=_("referral")
    )
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    channel = models.CharField(
        _("sent by"), max_length=5, choices=ReferralLinkChannel.choices, editable=False
    )
    sent_to = models.EmailField(_("sent to"), blank=True, editable=False)
    created = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    first_viewed_at = models.DateTimeField(_("first opened at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("last answered at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A link revoked because a newer one was sent or printed, not by hand.
    replaced = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("referral link")
        verbose_name_plural = _("referral links")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.referral_id} · {self.created:%Y-%m-%d %H:%M}"

    def state(self, now: datetime | None = None) -> str:
        if self.revoked_at is not None:
            return ReferralLinkState.REVOKED
        if self.answered_at is not None and self.referral.status in CLOSED_REFERRAL_STATUSES:
            return ReferralLinkState.ANSWERED
        if self.expires_at <= (now or timezone.now()):
            return ReferralLinkState.EXPIRED
        if self.answered_at is not None:
            return ReferralLinkState.ANSWERED
        if self.first_viewed_at is not None:
            return ReferralLinkState.VIEWED
        return ReferralLinkState.SENT

    def state_label(self) -> str:
        return str(ReferralLinkState(self.state()).label)
