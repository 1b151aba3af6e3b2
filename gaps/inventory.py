"""The nightly gap inventory: one snapshot per day, per territory and category.

Demand: children, placed at points spread over each most specific territory
(``ST_GeneratePoints`` with a fixed seed, so a re-run gives the same points), each
carrying an equal share of the territory's child population. Supply: the slots of the
active services of the category at their sites. Accessibility per point comes from
``two_step_fca`` (enhanced with thirds when the category's setting says so); a
territory's figure is the population-weighted mean over its points, and parents
aggregate their children.

The snapshot is written in one transaction at the end: a job killed half-way leaves
the previous snapshot as it was, and a re-run for the same day replaces its snapshot.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

import numpy as np
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone
from sklearn.neighbors import BallTree

from directory.models import Eligibility, EligibilityCandidate, TaxonomyTerm
from directory.selectors import eligibility_service_areas
from gaps.accessibility import (
    EARTH_RADIUS_M,
    haversine_cost_matrix,
    two_step_fca,
    zone_weights_thirds,
)
from gaps.equity import lorenz_curve, weighted_gini
from gaps.hotspots import hotspots
from gaps.models import CategorySetting, GapCell, GapHotspot, GapSnapshot

POINTS_PER_TERRITORY = 20
DEFAULT_SETTING = CategorySetting(catchment_m=3000, enhanced=True, norm_slots_per_1000=10.0)
REJECTION_WINDOW_DAYS = 90


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


def _demand_points() -> tuple[np.ndarray, np.ndarray, list[UUID]]:
    """Points over the most specific territories, each with its share of the children."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH leaf AS (
                SELECT t.id, t.geometry, t.children_0_5 + t.children_6_11 + t.children_12_17 AS n
                FROM directory_territory t
                WHERE NOT EXISTS (SELECT 1 FROM directory_territory c WHERE c.parent_id = t.id)
            )
            SELECT leaf.id, leaf.n, ST_X(p.geom), ST_Y(p.geom)
            FROM leaf, LATERAL ST_Dump(ST_GeneratePoints(leaf.geometry, %s, 7)) AS p
            """,
            [POINTS_PER_TERRITORY],
        )
        rows = cursor.fetchall()
    lonlat = np.array([(r[2], r[3]) for r in rows], dtype=float).reshape(-1, 2)
    demand = np.array([r[1] / POINTS_PER_TERRITORY for r in rows], dtype=float)
    return lonlat, demand, [r[0] for r in rows]


def _sites() -> list[tuple[UUID, UUID, float, float, int, UUID, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT sas.id, s.id, ST_X(site.point::geometry), ST_Y(site.point::geometry),
                   sas.capacity, site.territory_id, s.category_codes
            FROM directory_serviceatsite sas
            JOIN directory_service s ON s.id = sas.service_id
            JOIN directory_site site ON site.id = sas.site_id
            WHERE s.status = 'active'
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


def _open_needs() -> list[tuple[UUID, UUID, float, float, str, int, str, str, bool]]:
    """(case, territory, lon, lat, need code, age, sex, risk, judicial order) per open need."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.id, c.territory_id, ST_X(c.home::geometry), ST_Y(c.home::geometry),
                   t.code, date_part('year', age(current_date, c.birth_date))::int,
                   c.sex, c.risk_level, c.has_judicial_order
            FROM matching_caseneed n
            JOIN matching_case c ON c.id = n.case_id
            JOIN directory_taxonomyterm t ON t.id = n.term_id
            WHERE c.status = 'open' AND n.status IN ('open', 'addressed')
            """
        )
        return [tuple(r) for r in cursor.fetchall()]


def gap_inventory_compute(
    *, day: date | None = None, progress: Callable[[str], None] | None = None
) -> GapSnapshot:
    """Compute and store the day's snapshot (replacing that day's earlier one)."""
    started = time.monotonic()
    day = day or timezone.localdate()
    say = progress or (lambda _m: None)
    parents, population = _territories()
    lonlat, demand, point_territory = _demand_points()
    sites = _sites()
    ancestors = _term_ancestors()
    needs = _open_needs()
    settings_by_code = {
        s.category.code: s for s in CategorySetting.objects.select_related("category")
    }
    eligibility = {e.service_id: e for e in Eligibility.objects.all()}
    areas = eligibility_service_areas()
    lineage = {t: _lineage(t, parents) for t in parents}

    waiting_rows = _waiting_rows()
    rejected_rows = _rejected_rows(since=timezone.now() - timedelta(days=REJECTION_WINDOW_DAYS))
    categories = list(TaxonomyTerm.objects.order_by("code"))
    tallies: dict[tuple[UUID, str], _Tally] = defaultdict(_Tally)
    equity: dict[str, dict[str, object]] = {}
    hotspot_rows: list[GapHotspot] = []
    snapshot = GapSnapshot(day=day)

    for index, category in enumerate(categories, start=1):
        code = category.code
        say(f"{index}/{len(categories)} {code}")
        setting = settings_by_code.get(code, DEFAULT_SETTING)
        catchment = float(setting.catchment_m)
        supply_rows = [s for s in sites if code in (s[6] or [])]
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
        for territory_id, a, d in zip(point_territory, access, demand, strict=True):
            leaf_access[territory_id].append(float(a))
            for t in lineage[territory_id]:
                tally = tallies[(t, code)]
                tally.children += d
                tally.access_weighted += d * float(a)
                tally.zero_children += d if a == 0 else 0.0
        for s in supply_rows:
            for t in lineage.get(s[5], []):
                tallies[(t, code)].slots += max(s[4], 0)
        # Cases with a need in the category, and whether any eligible site is within reach.
        category_needs = [n for n in needs if code in ancestors.get(n[4], [n[4]])]
        unmet_homes = _unmet_homes(
            needs=category_needs,
            supply_rows=supply_rows,
            catchment=catchment,
            eligibility=eligibility,
            areas=areas,
            lineage=lineage,
        )
        seen_cases: set[UUID] = set()
        for need in category_needs:
            if need[0] in seen_cases:
                continue
            seen_cases.add(need[0])
            for t in lineage.get(need[1], []):
                tallies[(t, code)].active_needs += 1
        for _case_id, territory_id, _lon, _lat in unmet_homes:
            for t in lineage.get(territory_id, []):
                tallies[(t, code)].unmet += 1
        for territory_id, codes, wait_days in waiting_rows:
            if code in (codes or []):
                for t in lineage.get(territory_id, []):
                    tallies[(t, code)].waits.append(wait_days)
        for territory_id, codes in rejected_rows:
            if code in (codes or []):
                for t in lineage.get(territory_id, []):
                    tallies[(t, code)].rejected += 1
        leaves = [t for t in leaf_access if population.get(t, 0) > 0]
        if leaves:
            values = np.array([np.mean(leaf_access[t]) for t in leaves])
            weights = np.array([population[t] for t in leaves], dtype=float)
            x, y = lorenz_curve(values=values, weights=weights)
            equity[code] = {
                "gini": round(weighted_gini(values=values, weights=weights), 4),
                "lorenz_x": [round(v, 4) for v in x.tolist()],
                "lorenz_y": [round(v, 4) for v in y.tolist()],
            }
        if unmet_homes:
            for spot in hotspots(points_lonlat=np.array([(h[2], h[3]) for h in unmet_homes])):
                hotspot_rows.append(
                    GapHotspot(
                        category=category,
                        size=spot.size,
                        centroid=Point(spot.centroid_lon, spot.centroid_lat, srid=4326),
                        suggested_site=Point(
                            spot.suggested_site_lon, spot.suggested_site_lat, srid=4326
                        ),
                        radius_m=spot.radius_m,
                    )
                )

    terms = {t.code: t for t in categories}
    cells = []
    for (territory_id, code), tally in tallies.items():
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
    snapshot.equity = equity
    snapshot.seconds = round(time.monotonic() - started, 2)
    say("saving")
    return _save(snapshot=snapshot, cells=cells, hotspots=hotspot_rows)


@transaction.atomic
def _save(
    *, snapshot: GapSnapshot, cells: list[GapCell], hotspots: list[GapHotspot]
) -> GapSnapshot:
    GapSnapshot.objects.filter(day=snapshot.day).delete()
    snapshot.save()
    for cell in cells:
        cell.snapshot = snapshot
    for spot in hotspots:
        spot.snapshot = snapshot
    GapCell.objects.bulk_create(cells, batch_size=5000)
    GapHotspot.objects.bulk_create(hotspots)
    return snapshot


def _unmet_homes(
    *,
    needs: list[tuple[UUID, UUID, float, float, str, int, str, str, bool]],
    supply_rows: list[tuple[UUID, UUID, float, float, int, UUID, list[str]]],
    catchment: float,
    eligibility: dict[UUID, Eligibility],
    areas: dict[int, set[UUID]],
    lineage: dict[UUID, list[UUID]],
) -> list[tuple[UUID, UUID, float, float]]:
    """Homes of cases whose need in the category has no eligible site within reach."""
    unique = {n[0]: n for n in needs}
    if not unique:
        return []
    rows = list(unique.values())
    if not supply_rows:
        return [(n[0], n[1], n[2], n[3]) for n in rows]
    tree = BallTree(np.radians([(s[3], s[2]) for s in supply_rows]), metric="haversine")
    homes = np.radians([(n[3], n[2]) for n in rows])
    reachable = tree.query_radius(homes, r=catchment / EARTH_RADIUS_M)
    unmet = []
    for need, site_indexes in zip(rows, reachable, strict=True):
        candidate = EligibilityCandidate(
            age_years=need[5],
            sex=need[6],
            risk_level=need[7],
            territory_ids=frozenset(lineage.get(need[1], [])),
            has_judicial_order=need[8],
        )
        if not any(
            _admits(eligibility.get(supply_rows[i][1]), candidate, areas) for i in site_indexes
        ):
            unmet.append((need[0], need[1], need[2], need[3]))
    return unmet


def _admits(
    rules: Eligibility | None, candidate: EligibilityCandidate, areas: dict[int, set[UUID]]
) -> bool:
    if rules is None:
        return True
    return not rules.failures_for(candidate, service_area_ids=areas.get(rules.pk, set()))


def _waiting_rows() -> list[tuple[UUID, list[str], float]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.territory_id, s.category_codes,
                   EXTRACT(EPOCH FROM (now() - e.requested_at)) / 86400.0
            FROM waitlists_waitlistentry e
            JOIN matching_case c ON c.id = e.case_id
            JOIN directory_service s ON s.id = e.service_id
            WHERE e.status IN ('waiting', 'offered')
            """
        )
        return [(r[0], r[1], float(r[2])) for r in cursor.fetchall()]


def _rejected_rows(*, since: datetime) -> list[tuple[UUID, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.territory_id, s.category_codes
            FROM matching_referral r
            JOIN matching_case c ON c.id = r.case_id
            JOIN directory_service s ON s.id = r.service_id
            WHERE r.status = 'rejected' AND r.rejection_reason = 'no_capacity'
              AND r.responded_at >= %s
            """,
            [since],
        )
        return [(r[0], r[1]) for r in cursor.fetchall()]


def suppress_small(value: int | None, *, threshold: int = 5) -> str | int | None:
    """Counts below the threshold are shown as "<5": small numbers identify children."""
    if value is None:
        return None
    return f"<{threshold}" if 0 < value < threshold else value


def gap_cells_for(*, snapshot: GapSnapshot, category_code: str) -> Iterable[GapCell]:
    return snapshot.cells.filter(category__code=category_code).select_related("territory")
