"""Reads of the service map (territories, services, sites), and who may change which part."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.db.models.functions import GeoFunc
from django.contrib.gis.geos import Point
from django.db import connection
from django.db.models import (
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce

from accounts.models import Role
from accounts.selectors import AnyUser, user_is_coordinator, user_organization_ids, user_roles
from directory.models import (
    Eligibility,
    Service,
    ServiceStatus,
    Site,
    TaxonomyTerm,
    Territory,
)


class SimplifyPreserveTopology(GeoFunc):
    """PostGIS ST_SimplifyPreserveTopology; tolerance in the geometry's units (degrees)."""

    function = "ST_SimplifyPreserveTopology"
    output_field = GeometryField(srid=4326)


def territory_for_point(*, point: Point) -> Territory | None:
    """The most specific territory containing the point (a sector before its comuna)."""
    return Territory.objects.most_specific_at(point=point)


def territory_lineage_ids(*, territory_id: UUID) -> frozenset[UUID]:
    """The territory and all its ancestors: a service serving the comuna serves its sectors."""
    # One round trip whatever the depth; UNION (not ALL) stops at a cycle.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH RECURSIVE lineage(id, parent_id) AS ("
            " SELECT id, parent_id FROM directory_territory WHERE id = %s"
            " UNION SELECT t.id, t.parent_id FROM directory_territory t"
            " JOIN lineage l ON t.id = l.parent_id"
            ") SELECT id FROM lineage",
            [territory_id],
        )
        return frozenset(row[0] for row in cursor.fetchall())


def eligibility_service_areas(*, service_ids: Iterable[UUID] | None = None) -> dict[int, set[UUID]]:
    """Territories served, by eligibility id, in one query: what ``failures_for`` takes
    as ``service_area_ids`` when checking many services (``None``: every service)."""
    links = Eligibility.service_area.through.objects.all()
    if service_ids is not None:
        links = links.filter(eligibility__service_id__in=list(service_ids))
    areas: dict[int, set[UUID]] = {}
    for eligibility_id, territory_id in links.values_list("eligibility_id", "territory_id"):
        areas.setdefault(eligibility_id, set()).add(territory_id)
    return areas


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


def directory_can_read(*, user: AnyUser) -> bool:
    return bool(user_roles(user=user))


def organization_ids_editable_by(*, user: AnyUser) -> set[UUID] | None:
    """Organizations whose services the user may edit; ``None`` means all of them."""
    if user_is_coordinator(user=user):
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


def territory_descendant_ids(*, territory_id: UUID) -> set[UUID]:
    found, frontier = {territory_id}, {territory_id}
    while frontier:
        frontier = (
            set(Territory.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - found
        )
        found |= frontier
    return found


def site_list(*, territory: UUID | None = None, organization: UUID | None = None) -> QuerySet[Site]:
    qs = Site.objects.select_related("organization", "territory").order_by("name")
    if territory:
        qs = qs.filter(territory_id__in=territory_descendant_ids(territory_id=territory))
    if organization:
        qs = qs.filter(organization_id=organization)
    return qs
