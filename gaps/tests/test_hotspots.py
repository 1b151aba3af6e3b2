"""Tests for DBSCAN hotspots of unmet demand and their suggested sites (no database)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gaps.accessibility import EARTH_RADIUS_M
from gaps.hotspots import MEDOID_SAMPLE_SIZE, Hotspot, hotspots

#: Metres per degree of latitude on the haversine sphere (R * pi / 180 = 111 195.08 m).
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180


def blob(rng, *, lon, lat, size, spread_m):
    """``size`` points uniformly within +- spread_m of (lon, lat)."""
    offsets = rng.uniform(-spread_m, spread_m, size=(size, 2)) / METRES_PER_DEGREE
    offsets[:, 0] /= math.cos(math.radians(lat))
    return np.column_stack([lon + offsets[:, 0], lat + offsets[:, 1]])


def test_two_separated_clusters_are_found_with_their_sizes_and_noise_is_left_out():
    rng = np.random.default_rng(7)
    # Bogotá: a 30-point and a 12-point blob ~ 12 km apart, each within +-150 m (< 800 m eps),
    # plus 4 isolated points several km from everything.
    big = blob(rng, lon=-74.08, lat=4.60, size=30, spread_m=150)
    small = blob(rng, lon=-74.03, lat=4.70, size=12, spread_m=150)
    noise = np.array([[-74.20, 4.50], [-74.00, 4.50], [-74.20, 4.80], [-73.95, 4.85]])
    points = np.vstack([noise[:2], small, big, noise[2:]])

    found = hotspots(points_lonlat=points, eps_m=800, min_samples=5)

    assert [spot.size for spot in found] == [30, 12]
    assert found[0].centroid_lon == pytest.approx(-74.08, abs=0.002)
    assert found[0].centroid_lat == pytest.approx(4.60, abs=0.002)
    assert found[1].centroid_lon == pytest.approx(-74.03, abs=0.002)
    assert found[1].centroid_lat == pytest.approx(4.70, abs=0.002)
    # Every member is within +-150 m on each axis, so within 150 * sqrt(2) * 2 of the site.
    assert all(0 < spot.radius_m < 2 * 150 * math.sqrt(2) for spot in found)
    assert len({spot.label for spot in found}) == 2


def test_the_suggested_site_is_one_of_the_input_points():
    rng = np.random.default_rng(11)
    points = np.vstack(
        [
            blob(rng, lon=-58.40, lat=-34.60, size=25, spread_m=300),
            blob(rng, lon=-58.30, lat=-34.65, size=9, spread_m=300),
        ]
    )
    members = {tuple(point) for point in points.tolist()}

    found = hotspots(points_lonlat=points, eps_m=800, min_samples=5)

    assert len(found) == 2
    for spot in found:
        assert (spot.suggested_site_lon, spot.suggested_site_lat) in members


def test_the_suggested_site_is_the_medoid_not_the_centroid():
    # Seven homes along a meridian at 0, 50, 100, 150, 200, 250 and 700 m (the last is 450 m
    # from its neighbour, within eps, so in the cluster). Along a line the total distance is
    # minimised by the median member, 150 m:
    #   from 150 m: 150 + 100 + 50 + 0 + 50 + 100 + 550 = 1000
    #   from 100 m or 200 m: 1050 each.
    # The centroid is pulled north by the outlier: (0+50+100+150+200+250+700) / 7 = 1450/7
    # = 207.1 m, which is not a member.
    offsets_m = np.array([0, 50, 100, 150, 200, 250, 700])
    points = np.column_stack(
        [np.full(len(offsets_m), -70.65), -33.45 + offsets_m / METRES_PER_DEGREE]
    )

    (spot,) = hotspots(points_lonlat=points, eps_m=800, min_samples=3)

    assert spot.size == 7
    assert spot.suggested_site_lat == points[3, 1]  # the median, 150 m
    assert spot.suggested_site_lon == -70.65
    centroid_offset_m = (spot.centroid_lat + 33.45) * METRES_PER_DEGREE
    assert centroid_offset_m == pytest.approx(1450 / 7, abs=0.5)
    # radius: from 150 m to the farthest member at 700 m.
    assert spot.radius_m == pytest.approx(550, abs=1e-6)


def test_a_cluster_larger_than_the_medoid_sample_gets_a_deterministic_member_site():
    rng = np.random.default_rng(3)
    points = blob(rng, lon=-99.13, lat=19.43, size=MEDOID_SAMPLE_SIZE + 100, spread_m=200)
    members = {tuple(point) for point in points.tolist()}

    first = hotspots(points_lonlat=points, eps_m=800, min_samples=5)
    second = hotspots(points_lonlat=points, eps_m=800, min_samples=5)

    assert first == second
    (spot,) = first
    assert spot.size == MEDOID_SAMPLE_SIZE + 100
    assert (spot.suggested_site_lon, spot.suggested_site_lat) in members
    # A sample medoid of a uniform square should still sit near its middle.
    assert spot.suggested_site_lon == pytest.approx(-99.13, abs=60 / METRES_PER_DEGREE)
    assert spot.suggested_site_lat == pytest.approx(19.43, abs=60 / METRES_PER_DEGREE)


def test_a_cluster_straddling_the_antimeridian_has_its_centroid_on_the_antimeridian():
    points = np.array([[179.9995, -16.5], [-179.9995, -16.5], [179.9990, -16.5]])
    (spot,) = hotspots(points_lonlat=points, eps_m=300, min_samples=3)
    # A naive mean of longitudes would put it near 60 degrees east, on the other side of Earth.
    assert abs(spot.centroid_lon) == pytest.approx(180, abs=0.001)


def test_empty_input_has_no_hotspots():
    assert hotspots(points_lonlat=np.empty((0, 2))) == []
    assert hotspots(points_lonlat=[]) == []


def test_only_noise_has_no_hotspots():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1]])
    assert hotspots(points_lonlat=points, eps_m=800, min_samples=2) == []


def test_hotspots_are_frozen_values():
    spot = Hotspot(
        label=0,
        size=5,
        centroid_lon=0.0,
        centroid_lat=0.0,
        suggested_site_lon=0.0,
        suggested_site_lat=0.0,
        radius_m=1.0,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        spot.size = 6


@pytest.mark.parametrize("eps_m", [0, -10, math.nan, math.inf, True, "800"])
def test_eps_must_be_a_positive_finite_number_of_metres(eps_m):
    with pytest.raises(ValueError, match="eps_m must be a finite number of metres > 0"):
        hotspots(points_lonlat=np.array([[0.0, 0.0]]), eps_m=eps_m)


@pytest.mark.parametrize("min_samples", [0, -1, 2.5, True])
def test_min_samples_must_be_a_positive_integer(min_samples):
    with pytest.raises(ValueError, match="min_samples must be"):
        hotspots(points_lonlat=np.array([[0.0, 0.0]]), min_samples=min_samples)


def test_points_must_be_lon_lat_pairs():
    with pytest.raises(ValueError, match="points_lonlat has latitudes outside"):
        hotspots(points_lonlat=np.array([[4.6, -100.0]]))
    with pytest.raises(ValueError, match="points_lonlat must have shape"):
        hotspots(points_lonlat=np.array([1.0, 2.0, 3.0]))
