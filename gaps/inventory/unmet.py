"""Cases with no eligible site of a category within reach of their home."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

from directory.selectors import EligibilityArrays
from gaps.accessibility import EARTH_RADIUS_M, unit_vectors
from gaps.inventory.queries import NeedRow, SiteRow

# Unmet cases: most homes have an eligible site among their nearest few, so the nearest
# ones are checked first and only homes whose every nearby site refuses them pay for the
# full search of the catchment.
NEAREST_SITES_FIRST = 8


def need_children(
    *, admission: EligibilityArrays, needs: Sequence[NeedRow]
) -> dict[str, np.ndarray]:
    """The child of each open need as the eligibility arrays read it."""
    return admission.children(
        ages=[n[5] for n in needs],
        sexes=[n[6] for n in needs],
        risk_levels=[n[7] for n in needs],
        territory_ids=[n[1] for n in needs],
        judicial_orders=[n[8] for n in needs],
    )


def unmet_mask(
    *,
    homes: np.ndarray,
    child: dict[str, np.ndarray],
    supply_rows: list[SiteRow],
    catchment: float,
    admission: EligibilityArrays,
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
