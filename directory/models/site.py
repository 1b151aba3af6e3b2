"""Sites (HSDS location), services at sites with their slots, and the search table."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.capacity import CapacityStatus
from directory.models.organization import Organization
from directory.models.service import Service
from directory.models.territory import Territory


class GeographyToMercator(models.Func):
    """ST_Transform(geography::geometry, 3857): immutable, so it can be a stored column."""

    template = "ST_Transform(%(expressions)s::geometry, 3857)"
    output_field = models.PointField(srid=3857)


class Site(models.Model):
    """HSDS location: where services are delivered."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    address_1 = models.CharField(_("address"), max_length=200)
    city = models.CharField(_("city"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CL")
    # geography=True: distance lookups (D(m=...)) are in metres on the spheroid.
    point = models.PointField(_("location"), srid=4326, geography=True)
    accessibility_notes = models.TextField(_("accessibility"), blank=True)
    # A protection residence, a shelter: the public sees an approximate area and a
    # contact, never the address or the point (directory/confidential.py).
    confidential = models.BooleanField(
        _("confidential location"),
        default=False,
        help_text=_(
            "The public sees only an approximate area (2 km) and the contact; the address "
            "and the point are shown only to the roles that need them, and every view is "
            "audited."
        ),
    )
    territory = models.ForeignKey(
        Territory,
        on_delete=models.PROTECT,
        related_name="sites",
        verbose_name=_("territory"),
        editable=False,
    )
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    # Web Mercator copy of the point, kept by PostgreSQL, for nearest-first (KNN)
    # ordering: planar GiST KNN is ~10x faster than geography KNN, and Mercator is
    # conformal, so the order of nearby sites is the true order (the scale factor
    # varies by about 0.1% across a comuna). Reported distances always come from the
    # geography point, in metres on the spheroid.
    point_mercator = models.GeneratedField(
        expression=GeographyToMercator("point"),
        output_field=models.PointField(srid=3857),
        db_persist=True,
    )

    history = HistoricalRecords(excluded_fields=["last_modified", "point_mercator"])

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        indexes = [GistIndex(fields=["point_mercator"], name="site_point_mercator_gist")]

    def __str__(self) -> str:
        return f"{self.name} — {self.address_1}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_redacted", False):
            raise ValueError("A redacted (public) copy of a confidential site cannot be saved.")
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.point is None:
            return
        territory = Territory.objects.most_specific_at(point=self.point)
        if territory is None:
            raise ValidationError(
                {
                    "point": _(
                        "The point (%(lat).5f, %(lon).5f) is outside every territory of the "
                        "map. Check the coordinates or add the territory first."
                    )
                    % {"lat": self.point.y, "lon": self.point.x}
                }
            )
        self.territory = territory


class ServiceAtSite(models.Model):
    """HSDS service_at_location, with the slots (cupos) the service has at that site."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    service = models.ForeignKey(
        Service,
        on_delete=models.CASCADE,
        related_name="service_at_sites",
        verbose_name=_("service"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="service_at_sites", verbose_name=_("site")
    )
    capacity = models.IntegerField(
        _("slots"),
        default=0,
        validators=[MinValueValidator(0, message=_("Capacity cannot be below zero."))],
        help_text=_("How many children the service can attend at once at this site."),
    )
    schedule_description = models.CharField(_("opening hours"), max_length=200, blank=True)
    # What the provider says when Puente cannot derive it from slots and waitlists
    # (directory/capacity.py): blank means "derive it".
    declared_capacity_status = models.CharField(
        _("capacity status (declared)"),
        max_length=24,
        choices=CapacityStatus.choices,
        blank=True,
        help_text=_(
            "Leave blank to let Puente derive it from slots and waitlists. "
            "“Assessment required first” always applies."
        ),
    )
    declared_wait_days = models.PositiveSmallIntegerField(
        _("typical wait (days, declared)"),
        null=True,
        blank=True,
        help_text=_("The provider's own figure, when Puente does not hold the waitlist."),
    )
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["last_modified"])

    class Meta:
        verbose_name = _("service at a site")
        verbose_name_plural = _("services at sites")
        constraints = [
            models.UniqueConstraint(fields=["service", "site"], name="service_at_site_unique"),
            models.CheckConstraint(
                condition=Q(capacity__gte=0),
                name="service_at_site_capacity_not_negative",
                violation_error_message=_("Capacity cannot be below zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} @ {self.site.name}"


# The code of the row every active service at a site has besides its categories':
# a search without a category walks the same (code, point) index.
ANY_CATEGORY = "*"


class ServiceAtSiteCategory(models.Model):
    """The search table: one row per category code (and ancestor code, and
    ``ANY_CATEGORY``) of each active service at each site, with the site's point and a
    copy of what a search filters on (text, modality, access routes, ages, sexes).

    "The nearest of category X that fit" walks one GiST index on (code, point) and
    checks each row in place, without joining the service or its eligibility: at
    100,000 services those joins cost more than the walk itself.

    Kept by PostgreSQL triggers (migrations 0008, 0009) on services, eligibility, sites
    and services at sites, so bulk loads and raw updates cannot leave it stale; never
    written by Python.
    """

    # DO_NOTHING: the triggers delete these rows with their service at a site; the
    # (deferred) foreign keys still guarantee none is left behind.
    service_at_site = models.ForeignKey(
        ServiceAtSite, on_delete=models.DO_NOTHING, related_name="+", editable=False
    )
    service = models.ForeignKey(
        Service, on_delete=models.DO_NOTHING, related_name="+", editable=False
    )
    code = models.CharField(max_length=50, editable=False)
    point_mercator = models.PointField(srid=3857, spatial_index=False, editable=False)
    search_vector = SearchVectorField(editable=False)
    modality = models.CharField(max_length=30, editable=False)
    access_routes = ArrayField(models.CharField(max_length=20), editable=False)
    # NULL: no bound, as on Eligibility (and for a service without eligibility).
    min_age = models.PositiveSmallIntegerField(null=True, editable=False)
    max_age = models.PositiveSmallIntegerField(null=True, editable=False)
    # Every age admitted, 0 to MAX_AGE_YEARS: "admits age a" as an array lookup that the
    # GIN index answers together with the code and the text.
    ages = ArrayField(models.SmallIntegerField(), editable=False)
    sexes = ArrayField(models.CharField(max_length=10), editable=False)

    class Meta:
        verbose_name = _("search row")
        verbose_name_plural = _("search rows")
        # Written by triggers only: no permission to add, change or delete it means
        # anything, so none is offered on the user form.
        default_permissions = ()
        indexes = [
            # btree_gist lets the code share the GiST index with the point, so the
            # index answers the equality and the nearest-first order together.
            GistIndex(fields=["code", "point_mercator"], name="sas_category_code_point_gist"),
            # btree_gin likewise: "the rows of this code matching these words and
            # admitting this age" in one GIN scan, for filters that the nearest-first
            # walk would seldom pass.
            GinIndex(fields=["code", "search_vector", "ages"], name="sas_category_code_text_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.code} @ {self.service_at_site_id}"
