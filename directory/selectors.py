"""Reads of the service map, and who may change which part of it."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeoFunc
from django.contrib.gis.geos import Point
from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import Role
from accounts.selectors import AnyUser, user_organization_ids, user_roles
from directory.models import (
    Service,
    ServiceAtSite,
    ServiceStatus,
    TaxonomyTerm,
    Territory,
)


class SimplifyPreserveTopology(GeoFunc):
    """PostGIS ST_SimplifyPreserveTopology; tolerance in the geometry's units (degrees)."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


def territory_for_point(*, point: Point) -> Territory | None:
    """The most specific territory containing the point (a sector before its comuna).

    ``intersects`` rather than ``contains`` so a point exactly on a boundary still
    gets a territory; ties on a shared border go to the lowest code, deterministically.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    return Territory.objects.filter(geometry__intersects=point).order_by("-depth", "code").first()


def territory_lineage_ids(*, territory_id: UUID) -> frozenset[UUID]:
    """The territory and all its ancestors: a service serving the comuna serves its sectors."""
    ids: set[UUID] = set()
    current: UUID | None = territory_id
    while current is not None and current not in ids:
        ids.add(current)
        current = Territory.objects.filter(pk=current).values_list("parent_id", flat=True).first()
    return frozenset(ids)


def taxonomy_term_list() -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.select_related("parent").order_by("code")


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.order_by("depth", "name")


def territory_list_for_map() -> QuerySet[Territory]:
    """The most specific territories, simplified (about 10 m) to keep the payload small."""
    deepest = Territory.objects.aggregate(depth=Max("depth"))["depth"]
    return (
        Territory.objects.filter(depth=deepest)
        .annotate(simplified=SimplifyPreserveTopology("geometry", 0.0001))
        .only("id", "name", "code", "level")
        .order_by("code")
    )


def service_list_with_capacity() -> QuerySet[Service]:
    """Services annotated with ``total_capacity``: the sum of their slots over all sites."""
    return Service.objects.annotate(total_capacity=Coalesce(Sum("service_at_sites__capacity"), 0))


def service_total_capacity(*, service: Service) -> int:
    total = service.service_at_sites.aggregate(total=Sum("capacity"))["total"]
    return int(total or 0)


def service_at_site_list_for_map(
    *, category_code: str | None = None, territory_id: UUID | None = None
) -> QuerySet[ServiceAtSite]:
    """Active services at their sites, the rows the public map draws."""
    qs = (
        ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE)
        .select_related("service", "service__organization", "site", "site__territory")
        .prefetch_related("service__categories")
        .order_by("service__name", "site__name")
    )
    if category_code:
        qs = qs.filter(
            Q(service__categories__code=category_code)
            | Q(service__categories__parent__code=category_code)
        ).distinct()
    if territory_id:
        qs = qs.filter(site__territory_id=territory_id)
    return qs


def service_list_verification_due(*, today: date | None = None) -> QuerySet[Service]:
    """Active services never verified, or verified longer ago than the configured age."""
    today = today or date.today()
    cutoff = today - timedelta(days=settings.DIRECTORY_VERIFICATION_MAX_AGE_DAYS)
    return Service.objects.filter(status=ServiceStatus.ACTIVE).filter(
        Q(verified_on__isnull=True) | Q(verified_on__lt=cutoff)
    )


# --- permissions ---------------------------------------------------------------
# Coordinators edit the whole map; provider staff edit their own organizations'
# services, sites and capacity; caseworkers and planners only read it.


def directory_is_coordinator(*, user: AnyUser) -> bool:
    return Role.COORDINATOR in user_roles(user=user) or bool(getattr(user, "is_superuser", False))


def directory_can_read(*, user: AnyUser) -> bool:
    return bool(user_roles(user=user))


def organization_ids_editable_by(*, user: AnyUser) -> set[UUID] | None:
    """Organizations whose services the user may edit; ``None`` means all of them."""
    if directory_is_coordinator(user=user):
        return None
    return user_organization_ids(user=user, role=Role.PROVIDER)


def organization_can_edit_offer(*, user: AnyUser, organization_id: UUID | None) -> bool:
    """May the user edit services, sites and capacity of this organization?"""
    editable = organization_ids_editable_by(user=user)
    if editable is None:
        return True
    if organization_id is None:
        return bool(editable)
    return organization_id in editable


def directory_can_add_offer(*, user: AnyUser) -> bool:
    editable = organization_ids_editable_by(user=user)
    return editable is None or bool(editable)


def organization_can_manage(*, user: AnyUser) -> bool:
    """Organizations themselves are kept by coordinators and administrators."""
    roles = user_roles(user=user)
    return bool(roles & {Role.COORDINATOR, Role.ADMINISTRATOR})
