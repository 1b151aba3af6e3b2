"""Hotspots of unmet demand: dense clusters of points, and where a new service could go.

Input points are typically the home areas of children on a waiting list or without a reachable
service. Clusters are found with DBSCAN (Ester et al. 1996) on the sphere: a point is a *core*
point when at least ``min_samples`` points (itself included) lie within ``eps_m`` metres of it
(great-circle distance), clusters are the connected core points plus their border points, and
everything else is noise (scattered cases that do not justify a new site).

For each cluster two summary locations are reported:

* ``centroid``: the spherical mean of the members (mean of their 3-D unit vectors, projected
  back to the sphere), which is right even across the antimeridian; it is a summary only and may
  fall in a river, a park or a motorway.
* ``suggested_site``: the **medoid**, the member minimising the total great-circle distance to
  the other members (Kaufman & Rousseeuw 1990). Being an actual member it is a place where
  children do live, and it is the discrete solution of the 1-median problem (minimum total
  travel for the cluster), which is what a service site should minimise.

The medoid needs all pairwise distances (``O(k^2)``); for clusters larger than
:data:`MEDOID_SAMPLE_SIZE` it is computed within a deterministic random sample (fixed seed), so
the same input always gives the same site. ``radius_m`` always uses every member.

Sources
-------
* Ester, M., Kriegel, H.-P., Sander, J. & Xu, X. (1996). A density-based algorithm for
  discovering clusters in large spatial databases with noise. *KDD-96*, 226-231.
* Kaufman, L. & Rousseeuw, P. J. (1990). *Finding Groups in Data*, ch. 2 (medoids). Wiley.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.cluster import DBSCAN
from sklearn.metrics.pairwise import haversine_distances

from gaps.accessibility import EARTH_RADIUS_M, as_lonlat_array

__all__ = ["MEDOID_SAMPLE_SIZE", "Hotspot", "hotspots"]

#: Above this many members the medoid is searched within a sample of this size, which bounds
#: the pairwise-distance matrix at 2000 x 2000 floats (32 MB).
MEDOID_SAMPLE_SIZE = 2000

# Fixed so the suggested site of a large cluster does not change between runs.
_MEDOID_SAMPLE_SEED = 20_090_601

FloatArray: TypeAlias = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Hotspot:
    """One DBSCAN cluster of points. Coordinates in degrees, distances in metres."""

    #: DBSCAN cluster label; only meaningful within one call (it depends on input order).
    label: int
    #: Number of member points.
    size: int
    centroid_lon: float
    centroid_lat: float
    #: The medoid member (see module docstring): a candidate site for a new service.
    suggested_site_lon: float
    suggested_site_lat: float
    #: Largest great-circle distance from the suggested site to any member.
    radius_m: float


def hotspots(
    *, points_lonlat: ArrayLike, eps_m: float = 800, min_samples: int = 5
) -> list[Hotspot]:
    """Find dense clusters of ``points_lonlat`` with DBSCAN over great-circle distances.

    Args:
        points_lonlat: shape ``(n, 2)``, ``(longitude, latitude)`` in degrees.
        eps_m: neighbourhood radius in metres (DBSCAN ``eps``, inclusive), converted to radians
            as ``eps_m / EARTH_RADIUS_M`` for scikit-learn's haversine metric.
        min_samples: points (the point itself included) within ``eps_m`` needed for a core
            point; the smallest possible cluster has this many members.

    Returns:
        One :class:`Hotspot` per cluster, largest first (ties by label); noise points are not
        reported. An empty input gives ``[]``.

    DBSCAN materialises every point's ``eps`` neighbourhood, so memory grows with the number of
    neighbour pairs: thousands of points stacked within ``eps`` of each other cost
    ``O(k^2)`` memory (about 8 bytes per neighbour pair).
    """
    # numbers.Real admits numpy scalars but not strings, which float() would happily parse.
    is_number = isinstance(eps_m, numbers.Real) and not isinstance(eps_m, bool)
    eps = float(eps_m) if is_number else math.nan
    if not (math.isfinite(eps) and eps > 0):
        raise ValueError(f"eps_m must be a finite number of metres > 0, got {eps_m!r}")
    if isinstance(min_samples, bool) or not isinstance(min_samples, int | np.integer):
        raise ValueError(f"min_samples must be an integer, got {min_samples!r}")
    if min_samples < 1:
        raise ValueError(f"min_samples must be >= 1, got {min_samples}")
    points = as_lonlat_array("points_lonlat", points_lonlat)
    if len(points) == 0:
        return []

    labels = DBSCAN(
        eps=eps / EARTH_RADIUS_M,
        min_samples=int(min_samples),
        metric="haversine",
        algorithm="ball_tree",
    ).fit_predict(np.radians(points[:, ::-1]))  # haversine wants (lat, lon) radians

    found = [
        _summarise(label=int(label), members=np.flatnonzero(labels == label), points=points)
        for label in np.unique(labels)
        if label >= 0
    ]
    found.sort(key=lambda spot: (-spot.size, spot.label))
    return found


def _summarise(*, label: int, members: NDArray[np.intp], points: FloatArray) -> Hotspot:
    """Build the :class:`Hotspot` of one cluster; ``members`` index ``points`` (lon, lat)."""
    # sklearn's haversine metric expects (latitude, longitude) in radians.
    radians = np.radians(points[members][:, ::-1])
    centroid_lat, centroid_lon = _spherical_mean(radians)
    medoid = _medoid_index(radians)
    radius = haversine_distances(radians[medoid : medoid + 1], radians).max() * EARTH_RADIUS_M
    # The site is reported from the input degrees, not converted back from radians, so it is
    # bit-for-bit one of the given points.
    site_lon, site_lat = points[members[medoid]]
    return Hotspot(
        label=label,
        size=len(members),
        centroid_lon=centroid_lon,
        centroid_lat=centroid_lat,
        suggested_site_lon=float(site_lon),
        suggested_site_lat=float(site_lat),
        radius_m=float(radius),
    )


def _medoid_index(members: FloatArray) -> int:
    """Index (into ``members``) of the member with the least total distance to the others."""
    candidates = np.arange(len(members))
    if len(members) > MEDOID_SAMPLE_SIZE:
        rng = np.random.default_rng(_MEDOID_SAMPLE_SEED)
        candidates = np.sort(rng.choice(len(members), size=MEDOID_SAMPLE_SIZE, replace=False))
    sample = members[candidates]
    total = haversine_distances(sample).sum(axis=1)
    # argmin takes the first minimum, so ties resolve deterministically.
    return int(candidates[int(np.argmin(total))])


def _spherical_mean(members: FloatArray) -> tuple[float, float]:
    """Mean direction of (lat, lon) radians, as (lat, lon) degrees."""
    lat, lon = members[:, 0], members[:, 1]
    x = float(np.mean(np.cos(lat) * np.cos(lon)))
    y = float(np.mean(np.cos(lat) * np.sin(lon)))
    z = float(np.mean(np.sin(lat)))
    # The mean vector only vanishes for members spread over a hemisphere, impossible for a
    # neighbourhood-scale eps; atan2 would still return a finite (if arbitrary) point.
    return math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x))
