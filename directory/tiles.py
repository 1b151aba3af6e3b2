"""The public map's data per viewport: server-side clusters, never every feature.

At 50,000 services a single GeoJSON of every site is megabytes that the browser must
parse and draw before the map answers. Instead the map asks for what is in view at
its zoom: services at sites are grouped on a grid in Web Mercator metres (the stored
``Site.point_mercator`` column) whose cell is a fixed number of screen pixels at that
zoom, so a cluster always looks the same size on screen. The grouping runs over an
in-memory index of the active services (``ServiceMapIndex``); ``service_map_rows`` is
the same filter in SQL, which the tests hold the index to.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from uuid import UUID

import numpy as np
from django.contrib.gis.geos import Polygon
from django.db import connection
from django.db.models import (
    FloatField,
    Func,
    Q,
    QuerySet,
    prefetch_related_objects,
)

from directory.confidential import site_published_point
from directory.models import ServiceAtSite, ServiceStatus, Site
from directory.selectors import HEAVY_COLUMNS, territory_descendant_ids
from directory.selectors.capacity import service_at_site_ids_with_capacity_status

# Web Mercator (EPSG:3857) sphere radius and the width of the world in metres.
EARTH_RADIUS_M = 6378137.0
WORLD_WIDTH_M = 2 * math.pi * EARTH_RADIUS_M
MAX_MERCATOR_LAT = 85.0511287798
TILE_PX = 256
# A cluster covers about this many screen pixels a side: wide enough that bubbles
# with their counts do not overlap, narrow enough that zooming in splits them.
CLUSTER_CELL_PX = 60
MAX_ZOOM = 19


@dataclass(frozen=True)
class MapFilters:
    """The map's filters; the same meaning as in ``service_search``."""

    category_code: str | None = None
    age: int | None = None
    territory_id: UUID | None = None
    modality: str | None = None
    open_slots_only: bool = False
    capacity_status: str | None = None  # a directory.capacity.CapacityStatus value


@dataclass(frozen=True)
class BBox:
    """A viewport in longitude/latitude (WGS 84)."""

    west: float
    south: float
    east: float
    north: float


@dataclass(frozen=True)
class MapCluster:
    """Services at sites falling in one grid cell; ``count`` rows of ServiceAtSite."""

    count: int
    lon: float
    lat: float
    bounds: BBox
    # When the cluster is one service at one site: its id and name, for a plain marker.
    service_at_site_id: UUID | None = None
    name: str | None = None

    @property
    def single_place(self) -> bool:
        """All members at one point: zooming in would never split them."""
        return self.bounds.west == self.bounds.east and self.bounds.south == self.bounds.north


def lonlat_to_mercator(lon: float, lat: float) -> tuple[float, float]:
    lat = max(-MAX_MERCATOR_LAT, min(MAX_MERCATOR_LAT, lat))
    x = math.radians(lon) * EARTH_RADIUS_M
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS_M
    return x, y


def mercator_to_lonlat(x: float, y: float) -> tuple[float, float]:
    lon = math.degrees(x / EARTH_RADIUS_M)
    lat = math.degrees(2 * math.atan(math.exp(y / EARTH_RADIUS_M)) - math.pi / 2)
    return lon, lat


def cluster_cell_m(*, zoom: int) -> float:
    """Side of a cluster's grid cell in Mercator metres at this zoom."""
    zoom = max(0, min(MAX_ZOOM, zoom))
    return WORLD_WIDTH_M / (TILE_PX * 2**zoom) * CLUSTER_CELL_PX


class _StX(Func):
    function = "ST_X"
    output_field = FloatField()


class _StY(Func):
    function = "ST_Y"
    output_field = FloatField()


def service_map_rows(*, filters: MapFilters, bbox: BBox | None = None) -> QuerySet[ServiceAtSite]:
    """Active services at their sites that pass the filters, inside the viewport."""
    qs = ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE)
    if bbox is not None:
        x0, y0 = lonlat_to_mercator(bbox.west, bbox.south)
        x1, y1 = lonlat_to_mercator(bbox.east, bbox.north)
        # ``&&`` on the Mercator column: a GiST index scan, no per-row geometry test.
        envelope = Polygon.from_bbox((x0, y0, x1, y1))
        envelope.srid = 3857
        qs = qs.filter(site__point_mercator__bboverlaps=envelope)
    if filters.category_code:  # the codes include ancestors: a parent finds its sub-categories
        qs = qs.filter(service__category_codes__contains=[filters.category_code])
    if filters.age is not None:
        age = filters.age
        qs = qs.filter(
            Q(service__eligibility__min_age__isnull=True)
            | Q(service__eligibility__min_age__lte=age),
            Q(service__eligibility__max_age__isnull=True)
            | Q(service__eligibility__max_age__gte=age),
        )
    if filters.modality:
        qs = qs.filter(service__modality=filters.modality)
    if filters.territory_id:
        qs = qs.filter(
            site__territory_id__in=territory_descendant_ids(territory_id=filters.territory_id)
        )
    if filters.open_slots_only:
        qs = qs.filter(capacity__gt=0)
    if filters.capacity_status:
        qs = qs.filter(
            pk__in=service_at_site_ids_with_capacity_status(status=filters.capacity_status)
        )
    return qs


# --- the in-memory index ---------------------------------------------------------------
# Grouping 60,000 rows in PostgreSQL costs 100-400 ms per request (two hash joins and
# a sort of every row in view); the same grouping over numpy arrays costs a few
# milliseconds. The arrays hold only what the filters and the markers need, in name
# order, and are rebuilt when the directory changes (``maps`` keeps the version).


@dataclass
class ServiceMapIndex:
    """Active services at their sites as parallel arrays, ordered by service name."""

    ids: list[str]  # UUIDs as text: converting 60,000 of them is wasted on most requests
    names: list[str]
    x: np.ndarray  # Web Mercator metres
    y: np.ndarray
    min_age: np.ndarray  # -1 where the service sets no minimum
    max_age: np.ndarray  # NO_MAX_AGE where it sets no maximum
    modality: np.ndarray  # index into ``modalities``
    modalities: list[str]
    territory: np.ndarray  # index into ``territories``
    territories: list[UUID]
    capacity: np.ndarray
    category_codes: list[str]  # ' code parent-code ': a substring test per row
    _category_masks: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def _category_mask(self, code: str) -> np.ndarray:
        mask = self._category_masks.get(code)
        if mask is None:
            mask = np.fromiter(
                (f" {code} " in codes for codes in self.category_codes),
                dtype=bool,
                count=len(self),
            )
            self._category_masks[code] = mask
        return mask

    def mask(self, *, filters: MapFilters, bbox: BBox | None) -> np.ndarray:
        """Which rows pass the filters and fall in the viewport."""
        keep = np.ones(len(self), dtype=bool)
        if bbox is not None:
            x0, y0 = lonlat_to_mercator(bbox.west, bbox.south)
            x1, y1 = lonlat_to_mercator(bbox.east, bbox.north)
            keep &= (self.x >= x0) & (self.x <= x1) & (self.y >= y0) & (self.y <= y1)
        if filters.category_code:
            keep &= self._category_mask(filters.category_code)
        if filters.age is not None:
            keep &= (self.min_age <= filters.age) & (self.max_age >= filters.age)
        if filters.modality:
            if filters.modality not in self.modalities:
                return np.zeros(len(self), dtype=bool)
            keep &= self.modality == self.modalities.index(filters.modality)
        if filters.territory_id:
            wanted = territory_descendant_ids(territory_id=filters.territory_id)
            positions = [i for i, t in enumerate(self.territories) if t in wanted]
            keep &= np.isin(self.territory, np.array(positions, dtype=np.int32))
        if filters.open_slots_only:
            keep &= self.capacity > 0
        if filters.capacity_status:
            # Read live, not kept in the index: enrolments and queues change the status
            # without changing the directory (the index's version).
            status = filters.capacity_status
            matching = {str(pk) for pk in service_at_site_ids_with_capacity_status(status=status)}
            keep &= np.fromiter((i in matching for i in self.ids), dtype=bool, count=len(self))
        return keep

    def clusters(self, *, filters: MapFilters, bbox: BBox, zoom: int) -> list[MapCluster]:
        """The rows in view grouped per grid cell of ``CLUSTER_CELL_PX`` at this zoom.

        A cluster sits at the mean of its members (not the cell's centre), so a lone
        site is drawn where it is; its bounds let a click zoom to exactly its members.
        """
        rows = np.flatnonzero(self.mask(filters=filters, bbox=bbox))
        if rows.size == 0:
            return []
        cell = cluster_cell_m(zoom=zoom)
        x, y = self.x[rows], self.y[rows]
        gx = np.floor(x / cell).astype(np.int64)
        gy = np.floor(y / cell).astype(np.int64)
        keys = gx * 4_294_967_296 + gy
        order = np.argsort(keys, kind="stable")
        keys, rows, x, y = keys[order], rows[order], x[order], y[order]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        counts = np.diff(np.r_[starts, keys.size])
        mean_x = np.add.reduceat(x, starts) / counts
        mean_y = np.add.reduceat(y, starts) / counts
        x0, x1 = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
        y0, y1 = np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)
        clusters = []
        for k, start in enumerate(starts):
            lon, lat = mercator_to_lonlat(float(mean_x[k]), float(mean_y[k]))
            west, south = mercator_to_lonlat(float(x0[k]), float(y0[k]))
            east, north = mercator_to_lonlat(float(x1[k]), float(y1[k]))
            first = int(rows[start])
            single = int(counts[k]) == 1
            clusters.append(
                MapCluster(
                    count=int(counts[k]),
                    lon=lon,
                    lat=lat,
                    bounds=BBox(west=west, south=south, east=east, north=north),
                    service_at_site_id=UUID(self.ids[first]) if single else None,
                    name=self.names[first] if single else None,
                )
            )
        # Largest first, so the small bubbles are drawn on top and stay clickable.
        clusters.sort(key=lambda c: (-c.count, c.lon, c.lat))
        return clusters

    def page(
        self, *, filters: MapFilters, bbox: BBox | None, page: int = 1, per_page: int = 20
    ) -> MapListPage:
        """The rows in view by service name, a page at a time, read back from the database."""
        page = max(1, page)
        rows = np.flatnonzero(self.mask(filters=filters, bbox=bbox))
        start = (page - 1) * per_page
        chosen = [self.ids[int(i)] for i in rows[start : start + per_page]]
        found = {
            row.pk: row
            for row in ServiceAtSite.objects.filter(pk__in=chosen)
            .select_related("service", "service__organization", "site", "site__territory")
            .defer(*HEAVY_COLUMNS)
        }
        ordered = [found[UUID(pk)] for pk in chosen if UUID(pk) in found]
        prefetch_related_objects(ordered, "service__categories")
        return MapListPage(
            rows=ordered,
            page=page,
            per_page=per_page,
            has_next=rows.size > start + per_page,
            total=int(rows.size),
        )


NO_MAX_AGE = 1000


# Plain SQL and whole columns: Django's per-row conversions (UUIDs, arrays) cost
# seconds at 60,000 rows, the query itself about a quarter of a second.
_INDEX_SQL = """
SELECT sas.id::text, sv.name, ST_X(s.point_mercator), ST_Y(s.point_mercator),
       coalesce(e.min_age, -1), coalesce(e.max_age, %s), sv.modality, s.territory_id::text,
       sas.capacity, array_to_string(sv.category_codes, ' '), s.id::text
FROM directory_serviceatsite sas
JOIN directory_service sv ON sv.id = sas.service_id
JOIN directory_site s ON s.id = sas.site_id
LEFT JOIN directory_eligibility e ON e.service_id = sv.id
WHERE sv.status = %s
ORDER BY sv.name, sas.id
"""


def _published_mercator(
    *, site_ids: tuple[str, ...], xs: tuple[float, ...], ys: tuple[float, ...]
) -> tuple[list[float], list[float]]:
    """The public map's coordinates: a confidential site at its published area's centre,
    so no marker, cluster mean or cluster bounds is drawn from its true point."""
    moved = {
        str(site.pk): lonlat_to_mercator(*site_published_point(site=site).coords)
        for site in Site.objects.filter(confidential=True).only("id", "point", "confidential")
    }
    new_x, new_y = list(xs), list(ys)
    for i, site_id in enumerate(site_ids):
        if site_id in moved:
            new_x[i], new_y[i] = moved[site_id]
    return new_x, new_y


def service_map_index_build() -> ServiceMapIndex:
    """Read every active service at its site into a ``ServiceMapIndex`` (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_INDEX_SQL, [NO_MAX_AGE, ServiceStatus.ACTIVE.value])
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [()] * 11
    ids, names, xs, ys, low, high, modality, territory, capacity, codes, site_ids = columns
    public_x, public_y = _published_mercator(site_ids=site_ids, xs=xs, ys=ys)
    modalities = sorted(set(modality))
    territories = sorted(set(territory))
    modality_of = {m: i for i, m in enumerate(modalities)}
    territory_of = {t: i for i, t in enumerate(territories)}
    return ServiceMapIndex(
        ids=list(ids),
        names=list(names),
        x=np.array(public_x, dtype=np.float64),
        y=np.array(public_y, dtype=np.float64),
        min_age=np.array(low, dtype=np.int16),
        max_age=np.array(high, dtype=np.int16),
        modality=np.array([modality_of[m] for m in modality], dtype=np.int16),
        modalities=modalities,
        territory=np.array([territory_of[t] for t in territory], dtype=np.int32),
        territories=[UUID(t) for t in territories],
        capacity=np.array(capacity, dtype=np.int32),
        category_codes=[f" {c} " for c in codes],
    )


@dataclass(frozen=True)
class MapListPage:
    rows: list[ServiceAtSite]
    page: int
    per_page: int
    has_next: bool
    total: int
