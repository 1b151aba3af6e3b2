"""Finding services: the search near a point or by text, and the nearest of a category."""

from __future__ import annotations

import functools
import json
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.contrib.gis.db.models import PointField
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    F,
    FloatField,
    Func,
    Prefetch,
    Q,
    QuerySet,
    SmallIntegerField,
    Value,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.utils import formats
from django.utils.translation import gettext as _

from directory.confidential import confidential_site_ids_within, public_distance_m, site_redact
from directory.models import (
    ANY_CATEGORY,
    MAX_AGE_YEARS,
    AccessRoute,
    ServiceAtSite,
    ServiceAtSiteCategory,
    TaxonomyTerm,
)
from directory.selectors.capacity import CapacityState, service_at_site_capacity_states
from directory.selectors.offer import territory_descendant_ids
from directory.selectors.search_text import search_text_query
from directory.selectors.verification import VerifiedSince, service_verified_since


class KnnDistance(Func):
    """``a <-> b`` on geography: metres, and PostGIS answers it from the GiST index
    when it is the ORDER BY of a LIMITed query (nearest-first without a full sort)."""

    arg_joiner = " <-> "
    template = "(%(expressions)s)"
    output_field = FloatField()


# How many of the synonyms a search added its reason names.
SYNONYMS_SHOWN = 4

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


def _mercator_value(point: Point) -> Value:
    """The point in Web Mercator, as the value the (code, point) index is walked from."""
    return Value(point.transform(_to_mercator(), clone=True), output_field=PointField(srid=3857))


@dataclass(frozen=True)
class SearchHit:
    service_at_site: ServiceAtSite
    distance_m: float | None
    reasons: list[str]
    capacity: CapacityState | None = None
    verified: VerifiedSince | None = None


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    page: int
    per_page: int
    has_next: bool


# The ids of the term with a code and of every term below it, in one round trip.
TAXONOMY_TERM_DESCENDANTS_SQL = (
    "WITH RECURSIVE below(id) AS ("
    " SELECT id FROM directory_taxonomyterm WHERE code = %s"
    " UNION SELECT t.id FROM directory_taxonomyterm t JOIN below b ON t.parent_id = b.id"
    ") SELECT id FROM below"
)


# What a filtered search near a point costs per row of the search table, measured at
# 100,000 services: a row the nearest-first walk of the (code, point) GiST index
# passes, and a row the (code, text, ages) GIN index finds (then sorted by distance).
WALK_ROW_COST_US = 6.0
GIN_ROW_COST_US = 3.5


def search_text_correct(*, text: str, threshold: float = 0.4) -> str | None:
    """The text with each word replaced by the closest word the directory uses.

    Trigram similarity against the vocabulary (migration 0005), as pg_trgm's docs
    suggest for spelling correction. ``None`` when no word could be corrected.
    """
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


class StDistance(Func):
    """ST_Distance in the geometry's units: the figure ``<->`` gives for points, but
    not an index operator, so ordering by it sorts the rows found instead of walking
    the GiST index."""

    function = "ST_Distance"
    output_field = FloatField()


class Opaque(Func):
    """``(SELECT value)``: the planner cannot read the value, so it takes the condition
    for a rare one. Used where the search already knows the rows are few (the window of
    the nearest found too few) but the statistics say common: a word frequent in the
    directory and absent from the category, or an age band one category never admits.
    Seeing the constant, PostgreSQL reads every row of the category from the GiST index
    (100 ms); not seeing it, it intersects the GIN index's lists (under 1 ms)."""

    template = "(SELECT %(expressions)s)"


class Matches(Func):
    """``a @@ b`` / ``a @> b`` as a boolean expression, for a filter on ``Opaque``."""

    template = "%(expressions)s"
    output_field = BooleanField()

    def __init__(self, lhs: Any, operator: str, rhs: Any) -> None:
        self.arg_joiner = f" {operator} "
        super().__init__(lhs, rhs)


def _estimated_rows(qs: QuerySet[Any]) -> float:
    plan = json.loads(qs.order_by().explain(format="json"))
    return max(float(plan[0]["Plan"]["Plan Rows"]), 1.0)


# The planner's row count per code, which changes only when ANALYZE runs: asked once
# per process every few minutes rather than once per search.
_POPULATION_TTL_S = 300.0
_populations: dict[str, tuple[float, float]] = {}


def _code_population(*, code: str) -> float:
    now = time.monotonic()
    cached = _populations.get(code)
    if cached is None or now - cached[0] > _POPULATION_TTL_S:
        rows = _estimated_rows(ServiceAtSiteCategory.objects.filter(code=code))
        cached = _populations[code] = (now, rows)
    return cached[1]


def nearest_window_size(*, population: float, wanted: int) -> int:
    """How many of the nearest rows of a code a filtered search walks before it turns
    to the GIN index.

    Neither cost is known beforehand: the walk needs ``wanted / p`` rows when a share
    ``p`` passes, the GIN rows number ``p * population``. Stopping the walk where the
    two are equal, at sqrt(wanted * population * GIN / WALK) rows, never costs more than
    twice the cheaper plan, whatever ``p`` is (1,200 rows, 7 ms, at 122,000 rows; a
    few hundred for one category). No estimate of ``p`` is needed: the planner's was
    off twentyfold for words common in their category.
    """
    size = math.sqrt(wanted * population * GIN_ROW_COST_US / WALK_ROW_COST_US)
    return int(min(max(size, 100), 4000))


def _entry_ids_in_window(
    entries: QuerySet[ServiceAtSiteCategory],
    *,
    code: str,
    here: Value,
    size: int,
    start: int,
    stop: int,
) -> list[UUID]:
    """``entries[start:stop]`` nearest first, looking at no more than the ``size``
    nearest rows of the code: a walk that stops when the page fills or the window ends.

    Django has no subquery in FROM, so the window's SQL takes the table's place in the
    filtered query's SQL (same columns, same alias). The outer query orders by the
    window's own ``knn`` column, so PostgreSQL reads the window in its order and stops
    with the page; ordering by the expression again would read the whole window.
    """
    table = connection.ops.quote_name(ServiceAtSiteCategory._meta.db_table)
    window_sql, window_params = (
        ServiceAtSiteCategory.objects.filter(code=code)
        .annotate(knn=KnnDistance(F("point_mercator"), here))
        .order_by("knn")[:size]
        .query.sql_with_params()
    )
    sql, params = (
        # The model's own quoted table name and a column of the window: no input.
        entries.order_by(RawSQL(f'{table}."knn"', ()))  # noqa: S611
        .values_list("service_at_site_id", flat=True)[start:stop]
        .query.sql_with_params()
    )
    select, found, rest = sql.partition(f" FROM {table} ")
    # The window's parameters come first only if the SELECT list holds none.
    if not found or "%s" in select:
        raise AssertionError("unexpected SQL for the search window")
    with connection.cursor() as cursor:
        cursor.execute(f"{select} FROM ({window_sql}) {table} {rest}", (*window_params, *params))
        return [row[0] for row in cursor.fetchall()]


def _nearest_entry_ids(
    entries: QuerySet[ServiceAtSiteCategory],
    *,
    code: str,
    here: Value,
    filtered: bool,
    indexed: list[Matches],
    start: int,
    stop: int,
) -> list[UUID]:
    """The page's services at sites nearest first, by one of three plans.

    - walk: the GiST index nearest first, each row checked in place, until the page
      fills. Cheap when most rows pass; endless when almost none do. Only unfiltered.
    - window: the same walk, but stopped after ``nearest_window_size`` rows; exact
      when the page fills inside it. Always tried first when filters apply.
    - sorted: the rows the GIN index finds for the text and age (``indexed``), sorted
      by distance. Cheap when they are few; it needs a text or an age. Otherwise, when
      the window is too short, the walk goes on without bound.
    """
    walk = entries.order_by(KnnDistance(F("point_mercator"), here))
    if not filtered:
        return list(walk.values_list("service_at_site_id", flat=True)[start:stop])
    size = nearest_window_size(population=_code_population(code=code), wanted=stop)
    ids = _entry_ids_in_window(
        entries, code=code, here=here, size=max(size, stop), start=start, stop=stop
    )
    if len(ids) == stop - start:  # a full page inside the window is exact
        return ids
    if indexed:
        rows = entries.filter(*indexed).order_by(StDistance(F("point_mercator"), here))
        return list(rows.values_list("service_at_site_id", flat=True)[start:stop])
    return list(walk.values_list("service_at_site_id", flat=True)[start:stop])


# What a result shows (the search page, the API and its GeoJSON): every other column
# would be read, parsed and dropped 21 times per search.
SEARCH_RESULT_COLUMNS = (
    "capacity",
    "declared_capacity_status",
    "declared_wait_days",
    "service__verified_on",
    "service__verified_by_label",
    "service__name",
    "service__modality",
    "service__access_routes",
    "service__organization__name",
    "site__name",
    "site__address_1",
    "site__point",
    "site__confidential",
    "site__territory__name",
)


def _search_page_rows(
    *, ids: list[UUID], near: Point | None, category_code: str | None
) -> list[ServiceAtSite]:
    """The services at sites of a page, in the order given, with what a result shows;
    with a category, each service's ``search_categories``: its categories at or below
    that one (the reason it matched)."""
    qs = (
        ServiceAtSite.objects.filter(pk__in=ids)
        .select_related("service__organization", "site__territory")
        .only(*SEARCH_RESULT_COLUMNS)
    )
    if near is not None:
        qs = qs.annotate(distance_m=Distance("site__point", near))
    by_id = {row.pk: row for row in qs}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    if category_code:
        below = TaxonomyTerm.objects.filter(
            # A constant query; the code is a bound parameter.
            id__in=RawSQL(TAXONOMY_TERM_DESCENDANTS_SQL, (category_code,))  # noqa: S611
        ).only("name")
        prefetch_related_objects(
            rows, Prefetch("service__categories", below, to_attr="search_categories")
        )
    for row in rows:
        if near is not None:  # a Measure from Distance(); keep plain metres
            row.distance_m = row.distance_m.m  # type: ignore[attr-defined]
    return rows


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
    _corrected_from: str | None = None,
) -> SearchPage:
    """Active services at their sites that fit every filter given, each with the reasons.

    Text is matched in Spanish with accents ignored (full-text search on the
    ``spanish_unaccent`` configuration) against the service's name, description and
    categories, with the coordinator's synonyms (``search_text_query``); when nothing
    matches, the words are replaced by the closest words of the directory's vocabulary
    (typos). With ``near``, results come nearest first, in metres, using the KNN index;
    otherwise by text relevance, then name. Pages are counted by look-ahead (one row
    more than asked) rather than COUNT(*), a full scan at scale.

    Every filter reads the search table (``ServiceAtSiteCategory``: one row per service
    at a site and category code, with the searchable columns copied); only the page's
    rows are then read from the services, sites and organizations.
    """
    code = category_code or ANY_CATEGORY
    entries = ServiceAtSiteCategory.objects.filter(code=code)
    # Anything that can refuse a row of the code (the category itself cannot).
    filtered = any(
        [
            text.strip(),
            age is not None,
            sex,
            modality,
            access_route,
            territory_id,
            open_slots_only,
            radius_m is not None,
        ]
    )
    reasons_for: list[Callable[[ServiceAtSite], str | None]] = []
    # The same text and age conditions in the form only the GIN index reads (Opaque).
    indexed: list[Matches] = []
    relevance: SearchRank | None = None
    text = text.strip()
    if text:
        # The words, their synonyms and the categories they name (search_text.py).
        expanded = search_text_query(text=text)
        query = expanded.query
        entries = entries.filter(search_vector=query)
        indexed.append(Matches(F("search_vector"), "@@", Opaque(query)))
        relevance = SearchRank(F("search_vector"), query)
        if _corrected_from is not None:
            wrote = _corrected_from
            reasons_for.append(
                lambda row: (
                    _("It matches “%(corrected)s” (you wrote “%(text)s”).")
                    % {"corrected": text, "text": wrote}
                )
            )
        elif expanded.synonyms:
            also = ", ".join(expanded.synonyms[:SYNONYMS_SHOWN])
            reasons_for.append(
                lambda row: (
                    _(
                        "Its name, description or categories match “%(text)s” "
                        "or a word that means the same (%(synonyms)s)."
                    )
                    % {"text": text, "synonyms": also}
                )
            )
        else:
            reasons_for.append(
                lambda row: (
                    _("Its name, description or categories match “%(text)s”.") % {"text": text}
                )
            )
    if category_code:
        reasons_for.append(
            lambda row: (
                _("It offers %(categories)s.")
                % {
                    "categories": ", ".join(
                        sorted(t.name for t in getattr(row.service, "search_categories", []))
                    )
                }
            )
        )
    if age is not None:
        entries = entries.filter(
            (Q(min_age__isnull=True) | Q(min_age__lte=age))
            & (Q(max_age__isnull=True) | Q(max_age__gte=age))
        )
        if age <= MAX_AGE_YEARS:  # ``ages`` stops there; an older age keeps the walk
            ages = Value([age], output_field=ArrayField(SmallIntegerField()))
            indexed.append(Matches(F("ages"), "@>", Opaque(ages)))
        reasons_for.append(lambda row: _("It admits children aged %(age)s.") % {"age": age})
    if sex:
        entries = entries.filter(Q(sexes__len=0) | Q(sexes__contains=[sex]))
    if modality:
        entries = entries.filter(modality=modality)
        reasons_for.append(
            lambda row: (
                _("Modality: %(modality)s.") % {"modality": row.service.get_modality_display()}
            )
        )
    if access_route:
        entries = entries.filter(access_routes__contains=[access_route])
        reasons_for.append(
            lambda row: _("It accepts %(route)s.") % {"route": AccessRoute(access_route).label}
        )
    if territory_id:
        entries = entries.filter(
            service_at_site__site__territory_id__in=territory_descendant_ids(
                territory_id=territory_id
            )
        )
        reasons_for.append(
            lambda row: (
                _("It is located in %(territory)s.") % {"territory": row.site.territory.name}
            )
        )
    if open_slots_only:
        entries = entries.filter(service_at_site__capacity__gt=0)
        reasons_for.append(
            lambda row: _("It has %(slots)s slots at this site.") % {"slots": row.capacity}
        )
    page = max(1, page)
    start = (page - 1) * per_page
    stop = start + per_page + 1
    if near is not None:
        if near.srid is None:
            near = Point(near.x, near.y, srid=4326)
        if radius_m is not None:
            # A confidential site is within the radius when its published centre is:
            # the true point would let shrinking radii find its exact distance.
            entries = entries.filter(
                Q(
                    service_at_site__site__confidential=False,
                    service_at_site__site__point__dwithin=(near, D(m=radius_m)),
                )
                | Q(
                    service_at_site__site_id__in=confidential_site_ids_within(
                        near=near, radius_m=radius_m
                    )
                )
            )
        ids = _nearest_entry_ids(
            entries,
            code=code,
            here=_mercator_value(near),
            filtered=filtered,
            indexed=indexed,
            start=start,
            stop=stop,
        )
        reasons_for.append(
            lambda row: (
                _("It is %(distance)s away.")
                % {"distance": format_distance(getattr(row, "distance_m", 0.0))}
            )
        )
    else:
        order: list[Any] = ["service__name", "service_at_site_id"]
        if relevance is not None:
            entries = entries.annotate(relevance=relevance)
            order.insert(0, F("relevance").desc())
        ids = list(
            entries.order_by(*order).values_list("service_at_site_id", flat=True)[start:stop]
        )
    if text and not ids and _corrected_from is None:
        corrected = search_text_correct(text=text)
        if corrected:
            return service_search(
                text=corrected,
                category_code=category_code,
                age=age,
                sex=sex,
                territory_id=territory_id,
                modality=modality,
                access_route=access_route,
                open_slots_only=open_slots_only,
                near=near,
                radius_m=radius_m,
                page=page,
                per_page=per_page,
                _corrected_from=text,
            )
    rows = _search_page_rows(ids=ids, near=near, category_code=category_code)[:per_page]
    for row in rows:  # a public answer: confidential sites as their published area
        if near is not None and row.site.confidential:
            row.distance_m = public_distance_m(  # type: ignore[attr-defined]
                site=row.site,
                near=near,
                true_distance_m=row.distance_m,  # type: ignore[attr-defined]
            )
        site_redact(row.site)
    capacities = service_at_site_capacity_states(service_at_sites=rows)  # one call per page
    hits = [
        SearchHit(
            service_at_site=row,
            distance_m=getattr(row, "distance_m", None),
            reasons=[str(r) for r in (reason(row) for reason in reasons_for) if r],
            capacity=capacities.get(row.pk),
            verified=service_verified_since(service=row.service),
        )
        for row in rows
    ]
    return SearchPage(hits=hits, page=page, per_page=per_page, has_next=len(ids) > per_page)


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
    here = _mercator_value(point)
    # The nearest of the category (or of any, ``*``) straight from the search table's
    # index, which holds active services only: filtering a walk over every site
    # passes thousands of other categories' sites first.
    nearest = (
        ServiceAtSiteCategory.objects.filter(code=category_code or ANY_CATEGORY)
        .annotate(knn=KnnDistance(F("point_mercator"), here))
        .order_by("knn")
        .values("service_at_site_id")[:limit]
    )
    rows = list(
        ServiceAtSite.objects.filter(pk__in=nearest)
        .select_related("service", "service__organization", "service__eligibility", "site")
        # Bookkeeping dates nobody ranks by: hundreds of datetimes per call to parse.
        .defer(*HEAVY_COLUMNS, *NEAREST_UNUSED_COLUMNS)
        .annotate(
            knn=KnnDistance(F("site__point_mercator"), here),
            distance=Distance("site__point", point),
        )
        .order_by("knn")
    )
    return [(row, row.distance.m) for row in rows]


def format_distance(metres: float) -> str:
    if metres < 1000:
        return _("%(m)s m") % {"m": formats.number_format(round(metres))}
    return _("%(km)s km") % {"km": formats.number_format(round(metres / 1000, 1), 1)}
