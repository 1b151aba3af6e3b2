"""Our models as HSDS 3.0 objects (plus the Puente profile's extra properties).

Objects HSDS gives an id but we keep as plain values (languages, documents, addresses...)
get a UUID5 derived from their owner, so every export of the same data has the same ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from directory.capacity import CapacityStatus
from directory.confidential import AREA_RADIUS_M, site_published_point
from directory.eligibility import eligibility_sentences
from directory.models import (
    Eligibility,
    Organization,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
)
from directory.selectors.capacity import (
    CapacityState,
    service_at_site_capacity_state,
    service_at_site_capacity_states,
)

SLOT_UNIT_ID = uuid.uuid5(uuid.NAMESPACE_URL, "https://puente.invalid/hsds/unit/slot")
SLOT_UNIT = {
    "id": str(SLOT_UNIT_ID),
    "name": "slot",
    "scheme": "puente",
    "identifier": "cupo",
}
LANGUAGE_NAMES = {
    "es": "Spanish",
    "en": "English",
    "ht": "Haitian Creole",
    "fr": "French",
    "pt": "Portuguese",
    "arn": "Mapudungun",
    "qu": "Quechua",
    "ay": "Aymara",
}
Json = dict[str, Any]


def derived_id(owner: uuid.UUID | str, kind: str, key: str = "") -> str:
    return str(uuid.uuid5(uuid.UUID(str(owner)), f"{kind}:{key}"))


def iso_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _drop_empty(obj: Json, *keys: str) -> Json:
    """Formatted fields (uri, email, date) may not be empty strings in HSDS: omit them."""
    for key in keys:
        if obj.get(key) in ("", None):
            obj.pop(key, None)
    return obj


# --- taxonomy -------------------------------------------------------------------


def taxonomy_to_hsds(taxonomy: Taxonomy) -> Json:
    return _drop_empty(
        {
            "id": str(taxonomy.id),
            "name": taxonomy.name,
            "description": taxonomy.description,
            "uri": taxonomy.uri,
            "version": taxonomy.version,
        },
        "uri",
    )


def taxonomy_term_to_hsds(term: TaxonomyTerm) -> Json:
    return {
        "id": str(term.id),
        "code": term.code,
        "name": term.name,
        "description": term.description,
        **({"parent_id": str(term.parent_id)} if term.parent_id else {}),
        "taxonomy": term.taxonomy.name,
        "taxonomy_detail": taxonomy_to_hsds(term.taxonomy),
        "language": term.language,
        "taxonomy_id": str(term.taxonomy_id),
    }


def attribute_to_hsds(*, owner_id: uuid.UUID, term: TaxonomyTerm, entity: str) -> Json:
    return {
        "id": derived_id(owner_id, "attribute", str(term.id)),
        "link_id": str(owner_id),
        "taxonomy_term_id": str(term.id),
        "link_type": "category",
        "link_entity": entity,
        "value": term.code,
        "taxonomy_term": taxonomy_term_to_hsds(term),
    }


# --- organization ---------------------------------------------------------------


def organization_to_hsds(
    organization: Organization, *, full: bool = False, services: list[Json] | None = None
) -> Json:
    """The one-to-one fields; ``full`` adds identifiers and locations (needs prefetch)."""
    obj: Json = _drop_empty(
        {
            "id": str(organization.id),
            "name": organization.name,
            "alternate_name": organization.alternate_name,
            "description": organization.description,
            "email": organization.email,
            "website": organization.website,
            "sector": organization.sector,
            "is_public": organization.is_public,
        },
        "email",
        "website",
    )
    if full:
        obj["organization_identifiers"] = [
            _drop_empty(
                {
                    "id": str(identifier.id),
                    "organization_id": str(organization.id),
                    "identifier_scheme": identifier.identifier_scheme,
                    "identifier_type": identifier.identifier_type,
                    "identifier": identifier.identifier,
                },
                "identifier_scheme",
            )
            for identifier in sorted(organization.identifiers.all(), key=lambda i: str(i.id))
        ]
        obj["locations"] = [location_to_hsds(site) for site in organization.sites.all()]
    if services is not None:
        obj["services"] = services
    return obj


# --- location -------------------------------------------------------------------


def location_to_hsds(site: Site, *, full: bool = True) -> Json:
    """A site as an HSDS location. A confidential one is redacted (Puente profile): its
    coordinates are the published area's centre, ``approximate_radius`` metres around
    it, and it has no address."""
    centre = site_published_point(site=site)
    obj: Json = {
        "id": str(site.id),
        "location_type": "physical",
        "organization_id": str(site.organization_id),
        "name": site.name,
        "description": site.description,
        "latitude": centre.y,
        "longitude": centre.x,
    }
    if site.confidential:
        obj["redacted"] = True
        obj["approximate_radius"] = AREA_RADIUS_M
        if full:
            obj["addresses"] = []
            obj["accessibility"] = _accessibility(site)
        return obj
    if full:
        obj["addresses"] = [
            {
                "id": derived_id(site.id, "address"),
                "location_id": str(site.id),
                "address_1": site.address_1,
                "city": site.city,
                "region": site.region,
                "state_province": site.region,
                "postal_code": site.postal_code,
                "country": site.country,
                "address_type": "physical",
            }
        ]
        obj["accessibility"] = _accessibility(site)
    return obj


def _accessibility(site: Site) -> list[Json]:
    return (
        [
            {
                "id": derived_id(site.id, "accessibility"),
                "location_id": str(site.id),
                "description": site.accessibility_notes,
            }
        ]
        if site.accessibility_notes
        else []
    )


# --- service --------------------------------------------------------------------


def eligibility_sentence(eligibility: Eligibility | None, *, territory_names: list[str]) -> str:
    """What ``Eligibility`` says, in words a family can read: the map card's sentences
    (``directory.eligibility.eligibility_sentences``), notes included, joined."""
    return " ".join(eligibility_sentences(eligibility=eligibility, area_names=territory_names))


def _eligibility(service: Service) -> Eligibility | None:
    try:
        return service.eligibility
    except Eligibility.DoesNotExist:
        return None


def free_of_charge_text() -> str:
    return str(_("Free of charge."))


def service_total_slots(service: Service) -> int:
    return sum(link.capacity for link in service.service_at_sites.all())


def capacity_states_attach(*, services: Iterable[Service]) -> None:
    """Compute the capacity state of every prefetched link of ``services`` at once, so a
    page of services costs the same few queries as one (``directory.capacity``)."""
    links = [link for service in services for link in service.service_at_sites.all()]
    states = service_at_site_capacity_states(service_at_sites=links)
    for link in links:  # a link may appear under several objects of one service
        setattr(link, "_capacity_state", states[link.pk])  # noqa: B010


def _state_of(link: ServiceAtSite) -> CapacityState:
    state = getattr(link, "_capacity_state", None)
    if state is None:
        state = service_at_site_capacity_state(service_at_site=link)
        setattr(link, "_capacity_state", state)  # noqa: B010
    return state


def capacity_status(service: Service) -> str:
    """The service's best status over its sites (Puente profile): a child can start
    somewhere, else waits somewhere, else is assessed first, else there is nothing."""
    statuses = {_state_of(link).status for link in service.service_at_sites.all()}
    for status, published in (
        (CapacityStatus.HAS_CAPACITY, "capacity"),
        (CapacityStatus.WAITLIST, "waitlist"),
        (CapacityStatus.ASSESSMENT_REQUIRED, "assessment_required"),
        (CapacityStatus.NO_CAPACITY, "no_capacity"),
    ):
        if status in statuses:
            return published
    return "capacity" if service_total_slots(service) > 0 else "no_capacity"


def service_at_location_to_hsds(
    link: ServiceAtSite, *, full: bool = True, with_service: bool = False
) -> Json:
    obj: Json = {
        "id": str(link.id),
        "service_id": str(link.service_id),
        "location_id": str(link.site_id),
        "description": "",
        "location": location_to_hsds(link.site, full=full),
    }
    if full:
        obj["schedules"] = (
            [
                {
                    "id": derived_id(link.id, "schedule"),
                    "service_at_location_id": str(link.id),
                    "description": link.schedule_description,
                }
            ]
            if link.schedule_description
            else []
        )
    if with_service:
        obj["service"] = service_to_hsds(link.service, full=False)
    return obj


def capacity_to_hsds(link: ServiceAtSite) -> Json:
    state = _state_of(link)
    return {
        "id": derived_id(link.id, "capacity"),
        "service_id": str(link.service_id),
        "service_at_location_id": str(link.id),
        "location_id": str(link.site_id),
        "unit": dict(SLOT_UNIT),
        "unit_id": SLOT_UNIT["id"],
        # Free slots where Puente counts them (enrolments, offers), else the slots.
        "available": state.free_slots if state.free_slots is not None else link.capacity,
        "maximum": link.capacity,
        "description": link.site.name,
        "updated": iso_datetime(link.last_modified),
        "capacity_status": state.status or None,
        "median_wait_days": state.median_wait_days,
        "declared_capacity_status": link.declared_capacity_status or None,
        "declared_wait_days": link.declared_wait_days,
    }


def service_to_hsds(service: Service, *, full: bool = True) -> Json:
    """An HSDS service. ``full=False`` gives the list form (one-to-one fields only).

    Expects ``organization``, ``eligibility``, ``verified_by`` selected and categories
    (with taxonomy), eligibility service area and service_at_sites (with site) prefetched.
    """
    eligibility = _eligibility(service)
    territories = (
        sorted(eligibility.service_area.all(), key=lambda t: t.code) if eligibility else []
    )
    fees = service.fees_description or (free_of_charge_text() if service.is_free else "")
    obj: Json = _drop_empty(
        {
            "id": str(service.id),
            "organization_id": str(service.organization_id),
            "name": service.name,
            "alternate_name": service.alternate_name,
            "description": service.description,
            "url": service.url,
            "email": service.email,
            "status": service.status,
            "application_process": service.application_process,
            "fees_description": fees,
            "eligibility_description": eligibility_sentence(
                eligibility, territory_names=[t.name for t in territories]
            ),
            "minimum_age": eligibility.min_age if eligibility else None,
            "maximum_age": eligibility.max_age if eligibility else None,
            "assured_date": service.verified_on.isoformat() if service.verified_on else None,
            "assurer_email": service.verified_by.email if service.verified_by else None,
            "last_modified": iso_datetime(service.last_modified),
        },
        "url",
        "email",
        "minimum_age",
        "maximum_age",
        "assured_date",
        "assurer_email",
    )
    obj["organization"] = organization_to_hsds(service.organization)
    obj.update(
        {
            "kind": service.kind,
            "modality": service.modality,
            "access_routes": list(service.access_routes),
            "is_free": service.is_free,
            "typical_duration_weeks": service.typical_duration_weeks,
            "capacity_status": capacity_status(service),
            "verified_by": service.verified_by_label or None,
        }
    )
    if not full:
        return obj
    links = sorted(service.service_at_sites.all(), key=lambda link: (link.site.name, str(link.id)))
    categories = sorted(service.categories.all(), key=lambda t: t.code)
    obj.update(
        {
            "languages": [
                {
                    "id": derived_id(service.id, "language", code),
                    "service_id": str(service.id),
                    "name": LANGUAGE_NAMES.get(code, code),
                    "code": code,
                }
                for code in service.languages
            ],
            "required_documents": [
                {
                    "id": derived_id(service.id, "required_document", f"{i}:{document}"),
                    "service_id": str(service.id),
                    "document": document,
                }
                for i, document in enumerate(service.required_documents)
            ],
            "service_areas": [
                {
                    "id": derived_id(service.id, "service_area", str(t.id)),
                    "service_id": str(service.id),
                    "name": t.name,
                    "description": t.code,
                    "extent_type": "territory_code",
                    "extent": t.code,
                }
                for t in territories
            ],
            "service_at_locations": [
                service_at_location_to_hsds(link, full=True) for link in links
            ],
            "attributes": [
                attribute_to_hsds(owner_id=service.id, term=term, entity="service")
                for term in categories
            ],
            "capacities": [capacity_to_hsds(link) for link in links],
            "eligibility": {
                "min_age": eligibility.min_age if eligibility else None,
                "max_age": eligibility.max_age if eligibility else None,
                "sexes": list(eligibility.sexes) if eligibility else [],
                "risk_levels": list(eligibility.risk_levels) if eligibility else [],
                "service_area": [t.code for t in territories],
                "requires_judicial_order": (
                    eligibility.requires_judicial_order if eligibility else False
                ),
                "notes": eligibility.notes if eligibility else "",
            },
        }
    )
    return obj
