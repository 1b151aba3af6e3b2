"""Reads of the service map, and who may change which part of it."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.gis.db.models import GeometryField, PointField
from django.contrib.gis.db.models.functions import Distance, GeoFunc
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    F,
    FloatField,
    Func,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.selectors import AnyUser, user_organization_ids, user_roles
from directory.models import (
    SEARCH_CONFIG,
    AccessRoute,
    Eligibility,
    Service,
    ServiceAtSite,
    ServiceAtSiteCategory,
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
    """The most specific territory containing the point (a sector before its comuna).

    ``intersects`` rather than ``contains`` so a point exactly on a boundary still
    gets a territory; ties on a shared border go to the lowest code, deterministically.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    return Territory.objects.filter(geometry__intersects=point).order_by("-depth", "code").first()


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


# --- search ----------------------------------------------------------------------


class KnnDistance(Func):
    """``a <-> b`` on geography: metres, and PostGIS answers it from the GiST index
    when it is the ORDER BY of a LIMITed query (nearest-first without a full sort)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


# Columns a result list never shows; the tsvector alone is most of a service row.
HEAVY_COLUMNS = (
    "service__search_vector",
    "service__description",
    "service__application_process",
    "site__point_mercator",
    "site__description",
    "site__accessibility_notes",
)


@functools.cache
def _to_mercator() -> CoordTransform:
    # Built once: constructing it looks the SRS up in spatial_ref_sys every time.
    return CoordTransform(SpatialReference(4326), SpatialReference(3857))


@dataclass(frozen=True)
class SearchHit:
    service_at_site: ServiceAtSite
    distance_m: float | None
    reasons: list[str]


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    page: int
    per_page: int
    has_next: bool


def taxonomy_term_descendants(*, code: str) -> dict[UUID, str]:
    """The term with this code and every term below it, id to name (one small query)."""
    terms = list(TaxonomyTerm.objects.values_list("id", "code", "parent_id", "name"))
    by_parent: dict[UUID | None, list[UUID]] = {}
    names: dict[UUID, str] = {}
    root: UUID | None = None
    for term_id, term_code, parent_id, name in terms:
        by_parent.setdefault(parent_id, []).append(term_id)
        names[term_id] = name
        if term_code == code:
            root = term_id
    found: dict[UUID, str] = {}
    stack = [root] if root is not None else []
    while stack:
        current = stack.pop()
        if current not in found:
            found[current] = names[current]
            stack.extend(by_parent.get(current, []))
    return found


def territory_descendant_ids(*, territory_id: UUID) -> set[UUID]:
    found, frontier = {territory_id}, {territory_id}
    while frontier:
        frontier = (
            set(Territory.objects.filter(parent_id__in=frontier).values_list("id", flat=True))
            - found
        )
        found |= frontier
    return found


# Below this many matching services, fetching them by id and sorting their sites by
# distance beats walking the KNN index: a rare combination of filters would make the
# walk visit most of the 150,000 sites before finding twenty that pass.
CANDIDATE_CAP = 2000


def _estimated_rows(qs: QuerySet[Any]) -> float:
    plan = json.loads(qs.explain(format="json"))
    return float(plan[0]["Plan"]["Plan Rows"])


def _has_text_match(query: SearchQuery) -> bool:
    """Does any service match? Without LIMIT 1, which tempts the planner into a full scan
    hoping for an early hit that a misspelt word never gives."""
    matching = Service.objects.filter(search_vector=query).order_by()
    if _estimated_rows(matching) > CANDIDATE_CAP:
        return True
    return matching.count() > 0  # few expected: a bitmap scan of the GIN index


def search_text_correct(*, text: str, threshold: float = 0.4) -> str | None:
    """The text with each word replaced by the closest word the directory uses.

    Trigram similarity against the vocabulary (migration 0005), as pg_trgm's docs
    suggest for spelling correction. ``None`` when no word could be corrected.
    """
    from django.db import connection

    words = [w for w in re.findall(r"\w+", text.lower()) if len(w) >= 3]
    corrected: list[str] = []
    changed = False
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_limit(%s)", [threshold])
        for word in words:
            cursor.execute(
                "SELECT word FROM directory_search_word WHERE word %% puente_unaccent(%s) "
                "ORDER BY word <-> puente_unaccent(%s), ndoc DESC LIMIT 1",
                [word, word],
            )
            found = cursor.fetchone()
            if found and found[0] != word:
                changed = True
            corrected.append(found[0] if found else word)
    return " ".join(corrected) if changed else None


def _on(prefix: str, **lookups: Any) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


# How many of the nearest services at sites a filtered search looks at first. When
# enough of them pass, they are the answer exactly (anything nearer is among them);
# otherwise the search falls back to counting candidates.
NEAREST_WINDOW = 1000


def _nearest_first(
    qs: QuerySet[ServiceAtSite], *, near: Point, radius_m: float | None
) -> QuerySet[ServiceAtSite]:
    if near.srid is None:
        near = Point(near.x, near.y, srid=4326)
    if radius_m is not None:
        qs = qs.filter(site__point__dwithin=(near, D(m=radius_m)))
    near_mercator = near.transform(_to_mercator(), clone=True)
    # KNN alone: a second sort key, even the id, makes PostgreSQL sort every row
    # instead of walking the index. Only services sharing one site can tie.
    return qs.annotate(
        knn=KnnDistance(
            F("site__point_mercator"), Value(near_mercator, output_field=PointField(srid=3857))
        ),
        distance_m=Distance("site__point", near),
    ).order_by("knn")


def _window_population(*, category_code: str | None) -> float:
    """The planner's count of the active services the nearest window is drawn from."""
    active = Service.objects.filter(status=ServiceStatus.ACTIVE).order_by()
    if category_code:
        active = active.filter(category_codes__contains=[category_code])
    return max(_estimated_rows(active), 1.0)


def _window_size(*, matching: float, population: float, wanted: int, margin: float) -> int | None:
    """How many nearest rows should hold ``wanted`` passing ones, if ``matching`` services
    out of ``population`` pass; ``None`` beyond ``NEAREST_WINDOW``. Every row of the
    window costs a join (the tsvector check reads the service's row)."""
    size = margin * wanted * population / max(matching, 1.0)
    return None if size > NEAREST_WINDOW else max(int(size), 100)


def _nearest_rows_within(
    qs: QuerySet[ServiceAtSite],
    *,
    near: Point,
    category_code: str | None,
    radius_m: float | None,
    start: int,
    per_page: int,
    size: int,
) -> list[ServiceAtSite] | None:
    """The page from the ``size`` nearest services at sites (of the category, from its
    own index), or ``None`` when fewer than the page and its look-ahead pass.

    Exact when it answers: every row nearer than the last one found is in the window.
    Cheap for common filters, where counting candidates reads thousands of services.
    """
    if near.srid is None:
        near = Point(near.x, near.y, srid=4326)
    near_mercator = Value(
        near.transform(_to_mercator(), clone=True), output_field=PointField(srid=3857)
    )
    window: QuerySet[Any]
    if category_code:
        window = (
            ServiceAtSiteCategory.objects.filter(code=category_code)
            .annotate(knn=KnnDistance(F("point_mercator"), near_mercator))
            .order_by("knn")
            .values("service_at_site_id")[:size]
        )
    else:
        window = (
            ServiceAtSite.objects.annotate(
                knn=KnnDistance(F("site__point_mercator"), near_mercator)
            )
            .order_by("knn")
            .values("id")[:size]
        )
    wanted = start + per_page + 1
    rows = list(
        _nearest_first(qs.filter(pk__in=window), near=near, radius_m=radius_m)[start:wanted]
    )
    return rows if len(rows) > per_page else None


def service_search(
    *,
    text: str = "",
    category_code: str | None = None,
    age: int | None = None,
    sex: str | None = None,
    territory_id: UUID | None = None,
    modality: str | None = None,
    access_route: str | None = None,
    open_slots_only: bool = False,
    near: Point | None = None,
    radius_m: float | None = None,
    page: int = 1,
    per_page: int = 20,
) -> SearchPage:
    """Active services at their sites that fit every filter given, each with the reasons.

    Text is matched in Spanish with accents ignored (full-text search on the
    ``spanish_unaccent`` configuration) or, for typos, by trigram word similarity on the
    name. With ``near``, results come nearest first, in metres, using the KNN index;
    otherwise by text relevance, then name. Pages are counted by look-ahead (one row
    more than asked) rather than COUNT(*), which would cost a full scan at scale.
    """
    # Only the two joins every filter needs; the rest is fetched for the page's rows
    # afterwards. Each extra join here multiplies planning time at 100,000 services.
    qs = (
        ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE)
        .select_related("service", "site")
        .defer(*HEAVY_COLUMNS)
    )
    # Filters on the service, written once for both shapes of the query: on Service
    # itself (prefix "") and through ServiceAtSite (prefix "service__").
    service_filters: list[Callable[[str], Q]] = []
    reasons_for: list[Callable[[ServiceAtSite], str | None]] = []
    text = text.strip()
    order: list[Any] = []
    if text:
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        if not _has_text_match(query):
            corrected = search_text_correct(text=text)
            if corrected:
                query = SearchQuery(corrected, config=SEARCH_CONFIG, search_type="websearch")
                reasons_for.append(
                    lambda row: (
                        _("It matches “%(corrected)s” (you wrote “%(text)s”).")
                        % {"corrected": corrected, "text": text}
                    )
                )
        if not reasons_for:
            reasons_for.append(
                lambda row: _("Its name or description matches “%(text)s”.") % {"text": text}
            )
        service_filters.append(lambda p: _on(p, search_vector=query))
        if near is None:  # with a point, distance orders and relevance would only cost
            qs = qs.annotate(relevance=SearchRank(F("service__search_vector"), query))
            order.append(F("relevance").desc())
    if category_code:
        term_names = taxonomy_term_descendants(code=category_code)
        # category_codes holds ancestors too, so a parent's code finds its sub-categories.
        service_filters.append(lambda p: _on(p, category_codes__contains=[category_code]))
        reasons_for.append(
            lambda row: (
                _("It offers %(categories)s.")
                % {
                    "categories": ", ".join(
                        sorted(
                            term_names[t.pk]
                            for t in row.service.categories.all()
                            if t.pk in term_names
                        )
                    )
                }
            )
        )
    if age is not None:
        service_filters.append(
            lambda p: (
                (_on(p, eligibility__min_age__isnull=True) | _on(p, eligibility__min_age__lte=age))
                & (
                    _on(p, eligibility__max_age__isnull=True)
                    | _on(p, eligibility__max_age__gte=age)
                )
            )
        )
        reasons_for.append(lambda row: _("It admits children aged %(age)s.") % {"age": age})
    if sex:
        service_filters.append(
            lambda p: _on(p, eligibility__sexes__len=0) | _on(p, eligibility__sexes__contains=[sex])
        )
    if modality:
        service_filters.append(lambda p: _on(p, modality=modality))
        reasons_for.append(
            lambda row: (
                _("Modality: %(modality)s.") % {"modality": row.service.get_modality_display()}
            )
        )
    if access_route:
        service_filters.append(lambda p: _on(p, access_routes__contains=[access_route]))
        reasons_for.append(
            lambda row: _("It accepts %(route)s.") % {"route": AccessRoute(access_route).label}
        )
    if territory_id:
        qs = qs.filter(site__territory_id__in=territory_descendant_ids(territory_id=territory_id))
        reasons_for.append(
            lambda row: (
                _("It is located in %(territory)s.") % {"territory": row.site.territory.name}
            )
        )
    if open_slots_only:
        qs = qs.filter(capacity__gt=0)
        reasons_for.append(
            lambda row: _("It has %(slots)s slots at this site.") % {"slots": row.capacity}
        )
    page = max(1, page)
    start = (page - 1) * per_page
    rows: list[ServiceAtSite] | None = None
    candidates: list[UUID] | None = None
    if near is not None and service_filters:

        def nearest_in_window(size: int) -> list[ServiceAtSite] | None:
            return _nearest_rows_within(
                qs.filter(*[f("service__") for f in service_filters]),
                near=near,
                category_code=category_code,
                radius_m=radius_m,
                start=start,
                per_page=per_page,
                size=size,
            )

        matching = (
            Service.objects.filter(status=ServiceStatus.ACTIVE)
            .filter(*[f("") for f in service_filters])
            .order_by()  # Service's default ordering by name would sort every match
        )
        population = _window_population(category_code=category_code)
        window = _window_size(
            matching=_estimated_rows(matching),
            population=population,
            wanted=start + per_page + 1,
            margin=3.0,  # estimates of several filters together are often far off
        )
        tried_window = window is not None
        if window is not None:
            rows = nearest_in_window(window)
        if rows is None:
            # Counted, not estimated: filters on one service are correlated (a category
            # and an age band, say), the planner multiplies them as if independent, and
            # a walk for a combination it thinks common but is rare visits every site.
            found = list(matching.values_list("id", flat=True)[: CANDIDATE_CAP + 1])
            if len(found) <= CANDIDATE_CAP:
                candidates = found
            # The count (a floor when capped) corrects the estimate: sorting a thousand
            # candidates' sites, or walking every site, costs more than a window that
            # now looks likely to fill.
            window = _window_size(
                matching=len(found),
                population=population,
                wanted=start + per_page + 1,
                margin=1.5,
            )
            if not tried_window and window is not None:
                rows = nearest_in_window(window)
    if candidates is not None:
        qs = qs.filter(service_id__in=candidates)
    else:
        qs = qs.filter(*[f("service__") for f in service_filters])
    if near is not None:
        qs = _nearest_first(qs, near=near, radius_m=radius_m)
        reasons_for.append(
            lambda row: (
                _("It is %(distance)s away.")
                % {"distance": format_distance(getattr(row, "distance_m", 0.0))}
            )
        )
    else:
        qs = qs.order_by(*order, "service__name", "id")
    if rows is None:
        rows = list(qs[start : start + per_page + 1])
    related = ["service__organization", "service__eligibility", "site__territory"]
    if category_code:
        related.append("service__categories")
    prefetch_related_objects(rows, *related)
    for row in rows:
        if near is not None:  # a Measure from Distance(); keep plain metres
            row.distance_m = row.distance_m.m  # type: ignore[attr-defined]
    hits = [
        SearchHit(
            service_at_site=row,
            distance_m=getattr(row, "distance_m", None),
            reasons=[str(r) for r in (reason(row) for reason in reasons_for) if r],
        )
        for row in rows[:per_page]
    ]
    return SearchPage(hits=hits, page=page, per_page=per_page, has_next=len(rows) > per_page)


NEAREST_UNUSED_COLUMNS = (
    "last_modified",
    "service__created",
    "service__last_modified",
    "service__verified_on",
    "service__organization__last_modified",
    "site__last_modified",
)


def service_at_site_nearest(
    *, point: Point, category_code: str | None = None, limit: int = 60
) -> list[tuple[ServiceAtSite, float]]:
    """The active services at the sites nearest ``point`` (category and below), in metres.

    The plain KNN walk, without the search's reasons and prefetches: the matching
    engine checks eligibility itself and only needs the rows and their distances.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    qs = ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE)
    near_mercator = point.transform(_to_mercator(), clone=True)
    if category_code:
        # The nearest of the category straight from their own GiST index: filtering
        # the walk over every site passes thousands of other categories' sites first.
        nearest_of_category = (
            ServiceAtSiteCategory.objects.filter(code=category_code)
            .annotate(
                knn=KnnDistance(
                    F("point_mercator"), Value(near_mercator, output_field=PointField(srid=3857))
                )
            )
            .order_by("knn")
            .values("service_at_site_id")[:limit]
        )
        qs = qs.filter(pk__in=nearest_of_category)
    rows = list(
        qs.select_related("service", "service__organization", "service__eligibility", "site")
        # Bookkeeping dates nobody ranks by: hundreds of datetimes per call to parse.
        .defer(*HEAVY_COLUMNS, *NEAREST_UNUSED_COLUMNS)
        .annotate(
            knn=KnnDistance(
                F("site__point_mercator"),
                Value(near_mercator, output_field=PointField(srid=3857)),
            ),
            distance=Distance("site__point", point),
        )
        .order_by("knn")[:limit]
    )
    return [(row, row.distance.m) for row in rows]


def format_distance(metres: float) -> str:
    if metres < 1000:
        return _("%(m)s m") % {"m": formats.number_format(round(metres))}
    return _("%(km)s km") % {"km": formats.number_format(round(metres / 1000, 1), 1)}


def site_list(*, territory: UUID | None = None, organization: UUID | None = None) -> QuerySet[Site]:
    qs = Site.objects.select_related("organization", "territory").order_by("name")
    if territory:
        qs = qs.filter(territory_id__in=territory_descendant_ids(territory_id=territory))
    if organization:
        qs = qs.filter(organization_id=organization)
    return qs
