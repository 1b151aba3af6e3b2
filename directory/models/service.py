"""Services (HSDS service): what an organization offers, and the text a search reads."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from directory.fields import ChoiceArrayField
from directory.models.organization import Organization, TaxonomyTerm


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
    # Who vouched for the listing, as the card says it ("by Coordinación", "by the
    # provider through its verification link"): a link's answer has no user.
    verified_by_label = models.CharField(_("verified by (as shown)"), max_length=200, blank=True)
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
