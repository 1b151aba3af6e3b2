"""The common assessment: a versioned instrument and the assessments filled with it.

The coordinator configures an instrument (domains, items, answer scales, risk weights
and the needs each item suggests) and publishes it; a published version is frozen, so
the answers given under it keep meaning what they meant. A new version is a new row.

An assessment is one dated reading of a child: the lead team and the partners each
assess the domains they work on (``AssessmentDomainEntry``), the assessment suggests a
risk level and needs from the answers, and the caseworker accepts or overrides them.
Reassessing adds a new assessment; earlier ones are never rewritten.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models.file import Case
from directory.models import RiskLevel


def _frozen_refuse(instrument_id: Any) -> None:
    """A published version never changes: the answers given under it keep their meaning."""
    published = AssessmentInstrument.objects.filter(
        pk=instrument_id, published_at__isnull=False
    ).exists()
    if published:
        raise ValidationError(_("This version is published and can no longer change."))


def default_scale() -> list[str]:
    return ["No", "A veces", "Sí"]


def default_thresholds() -> dict[str, int]:
    return {"moderate": 3, "high": 6, "very_high": 10}


class AssessmentInstrument(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # The score from which each band starts; below "moderate" the suggestion is low.
    thresholds = models.JSONField(_("risk thresholds"), default=default_thresholds)
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment instrument")
        verbose_name_plural = _("assessment instruments")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="assessment_instrument_version",
                violation_error_message=_("This instrument already has this version."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _frozen_refuse(self.pk)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        bands = {"moderate", "high", "very_high"}
        if not isinstance(self.thresholds, dict) or set(self.thresholds) != bands:
            raise ValidationError(
                {"thresholds": _("Give a score for moderate, high and very_high.")}
            )
        values = [self.thresholds[b] for b in ("moderate", "high", "very_high")]
        if not all(isinstance(v, int | float) for v in values) or values != sorted(values):
            raise ValidationError(
                {"thresholds": _("The scores must be numbers, rising from moderate to very high.")}
            )


class AssessmentDomain(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    instrument = models.ForeignKey(
        AssessmentInstrument,
        on_delete=models.CASCADE,
        related_name="domains",
        verbose_name=_("instrument"),
    )
    # The same code across versions: the case page charts a domain over time by it.
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("assessment domain")
        verbose_name_plural = _("assessment domains")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"],
                name="assessment_domain_code",
                violation_error_message=_("This instrument already has a domain with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        _frozen_refuse(self.instrument_id)
        super().save(*args, **kwargs)


class FactorKind(models.TextChoices):
    RISK = "risk", _("Risk factor")
    PROTECTIVE = "protective", _("Protective factor")


class AssessmentItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    domain = models.ForeignKey(
        AssessmentDomain, on_delete=models.CASCADE, related_name="items", verbose_name=_("domain")
    )
    code = models.SlugField(_("code"), max_length=50)
    question = models.CharField(_("question"), max_length=300)
    definition = models.TextField(_("definition in plain words"))
    # The answers, from "not present" (0) to "fully present" (the last).
    scale = models.JSONField(_("answer scale"), default=default_scale)
    factor = models.CharField(_("factor"), max_length=12, choices=FactorKind.choices)
    weight = models.PositiveSmallIntegerField(_("risk weight"), default=1)
    needs = models.ManyToManyField(
        "directory.TaxonomyTerm", blank=True, related_name="+", verbose_name=_("suggested needs")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")
        ordering = ["position", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "code"],
                name="assessment_item_code",
                violation_error_message=_("This domain already has an item with this code."),
            )
        ]

    def __str__(self) -> str:
        return self.question

    def clean(self) -> None:
        scale = self.scale
        if (
            not isinstance(scale, list)
            or len(scale) < 2
            or not all(isinstance(label, str) and label.strip() for label in scale)
        ):
            raise ValidationError({"scale": _("Give at least two answers, each a word or more.")})

    def save(self, *args: Any, **kwargs: Any) -> None:
        instrument_id = (
            AssessmentDomain.objects.filter(pk=self.domain_id)
            .values_list("instrument_id", flat=True)
            .first()
        )
        _frozen_refuse(instrument_id)
        super().save(*args, **kwargs)

    def fraction(self, value: int) -> float:
        """How present the factor is, from 0 (not at all) to 1 (fully)."""
        return value / (len(self.scale) - 1)


class AssessmentDecision(models.TextChoices):
    PENDING = "pending", _("Waiting for the caseworker")
    ACCEPTED = "accepted", _("Suggestion accepted")
    OVERRIDDEN = "overridden", _("Suggestion overridden")


class Assessment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("case")
    )
    instrument = models.ForeignKey(
        AssessmentInstrument,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("instrument"),
    )
    assessed_on = models.DateField(_("assessed on"), default=timezone.localdate)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(_("created"), default=timezone.now)
    # The suggestion as last computed: the band, the score and, per band and need, the
    # items that led to it (so a reader sees why, and an old one reads as it was).
    suggested_risk_level = models.CharField(
        _("suggested risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    suggestion = models.JSONField(default=dict, editable=False)
    decision = models.CharField(
        _("decision"),
        max_length=12,
        choices=AssessmentDecision.choices,
        default=AssessmentDecision.PENDING,
    )
    accepted_risk_level = models.CharField(
        _("accepted risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    accepted_needs = models.ManyToManyField(
        "directory.TaxonomyTerm", blank=True, related_name="+", verbose_name=_("accepted needs")
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided on"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-created"]
        constraints = [
            # Filled once per child: partners add to the open one, not a second.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(decision="pending"),
                name="assessment_one_open",
                violation_error_message=_("This case already has an assessment under way."),
            )
        ]
        indexes = [models.Index(fields=["case", "-assessed_on"], name="assessment_case_when")]

    def __str__(self) -> str:
        return f"{self.case} · {self.assessed_on:%Y-%m-%d}"


class AssessmentDomainEntry(models.Model):
    """One domain assessed in an assessment, by one organization."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="entries", verbose_name=_("assessment")
    )
    domain = models.ForeignKey(
        AssessmentDomain, on_delete=models.PROTECT, related_name="+", verbose_name=_("domain")
    )
    # Denormalised from the assessment: the repeat window and the quarterly count read
    # entries by case and date without joining.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(
        "directory.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("organization"),
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed on"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    # Assessed again inside ASSESSMENT_REPEAT_WINDOW_DAYS: the reason is required.
    is_repeat = models.BooleanField(_("repeat"), default=False)
    repeat_reason = models.TextField(_("reason for assessing again"), blank=True)
    score = models.FloatField(_("domain score"), default=0)

    class Meta:
        verbose_name = _("assessed domain")
        verbose_name_plural = _("assessed domains")
        ordering = ["assessed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "domain"],
                name="assessment_domain_once",
                violation_error_message=_("This domain was already assessed in this assessment."),
            )
        ]
        indexes = [
            models.Index(fields=["case", "-assessed_at"], name="assessment_entry_case"),
            models.Index(
                fields=["assessed_at"], name="assessment_entry_repeat", condition=Q(is_repeat=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assessment} · {self.domain}"


class AssessmentAnswer(models.Model):
    entry = models.ForeignKey(
        AssessmentDomainEntry, on_delete=models.CASCADE, related_name="answers"
    )
    item = models.ForeignKey(AssessmentItem, on_delete=models.PROTECT, related_name="+")
    value = models.PositiveSmallIntegerField(_("answer"))

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["entry", "item"], name="assessment_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.item.code}={self.value}"
