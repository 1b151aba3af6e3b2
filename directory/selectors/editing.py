"""Reads the map-editing pages need: finding a site or service by name, the record being
edited, and the territories a service area is drawn from.

The pages are the coordinator's (``maps.edit_views``); who may open them is decided by
their gate, so these reads do not filter by user.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import Max, QuerySet

from directory.models import Eligibility, Service, Site, Territory


def site_edit_search(*, query: str, limit: int) -> list[Site]:
    """Sites by name, or by address when the name does not match; all sites for no query."""
    sites = Site.objects.select_related("organization", "territory").order_by("name")
    if query:
        sites = sites.filter(name__icontains=query) | sites.filter(address_1__icontains=query)
    return list(sites[:limit])


def service_edit_search(*, query: str, limit: int) -> list[Service]:
    """Services by name; the long text columns are left out, the list shows none of them."""
    services = Service.objects.select_related("organization").order_by("name")
    if query:
        services = services.filter(name__icontains=query)
    return list(services.defer("search_vector", "description")[:limit])


def site_edit_get(*, site_id: UUID) -> Site | None:
    return Site.objects.select_related("organization", "territory").filter(pk=site_id).first()


def service_edit_get(*, service_id: UUID) -> Service | None:
    return Service.objects.select_related("organization").filter(pk=service_id).first()


def territory_edit_choices() -> QuerySet[Territory]:
    """The most specific territories, by name: a service area is drawn from these."""
    deepest = Territory.objects.aggregate(depth=Max("depth"))["depth"]
    return Territory.objects.filter(depth=deepest).order_by("name")


def service_area_territory_ids(*, service: Service) -> list[UUID]:
    """The territories the service serves now; empty when it has no eligibility yet."""
    eligibility = Eligibility.objects.filter(service=service).first()
    if eligibility is None:
        return []
    return list(eligibility.service_area.values_list("pk", flat=True))


def eligibility_service_area_names(*, eligibility: Eligibility) -> list[str]:
    """The names of the territories served, sorted: what the page tells the editor."""
    return sorted(eligibility.service_area.values_list("name", flat=True))
