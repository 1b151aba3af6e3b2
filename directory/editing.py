"""Map edits drawn on a map: a site's location, a service's area as a drawn shape.

The drawn shape is turned into the territories the eligibility rules already use
(``Eligibility.service_area``): matching, search and the gap inventory keep reasoning
on territories, and a shape that cuts a sector in two does not invent a half-sector.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.gis.db.models.functions import PointOnSurface
from django.contrib.gis.geos import GEOSGeometry, Point
from django.db import transaction
from django.db.models import Max, QuerySet

from accounts.models import User
from directory.models import Eligibility, Service, Site, Territory
from directory.services import eligibility_update, site_update


def territory_list_within(*, shape: GEOSGeometry) -> QuerySet[Territory]:
    """The most specific territories whose inner point lies inside the drawn shape.

    ST_PointOnSurface rather than the centroid: an L-shaped sector's centroid can fall
    outside it, and a sector whose larger part was drawn around should be chosen.
    """
    deepest = Territory.objects.aggregate(depth=Max("depth"))["depth"]
    if shape.srid is None:
        shape.srid = 4326
    return (
        Territory.objects.filter(depth=deepest)
        .annotate(inner=PointOnSurface("geometry"))
        .filter(inner__within=shape)
        .order_by("code")
    )


@transaction.atomic
def site_move(*, actor: User, site: Site, point: Point) -> Site:
    """Put the site at ``point``; its territory follows, and a point off the map is refused."""
    if point.srid is None:
        point.srid = 4326
    return site_update(actor=actor, site=site, point=point)


@transaction.atomic
def service_area_set(
    *,
    actor: User,
    service: Service,
    territories: Iterable[Territory],
    shape: GEOSGeometry | None = None,
) -> Eligibility:
    """Serve the territories chosen plus those inside the drawn shape (none: no limit)."""
    chosen = {t.pk: t for t in territories}
    if shape is not None:
        chosen.update({t.pk: t for t in territory_list_within(shape=shape)})
    return eligibility_update(actor=actor, service=service, service_area=list(chosen.values()))
