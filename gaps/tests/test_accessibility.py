"""Hand-computed and property tests for the 2SFCA / E2SFCA core (no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gaps.accessibility import (
    EARTH_RADIUS_M,
    haversine_cost_matrix,
    supply_demand_ratios,
    two_step_fca,
    zone_weights_thirds,
)


def costs(n, m, pairs):
    """CSR cost matrix from {(i, j): metres}, keeping explicit zeros as stored entries."""
    rows = np.array([i for i, _ in pairs], dtype=np.int64)
    cols = np.array([j for _, j in pairs], dtype=np.int64)
    data = np.array(list(pairs.values()), dtype=np.float64)
    return sp.csr_matrix((data, (rows, cols)), shape=(n, m))


def reference_fca(demand, supply, pairs, catchment, zones=None):
    """Literal double loop over the formulas, to check the vectorised version against."""

    def weight(d):
        if d > catchment:
            return 0.0
        if zones is None:
            return 1.0
        for bound, w in zones:
            if d <= bound:
                return w
        return 0.0

    ratios = []
    for j, s in enumerate(supply):
        weighted = sum(demand[i] * weight(d) for (i, jj), d in pairs.items() if jj == j)
        ratios.append(s / weighted if weighted > 0 else 0.0)
    access = [
        sum(ratios[j] * weight(d) for (ii, j), d in pairs.items() if ii == i)
        for i in range(len(demand))
    ]
    return np.array(ratios), np.array(access)


# --- plain 2SFCA, by hand ---------------------------------------------------------------------


def test_two_demand_points_sharing_two_services_get_the_hand_computed_accessibility():
    # D = [100, 50], S = [10, 6], catchment 1000 m.
    # Reachable pairs: (0,0)=200, (0,1)=800, (1,1)=300; (1,0)=1500 is beyond the catchment.
    # R_0 = 10 / 100        = 0.10
    # R_1 = 6 / (100 + 50)  = 0.04
    # A_0 = R_0 + R_1 = 0.14 ; A_1 = R_1 = 0.04
    cost = costs(2, 2, {(0, 0): 200, (0, 1): 800, (1, 1): 300, (1, 0): 1500})
    kwargs = {"demand": np.array([100, 50]), "supply": np.array([10, 6]), "cost": cost}

    ratios = supply_demand_ratios(**kwargs, catchment=1000)
    access = two_step_fca(**kwargs, catchment=1000)

    np.testing.assert_allclose(ratios, [0.10, 0.04])
    np.testing.assert_allclose(access, [0.14, 0.04])
    # 100 * 0.14 + 50 * 0.04 = 16 = 10 + 6: all supply is handed out exactly once.
    assert np.dot([100, 50], access) == pytest.approx(16)


def test_a_pair_exactly_at_the_catchment_distance_is_reachable():
    # Single pair at d = catchment: R = 4 / 8 = 0.5, A = 0.5.
    cost = costs(1, 1, {(0, 0): 1000.0})
    access = two_step_fca(demand=np.array([8]), supply=np.array([4]), cost=cost, catchment=1000)
    np.testing.assert_allclose(access, [0.5])


def test_a_supply_no_demand_reaches_has_ratio_zero():
    # D = [10, 10], S = [5, 7, 9]; supply 1 is stored but beyond catchment, supply 2 not stored.
    # R_0 = 5 / (10 + 10) = 0.25 ; R_1 = R_2 = 0 ; A_0 = A_1 = 0.25.
    cost = costs(2, 3, {(0, 0): 100, (1, 0): 200, (1, 1): 5000})
    kwargs = {"demand": np.array([10, 10]), "supply": np.array([5, 7, 9]), "cost": cost}

    np.testing.assert_allclose(supply_demand_ratios(**kwargs, catchment=1000), [0.25, 0, 0])
    np.testing.assert_allclose(two_step_fca(**kwargs, catchment=1000), [0.25, 0.25])


def test_a_demand_point_that_reaches_nothing_has_accessibility_zero():
    cost = costs(2, 1, {(0, 0): 100})
    access = two_step_fca(demand=np.array([1, 1]), supply=np.array([3]), cost=cost, catchment=500)
    np.testing.assert_allclose(access, [3.0, 0.0])


@pytest.mark.parametrize(
    "to_sparse",
    [sp.csr_matrix, sp.csr_array, sp.csc_matrix, sp.coo_array, sp.coo_matrix],
    ids=["csr_matrix", "csr_array", "csc_matrix", "coo_array", "coo_matrix"],
)
def test_an_explicitly_stored_zero_cost_is_a_reachable_pair_at_distance_zero(to_sparse):
    # D = [40, 60], S = [8]; (0,0) is an explicit 0 (same block), (1,0) = 500 m.
    # R_0 = 8 / (40 + 60) = 0.08 ; A = [0.08, 0.08].
    # Were the zero read as "absent": R_0 = 8/60 and A_0 = 0.
    cost = to_sparse(costs(2, 1, {(0, 0): 0.0, (1, 0): 500.0}))
    assert cost.nnz == 2

    access = two_step_fca(demand=np.array([40, 60]), supply=np.array([8]), cost=cost, catchment=1)
    access_wide = two_step_fca(
        demand=np.array([40, 60]), supply=np.array([8]), cost=cost, catchment=1000
    )

    # catchment 1 m: only the zero-distance pair. R_0 = 8 / 40 = 0.2 ; A = [0.2, 0].
    np.testing.assert_allclose(access, [0.2, 0.0])
    np.testing.assert_allclose(access_wide, [0.08, 0.08])


def test_a_demand_point_with_zero_population_still_gets_accessibility():
    # D = [0, 100], S = [5], both reach it. R_0 = 5 / (0 + 100) = 0.05 ; A = [0.05, 0.05]:
    # an empty block next to a service is still well served for a child who moves there.
    cost = costs(2, 1, {(0, 0): 200, (1, 0): 400})
    access = two_step_fca(demand=np.array([0, 100]), supply=np.array([5]), cost=cost, catchment=500)
    np.testing.assert_allclose(access, [0.05, 0.05])


def test_a_supply_reached_only_by_zero_population_has_ratio_zero_rather_than_infinity():
    # R_0 = 5 / 0 is undefined; it is reported as 0 so every output stays finite.
    cost = costs(1, 1, {(0, 0): 10})
    kwargs = {"demand": np.array([0.0]), "supply": np.array([5.0]), "cost": cost, "catchment": 50}
    np.testing.assert_array_equal(supply_demand_ratios(**kwargs), [0.0])
    np.testing.assert_array_equal(two_step_fca(**kwargs), [0.0])


def test_an_infinite_cost_behaves_as_unreachable():
    cost = costs(2, 1, {(0, 0): 10, (1, 0): math.inf})
    access = two_step_fca(demand=np.array([2, 2]), supply=np.array([1]), cost=cost, catchment=50)
    np.testing.assert_allclose(access, [0.5, 0.0])


def test_empty_inputs_give_empty_or_zero_accessibility():
    assert two_step_fca(
        demand=np.array([]), supply=np.array([1.0]), cost=sp.csr_matrix((0, 1)), catchment=10
    ).shape == (0,)
    np.testing.assert_array_equal(
        two_step_fca(
            demand=np.array([1.0, 2.0]),
            supply=np.array([]),
            cost=sp.csr_matrix((2, 0)),
            catchment=10,
        ),
        [0.0, 0.0],
    )


# --- E2SFCA -----------------------------------------------------------------------------------


def test_zone_weights_thirds_splits_the_catchment_into_luo_and_qi_thirds():
    assert zone_weights_thirds(900) == [(300.0, 1.0), (600.0, 0.68), (900.0, 0.22)]
    assert zone_weights_thirds(900, weights=(1.0, 0.5, 0.1))[1] == (600.0, 0.5)


def test_enhanced_2sfca_with_thirds_matches_the_hand_computation():
    # catchment 900 m -> zones (0,300] w=1.00, (300,600] w=0.68, (600,900] w=0.22.
    # D = [100, 200], S = [30, 12].
    # Pairs: (0,0)=100 -> 1.00 ; (1,0)=450 -> 0.68 ; (0,1)=700 -> 0.22 ;
    #        (1,1)=300 -> 1.00 (bounds are inclusive) ; (0,2)=950 -> beyond catchment.
    # R_0 = 30 / (100*1.00 + 200*0.68) = 30 / 236
    # R_1 = 12 / (100*0.22 + 200*1.00) = 12 / 222
    # R_2 = 0 (S_2 = 7 but nobody within 900 m)
    # A_0 = 1.00 * 30/236 + 0.22 * 12/222 = 0.127118... + 0.011891... = 0.139010...
    # A_1 = 0.68 * 30/236 + 1.00 * 12/222 = 0.086440... + 0.054054... = 0.140494...
    cost = costs(2, 3, {(0, 0): 100, (1, 0): 450, (0, 1): 700, (1, 1): 300, (0, 2): 950})
    kwargs = {
        "demand": np.array([100, 200]),
        "supply": np.array([30, 12, 7]),
        "cost": cost,
        "catchment": 900,
        "weights": zone_weights_thirds(900),
    }

    ratios = supply_demand_ratios(**kwargs)
    access = two_step_fca(**kwargs)

    np.testing.assert_allclose(ratios, [30 / 236, 12 / 222, 0.0])
    np.testing.assert_allclose(
        access, [30 / 236 + 0.22 * 12 / 222, 0.68 * 30 / 236 + 12 / 222], rtol=1e-12
    )
    np.testing.assert_allclose(access, [0.139010, 0.140494], atol=1e-6)
    # 100*A_0 + 200*A_1 = 236 * 30/236 + 222 * 12/222 = 30 + 12.
    assert np.dot([100, 200], access) == pytest.approx(42)


def test_enhanced_2sfca_gives_zero_weight_beyond_the_last_zone_bound():
    # Zones stop at 500 m although the catchment is 900 m: the pair at 700 m gets weight 0,
    # so supply 0 has no weighted demand and ratio 0.
    cost = costs(1, 1, {(0, 0): 700})
    access = two_step_fca(
        demand=np.array([10]),
        supply=np.array([1]),
        cost=cost,
        catchment=900,
        weights=[(250, 1.0), (500, 0.5)],
    )
    np.testing.assert_array_equal(access, [0.0])


def test_enhanced_2sfca_with_a_single_full_weight_zone_equals_plain_2sfca():
    cost = costs(2, 2, {(0, 0): 0.0, (0, 1): 800, (1, 1): 300, (1, 0): 1500})
    kwargs = {"demand": np.array([3, 5]), "supply": np.array([2, 9]), "cost": cost}
    np.testing.assert_allclose(
        two_step_fca(**kwargs, catchment=1000, weights=[(1000, 1.0)]),
        two_step_fca(**kwargs, catchment=1000),
    )


# --- properties -------------------------------------------------------------------------------


@st.composite
def fca_problems(draw):
    n = draw(st.integers(1, 7))
    m = draw(st.integers(1, 6))
    demand = draw(st.lists(st.one_of(st.just(0.0), st.floats(0.01, 1e4)), min_size=n, max_size=n))
    supply = draw(st.lists(st.one_of(st.just(0.0), st.floats(0, 500)), min_size=m, max_size=m))
    pair_cost = st.one_of(st.none(), st.just(0.0), st.just(1000.0), st.floats(0, 2000))
    pairs = {}
    for i in range(n):
        for j in range(m):
            d = draw(pair_cost)
            if d is not None:
                pairs[(i, j)] = d
    zones = draw(st.one_of(st.none(), st.just(zone_weights_thirds(1000))))
    return np.array(demand), np.array(supply), pairs, zones


@settings(max_examples=100, deadline=None)
@given(fca_problems())
def test_demand_weighted_accessibility_adds_up_to_the_supply_that_has_demand(problem):
    demand, supply, pairs, zones = problem
    cost = costs(len(demand), len(supply), pairs)

    ratios = supply_demand_ratios(
        demand=demand, supply=supply, cost=cost, catchment=1000, weights=zones
    )
    access = two_step_fca(demand=demand, supply=supply, cost=cost, catchment=1000, weights=zones)

    # sum_i D_i A_i = sum_j R_j sum_i D_i W_ij = sum_j S_j over supplies whose weighted demand
    # is positive (the others have R_j = 0 and distribute nothing).
    expected_ratios, expected_access = reference_fca(demand, supply, pairs, 1000, zones)
    served = [
        j
        for j in range(len(supply))
        if any(
            demand[i] > 0 and d <= 1000 and (zones is None or d <= zones[-1][0])
            for (i, jj), d in pairs.items()
            if jj == j
        )
    ]
    assert np.dot(demand, access) == pytest.approx(supply[served].sum(), rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(ratios, expected_ratios, rtol=1e-9)
    np.testing.assert_allclose(access, expected_access, rtol=1e-9)


# --- validation -------------------------------------------------------------------------------


def _call(**overrides):
    kwargs = {
        "demand": np.array([1.0, 2.0]),
        "supply": np.array([3.0]),
        "cost": costs(2, 1, {(0, 0): 10.0}),
        "catchment": 100.0,
        "weights": None,
    }
    kwargs.update(overrides)
    return two_step_fca(**kwargs)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"demand": np.array([[1.0, 2.0]])}, "demand must be one-dimensional"),
        ({"demand": np.array([1.0, -2.0])}, "demand contains negative"),
        ({"demand": np.array([1.0, np.nan])}, "demand contains NaN"),
        ({"supply": np.array([-3.0])}, "supply contains negative"),
        ({"supply": np.array([np.nan])}, "supply contains NaN"),
        ({"supply": np.array([1.0, 2.0])}, r"cost must have shape .* \(2, 2\)"),
        ({"catchment": 0}, "catchment must be a finite number > 0"),
        ({"catchment": -5}, "catchment must be a finite number > 0"),
        ({"catchment": math.nan}, "catchment must be a finite number > 0"),
        ({"cost": costs(2, 1, {(0, 0): -1.0})}, "cost contains negative"),
        ({"cost": costs(2, 1, {(0, 0): math.nan})}, "cost contains NaN"),
        ({"weights": [(50, 1.0), (30, 0.5)]}, "strictly ascending"),
        ({"weights": [(50, 1.0), (50, 0.5)]}, "strictly ascending"),
        ({"weights": [(50, 1.2)]}, r"weights must lie in \[0, 1\]"),
        ({"weights": [(50, -0.1)]}, r"weights must lie in \[0, 1\]"),
        ({"weights": [(50, math.nan)]}, "weights contains NaN"),
        ({"weights": [(0, 1.0)]}, "upper bounds must be finite and > 0"),
        ({"weights": []}, "non-empty"),
    ],
)
def test_invalid_inputs_raise_a_value_error_naming_the_argument(overrides, message):
    with pytest.raises(ValueError, match=message):
        _call(**overrides)


def test_a_dense_cost_matrix_is_refused_because_its_zeros_are_ambiguous():
    with pytest.raises(TypeError, match=r"cost must be a scipy\.sparse"):
        _call(cost=np.array([[10.0], [0.0]]))


@pytest.mark.parametrize(
    "duplicated",
    [
        sp.coo_matrix((np.array([10.0, 20.0]), (np.array([0, 0]), np.array([0, 0]))), shape=(2, 1)),
        # CSR straight from (data, indices, indptr) keeps duplicates until sum_duplicates().
        sp.csr_array((np.array([10.0, 20.0]), np.array([0, 0]), np.array([0, 2, 2])), shape=(2, 1)),
    ],
    ids=["coo", "csr"],
)
def test_a_pair_stored_twice_is_refused_instead_of_summing_the_distances(duplicated):
    assert duplicated.nnz == 2
    with pytest.raises(ValueError, match=r"same \(demand, supply\) pair more than once"):
        _call(cost=duplicated)


# --- haversine cost matrix --------------------------------------------------------------------


def test_one_degree_of_latitude_is_about_111_2_km():
    # Great circle along a meridian: R * pi / 180 = 6 371 008.8 * 0.01745329 = 111 195.08 m.
    cost = haversine_cost_matrix(
        demand_lonlat=np.array([[-70.0, 10.0]]),
        supply_lonlat=np.array([[-70.0, 11.0]]),
        max_distance_m=120_000,
    )
    assert cost.shape == (1, 1)
    assert cost[0, 0] == pytest.approx(EARTH_RADIUS_M * math.pi / 180, rel=1e-9)
    assert cost[0, 0] == pytest.approx(111_195, abs=1)


def test_haversine_matrix_matches_an_independent_formula_and_drops_far_pairs():
    # Buenos Aires, Montevideo (~ 206 km apart) and Santiago de Chile (~ 1 140 km).
    demand = np.array([[-58.3816, -34.6037], [-56.1645, -34.9011]])
    supply = np.array([[-56.1645, -34.9011], [-70.6693, -33.4489]])

    cost = haversine_cost_matrix(demand_lonlat=demand, supply_lonlat=supply, max_distance_m=3e5)

    lon1, lat1 = np.radians(demand[0])
    lon2, lat2 = np.radians(supply[0])
    hav = math.sin((lat2 - lat1) / 2) ** 2 + (
        math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    expected = 2 * EARTH_RADIUS_M * math.asin(math.sqrt(hav))
    assert expected == pytest.approx(206_000, rel=0.02)
    assert cost[0, 0] == pytest.approx(expected, rel=1e-9)
    # Santiago is beyond 300 km from both: not stored at all.
    assert cost.getcol(1).nnz == 0


def test_haversine_matrix_keeps_co_located_pairs_as_explicit_zeros():
    same_place = np.array([[-74.0721, 4.7110]])
    cost = haversine_cost_matrix(
        demand_lonlat=same_place, supply_lonlat=same_place.copy(), max_distance_m=1000
    )
    assert isinstance(cost, sp.csr_matrix)
    assert cost.nnz == 1
    assert cost.data[0] == 0.0
    # ... and the accessibility sees it: R = 2 / 4, A = 0.5.
    access = two_step_fca(demand=np.array([4]), supply=np.array([2]), cost=cost, catchment=1000)
    np.testing.assert_allclose(access, [0.5])


def test_haversine_matrix_of_empty_inputs_has_the_right_shape():
    cost = haversine_cost_matrix(
        demand_lonlat=np.empty((0, 2)), supply_lonlat=np.array([[0.0, 0.0]]), max_distance_m=10
    )
    assert cost.shape == (0, 1)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"demand_lonlat": np.array([1.0, 2.0, 3.0])}, "demand_lonlat must have shape"),
        ({"supply_lonlat": np.array([[0.0, 95.0]])}, "supply_lonlat has latitudes outside"),
        ({"supply_lonlat": np.array([[200.0, 0.0]])}, "supply_lonlat has longitudes outside"),
        ({"demand_lonlat": np.array([[np.nan, 0.0]])}, "demand_lonlat contains NaN"),
        ({"max_distance_m": 0}, "max_distance_m must be a finite number > 0"),
    ],
)
def test_haversine_matrix_validates_its_arguments(overrides, message):
    kwargs = {
        "demand_lonlat": np.array([[0.0, 0.0]]),
        "supply_lonlat": np.array([[0.0, 0.0]]),
        "max_distance_m": 10.0,
    }
    kwargs.update(overrides)
    with pytest.raises(ValueError, match=message):
        haversine_cost_matrix(**kwargs)
