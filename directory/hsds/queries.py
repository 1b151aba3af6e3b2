"""Querysets behind the HSDS API and export, each fetching what its serializer reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import MultiPoint, Point
from django.contrib.gis.measure import D
from django.contrib.postgres.search import SearchQuery
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery

from directory.confidential import confidential_site_ids_within
from directory.models import (
    SEARCH_CONFIG,
    Organization,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
)


def _links() -> Prefetch[Any]:
    return Prefetch(
        "service_at_sites",
        queryset=ServiceAtSite.objects.select_related("site").order_by("site__name", "id"),
    )


def service_queryset(*, full: bool) -> QuerySet[Service]:
    qs = Service.objects.select_related("organization", "eligibility", "verified_by").order_by(
        "name", "id"
    )
    qs = qs.prefetch_related(_links())
    if full:
        qs = qs.prefetch_related(
            Prefetch(
                "categories",
                queryset=TaxonomyTerm.objects.select_related("taxonomy").order_by("code"),
            ),
            "eligibility__service_area",
        )
    else:
        qs = qs.prefetch_related("eligibility__service_area")
    return qs


def hsds_service_filter(
    *,
    qs: QuerySet[Service],
    search: str | None = None,
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: datetime | None = None,
    postcode: str | None = None,
    point: Point | None = None,
    radius_m: float | None = None,
) -> QuerySet[Service]:
    if search:
        qs = qs.filter(
            search_vector=SearchQuery(search, config=SEARCH_CONFIG, search_type="websearch")
        )
    if taxonomy_term_id:
        # Service.category_codes holds each category's ancestors: one lookup covers the
        # term and everything below it, as in directory.selectors.service_search.
        code = (
            TaxonomyTerm.objects.filter(pk=taxonomy_term_id).values_list("code", flat=True).first()
        )
        qs = qs.filter(category_codes__contains=[code]) if code else qs.none()
    if taxonomy_id:
        qs = qs.filter(
            id__in=Service.objects.filter(categories__taxonomy_id=taxonomy_id).values("id")
        )
    if organization_id:
        qs = qs.filter(organization_id=organization_id)
    if modified_after:
        qs = qs.filter(last_modified__gte=modified_after)
    if postcode:
        qs = qs.filter(
            id__in=ServiceAtSite.objects.filter(
                site__postal_code__iexact=postcode, site__confidential=False
            ).values("service_id")
        )
    if point is not None:
        nearest = (
            # A confidential site's true distance is never published (nor ranks the
            # service, which would publish it as well): the service is measured from
            # its ordinary sites, and one at confidential sites alone comes last.
            ServiceAtSite.objects.filter(service_id=OuterRef("pk"), site__confidential=False)
            .annotate(d=Distance("site__point", point))
            .order_by("d")
            .values("d")[:1]
        )
        qs = qs.filter(service_at_sites__isnull=False).annotate(distance=Subquery(nearest))
        if radius_m is not None:
            qs = qs.filter(
                id__in=ServiceAtSite.objects.filter(_within(point=point, radius_m=radius_m)).values(
                    "service_id"
                )
            )
        qs = qs.distinct().order_by(F("distance").asc(nulls_last=True), "name", "id")
    return qs


def service_at_site_queryset(*, full: bool) -> QuerySet[ServiceAtSite]:
    qs = ServiceAtSite.objects.select_related(
        "site", "service", "service__organization", "service__eligibility", "service__verified_by"
    ).order_by("service__name", "site__name", "id")
    return qs.prefetch_related(
        Prefetch(
            "service__service_at_sites", queryset=ServiceAtSite.objects.select_related("site")
        ),
        "service__eligibility__service_area",
    )


def service_at_site_search(
    *,
    qs: QuerySet[ServiceAtSite],
    search: str | None = None,
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: datetime | None = None,
    postcode: str | None = None,
    point: Point | None = None,
    radius_m: float | None = None,
) -> QuerySet[ServiceAtSite]:
    if search or taxonomy_term_id or taxonomy_id or organization_id:
        services = hsds_service_filter(
            qs=Service.objects.all(),
            search=search,
            taxonomy_term_id=taxonomy_term_id,
            taxonomy_id=taxonomy_id,
            organization_id=organization_id,
        )
        qs = qs.filter(service_id__in=services.values("id"))
    if modified_after:
        qs = qs.filter(
            Q(last_modified__gte=modified_after)
            | Q(service__last_modified__gte=modified_after)
            | Q(site__last_modified__gte=modified_after)
        )
    if postcode:
        qs = qs.filter(site__postal_code__iexact=postcode, site__confidential=False)
    if point is not None:
        # Ranked by the true point; a confidential site's distance is published coarse
        # (directory.confidential.public_distance_m, in the view).
        qs = qs.annotate(distance=Distance("site__point", point))
        if radius_m is not None:
            qs = qs.filter(_within(point=point, radius_m=radius_m))
        qs = qs.order_by("distance", "service__name", "id")
    return qs


def organization_queryset(*, full: bool) -> QuerySet[Organization]:
    qs = Organization.objects.order_by("name", "id")
    if full:
        qs = qs.prefetch_related(
            "identifiers", Prefetch("sites", queryset=Site.objects.order_by("name", "id"))
        )
    return qs


def taxonomy_queryset() -> QuerySet[Taxonomy]:
    return Taxonomy.objects.order_by("name", "id")


def taxonomy_term_queryset() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.select_related("taxonomy").order_by("code", "id")


# --- the API's reads: one a view, each returning what its serializer reads ----------------


def hsds_service_list(
    *,
    search: str | None = None,
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: datetime | None = None,
    postcode: str | None = None,
    point: Point | None = None,
    radius_m: float | None = None,
) -> QuerySet[Service]:
    """Services in the list's short form, filtered as the HSDS API's query asks."""
    return hsds_service_filter(
        qs=service_queryset(full=False),
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        postcode=postcode,
        point=point,
        radius_m=radius_m,
    )


def _within(*, point: Point, radius_m: float) -> Q:
    """Services at sites within ``radius_m``: a confidential site by its published
    centre, or shrinking radii would find its true distance."""
    return Q(site__confidential=False, site__point__dwithin=(point, D(m=radius_m))) | Q(
        site_id__in=confidential_site_ids_within(near=point, radius_m=radius_m)
    )


def hsds_postcode_centroid(*, postcode: str) -> Point | None:
    """The centroid of the sites with this postcode: where HSDS's ``proximity`` counts from.

    Puente keeps no postcode boundaries; the sites' own addresses are the best
    evidence of where a postcode lies. None when no site has it.
    """
    points = list(
        Site.objects.filter(postal_code__iexact=postcode.strip(), confidential=False).values_list(
            "point", flat=True
        )
    )
    if not points:
        return None
    # SRID 4326 degrees: at a postcode's size the planar centroid is the geodesic one.
    centroid = MultiPoint(points, srid=4326).centroid
    return Point(centroid.x, centroid.y, srid=4326)


def hsds_service_minimal_list(**filters: Any) -> QuerySet[Service, Any]:
    """Just each service's id and last change, for ``minimal=true``: all in one call."""
    return hsds_service_list(**filters).values("id", "last_modified")


def hsds_service_get(*, service_id: UUID) -> Service | None:
    return service_queryset(full=True).filter(pk=service_id).first()


def hsds_service_list_for_organization(*, organization_id: UUID, full: bool) -> QuerySet[Service]:
    """The organization's services, nested in its record (in full when asked for)."""
    return service_queryset(full=full).filter(organization_id=organization_id)


def hsds_service_at_site_list(
    *,
    search: str | None = None,
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: datetime | None = None,
    postcode: str | None = None,
    point: Point | None = None,
    radius_m: float | None = None,
) -> QuerySet[ServiceAtSite]:
    return service_at_site_search(
        qs=service_at_site_queryset(full=False),
        search=search,
        taxonomy_term_id=taxonomy_term_id,
        taxonomy_id=taxonomy_id,
        organization_id=organization_id,
        modified_after=modified_after,
        postcode=postcode,
        point=point,
        radius_m=radius_m,
    )


def hsds_service_at_site_get(*, service_at_site_id: UUID) -> ServiceAtSite | None:
    return service_at_site_queryset(full=True).filter(pk=service_at_site_id).first()


def hsds_organization_list(*, search: str | None = None) -> QuerySet[Organization]:
    qs = organization_queryset(full=False)
    if search:
        qs = qs.filter(name__unaccent__icontains=search)
    return qs


def hsds_organization_get(*, organization_id: UUID) -> Organization | None:
    return organization_queryset(full=True).filter(pk=organization_id).first()


def hsds_taxonomy_list(*, search: str | None = None) -> QuerySet[Taxonomy]:
    qs = taxonomy_queryset()
    if search:
        qs = qs.filter(name__unaccent__icontains=search)
    return qs


def hsds_taxonomy_get(*, taxonomy_id: UUID) -> Taxonomy | None:
    return taxonomy_queryset().filter(pk=taxonomy_id).first()


def hsds_taxonomy_term_list(
    *,
    search: str | None = None,
    taxonomy_id: UUID | None = None,
    parent_id: UUID | None = None,
    top_only: bool = False,
) -> QuerySet[TaxonomyTerm]:
    qs = taxonomy_term_queryset()
    if search:
        qs = qs.filter(name__unaccent__icontains=search)
    if taxonomy_id:
        qs = qs.filter(taxonomy_id=taxonomy_id)
    if parent_id:
        qs = qs.filter(parent_id=parent_id)
    if top_only:
        qs = qs.filter(parent__isnull=True)
    return qs


def hsds_taxonomy_term_get(*, taxonomy_term_id: UUID) -> TaxonomyTerm | None:
    return taxonomy_term_queryset().filter(pk=taxonomy_term_id).first()
