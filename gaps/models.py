"""The gap inventory (catastro de brechas): snapshots per territory and category, as history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CategorySetting(models.Model):
    """How a category's accessibility is measured, and the coverage norm it is held to.

    Walking distance for a school, longer for specialised care: coordinators set it.
    """

    category = models.OneToOneField(
        "directory.TaxonomyTerm",
        on_delete=models.CASCADE,
        related_name="gap_setting",
        verbose_name=_("category"),
    )
    catchment_m = models.PositiveIntegerField(
        _("catchment (metres)"),
        default=3000,
        validators=[MinValueValidator(100), MaxValueValidator(200_000)],
    )
    enhanced = models.BooleanField(
        _("weight by distance (enhanced 2SFCA, thirds 1.00 / 0.68 / 0.22)"), default=True
    )
    norm_slots_per_1000 = models.FloatField(
        _("norm: slots per 1,000 children"),
        default=10.0,
        validators=[MinValueValidator(0.0)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("gap setting of a category")
        verbose_name_plural = _("gap settings of categories")

    def __str__(self) -> str:
        return str(self.category)


class GapSnapshot(models.Model):
    """One run of the gap inventory; a re-run for the same day replaces it."""

    day = models.DateField(_("day"), unique=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    seconds = models.FloatField(_("duration (s)"), default=0.0)
    # category code → {"gini": float, "lorenz_x": [...], "lorenz_y": [...]}
    equity = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("gap snapshot")
        verbose_name_plural = _("gap snapshots")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day}"


class GapCell(models.Model):
    snapshot = models.ForeignKey(GapSnapshot, on_delete=models.CASCADE, related_name="cells")
    territory = models.ForeignKey("directory.Territory", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey(
        "directory.TaxonomyTerm", on_delete=models.CASCADE, related_name="+"
    )
    children = models.PositiveIntegerField(_("children"))
    active_needs = models.PositiveIntegerField(_("active needs"))
    slots = models.PositiveIntegerField(_("slots"))
    accessibility = models.FloatField(_("accessibility (slots per child within reach)"))
    zero_access_share = models.FloatField(_("share of children with no service within reach"))
    shortfall_slots = models.FloatField(_("slots short of the norm"))
    unmet_cases = models.PositiveIntegerField(_("cases with no eligible service within reach"))
    waiting = models.PositiveIntegerField(_("waiting"))
    waitlist_pressure = models.FloatField(_("waiting per slot"), null=True)
    median_wait_days = models.FloatField(_("median wait (days)"), null=True)
    rejected_no_capacity = models.PositiveIntegerField(_("referrals rejected for lack of slots"))

    class Meta:
        verbose_name = _("gap")
        verbose_name_plural = _("gaps")
        constraints = [
            models.UniqueConstraint(
                fields=["snapshot", "territory", "category"], name="gap_cell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.snapshot_id} {self.territory_id} {self.category_id}"


class GapHotspot(models.Model):
    """A cluster of homes of children with an unmet need, and where new capacity would help."""

    snapshot = models.ForeignKey(GapSnapshot, on_delete=models.CASCADE, related_name="hotspots")
    category = models.ForeignKey(
        "directory.TaxonomyTerm", on_delete=models.CASCADE, related_name="+"
    )
    size = models.PositiveIntegerField(_("children"))
    centroid = models.PointField(srid=4326)
    suggested_site = models.PointField(srid=4326)
    radius_m = models.FloatField()

    class Meta:
        verbose_name = _("hotspot")
        verbose_name_plural = _("hotspots")
        ordering = ["-size"]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.size}"


class NetworkSnapshot(models.Model):
    """The referral network's indicators for a period (nightly: the last 365 days)."""

    start = models.DateField()
    end = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)
    indicators = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("network snapshot")
        verbose_name_plural = _("network snapshots")
        ordering = ["-end"]
        constraints = [
            models.UniqueConstraint(fields=["start", "end"], name="network_snapshot_period")
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"


class ManagementReport(models.Model):
    """The network's management indicators for a period (quarterly by schedule; any range).

    A re-run for the same period replaces it.
    """

    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)
    seconds = models.FloatField(_("duration (s)"), default=0.0)
    # NetworkIndicators.as_dict(), per_pair limited as in NetworkSnapshot; under "casework"
    # the case file's indicators (gaps.casework), raw like the rest.
    indicators = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("management report")
        verbose_name_plural = _("management reports")
        ordering = ["-end", "-start"]
        constraints = [
            models.UniqueConstraint(fields=["start", "end"], name="management_report_period"),
            models.CheckConstraint(
                condition=models.Q(start__lte=models.F("end")), name="management_report_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.start}–{self.end}"
