"""The gaps app's part of the demo: its nightly figures, computed once on the demo's data.

The gap inventory, the network indicators and the management reports of the past
quarters are otherwise made by the night and the first day of a quarter; ``demo/``
runs them after the cases so the coordinator's and planner's pages show figures on
the first visit rather than the morning after.

``demo_gaps_history`` adds the inventory of every past day of the demo's year, as
the nightly job would have left it: from today's snapshot, going back, with what the
records say of each day (who waited and how long, whose need was still active, which
referrals were turned away for lack of slots) and the sites' capacity as it was
(``demo.history`` drew which sites grew, and when). Accessibility follows the slots;
the rest of today's computation (catchments, unmet cases) is scaled, not redone.
"""

from __future__ import annotations

import random
import statistics
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from uuid import UUID

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from directory.selectors import territory_lineage
from gaps.equity import weighted_gini
from gaps.inventory import gap_inventory_compute
from gaps.inventory.compute import DEFAULT_SETTING, REJECTION_WINDOW_DAYS
from gaps.inventory.queries import category_settings, term_ancestors, territory_tree
from gaps.models import GapCell, GapSnapshot
from gaps.services import management_report_take, network_snapshot_take, quarter_last_completed

#: Quarters of management reports the demo starts with (a year's).
REPORT_QUARTERS = 4


@dataclass(frozen=True)
class DemoGapsSummary:
    day: date  # of the gap inventory
    cells: int
    network_end: date
    report_start: date
    report_end: date


def demo_gaps_load(*, today: date) -> DemoGapsSummary:
    """Take the gap inventory, the network snapshot and the last quarters' reports."""
    gaps = gap_inventory_compute()
    cells = gaps.cells.count()
    network = network_snapshot_take(day=today)
    last_start, last_end = quarter_last_completed(today=today)
    end = last_end
    for _quarter in range(REPORT_QUARTERS):
        start, end = quarter_last_completed(today=end + timedelta(days=1))
        management_report_take(start=start, end=end)
        end = start - timedelta(days=1)
    return DemoGapsSummary(
        day=gaps.day,
        cells=cells,
        network_end=network.end,
        report_start=last_start,
        report_end=last_end,
    )


def _ends(*, first: date, days: int) -> list[datetime]:
    """The end of each day (local midnight after it), as aware datetimes."""
    zone = timezone.get_default_timezone()
    return [
        timezone.make_aware(datetime.combine(first + timedelta(days=k + 1), time.min), zone)
        for k in range(days)
    ]


def _need_spans() -> list[tuple[UUID, str, datetime, datetime | None]]:
    """(home territory, need code, since, until) of every need of an open case.

    A need met or no longer needed ended when its last referral closed.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.territory_id, t.code, c.requested_at,
                   CASE WHEN n.status IN ('met', 'dropped') THEN ended.at END
            FROM matching_caseneed n
            JOIN matching_case c ON c.id = n.case_id
            JOIN directory_taxonomyterm t ON t.id = n.term_id
            LEFT JOIN (
                SELECT need_id, max(closed_at) AS at FROM matching_referral
                WHERE closed_at IS NOT NULL AND need_id IS NOT NULL GROUP BY need_id
            ) ended ON ended.need_id = n.id
            WHERE c.status = 'open'
              AND (n.status IN ('open', 'addressed') OR ended.at IS NOT NULL)
            """
        )
        return list(cursor.fetchall())


def _waits(*, first: date, last: date) -> list[tuple[int, UUID, list[str], float]]:
    """(day index, home territory, the service's categories, days waited) per child waiting."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH days AS (
                SELECT row_number() OVER (ORDER BY d) - 1 AS k,
                       ((d::date + 1)::timestamp AT TIME ZONE %(tz)s) AS day_end
                FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') d
            )
            SELECT days.k, c.territory_id, s.category_codes,
                   EXTRACT(EPOCH FROM days.day_end - e.requested_at) / 86400.0
            FROM days
            JOIN waitlists_waitlistentry e ON e.requested_at < days.day_end
             AND (e.closed_at IS NULL OR e.closed_at >= days.day_end)
            JOIN matching_case c ON c.id = e.case_id
            JOIN directory_service s ON s.id = e.service_id
            """,
            {"tz": settings.TIME_ZONE, "first": first, "last": last},
        )
        return [(int(k), t, codes or [], float(w)) for k, t, codes, w in cursor.fetchall()]


def _rejections() -> list[tuple[datetime, UUID, list[str]]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT r.responded_at, c.territory_id, s.category_codes
            FROM matching_referral r
            JOIN matching_case c ON c.id = r.case_id
            JOIN directory_service s ON s.id = r.service_id
            WHERE r.status = 'rejected' AND r.rejection_reason = 'no_capacity'
              AND r.responded_at IS NOT NULL
            """
        )
        return [(at, t, codes or []) for at, t, codes in cursor.fetchall()]


def _site_changes(
    capacity_before: Mapping[UUID, tuple[datetime, int]],
) -> list[tuple[datetime, UUID, list[str], int]]:
    """(since, site territory, categories, slots added then) of the sites that grew."""
    if not capacity_before:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT sas.id, sas.capacity, site.territory_id, s.category_codes
            FROM directory_serviceatsite sas
            JOIN directory_service s ON s.id = sas.service_id
            JOIN directory_site site ON site.id = sas.site_id
            WHERE sas.id = ANY(%s) AND s.status = 'active'
            """,
            [list(capacity_before)],
        )
        rows = cursor.fetchall()
    return [
        (capacity_before[pk][0], territory, codes or [], capacity - capacity_before[pk][1])
        for pk, capacity, territory, codes in rows
        if territory is not None and capacity > capacity_before[pk][1]
    ]


@transaction.atomic
def demo_gaps_history(
    *,
    today: date,
    days: int,
    seed: int,
    capacity_before: Mapping[UUID, tuple[datetime, int]],
) -> int:
    """The inventory of each of the ``days`` - 1 days before ``today``; how many were stored.

    Needs today's snapshot (``demo_gaps_load``); each past day's replaces any stored.
    """
    latest = GapSnapshot.objects.filter(day=today).first()
    if latest is None or days <= 1:
        return 0
    rng = random.Random(f"{seed}-gaps")
    first, last = today - timedelta(days=days - 1), today - timedelta(days=1)
    count = (last - first).days + 1
    ends = _ends(first=first, days=count)
    parents, population = territory_tree()
    lineage = {t: territory_lineage(t, parents) for t in parents}
    ancestors = term_ancestors()
    settings_by_code = category_settings()
    cells = list(latest.cells.select_related("category"))
    leaves = {t for t in parents if t not in set(parents.values())}

    def spread(territory: UUID | None, codes: list[str]) -> list[tuple[UUID, str]]:
        if territory is None:
            return []
        chain = {a for c in codes for a in ancestors.get(c, [c])}
        return [(t, c) for t in lineage.get(territory, []) for c in chain]

    # Slots taken away going back: a site that grew had fewer before.
    removed_by: dict[tuple[UUID, str], np.ndarray] = defaultdict(lambda: np.zeros(count))
    for since, territory, codes, added in _site_changes(capacity_before):
        before = np.array([end <= since for end in ends], dtype=float) * added
        for key in spread(territory, codes):
            removed_by[key] += before
    # Active needs, from the records (a need counts from its case's request until it was
    # met); today's figure stays exactly the stored one.
    stamps = np.array([end.timestamp() for end in [*ends, _ends(first=today, days=1)[0]]])
    active: dict[tuple[UUID, str], np.ndarray] = defaultdict(lambda: np.zeros(count + 1))
    for territory, code, since, met in _need_spans():
        on = (stamps > since.timestamp()) & (True if met is None else stamps <= met.timestamp())
        if on.any():
            for key in spread(territory, [code]):
                active[key] += on
    waits: dict[tuple[UUID, str], list[list[float]]] = defaultdict(
        lambda: [[] for _ in range(count)]
    )
    for k, territory, codes, wait in _waits(first=first, last=last):
        for key in spread(territory, codes):
            waits[key][k].append(wait)
    rejected: dict[tuple[UUID, str], np.ndarray] = defaultdict(lambda: np.zeros(count))
    window = timedelta(days=REJECTION_WINDOW_DAYS)
    for at, territory, codes in _rejections():
        inside = np.array([end - window <= at < end for end in ends], dtype=float)
        if inside.any():
            for key in spread(territory, codes):
                rejected[key] += inside

    # Accessibility follows the slots of the territory and, as catchments cross borders,
    # those of the whole map in the category.
    totals: dict[str, float] = defaultdict(float)
    totals_gone: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(count))
    for cell in cells:
        if cell.territory_id in leaves:
            totals[cell.category.code] += cell.slots
            gone = removed_by.get((cell.territory_id, cell.category.code))
            if gone is not None:
                totals_gone[cell.category.code] += gone
    snapshots = [
        GapSnapshot(
            day=first + timedelta(days=k),
            computed_at=ends[k] + timedelta(hours=3, minutes=rng.randint(0, 20)),
            seconds=round(latest.seconds * rng.uniform(0.85, 1.15), 2),
        )
        for k in range(count)
    ]
    rows: list[list[GapCell]] = [[] for _ in range(count)]
    leaf_access: dict[str, list[tuple[float, float, np.ndarray]]] = defaultdict(list)
    for cell in cells:
        key = (cell.territory_id, cell.category.code)
        code = cell.category.code
        setting = settings_by_code.get(code, DEFAULT_SETTING)
        gone = removed_by.get(key, np.zeros(count))
        slots = np.maximum(cell.slots - gone, 0)
        whole = (
            (totals[code] - totals_gone[code]) / totals[code] if totals[code] else np.ones(count)
        )
        own = slots / cell.slots if cell.slots else np.ones(count)
        ratio = 0.5 * own + 0.5 * whole
        needs = active.get(key, np.zeros(count + 1))
        needs_days = np.maximum(cell.active_needs + needs[:count] - needs[count], 0)
        share = cell.unmet_cases / cell.active_needs if cell.active_needs else 0.0
        if cell.territory_id in leaves and population.get(cell.territory_id, 0) > 0:
            leaf_access[code].append(
                (float(population[cell.territory_id]), cell.accessibility, ratio)
            )
        for k in range(count):
            waited = waits[key][k] if key in waits else []
            n_slots = round(float(slots[k]))
            rows[k].append(
                GapCell(
                    territory_id=cell.territory_id,
                    category=cell.category,
                    children=cell.children,
                    active_needs=int(needs_days[k]),
                    slots=n_slots,
                    accessibility=cell.accessibility * float(ratio[k]),
                    zero_access_share=min(
                        1.0, cell.zero_access_share * (1 + 0.8 * (1 - float(ratio[k])))
                    ),
                    shortfall_slots=max(
                        0.0, setting.norm_slots_per_1000 * cell.children / 1000.0 - n_slots
                    ),
                    unmet_cases=min(int(needs_days[k]), round(share * needs_days[k])),
                    waiting=len(waited),
                    waitlist_pressure=len(waited) / n_slots if n_slots else None,
                    median_wait_days=round(statistics.median(waited), 1) if waited else None,
                    rejected_no_capacity=int(rejected[key][k]) if key in rejected else 0,
                )
            )
    today_equity = latest.equity or {}
    for code, leaves_access in leaf_access.items():
        if code not in today_equity:
            continue
        # The Gini of today's stored snapshot comes from finer figures than the cells':
        # the past follows the change of the cells' one.
        weights = np.array([w for w, _a, _r in leaves_access])
        base_values = np.array([a for _w, a, _r in leaves_access])
        values = np.array([a * r for _w, a, r in leaves_access])  # leaves x days
        base = _gini(values=base_values, weights=weights)
        for k, snapshot in enumerate(snapshots):
            gini = _gini(values=values[:, k], weights=weights)
            past = today_equity[code]["gini"] + (gini - base)
            snapshot.equity[code] = {"gini": round(min(max(past, 0.0), 1.0), 4)}
    GapSnapshot.objects.filter(day__gte=first, day__lte=last).delete()
    GapSnapshot.objects.bulk_create(snapshots)
    for snapshot, day_rows in zip(snapshots, rows, strict=True):
        for row in day_rows:
            row.snapshot = snapshot
    _cells_insert([row for day_rows in rows for row in day_rows])
    return len(snapshots)


_CELL_COLUMNS = (
    ("snapshot_id", "bigint"),
    ("territory_id", "uuid"),
    ("category_id", "uuid"),
    ("children", "int"),
    ("active_needs", "int"),
    ("slots", "int"),
    ("accessibility", "float8"),
    ("zero_access_share", "float8"),
    ("shortfall_slots", "float8"),
    ("unmet_cases", "int"),
    ("waiting", "int"),
    ("waitlist_pressure", "float8"),
    ("median_wait_days", "float8"),
    ("rejected_no_capacity", "int"),
)


def _cells_insert(cells: list[GapCell], chunk: int = 20_000) -> None:
    """Many cells in a few INSERT … SELECT FROM unnest(…): a year of them in a second."""
    names = ", ".join(name for name, _kind in _CELL_COLUMNS)
    arrays = ", ".join(f"%s::{kind}[]" for _name, kind in _CELL_COLUMNS)
    table = GapCell._meta.db_table
    sql = f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608 - fixed names
    with connection.cursor() as cursor:
        for lo in range(0, len(cells), chunk):
            part = cells[lo : lo + chunk]
            cursor.execute(sql, [[getattr(c, name) for c in part] for name, _kind in _CELL_COLUMNS])


def _gini(*, values: np.ndarray, weights: np.ndarray) -> float:
    if not len(values) or float(np.sum(values)) <= 0:
        return 0.0
    return float(weighted_gini(values=values, weights=weights))
