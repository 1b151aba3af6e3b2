"""The child population of a territory, kept per census or projection year.

``Territory.children_*`` hold the latest year's figures: the gap inventory, the demo and
the maps read them there (one row per territory, no join), and the population import
keeps them equal to the newest row below. The rows keep every year, so the figures of a
past year can be read and the trends show when the population changed.
"""

from __future__ import annotations

import uuid

from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from directory.models.territory import Territory

#: Puente's age bands: (first age, last age, field). An imported age or band is summed
#: into the band that holds it.
POPULATION_BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 5, "children_0_5"),
    (6, 11, "children_6_11"),
    (12, 17, "children_12_17"),
)


class TerritoryPopulation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    territory = models.ForeignKey(
        Territory,
        on_delete=models.CASCADE,
        related_name="populations",
        verbose_name=_("territory"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    children_0_5 = models.PositiveIntegerField(_("children aged 0–5"), default=0)
    children_6_11 = models.PositiveIntegerField(_("children aged 6–11"), default=0)
    children_12_17 = models.PositiveIntegerField(_("children aged 12–17"), default=0)
    imported_at = models.DateTimeField(_("imported"), default=timezone.now)

    class Meta:
        verbose_name = _("population of a year")
        verbose_name_plural = _("population by year")
        ordering = ["territory", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "year"], name="territory_population_one_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.territory_id} {self.year}"

    @property
    def child_population(self) -> int:
        return self.children_0_5 + self.children_6_11 + self.children_12_17
