"""The communal service offer, aligned with Open Referral HSDS 3.0.

Every record has a UUID so it can be exchanged with other HSDS directories.
Geometries are stored in SRID 4326; sites use ``geography=True`` so distances are metres.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.fields import ChoiceArrayField

MAX_AGE_YEARS = 25


class TerritoryLevel(models.TextChoices):
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality (comuna)")
    SECTOR = "sector", _("Sector")


# Deeper levels are more specific; a site belongs to its most specific territory.
LEVEL_DEPTH = {TerritoryLevel.REGION: 0, TerritoryLevel.MUNICIPALITY: 1, TerritoryLevel.SECTOR: 2}


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


class OrganizationSector(models.TextChoices):
    HEALTH = "health", _("Health")
    EDUCATION = "education", _("Education")
    SOCIAL_PROTECTION = "social_protection", _("Social protection")
    JUSTICE = "justice", _("Justice")
    MUNICIPAL = "municipal", _("Municipal office")
    NGO = "ngo", _("NGO")
    COMMUNITY = "community", _("Community")


class Organization(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("alternate name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    sector = models.CharField(_("sector"), max_length=30, choices=OrganizationSector.choices)
    is_public = models.BooleanField(_("public institution"), default=True)
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganizationIdentifier(models.Model):
    """HSDS organization_identifier: a tax number, registry code, etc."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="identifiers"
    )
    identifier_scheme = models.CharField(_("scheme"), max_length=50, blank=True)
    identifier_type = models.CharField(_("type"), max_length=100)
    identifier = models.CharField(_("identifier"), max_length=100)

    class Meta:
        verbose_name = _("organization identifier")
        verbose_name_plural = _("organization identifiers")

    def __str__(self) -> str:
        return f"{self.identifier_type}: {self.identifier}"


class Taxonomy(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    uri = models.URLField(_("URI"), blank=True)
    version = models.CharField(_("version"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("taxonomy")
        verbose_name_plural = _("taxonomies")

    def __str__(self) -> str:
        return self.name


class TaxonomyTerm(models.Model):
    """A need or service category. The same terms describe cases and services."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    taxonomy = models.ForeignKey(Taxonomy, on_delete=models.PROTECT, related_name="terms")
    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent term"),
    )
    language = models.CharField(_("language"), max_length=8, default="es")

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServiceKind(models.TextChoices):
    SOCIAL = "social", _("Social service")
    SPECIALIZED = "specialized", _("Specialized service")


class Modality(models.TextChoices):
    TRANSACTIONAL = "transactional", _("Transactional")
    INDIVIDUAL = "individual", _("Individual focus")
    FAMILY_ACCOMPANIMENT = "family_accompaniment", _("Family accompaniment")


class AccessRoute(models.TextChoices):
    SELF_REFERRAL = "self_referral", _("Self-referral")
    REFERRAL = "referral", _("Referral")
    OUTREACH = "outreach", _("Outreach")


class ServiceStatus(models.TextChoices):
    # Values are HSDS 3.0's service.status enum.
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")
    TEMPORARILY_CLOSED = "temporarily closed", _("Temporarily closed")
    DEFUNCT = "defunct", _("Defunct")


SEARCH_CONFIG = "spanish_unaccent"  # Spanish stemming over unaccented words (migration 0003)


class ImmutableUnaccent(models.Func):
    """``puente_unaccent``: unaccent() wrapped as IMMUTABLE so it can feed indexes.

    Kept because migration 0003 refers to it."""

    function = "puente_unaccent"
    output_field = models.TextField()


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("organization"),
    )
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("alternate name"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    url = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    categories = models.ManyToManyField(
        TaxonomyTerm, related_name="services", verbose_name=_("categories")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ServiceKind.choices)
    modality = models.CharField(_("modality"), max_length=30, choices=Modality.choices)
    access_routes = ChoiceArrayField(
        models.CharField(max_length=20, choices=AccessRoute.choices),
        verbose_name=_("access routes accepted"),
        default=list,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    languages = ArrayField(
        models.CharField(max_length=8),
        verbose_name=_("languages"),
        default=list,
        blank=True,
        help_text=_("ISO 639-1 codes, e.g. es, en, ht (Haitian Creole)."),
    )
    is_free = models.BooleanField(_("free of charge"), default=True)
    fees_description = models.TextField(_("cost"), blank=True)
    application_process = models.TextField(_("how to apply"), blank=True)
    required_documents = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("required documents"),
        default=list,
        blank=True,
    )
    typical_duration_weeks = models.PositiveSmallIntegerField(
        _("typical duration (weeks)"), null=True, blank=True
    )
    verified_on = models.DateField(_("last verified on"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verification_due = models.BooleanField(
        _("verification due"),
        default=False,
        help_text=_("Set nightly when the last verification is too old."),
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)
    last_modified = models.DateTimeField(_("last modified"), auto_now=True)
    # The codes of the categories and of their ancestors, kept in step with
    # ``categories`` (signals.py): "category X or below" becomes one GIN lookup that
    # PostgreSQL can AND with the text index, instead of a join over the link table.
    category_codes = ArrayField(
        models.CharField(max_length=50), default=list, blank=True, editable=False
    )
    # Kept by PostgreSQL itself, so bulk imports and raw updates can never leave
    # the search index stale.
    search_vector = models.GeneratedField(
        expression=SearchVector("name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("alternate_name", weight="A", config=SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    history = HistoricalRecords(
        excluded_fields=["last_modified", "verification_due", "search_vector", "category_codes"]
    )

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["organization"]),
            models.Index(fields=["last_modified"]),
            GinIndex(fields=["search_vector"], name="service_search_vector_gin"),
            GinIndex(fields=["category_codes"], name="service_category_codes_gin"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # ``category_codes`` follows the categories (signals.py) and is written only by
        # ``service_category_codes_refresh``: an instance loaded before its categories
        # changed would otherwise write the old codes back (and drop the service from
        # the search table's rows of its new categories).
        if not self._state.adding and kwargs.get("update_fields") is None:
            deferred = self.get_deferred_fields()  # as Django does: only what was loaded
            kwargs["update_fields"] = [
                field.name
                for field in self._meta.concrete_fields
                if not field.primary_key
                and not field.generated
                and field.name != "category_codes"
                and field.attname not in deferred
            ]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.status == ServiceStatus.ACTIVE and not self.access_routes:
            raise ValidationError(
                {"access_routes": _("An active service must accept at least one access route.")}
            )


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

    def clean(self) -> None:
        # Local import: selectors import this module.
        from directory.selectors import territory_for_point

        if self.point is None:
            return
        territory = territory_for_point(point=self.point)
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
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="service_at_sites")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="service_at_sites")
    capacity = models.IntegerField(
        _("slots"),
        default=0,
        validators=[MinValueValidator(0, message=_("Capacity cannot be below zero."))],
        help_text=_("How many children the service can attend at once at this site."),
    )
    schedule_description = models.CharField(_("opening hours"), max_length=200, blank=True)
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
