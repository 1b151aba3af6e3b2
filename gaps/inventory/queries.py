"""The rows the inventory reads: territories, demand points, sites, needs, waits, rejections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import numpy as np
from django.db import connection

from directory.models import TaxonomyTerm
from gaps.inventory.scope import TerritoryScope, scope_sql
from gaps.models import CategorySetting, GapCell, GapSnapshot

# Demand points per most specific territory: one per DEMAND_POINT_M2 of its area, between
# 1 and POINTS_PER_TERRITORY. A 500 m spacing resolves a catchment of kilometres; a fixed
# 20 per territory put 6,000 points in a 13 x 12 km comuna of 300 sectors, and every
# point pairs with every site within its catchment: 225 million pairs a night.
POINTS_PER_TERRITORY = 20
DEMAND_POINT_M2 = 250_000.0
NeedRow = tuple[UUID, UUID | None, float, float, str, int, str, str, bool]
SiteRow = tuple[UUID, UUID, float, float, int, UUID | None, list[str]]


def territory_tree() -> tuple[dict[UUID, UUID | None], dict[UUID, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, parent_id, children_0_5 + children_6_11 + children_12_17 "
            "FROM directory_territory"
        )
        rows = cursor.fetchall()
    return {r[0]: r[1] for r in rows}, {r[0]: int(r[2]) for r in rows}


def demand_points() -> tuple[np.ndarray, np.ndarray, list[UUID]]:
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


def site_rows() -> list[SiteRow]:
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


def term_ancestors() -> dict[str, list[str]]:
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


def open_need_rows(scope: TerritoryScope) -> list[NeedRow]:
    """(case, territory, lon, lat, need code, age, sex, risk, judicial order) per open need."""
    where, params = scope_sql("c.territory_id", scope)
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


def category_settings() -> dict[str, CategorySetting]:
    return {s.category.code: s for s in CategorySetting.objects.select_related("category")}


def waiting_rows(scope: TerritoryScope = None) -> list[tuple[UUID | None, list[str], float]]:
    where, params = scope_sql("c.territory_id", scope)
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


def rejected_rows(
    *, since: datetime, scope: TerritoryScope = None
) -> list[tuple[UUID | None, list[str]]]:
    where, params = scope_sql("c.territory_id", scope)
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


def gap_cells_for(*, snapshot: GapSnapshot, category_code: str) -> Iterable[GapCell]:
    return snapshot.cells.filter(category__code=category_code).select_related("territory")
