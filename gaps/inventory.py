"""The nightly gap inventory: one snapshot per day, per territory and category.

Demand: children, placed at points spread over each most specific territory
(``ST_GeneratePoints`` with a fixed seed, so a re-run gives the same points), each
carrying an equal share of the territory's child population. Supply: the slots of the
active services of the category at their sites. Accessibility per point comes from
``two_step_fca`` (enhanced with thirds when the category's setting says so); a
territory's figure is the population-weighted mean over its points, and parents
aggregate their children.

The work is split in two so that it can spread over Celery workers (``gaps.tasks``):

* :func:`gap_inventory_part` computes, for a slice of the territories, everything that
  adds up across slices (children, weighted accessibility, needs, slots, unmet cases,
  waits, rejections per territory and category, each leaf's mean accessibility and the
  homes of unmet cases). It reads and never writes. Accessibility itself needs every
  demand point (step 1 of 2SFCA divides a site's slots by all the children within its
  catchment, whatever their territory), so each slice computes it whole and keeps its
  own points: cheap next to the per-case work, which is what the slices divide.
* :func:`gap_inventory_finish` merges the parts, adds equity and hotspots (which need
  every territory at once) and writes the snapshot in one transaction at the end: a job
  killed half-way leaves the previous snapshot as it was, and a re-run for the same day
  replaces its snapshot.

:func:`gap_inventory_compute` runs both in-process on one slice holding everything.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from scipy.spatial import cKDTree

from directory.models import Eligibility, TaxonomyTerm
from directory.selectors import eligibility_service_areas
from gaps.accessibility import (
    EARTH_RADIUS_M,
    haversine_cost_matrix,
    two_step_fca,
    unit_vectors,
    zone_weights_thirds,
)
from gaps.equity import lorenz_curve, weighted_gini
from gaps.hotspots import hotspots
from gaps.models import CategorySetting, GapCell, GapHotspot, GapSnapshot

# Demand points per most specific territory: one per DEMAND_POINT_M2 of its area, between
# 1 and POINTS_PER_TERRITORY. A 500 m spacing resolves a catchment of kilometres; a fixed
# 20 per territory put 6,000 points in a 13 x 12 km comuna of 300 sectors, and every
# point pairs with every site within its catchment: 225 million pairs a night.
POINTS_PER_TERRITORY = 20
DEMAND_POINT_M2 = 250_000.0
DEFAULT_SETTING = CategorySetting(catchment_m=3000, enhanced=True, norm_slots_per_1000=10.0)
REJECTION_WINDOW_DAYS = 90
# Unmet cases: most homes have an eligible site among their nearest few, so the nearest
# ones are checked first and only homes whose every nearby site refuses them pay for the
# full search of the catchment.
NEAREST_SITES_FIRST = 8

#: A slice of the territories: their ids (``None`` standing for rows with no territory);
#: ``None`` for all of them.
TerritoryScope = frozenset[UUID | None] | None
NeedRow = tuple[UUID, UUID | None, float, float, str, int, str, str, bool]
SiteRow = tuple[UUID, UUID, float, float, int, UUID | None, list[str]]


@dataclass
class _Tally:
    children: float = 0.0
    access_weighted: float = 0.0
    zero_children: float = 0.0
    active_needs: int = 0
    slots: int = 0
    unmet: int = 0
    waits: list[float] = field(default_factory=list)
    rejected: int = 0

    def add(self, other: _Tally) -> None:
        self.children += other.children
        self.access_weighted += other.access_weighted
        self.zero_children += other.zero_children
        self.active_needs += other.active_needs
        self.slots += other.slots
        self.unmet += other.unmet
        self.waits.extend(other.waits)
        self.rejected += other.rejected

    def as_list(self) -> list[Any]:
        return [
            self.children,
            self.access_weighted,
            self.zero_children,
            self.active_needs,
            self.slots,
            self.unmet,
            self.waits,
            self.rejected,
        ]


@dataclass
class GapPart:
    """What a slice of the territories contributes to the snapshot; parts add up."""

    tallies: dict[tuple[UUID, str], _Tally] = field(default_factory=lambda: defaultdict(_Tally))
    #: category code → most specific territory → mean accessibility over its points.
    leaf_access: dict[str, dict[UUID, float]] = field(default_factory=lambda: defaultdict(dict))
    #: category code → (longitude, latitude) of the homes of cases with an unmet need.
    unmet_homes: dict[str, list[tuple[float, float]]] = field(
        default_factory=lambda: defaultdict(list)
    )

    def as_json(self) -> dict[str, Any]:
        """Plain JSON (Celery's serializer); floats survive the round trip exactly."""
        return {
            "tallies": [
                [str(t), code, *tally.as_list()] for (t, code), tally in self.tallies.items()
            ],
            "leaf_access": {
                code: {str(t): a for t, a in leaves.items()}
                for code, leaves in self.leaf_access.items()
            },
            "unmet_homes": {code: homes for code, homes in self.unmet_homes.items()},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GapPart:
        part = cls()
        for territory, code, *values in data["tallies"]:
            part.tallies[(UUID(territory), code)] = _Tally(*values)
        for code, leaves in data["leaf_access"].items():
            part.leaf_access[code] = {UUID(t): a for t, a in leaves.items()}
        for code, homes in data["unmet_homes"].items():
            part.unmet_homes[code] = [(lon, lat) for lon, lat in homes]
        return part


def _in_scope(territory_id: UUID | None, scope: TerritoryScope) -> bool:
    return scope is None or territory_id in scope


def _scope_sql(column: str, scope: TerritoryScope) -> tuple[str, list[Any]]:
    """A WHERE condition keeping the rows of the slice, so each part reads only its own."""
    if scope is None:
        return "TRUE", []
    ids = [t for t in scope if t is not None]
    return f"({column} = ANY(%s::uuid[]) OR (%s AND {column} IS NULL))", [ids, None in scope]


def _territories() -> tuple[dict[UUID, UUID | None], dict[UUID, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, parent_id, children_0_5 + children_6_11 + children_12_17 "
            "FROM directory_territory"
        )
        rows = cursor.fetchall()
    return {r[0]: r[1] for r in rows}, {r[0]: int(r[2]) for r in rows}


def _lineage(territory_id: UUID, parents: dict[UUID, UUID | None]) -> list[UUID]:
    chain: list[UUID] = []
    current: UUID | None = territory_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def gap_territory_chunks(*, chunks: int) -> list[list[str]]:
    """The territories (and ``"none"`` for rows without one) cut into ``chunks`` slices.

    Round-robin over the ids so that slices get a similar share of the most specific
    territories, where the cases are. Strings: they travel as Celery arguments.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM directory_territory ORDER BY id")
        ids = ["none", *(str(r[0]) for r in cursor.fetchall())]
    count = max(1, min(chunks, len(ids)))
    return [ids[i::count] for i in range(count)]


def territory_scope(ids: Iterable[str]) -> frozenset[UUID | None]:
    """The scope of a chunk from :func:`gap_territory_chunks`."""
    return frozenset(None if t == "none" else UUID(t) for t in ids)


def _demand_points() -> tuple[np.ndarray, np.ndarray, list[UUID]]:
    """Points over the most specific territories, each with its share of the children."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH leaf AS (
                SELECT t.id, t.geometry, t.children_0_5 + t.children_6_11 + t.children_12_17 AS n,
                       LEAST(%s, GREATEST(1, ceil(ST_Area(t.geometry::geography) / %s)))::int
                           AS points
                FROM directory_territory t
                WHERE NOT EXISTS (SELECT 1 FROM directory_territory c WHERE c.parent_id = t.id)
            )
            SELECT leaf.id, leaf.n::float8 / leaf.points, ST_X(p.geom), ST_Y(p.geom)
            FROM leaf, LATERAL ST_Dump(ST_GeneratePoints(leaf.geometry, leaf.points, 7)) AS p
            ORDER BY leaf.id, p.path
            """,
            [POINTS_PER_TERRITORY, DEMAND_POINT_M2],
        )
        rows = cursor.fetchall()
    lonlat = np.array([(r[2], r[3]) for r in rows], dtype=float).reshape(-1, 2)
    demand = np.array([r[1] for r in rows], dtype=float)
    return lonlat, demand, [r[0] for r in rows]


def _sites() -> list[SiteRow]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT sas.id, s.id, ST_X(site.point::geometry), ST_Y(site.point::geometry),
                   sas.capacity, site.territory_id, s.category_codes
            FROM directory_serviceatsite sas
            JOIN directory_service s ON s.id = sas.service_id
            JOIN directory_site site ON site.id = sas.site_id
            WHERE s.status = 'active'
            ORDER BY sas.id
            """
        )
        return [tuple(r) for r in cursor.fetchall()]


def _term_ancestors() -> dict[str, list[str]]:
    terms = {t.pk: t for t in TaxonomyTerm.objects.only("id", "code", "parent_id")}
    found: dict[str, list[str]] = {}
    for term in terms.values():
        chain: list[str] = []
        current: TaxonomyTerm | None = term
        while current is not None and current.code not in chain:
            chain.append(current.code)
            current = terms.get(current.parent_id) if current.parent_id else None
        found[term.code] = chain
    return found


def _open_needs(scope: TerritoryScope) -> list[NeedRow]:
    """(case, territory, lon, lat, need code, age, sex, risk, judicial order) per open need."""
    where, params = _scope_sql("c.territory_id", scope)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.id, c.territory_id, ST_X(c.home::geometry), ST_Y(c.home::geometry),
                   t.code, date_part('year', age(current_date, c.birth_date))::int,
                   c.sex, c.risk_level, c.has_judicial_order
            FROM matching_caseneed n
            JOIN matching_case c ON c.id = n.case_id
            JOIN directory_taxonomyterm t ON t.id = n.term_id
            WHERE c.status = 'open' AND n.status IN ('open', 'addressed') AND {where}
            ORDER BY c.id, t.code
            """,  # noqa: S608 - the condition is built from a fixed column name
            params,
        )
        return [tuple(r) for r in cursor.fetchall()]


def _category_settings() -> dict[str, CategorySetting]:
    return {s.category.code: s for s in CategorySetting.objects.select_related("category")}


def gap_inventory_part(
    *, scope: TerritoryScope = None, progress: Callable[[str], None] | None = None
) -> GapPart:
    """The additive figures of the territories in ``scope`` (all when ``None``); no writes."""
    say = progress or (lambda _m: None)
    parents, _population = _territories()
    lineage = {t: _lineage(t, parents) for t in parents}
    lonlat, demand, point_territory = _demand_points()
    in_part = [i for i, t in enumerate(point_territory) if _in_scope(t, scope)]
    sites = _sites()
    ancestors = _term_ancestors()
    settings_by_code = _category_settings()
    admission = _Admission(parents=parents)

    # Each row is filed once under every category it counts for (its code and ancestors),
    # instead of scanning every row once per category.
    needs = _open_needs(scope)
    filed: dict[str, list[int]] = defaultdict(list)
    for i, need in enumerate(needs):
        for code in ancestors.get(need[4], [need[4]]):
            filed[code].append(i)
    needs_by_code = {code: np.array(found, dtype=np.int64) for code, found in filed.items()}
    # Per open need, as arrays: which case (a number), the child's profile, the home.
    case_numbers: dict[UUID, int] = {}
    need_case = np.array(
        [case_numbers.setdefault(n[0], len(case_numbers)) for n in needs], dtype=np.int64
    )
    children = admission.children(needs)
    home_lonlat = np.array([(n[2], n[3]) for n in needs], dtype=float).reshape(-1, 2)
    home_vectors = unit_vectors(home_lonlat)
    territory_of_index = [*admission.territories(), None]
    sites_by_code: dict[str, list[SiteRow]] = defaultdict(list)
    for site in sites:
        for code in site[6] or []:
            sites_by_code[code].append(site)
    waits_by_code: dict[str, list[tuple[UUID | None, float]]] = defaultdict(list)
    for territory_id, codes, wait_days in _waiting_rows(scope):
        for code in codes or []:
            waits_by_code[code].append((territory_id, wait_days))
    rejected_by_code: dict[str, list[UUID | None]] = defaultdict(list)
    since = timezone.now() - timedelta(days=REJECTION_WINDOW_DAYS)
    for territory_id, codes in _rejected_rows(since=since, scope=scope):
        for code in codes or []:
            rejected_by_code[code].append(territory_id)

    codes = list(TaxonomyTerm.objects.order_by("code").values_list("code", flat=True))
    part = GapPart()
    tallies = part.tallies
    for index, code in enumerate(codes, start=1):
        say(f"{index}/{len(codes)} {code}")
        setting = settings_by_code.get(code, DEFAULT_SETTING)
        catchment = float(setting.catchment_m)
        supply_rows = sites_by_code.get(code, [])
        supply_lonlat = np.array([(s[2], s[3]) for s in supply_rows], dtype=float).reshape(-1, 2)
        supply = np.array([max(s[4], 0) for s in supply_rows], dtype=float)
        if len(lonlat):
            cost = haversine_cost_matrix(
                demand_lonlat=lonlat, supply_lonlat=supply_lonlat, max_distance_m=catchment
            )
            access = two_step_fca(
                demand=demand,
                supply=supply,
                cost=cost,
                catchment=catchment,
                weights=zone_weights_thirds(catchment) if setting.enhanced else None,
            )
        else:
            access = np.zeros(0)
        leaf_access: dict[UUID, list[float]] = defaultdict(list)
        for i in in_part:
            territory_id, a, d = point_territory[i], float(access[i]), float(demand[i])
            leaf_access[territory_id].append(a)
            for t in lineage[territory_id]:
                tally = tallies[(t, code)]
                tally.children += d
                tally.access_weighted += d * a
                tally.zero_children += d if a == 0 else 0.0
        for leaf, values in leaf_access.items():
            part.leaf_access[code][leaf] = float(np.mean(values))
        for s in supply_rows:
            if _in_scope(s[5], scope):
                for t in lineage.get(s[5], []) if s[5] else []:
                    tallies[(t, code)].slots += max(s[4], 0)
        # Cases with a need in the category (once each), and whether any eligible site is
        # within reach of their home.
        found = needs_by_code.get(code, np.zeros(0, dtype=np.int64))
        cases = found[np.unique(need_case[found], return_index=True)[1]]
        unmet = _unmet_mask(
            homes=home_vectors[cases],
            child={key: values[cases] for key, values in children.items()},
            supply_rows=supply_rows,
            catchment=catchment,
            admission=admission,
        )
        for counted, field_name in ((cases, "active_needs"), (cases[unmet], "unmet")):
            per_territory = np.bincount(
                children["territory"][counted], minlength=len(territory_of_index)
            )
            for t_index in np.flatnonzero(per_territory):
                home_territory = territory_of_index[t_index]
                for t in lineage.get(home_territory, []) if home_territory else []:
                    tally = tallies[(t, code)]
                    setattr(
                        tally, field_name, getattr(tally, field_name) + int(per_territory[t_index])
                    )
        part.unmet_homes[code].extend(map(tuple, home_lonlat[cases[unmet]].tolist()))
        for territory_id, wait_days in waits_by_code.get(code, []):
            for t in lineage.get(territory_id, []) if territory_id else []:
                tallies[(t, code)].waits.append(wait_days)
        for territory_id in rejected_by_code.get(code, []):
            for t in lineage.get(territory_id, []) if territory_id else []:
                tallies[(t, code)].rejected += 1
    return part


def gap_inventory_finish(
    *,
    day: date,
    parts: Sequence[GapPart],
    started_at: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> GapSnapshot:
    """Merge the parts, add equity and hotspots, and store the day's snapshot.

    ``started_at`` (``time.time()`` when the job began) dates the duration recorded;
    parts are merged in a fixed order so the result does not depend on which worker
    finished first.
    """
    started_at = time.time() if started_at is None else started_at
    say = progress or (lambda _m: None)
    say("merging")
    _parents, population = _territories()
    settings_by_code = _category_settings()
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    tallies: dict[tuple[UUID, str], _Tally] = defaultdict(_Tally)
    leaf_access: dict[str, dict[UUID, float]] = defaultdict(dict)
    unmet_homes: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for part in parts:
        for key, tally in part.tallies.items():
            tallies[key].add(tally)
        for code, leaves in part.leaf_access.items():
            leaf_access[code].update(leaves)
        for code, homes in part.unmet_homes.items():
            unmet_homes[code].extend(homes)

    equity: dict[str, dict[str, object]] = {}
    hotspot_rows: list[GapHotspot] = []
    for code in sorted(terms):
        means = leaf_access.get(code, {})
        peopled = sorted((t for t in means if population.get(t, 0) > 0), key=str)
        if peopled:
            values = np.array([means[t] for t in peopled])
            weights = np.array([population[t] for t in peopled], dtype=float)
            x, y = lorenz_curve(values=values, weights=weights)
            equity[code] = {
                "gini": round(weighted_gini(values=values, weights=weights), 4),
                "lorenz_x": [round(v, 4) for v in x.tolist()],
                "lorenz_y": [round(v, 4) for v in y.tolist()],
            }
        homes = sorted(unmet_homes.get(code, []))  # DBSCAN's borders depend on the order
        if homes:
            say(f"hotspots {code}")
            for spot in hotspots(points_lonlat=np.array(homes)):
                hotspot_rows.append(
                    GapHotspot(
                        category=terms[code],
                        size=spot.size,
                        centroid=Point(spot.centroid_lon, spot.centroid_lat, srid=4326),
                        suggested_site=Point(
                            spot.suggested_site_lon, spot.suggested_site_lat, srid=4326
                        ),
                        radius_m=spot.radius_m,
                    )
                )

    cells = []
    for (territory_id, code), tally in sorted(
        tallies.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])
    ):
        setting = settings_by_code.get(code, DEFAULT_SETTING)
        children = population.get(territory_id, 0) or round(tally.children)
        cells.append(
            GapCell(
                territory_id=territory_id,
                category=terms[code],
                children=children,
                active_needs=tally.active_needs,
                slots=tally.slots,
                accessibility=tally.access_weighted / tally.children if tally.children else 0.0,
                zero_access_share=tally.zero_children / tally.children if tally.children else 0.0,
                shortfall_slots=max(
                    0.0, setting.norm_slots_per_1000 * children / 1000.0 - tally.slots
                ),
                unmet_cases=tally.unmet,
                waiting=len(tally.waits),
                waitlist_pressure=len(tally.waits) / tally.slots if tally.slots else None,
                median_wait_days=round(statistics.median(tally.waits), 1) if tally.waits else None,
                rejected_no_capacity=tally.rejected,
            )
        )
    snapshot = GapSnapshot(day=day, equity=equity)
    snapshot.seconds = round(time.time() - started_at, 2)
    say("saving")
    return _save(snapshot=snapshot, cells=cells, hotspots=hotspot_rows)


def gap_inventory_compute(
    *, day: date | None = None, progress: Callable[[str], None] | None = None
) -> GapSnapshot:
    """Compute and store the day's snapshot in this process (replacing that day's earlier one)."""
    started_at = time.time()
    part = gap_inventory_part(progress=progress)
    return gap_inventory_finish(
        day=day or timezone.localdate(), parts=[part], started_at=started_at, progress=progress
    )


@transaction.atomic
def _save(
    *, snapshot: GapSnapshot, cells: list[GapCell], hotspots: list[GapHotspot]
) -> GapSnapshot:
    # Lock the day's row (if any) so two runs of the same day queue here instead of
    # both deleting and one failing on the unique day.
    list(GapSnapshot.objects.select_for_update().filter(day=snapshot.day))
    GapSnapshot.objects.filter(day=snapshot.day).delete()
    snapshot.save()
    for cell in cells:
        cell.snapshot = snapshot
    for spot in hotspots:
        spot.snapshot = snapshot
    GapCell.objects.bulk_create(cells, batch_size=5000)
    GapHotspot.objects.bulk_create(hotspots)
    return snapshot


class _Admission:
    """Eligibility (``Eligibility.failures_for``) as arrays, for a million cases at once.

    Asking ``failures_for`` per (case, site within reach) takes hours at national scale
    (hundreds of sites within reach of each of a million homes, and rule sets nearly
    unique per service because of their service areas). The same five rules are
    evaluated here with NumPy over arrays, one row per service; the tests check it
    against ``failures_for`` on every combination of rule and child profile, so a change
    of rules in ``directory`` that is not mirrored here fails them.
    """

    NO_CODE = 62  # a bit no mask has: a value no rule names, or an unknown one

    def __init__(self, *, parents: dict[UUID, UUID | None]) -> None:
        territories = sorted(parents, key=str)
        self.territory_index = {t: i for i, t in enumerate(territories)}
        # covers[a, t]: territory a is territory t or one of its ancestors, i.e. a service
        # area holding a admits a child living in t. The last column is "no territory".
        covers = np.zeros((len(territories), len(territories) + 1), dtype=bool)
        for t, i in self.territory_index.items():
            for ancestor in _lineage(t, parents):
                covers[self.territory_index[ancestor], i] = True
        areas = eligibility_service_areas()
        rows = list(
            Eligibility.objects.values_list(
                "service_id",
                "pk",
                "min_age",
                "max_age",
                "sexes",
                "risk_levels",
                "requires_judicial_order",
            )
        )
        self.sex_codes: dict[str, int] = {}
        self.risk_codes: dict[str, int] = {}
        self.row_of_service = {r[0]: i for i, r in enumerate(rows)}
        n = len(rows)
        self.has_age = np.zeros(n, dtype=bool)
        self.min_age = np.full(n, -1, dtype=np.int64)
        self.max_age = np.full(n, 1 << 30, dtype=np.int64)
        self.sex_mask = np.zeros(n, dtype=np.int64)
        self.risk_mask = np.zeros(n, dtype=np.int64)
        self.judicial = np.zeros(n, dtype=bool)
        self.area = np.full(n, -1, dtype=np.int64)
        area_rows: dict[frozenset[UUID], int] = {}
        area_ok: list[np.ndarray] = []
        for i, (_service, pk, low, high, sexes, risks, judicial) in enumerate(rows):
            self.has_age[i] = low is not None or high is not None
            if low is not None:
                self.min_age[i] = low
            if high is not None:
                self.max_age[i] = high
            self.sex_mask[i] = self._mask(sexes or [], self.sex_codes)
            self.risk_mask[i] = self._mask(risks or [], self.risk_codes)
            self.judicial[i] = judicial
            area = frozenset(areas.get(pk, set()))
            if area:
                if area not in area_rows:
                    area_rows[area] = len(area_ok)
                    members = [self.territory_index[a] for a in area if a in self.territory_index]
                    area_ok.append(np.asarray(covers[members].any(axis=0)))
                self.area[i] = area_rows[area]
        self.area_ok = (
            np.array(area_ok) if area_ok else np.zeros((0, len(territories) + 1), dtype=bool)
        )

    @classmethod
    def _mask(cls, values: Iterable[str], codes: dict[str, int]) -> int:
        mask = 0
        for value in values:
            code = codes.setdefault(value, len(codes))
            if code >= cls.NO_CODE:
                raise ValueError("more distinct sexes or risk levels than the mask holds")
            mask |= 1 << code
        return mask

    def territories(self) -> list[UUID | None]:
        """Territories by their index in the arrays (``children()["territory"]``)."""
        ordered: list[UUID | None] = [None] * len(self.territory_index)
        for t, i in self.territory_index.items():
            ordered[i] = t
        return ordered

    def rows_for(self, service_ids: Sequence[UUID]) -> np.ndarray:
        """Row of each service's rules, -1 when it has none (it admits everyone)."""
        return np.array([self.row_of_service.get(s, -1) for s in service_ids], dtype=np.int64)

    def children(self, needs: Sequence[NeedRow]) -> dict[str, np.ndarray]:
        """The profile of each case as arrays (age -1 when unknown)."""
        no_territory = len(self.territory_index)
        return {
            "age": np.array([-1 if n[5] is None else n[5] for n in needs], dtype=np.int64),
            "sex": np.array(
                [self.sex_codes.get(n[6], self.NO_CODE) for n in needs], dtype=np.int64
            ),
            "risk": np.array(
                [self.risk_codes.get(n[7], self.NO_CODE) for n in needs], dtype=np.int64
            ),
            "judicial": np.array([bool(n[8]) for n in needs], dtype=bool),
            "territory": np.array(
                [self.territory_index.get(n[1], no_territory) for n in needs],  # type: ignore[arg-type]
                dtype=np.int64,
            ),
        }

    def has_area(self, rules: np.ndarray) -> np.ndarray:
        has: np.ndarray = (rules >= 0) & (self.area[np.maximum(rules, 0)] >= 0)
        return has

    def area_admits(self, *, rules: np.ndarray, territory: np.ndarray) -> np.ndarray:
        """The service-area rule alone, for rows that have one."""
        ok: np.ndarray = self.area_ok[self.area[rules], territory]
        return ok

    def admits(
        self, *, rules: np.ndarray, child: dict[str, np.ndarray], ignore_area: bool = False
    ) -> np.ndarray:
        """Whether each pair (rules row, child) passes every rule; arrays broadcast.

        ``ignore_area`` leaves the service-area rule out (see :meth:`area_admits`).
        """
        r = np.maximum(rules, 0)
        age = child["age"]
        age_ok = ~self.has_age[r] | (
            (age >= 0) & (age >= self.min_age[r]) & (age <= self.max_age[r])
        )
        sex_ok = (self.sex_mask[r] == 0) | ((self.sex_mask[r] >> child["sex"]) & 1).astype(bool)
        risk_ok = (self.risk_mask[r] == 0) | ((self.risk_mask[r] >> child["risk"]) & 1).astype(bool)
        judicial_ok = ~self.judicial[r] | child["judicial"]
        area = self.area[r]
        area_ok = (area < 0) | ignore_area
        if len(self.area_ok) and not ignore_area:
            area_ok = area_ok | self.area_ok[np.maximum(area, 0), child["territory"]]
        admitted: np.ndarray = (rules < 0) | (age_ok & sex_ok & risk_ok & judicial_ok & area_ok)
        return admitted


def _unmet_mask(
    *,
    homes: np.ndarray,
    child: dict[str, np.ndarray],
    supply_rows: list[SiteRow],
    catchment: float,
    admission: _Admission,
) -> np.ndarray:
    """Per case (home as a unit vector), whether no eligible site of the category is in reach."""
    n = len(homes)
    if n == 0 or not supply_rows:
        return np.ones(n, dtype=bool)
    site_rules = admission.rows_for([s[1] for s in supply_rows])
    # k-d tree over unit vectors: the nearest by chord are the nearest along the surface,
    # and "within the chord of the catchment" is "within the catchment" (see accessibility).
    tree = cKDTree(unit_vectors(np.array([(s[2], s[3]) for s in supply_rows], dtype=float)))
    chord = 2.0 * np.sin(min(catchment / EARTH_RADIUS_M, np.pi) / 2.0)
    k = min(NEAREST_SITES_FIRST, len(supply_rows))
    distances, nearest = tree.query(homes, k=k, workers=-1)
    distances, nearest = distances.reshape(n, k), nearest.reshape(n, k)
    within = distances <= chord
    one = {key: values[:, None] for key, values in child.items()}
    met = (within & admission.admits(rules=site_rules[nearest], child=one)).any(axis=1)
    # Every one of the nearest was within reach and refused: there may be more in reach.
    unsure: np.ndarray = (
        np.flatnonzero(~met & within.all(axis=1)) if k < len(supply_rows) else np.zeros(0, int)
    )
    # The rest: children alike in age, sex, risk and judicial order are admitted by the
    # same sites, save for service areas. Per such group, one tree over the sites that
    # admit it without an area rule answers "any within reach?" for all its homes at once;
    # only sites whose area rule might admit them are then checked home by home.
    site_xyz = tree.data
    if not len(unsure):
        return ~met
    profile = np.stack([child[key][unsure] for key in ("age", "sex", "risk", "judicial")], axis=1)
    groups, group_of = np.unique(profile, axis=0, return_inverse=True)
    for g in range(len(groups)):
        members = unsure[group_of.reshape(-1) == g]
        first = members[:1]
        alike = {key: values[first] for key, values in child.items()}
        base = admission.admits(rules=site_rules, child=alike, ignore_area=True)
        has_area = admission.has_area(site_rules)
        open_sites = np.flatnonzero(base & ~has_area)
        if len(open_sites):
            gap, _ = cKDTree(site_xyz[open_sites]).query(homes[members], k=1)
            met[members[gap <= chord]] = True
            members = members[gap > chord]
        area_sites = np.flatnonzero(base & has_area)
        if not len(members) or not len(area_sites):
            continue
        reach = cKDTree(site_xyz[area_sites]).query_ball_point(
            homes[members], chord, return_sorted=False
        )
        lengths = np.fromiter((len(r) for r in reach), dtype=np.int64, count=len(members))
        if not lengths.sum():
            continue
        owners = np.repeat(members, lengths)
        found = area_sites[np.fromiter(itertools.chain.from_iterable(reach), dtype=np.int64)]
        ok = admission.area_admits(rules=site_rules[found], territory=child["territory"][owners])
        met[np.unique(owners[ok])] = True
    unmet: np.ndarray = ~met
    return unmet


def _waiting_rows(scope: TerritoryScope = None) -> list[tuple[UUID | None, list[str], float]]:
    where, params = _scope_sql("c.territory_id", scope)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.territory_id, s.category_codes,
                   EXTRACT(EPOCH FROM (now() - e.requested_at)) / 86400.0
            FROM waitlists_waitlistentry e
            JOIN matching_case c ON c.id = e.case_id
            JOIN directory_service s ON s.id = e.service_id
            WHERE e.status IN ('waiting', 'offered') AND {where}
            ORDER BY e.id
            """,  # noqa: S608 - the condition is built from a fixed column name
            params,
        )
        return [(r[0], r[1], float(r[2])) for r in cursor.fetchall()]


def _rejected_rows(
    *, since: datetime, scope: TerritoryScope = None
) -> list[tuple[UUID | None, list[str]]]:
    where, params = _scope_sql("c.territory_id", scope)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT c.territory_id, s.category_codes
            FROM matching_referral r
            JOIN matching_case c ON c.id = r.case_id
            JOIN directory_service s ON s.id = r.service_id
            WHERE r.status = 'rejected' AND r.rejection_reason = 'no_capacity'
              AND r.responded_at >= %s AND {where}
            """,  # noqa: S608 - the condition is built from a fixed column name
            [since, *params],
        )
        return [(r[0], r[1]) for r in cursor.fetchall()]


def suppress_small(value: int | None, *, threshold: int = 5) -> str | int | None:
    """Counts below the threshold are shown as "<5": small numbers identify children."""
    if value is None:
        return None
    return f"<{threshold}" if 0 < value < threshold else value


def gap_cells_for(*, snapshot: GapSnapshot, category_code: str) -> Iterable[GapCell]:
    return snapshot.cells.filter(category__code=category_code).select_related("territory")


__all__ = [
    "GapPart",
    "TerritoryScope",
    "gap_cells_for",
    "gap_inventory_compute",
    "gap_inventory_finish",
    "gap_inventory_part",
    "gap_territory_chunks",
    "suppress_small",
    "territory_scope",
]
