"""What the map's service card shows, read from ``directory`` and ``waitlists``.

The card says in plain words what the eligibility rules say; it decides nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db import connection
from django.utils.translation import gettext as _

from directory.confidential import AREA_RADIUS_M, site_exact_location_read, site_redact
from directory.eligibility import eligibility_sentences
from directory.models import AccessRoute, Eligibility, ServiceAtSite, ServiceStatus
from directory.selectors.capacity import CapacityState, service_at_site_capacity_state
from directory.selectors.verification import VerifiedSince, service_verified_since
from directory.tiles import ServiceMapIndex, service_map_index_build
from waitlists.selectors import service_at_site_free_slots


@dataclass(frozen=True)
class ServiceCard:
    row: ServiceAtSite
    categories: list[str]
    eligibility: list[str]
    access: list[str]
    documents: list[str]
    cost: str
    free_slots: int
    languages: list[str] = field(default_factory=list)
    capacity: CapacityState | None = None
    verified: VerifiedSince | None = None
    # A confidential site: "area" when the reader sees only its published area (the
    # radius in km), "exact" when their role lets them see the point; "" otherwise.
    confidential: str = ""
    area_radius_km: int = 0


def eligibility_in_words(*, eligibility: Eligibility | None, area_names: list[str]) -> list[str]:
    """One short sentence per rule; a service without rules is open to every child.

    The wording is the directory's (``eligibility_sentences``), the same as HSDS's.
    """
    return eligibility_sentences(eligibility=eligibility, area_names=area_names)


def service_card(
    *, service_at_site_id: UUID, user: Any = None, request: Any = None
) -> ServiceCard | None:
    """The card of an active service at one site; ``None`` when there is no such thing.

    A confidential site shows its exact address to ``user`` only if their role needs
    it (and the view is audited); anyone else reads its approximate area."""
    row = (
        ServiceAtSite.objects.filter(pk=service_at_site_id, service__status=ServiceStatus.ACTIVE)
        .select_related(
            "service", "service__organization", "service__verified_by", "site", "site__territory"
        )
        .prefetch_related("service__categories")
        .first()
    )
    if row is None:
        return None
    confidential = ""
    if row.site.confidential:
        exact = user is not None and site_exact_location_read(
            user=user, site=row.site, request=request
        )
        confidential = "exact" if exact else "area"
        if not exact:
            site_redact(row.site)
    service = row.service
    eligibility = Eligibility.objects.filter(service=service).first()
    area_names = (
        sorted(eligibility.service_area.values_list("name", flat=True)) if eligibility else []
    )
    access = [str(AccessRoute(route).label) for route in service.access_routes]
    if service.application_process:
        access.append(service.application_process)
    if service.is_free:
        cost = _("Free of charge.")
    else:
        cost = service.fees_description or _("It has a cost; ask the service.")
    return ServiceCard(
        row=row,
        categories=sorted(term.name for term in service.categories.all()),
        eligibility=eligibility_in_words(eligibility=eligibility, area_names=area_names),
        access=access,
        documents=list(service.required_documents),
        cost=cost,
        free_slots=service_at_site_free_slots(service_at_site_ids=[row.pk]).get(row.pk, 0),
        languages=list(service.languages),
        capacity=service_at_site_capacity_state(service_at_site=row),
        verified=service_verified_since(service=service),
        confidential=confidential,
        area_radius_km=round(AREA_RADIUS_M / 1000),
    )


# --- the map's in-memory index -----------------------------------------------------------

_index_lock = threading.Lock()
_index: tuple[tuple[str, str | None], ServiceMapIndex] | None = None


def service_map_version() -> str | None:
    """When the service map last changed (migration 0001's triggers keep it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT changed FROM maps_map_version WHERE id = 1")
        row = cursor.fetchone()
    return row[0].isoformat() if row else None


def service_map_index() -> ServiceMapIndex:
    """This process's index of the map, rebuilt when the directory has changed.

    The lock makes concurrent first requests wait for one build instead of each
    reading the whole map."""
    global _index
    key = (str(connection.settings_dict["NAME"]), service_map_version())
    with _index_lock:
        if _index is None or _index[0] != key:
            _index = (key, service_map_index_build())
        return _index[1]
