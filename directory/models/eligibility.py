"""Who a service is for: structured eligibility rules a child can be checked against."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.fields import ChoiceArrayField
from directory.models.service import Service
from directory.models.territory import Territory

MAX_AGE_YEARS = 25


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other / non-binary")


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")
    VERY_HIGH = "very_high", _("Very high")


@dataclass(frozen=True)
class EligibilityCandidate:
    """What eligibility needs to know about a child; ``matching`` builds it from a case."""

    age_years: int | None = None
    sex: str | None = None
    risk_level: str | None = None
    territory_ids: frozenset[uuid.UUID] = frozenset()  # home territory and its ancestors
    has_judicial_order: bool = False


@dataclass(frozen=True)
class EligibilityFailure:
    rule: str
    reason: str


class Eligibility(models.Model):
    """Who a service is for, as rules a case can be checked against.

    An empty rule (no ages, no sexes, no risk levels, no service area) admits everyone.
    """

    service = models.OneToOneField(
        Service, on_delete=models.CASCADE, related_name="eligibility", verbose_name=_("service")
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age (years)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_AGE_YEARS)],
    )
    max_age = models.PositiveSmallIntegerField(
        _("maximum age (years)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_AGE_YEARS)],
    )
    sexes = ChoiceArrayField(
        models.CharField(max_length=10, choices=Sex.choices),
        verbose_name=_("sexes accepted"),
        default=list,
        blank=True,
        help_text=_("Empty means every sex."),
    )
    risk_levels = ChoiceArrayField(
        models.CharField(max_length=10, choices=RiskLevel.choices),
        verbose_name=_("risk levels accepted"),
        default=list,
        blank=True,
        help_text=_("Empty means every risk level."),
    )
    service_area = models.ManyToManyField(
        Territory,
        blank=True,
        related_name="served_by",
        verbose_name=_("territories served"),
        help_text=_("Empty means no territorial restriction."),
    )
    requires_judicial_order = models.BooleanField(_("requires a judicial order"), default=False)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[service_area])

    class Meta:
        verbose_name = _("eligibility")
        verbose_name_plural = _("eligibility")
        constraints = [
            models.CheckConstraint(
                condition=Q(min_age__isnull=True)
                | Q(max_age__isnull=True)
                | Q(min_age__lte=models.F("max_age")),
                name="eligibility_age_range_ordered",
                violation_error_message=_(
                    "The minimum age cannot be greater than the maximum age."
                ),
            )
        ]

    def __str__(self) -> str:
        return str(_("Eligibility of %(service)s") % {"service": self.service})

    def clean(self) -> None:
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise ValidationError(
                {
                    "max_age": _(
                        "The maximum age (%(max)s) must be at least the minimum age (%(min)s)."
                    )
                    % {"max": self.max_age, "min": self.min_age}
                }
            )

    def failures_for(
        self, candidate: EligibilityCandidate, *, service_area_ids: set[uuid.UUID] | None = None
    ) -> list[EligibilityFailure]:
        """Every rule the candidate fails, each with a sentence a caseworker can read.

        ``service_area_ids`` may be passed when already fetched, to spare a query per row.
        """
        failures: list[EligibilityFailure] = []
        age = candidate.age_years
        if self.min_age is not None or self.max_age is not None:
            if age is None:
                failures.append(EligibilityFailure("age", str(_("The child's age is unknown."))))
            elif self.min_age is not None and age < self.min_age:
                failures.append(
                    EligibilityFailure(
                        "age",
                        str(
                            _("Age %(age)s is below the minimum of %(min)s years.")
                            % {"age": age, "min": self.min_age}
                        ),
                    )
                )
            elif self.max_age is not None and age > self.max_age:
                failures.append(
                    EligibilityFailure(
                        "age",
                        str(
                            _("Age %(age)s is above the maximum of %(max)s years.")
                            % {"age": age, "max": self.max_age}
                        ),
                    )
                )
        if self.sexes and candidate.sex not in self.sexes:
            failures.append(
                EligibilityFailure(
                    "sex",
                    str(
                        _("The service is only for: %(sexes)s.")
                        % {"sexes": ", ".join(str(Sex(s).label) for s in self.sexes)}
                    ),
                )
            )
        if self.risk_levels and candidate.risk_level not in self.risk_levels:
            failures.append(
                EligibilityFailure(
                    "risk_level",
                    str(
                        _("The service accepts risk levels: %(levels)s.")
                        % {"levels": ", ".join(str(RiskLevel(r).label) for r in self.risk_levels)}
                    ),
                )
            )
        if service_area_ids is None:
            service_area_ids = set(self.service_area.values_list("id", flat=True))
        if service_area_ids and not (service_area_ids & candidate.territory_ids):
            failures.append(
                EligibilityFailure(
                    "territory", str(_("The child lives outside the territories served."))
                )
            )
        if self.requires_judicial_order and not candidate.has_judicial_order:
            failures.append(
                EligibilityFailure(
                    "judicial_order", str(_("The service requires a judicial order."))
                )
            )
        return failures
