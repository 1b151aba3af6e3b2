"""Confidential sites: what the public may know of a place that must not be found.

A protection residence or a shelter is published as an approximate area: a disc of
``AREA_RADIUS_M`` whose centre is ``CENTRE_OFFSET_*`` metres from the true point, in a
direction and at a distance fixed per site by an HMAC of its id with ``SECRET_KEY``
(the same every request, so averaging many answers gives nothing). Its address is
never published. The true point stays on the server for distances and rankings.

Public readers get *redacted* copies of the site (``site_redact``): the loaded
instance's point is the published centre, its address blank. A redacted instance
refuses to be saved, so a public page can never write its fake point back.

Who may see the exact point (``site_exact_location_allowed``): coordinators, the
site's own provider, and whoever a layer above grants it through
``EXACT_LOCATION_GRANTS`` (``matching``: the caseworkers of a child whose referral
there was accepted). Every such view is audited (``site_exact_location_read``).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.gis.geos import Point

from accounts.models import Role
from accounts.selectors import user_is_coordinator, user_organization_ids
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from directory.models import Site

# The published disc's radius, and how far from the true point its centre lies: the
# centre at least 1.1 km away, the disc (2 km) still holding the true point.
AREA_RADIUS_M = 2000.0
CENTRE_OFFSET_MIN_M = 1100.0
CENTRE_OFFSET_MAX_M = 1500.0
METRES_PER_DEGREE = 111_320.0

# (user, site) -> True when a layer above lets the user see the site's exact point.
EXACT_LOCATION_GRANTS: list[Callable[[Any, Site], bool]] = []


@dataclass(frozen=True)
class PublishedArea:
    """What the public knows of a confidential site's place."""

    centre: Point
    radius_m: float


def _unit_fractions(site_id: UUID) -> tuple[float, float]:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), b"confidential-site:" + site_id.bytes, hashlib.sha256
    ).digest()
    first = int.from_bytes(digest[:8], "big") / 2**64
    second = int.from_bytes(digest[8:16], "big") / 2**64
    return first, second


def published_area(*, site_id: UUID, point: Point) -> PublishedArea:
    """The disc published for a confidential site at ``point`` (its true point)."""
    bearing_fraction, distance_fraction = _unit_fractions(site_id)
    bearing = 2 * math.pi * bearing_fraction
    offset = CENTRE_OFFSET_MIN_M + (CENTRE_OFFSET_MAX_M - CENTRE_OFFSET_MIN_M) * distance_fraction
    lat = point.y + offset * math.cos(bearing) / METRES_PER_DEGREE
    lon = point.x + offset * math.sin(bearing) / (
        METRES_PER_DEGREE * math.cos(math.radians(point.y))
    )
    return PublishedArea(centre=Point(lon, lat, srid=4326), radius_m=AREA_RADIUS_M)


def site_published_point(*, site: Site) -> Point:
    """Where the public sees the site: its point, or its area's centre if confidential."""
    if getattr(site, "_redacted", False) or not site.confidential:
        return site.point
    return published_area(site_id=site.pk, point=site.point).centre


def site_redact(site: Site) -> Site:
    """The loaded ``site`` (in place) as the public may see it: for a confidential
    site, the published centre for its point and no address. Idempotent."""
    if site.confidential and not getattr(site, "_redacted", False):
        site.point = published_area(site_id=site.pk, point=site.point).centre
        site.address_1 = ""
        site.postal_code = ""
        site._redacted = True  # type: ignore[attr-defined]
    return site


def sites_redact(sites: Iterable[Site]) -> None:
    for site in sites:
        site_redact(site)


def public_distance_m(*, site: Site, near: Point, true_distance_m: float) -> float:
    """The distance a public answer may show: the true one for an ordinary site; for a
    confidential one, from the published centre, up to the whole km, never below the
    disc's radius (so no answer places the point closer than its area)."""
    if not site.confidential:
        return true_distance_m
    centre = site_published_point(site=site)
    if near.srid is None:
        near = Point(near.x, near.y, srid=4326)
    from_centre = _haversine_m(near, centre)
    return max(AREA_RADIUS_M, math.ceil(from_centre / 1000.0) * 1000.0)


def _haversine_m(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat = lat2 - lat1
    dlon = math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def confidential_site_ids_within(*, near: Point, radius_m: float) -> list[UUID]:
    """Confidential sites whose *published* centre is within ``radius_m`` of ``near``:
    a public radius filter measures from there, or shrinking radii would find the
    exact distance (and three of them, the point)."""
    if near.srid is None:
        near = Point(near.x, near.y, srid=4326)
    return [
        site.pk
        for site in Site.objects.filter(confidential=True).only("id", "point", "confidential")
        if _haversine_m(near, site_published_point(site=site)) <= radius_m
    ]


def site_exact_location_allowed(*, user: Any, site: Site) -> bool:
    """May ``user`` see the exact point and address of ``site``? Anyone may, of an
    ordinary site; of a confidential one only the roles that need it."""
    if not site.confidential:
        return True
    if not user.is_authenticated:
        return False
    if user_is_coordinator(user=user):
        return True
    if site.organization_id in user_organization_ids(user=user, role=Role.PROVIDER):
        return True
    return any(grant(user, site) for grant in EXACT_LOCATION_GRANTS)


def site_exact_location_read(*, user: Any, site: Site, request: Any = None) -> bool:
    """Check and record a view of a site's exact location: ``True`` when allowed.

    A confidential site's exact location, shown or refused, is audited."""
    allowed = site_exact_location_allowed(user=user, site=site)
    if site.confidential:
        audit_record(
            action=AuditAction.READ if allowed else AuditAction.REFUSED,
            record_type=AuditRecordType.CONFIDENTIAL_SITE,
            record_id=site.pk,
            user=user if user.is_authenticated else None,
            request=request,
            detail="exact location",
        )
    return allowed
