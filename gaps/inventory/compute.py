"""The inventory's computation: a slice's part, the finish that stores the snapshot, both."""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from uuid import UUID

import numpy as np
from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from directory.models import TaxonomyTerm
from directory.selectors import eligibility_arrays, territory_lineage
from gaps.accessibility import (
    haversine_cost_matrix,
    two_step_fca,
    unit_vectors,
    zone_weights_thirds,
)
from gaps.equity import lorenz_curve, weighted_gini
from gaps.hotspots import hotspots
from gaps.inventory.parts import GapPart, Tally
from gaps.inventory.queries import (
    SiteRow,
    category_settings,
    demand_points,
    open_need_rows,
    rejected_rows,
    site_rows,
    term_ancestors,
    territory_tree,
    waiting_rows,
)
from gaps.inventory.scope import TerritoryScope, in_scope
from gaps.inventory.unmet import need_children, unmet_mask
from gaps.models import CategorySetting, GapCell, GapHotspot, GapSnapshot

DEFAULT_SETTING = CategorySetting(catchment_m=3000, enhanced=True, norm_slots_per_1000=10.0)
REJECTION_WINDOW_DAYS = 90


def gap_inventory_part(
    *, scope: TerritoryScope = None, progress: Callable[[str], None] | None = None
) -> GapPart:
    """The additive figures of the territories in ``scope`` (all when ``None``); no writes."""
    say = progress or (lambda _m: None)
    parents, _population = territory_tree()
    lineage = {t: territory_lineage(t, parents) for t in parents}
    lonlat, demand, point_territory = demand_points()
    in_part = [i for i, t in enumerate(point_territory) if in_scope(t, scope)]
    sites = site_rows()
    ancestors = term_ancestors()
    settings_by_code = category_settings()
    admission = eligibility_arrays(parents=parents)

    # Each row is filed once under every category it counts for (its code and ancestors),
    # instead of scanning every row once per category.
    needs = open_need_rows(scope)
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
    children = need_children(admission=admission, needs=needs)
    home_lonlat = np.array([(n[2], n[3]) for n in needs], dtype=float).reshape(-1, 2)
    home_vectors = unit_vectors(home_lonlat)
    territory_of_index = [*admission.territories(), None]
    sites_by_code: dict[str, list[SiteRow]] = defaultdict(list)
    for site in sites:
        for code in site[6] or []:
            sites_by_code[code].append(site)
    waits_by_code: dict[str, list[tuple[UUID | None, float]]] = defaultdict(list)
    for territory_id, codes, wait_days in waiting_rows(scope):
        for code in codes or []:
            waits_by_code[code].append((territory_id, wait_days))
    rejected_by_code: dict[str, list[UUID | None]] = defaultdict(list)
    since = timezone.now() - timedelta(days=REJECTION_WINDOW_DAYS)
    for territory_id, codes in rejected_rows(since=since, scope=scope):
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
            if in_scope(s[5], scope):
                for t in lineage.get(s[5], []) if s[5] else []:
                    tallies[(t, code)].slots += max(s[4], 0)
        # Cases with a need in the category (once each), and whether any eligible site is
        # within reach of their home.
        found = needs_by_code.get(code, np.zeros(0, dtype=np.int64))
        cases = found[np.unique(need_case[found], return_index=True)[1]]
        unmet = unmet_mask(
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
    _parents, population = territory_tree()
    settings_by_code = category_settings()
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    tallies: dict[tuple[UUID, str], Tally] = defaultdict(Tally)
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
