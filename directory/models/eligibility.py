"""Who a service is for: structured eligibility rules a child can be checked against.

The rules are worded and evaluated in ``directory.eligibility``; the choices and the
candidate are defined there too and importable from here as before.
"""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.eligibility import (
    EligibilityCandidate,
    EligibilityFailure,
    RiskLevel,
    Sex,
    eligibility_failures,
)
from directory.fields import ChoiceArrayField
from directory.models.service import Service
from directory.models.territory import Territory

MAX_AGE_YEARS = 25


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
        """Every rule the candidate fails (``directory.eligibility.eligibility_failures``).

        ``service_area_ids`` may be passed when already fetched, to spare a query per row.
        """
        return eligibility_failures(
            eligibility=self, candidate=candidate, service_area_ids=service_area_ids
        )
