"""Writes on the service map. Each checks the actor's role before touching a row."""

from __future__ import annotations

import importlib
from datetime import date
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from directory.models import (
    Eligibility,
    Organization,
    Service,
    ServiceAtSite,
    Site,
    TaxonomyTerm,
)
from directory.selectors import (
    organization_can_edit_offer,
    service_list_verification_due,
)


def _require_offer_editor(*, actor: User, organization_id: Any) -> None:
    if not organization_can_edit_offer(user=actor, organization_id=organization_id):
        raise PermissionDenied(
            _("You can only change the services, sites and slots of your own organization.")
        )


def _apply(instance: Any, fields: dict[str, Any]) -> None:
    for name, value in fields.items():
        setattr(instance, name, value)


def _save_as(instance: Any, *, actor: User, validate: bool = True) -> None:
    """Validate, then save with ``actor`` as the author of the history record."""
    if validate:
        instance.full_clean()
    instance._history_user = actor
    instance.save()


@transaction.atomic
def service_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    kind: str,
    modality: str,
    access_routes: list[str],
    categories: list[TaxonomyTerm] | None = None,
    **fields: Any,
) -> Service:
    _require_offer_editor(actor=actor, organization_id=organization.pk)
    service = Service(
        organization=organization,
        name=name,
        kind=kind,
        modality=modality,
        access_routes=access_routes,
        **fields,
    )
    _save_as(service, actor=actor)
    if categories:
        service.categories.set(categories)
    eligibility = Eligibility(service=service)
    _save_as(eligibility, actor=actor, validate=False)
    return service


@transaction.atomic
def service_update(*, actor: User, service: Service, **fields: Any) -> Service:
    _require_offer_editor(actor=actor, organization_id=service.organization_id)
    categories = fields.pop("categories", None)
    if "organization" in fields:
        _require_offer_editor(actor=actor, organization_id=fields["organization"].pk)
    _apply(service, fields)
    _save_as(service, actor=actor)
    if categories is not None:
        service.categories.set(categories)
    return service


@transaction.atomic
def service_verify(*, actor: User, service: Service, on: date | None = None) -> Service:
    """Record that someone checked the listing is still true."""
    _require_offer_editor(actor=actor, organization_id=service.organization_id)
    service.verified_on = on or date.today()
    service.verified_by = actor
    service.verification_due = False
    _save_as(service, actor=actor, validate=False)
    return service


@transaction.atomic
def eligibility_update(
    *, actor: User, service: Service, service_area: list[Any] | None = None, **fields: Any
) -> Eligibility:
    _require_offer_editor(actor=actor, organization_id=service.organization_id)
    eligibility, _created = Eligibility.objects.get_or_create(service=service)
    _apply(eligibility, fields)
    _save_as(eligibility, actor=actor)
    if service_area is not None:
        eligibility.service_area.set(service_area)
    return eligibility


@transaction.atomic
def site_create(
    *,
    actor: User,
    organization: Organization,
    name: str,
    address_1: str,
    city: str,
    point: Point,
    **fields: Any,
) -> Site:
    """Create a site; its territory is derived from the point (refused if outside all)."""
    _require_offer_editor(actor=actor, organization_id=organization.pk)
    site = Site(
        organization=organization, name=name, address_1=address_1, city=city, point=point, **fields
    )
    _save_as(site, actor=actor)
    return site


@transaction.atomic
def site_update(*, actor: User, site: Site, **fields: Any) -> Site:
    _require_offer_editor(actor=actor, organization_id=site.organization_id)
    _apply(site, fields)
    _save_as(site, actor=actor)
    return site


@transaction.atomic
def service_at_site_set_capacity(
    *, actor: User, service: Service, site: Site, capacity: int, **fields: Any
) -> ServiceAtSite:
    """Offer the service at the site with ``capacity`` slots (creating the link if new)."""
    _require_offer_editor(actor=actor, organization_id=service.organization_id)
    link = ServiceAtSite.objects.filter(service=service, site=site).first()
    if link is None:
        link = ServiceAtSite(service=service, site=site)
    link.capacity = capacity
    _apply(link, fields)
    _save_as(link, actor=actor)
    return link


@transaction.atomic
def services_flag_verification_due(*, today: date | None = None) -> int:
    """Flag listings whose verification is too old, clear the flag on fresh ones.

    Idempotent: running it twice the same day changes nothing the second time.
    Returns how many services are flagged now.
    """
    due_ids = set(service_list_verification_due(today=today).values_list("id", flat=True))
    Service.objects.filter(verification_due=True).exclude(id__in=due_ids).update(
        verification_due=False
    )
    Service.objects.filter(id__in=due_ids, verification_due=False).update(verification_due=True)
    return len(due_ids)


@transaction.atomic
def taxonomy_ensure_seeded() -> None:
    """Put back the seeded categories after a ``flush`` (migrations do not run again).

    The terms are defined once, in the data migration; this reuses it.
    """
    from django.apps import apps

    seed_migration = importlib.import_module("directory.migrations.0002_seed_taxonomy")
    seed_migration.seed(apps, None)


def search_words_refresh() -> None:
    """Rebuild the typo-correction vocabulary from the current services.

    CONCURRENTLY keeps searches answering during the rebuild (it needs the unique index).
    """
    with connection.cursor() as cursor:
        cursor.execute("REFRESH MATERIALIZED VIEW CONCURRENTLY directory_search_word")


def search_table_cluster() -> None:
    """Rewrite the search table in the order of its (code, point) GiST index.

    A search near a point walks that index and reads every row it passes. In index
    order, neighbours share heap pages, so a walk reads a few dozen pages instead of a
    page per row: at 100,000 services a search takes 13 ms instead of 18 (p95 20 ms
    instead of 29). Rows written later (edits, imports) land wherever there is room,
    hence a nightly run. CLUSTER locks the table while it rewrites it (15 s at 360,000
    rows): searches in that moment wait, none fails.
    """
    with connection.cursor() as cursor:
        # Inside a transaction that wrote rows (the demo, a test), their deferred
        # foreign-key checks must run first: PostgreSQL will not rewrite a table
        # with checks pending.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("CLUSTER directory_serviceatsitecategory USING sas_category_code_point_gist")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("ANALYZE directory_serviceatsitecategory")


def service_at_site_lock(*, service_at_site_id: Any) -> ServiceAtSite:
    """The service-at-site row, locked until the caller's transaction ends.

    Whoever takes a slot locks its row first: the capacity check that follows then
    sees every enrolment committed before it, and nobody else can enrol in between.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("service_at_site_lock must run inside a transaction")
    return (
        ServiceAtSite.objects.select_for_update(of=("self",))
        .select_related("service", "site")
        .get(pk=service_at_site_id)
    )
