"""Territories: the map's regions, comunas and sectors, with their child population."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.gis.db import models
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality (comuna)")
    SECTOR = "sector", _("Sector")


# Deeper levels are more specific; a site belongs to its most specific territory.
LEVEL_DEPTH = {TerritoryLevel.REGION: 0, TerritoryLevel.MUNICIPALITY: 1, TerritoryLevel.SECTOR: 2}


class TerritoryQuerySet(models.QuerySet["Territory"]):
    def most_specific_at(self, *, point: Point) -> Territory | None:
        """The most specific territory containing the point (a sector before its comuna).

        ``intersects`` rather than ``contains`` so a point exactly on a boundary still
        gets a territory; ties on a shared border go to the lowest code, deterministically.
        """
        if point.srid is None:
            point = Point(point.x, point.y, srid=4326)
        return self.filter(geometry__intersects=point).order_by("-depth", "code").first()


class Territory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=TerritoryLevel.choices)
    depth = models.PositiveSmallIntegerField(_("depth"), editable=False, default=0)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent territory"),
    )
    geometry = models.MultiPolygonField(_("boundary"), srid=4326)
    children_0_5 = models.PositiveIntegerField(_("children aged 0–5"), default=0)
    children_6_11 = models.PositiveIntegerField(_("children aged 6–11"), default=0)
    children_12_17 = models.PositiveIntegerField(_("children aged 12–17"), default=0)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        ordering = ["depth", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def child_population(self) -> int:
        return self.children_0_5 + self.children_6_11 + self.children_12_17

    def clean(self) -> None:
        self.depth = LEVEL_DEPTH[TerritoryLevel(self.level)] if self.level else 0
        if self.parent is not None:
            if self.parent_id == self.id:
                raise ValidationError({"parent": _("A territory cannot be its own parent.")})
            if self.parent.depth >= self.depth:
                raise ValidationError(
                    {"parent": _("The parent must be a broader level than this territory.")}
                )
        if self.geometry is not None and not self.geometry.valid:
            raise ValidationError(
                {
                    "geometry": _("The boundary is not a valid polygon: %(reason)s")
                    % {"reason": self.geometry.valid_reason}
                }
            )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.depth = LEVEL_DEPTH[TerritoryLevel(self.level)]
        super().save(*args, **kwargs)
