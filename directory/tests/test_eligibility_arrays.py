"""Eligibility as NumPy arrays says what ``eligibility_failures`` says, pair by pair."""

from __future__ import annotations

import random
import uuid

import numpy as np
import pytest

from directory.eligibility import EligibilityCandidate, eligibility_failures
from directory.eligibility_arrays import EligibilityArrays, EligibilityRow
from directory.models import Eligibility, RiskLevel, Sex, TerritoryLevel
from directory.selectors import eligibility_arrays, eligibility_rules_many, territory_lineage_ids
from tests.factories import ServiceFactory, TerritoryFactory

SEED = 20261207


def children_of(arrays, profiles):
    """Arrays of the children's profiles: (age, sex, risk, home, judicial) each."""
    return arrays.children(
        ages=[p[0] for p in profiles],
        sexes=[p[1] for p in profiles],
        risk_levels=[p[2] for p in profiles],
        territory_ids=[p[3] for p in profiles],
        judicial_orders=[p[4] for p in profiles],
    )


@pytest.mark.django_db
def test_the_arrays_agree_with_one_child_at_a_time_on_random_cases():
    rng = random.Random(SEED)
    region = TerritoryFactory(level=TerritoryLevel.REGION)
    comunas = [TerritoryFactory(level=TerritoryLevel.MUNICIPALITY, parent=region) for _ in range(3)]
    sectors = [
        TerritoryFactory(level=TerritoryLevel.SECTOR, parent=rng.choice(comunas)) for _ in range(6)
    ]
    other = TerritoryFactory(level=TerritoryLevel.REGION)
    territories = [region, *comunas, *sectors, other]
    services = []
    for _ in range(30):
        if rng.random() < 0.1:
            service = ServiceFactory()
            Eligibility.objects.filter(service=service).delete()  # no rules at all
            services.append(service)
            continue
        low = rng.choice([None, None, 0, 3, 6, 12])
        high = rng.choice([None, None, 5, 11, 17])
        if low is not None and high is not None and low > high:
            low, high = high, low
        service = ServiceFactory(
            eligibility__min_age=low,
            eligibility__max_age=high,
            eligibility__sexes=rng.sample(Sex.values, rng.choice([0, 0, 1, 2])),
            eligibility__risk_levels=rng.sample(RiskLevel.values, rng.choice([0, 0, 1, 2, 3])),
            eligibility__requires_judicial_order=rng.random() < 0.2,
        )
        service.eligibility.service_area.set(
            rng.sample(territories, rng.choice([0, 0, 1, 1, 2, 3]))
        )
        services.append(service)
    profiles = [
        (
            rng.choice([None, *range(0, 19)]),
            rng.choice([*Sex.values, None]),
            rng.choice([*RiskLevel.values, None]),
            rng.choice([*(t.pk for t in territories), None, uuid.uuid4()]),  # and unknown
            rng.random() < 0.3,
        )
        for _ in range(300)
    ]

    arrays = eligibility_arrays()
    service_ids = [s.pk for s in services]
    vectorised = arrays.admits_matrix(service_ids=service_ids, child=children_of(arrays, profiles))

    rules = eligibility_rules_many(service_ids=service_ids)
    lineage = {t.pk: territory_lineage_ids(territory_id=t.pk) for t in territories}
    expected = np.array(
        [
            [
                service_id not in rules
                or not eligibility_failures(
                    eligibility=rules[service_id][0],
                    candidate=EligibilityCandidate(
                        age_years=age,
                        sex=sex,
                        risk_level=risk,
                        territory_ids=lineage.get(home, frozenset()),
                        has_judicial_order=judicial,
                    ),
                    service_area_ids=rules[service_id][1],
                )
                for service_id in service_ids
            ]
            for age, sex, risk, home, judicial in profiles
        ]
    )
    assert vectorised.shape == expected.shape == (len(profiles), len(services))
    assert (vectorised == expected).all()
    assert 0.05 < expected.mean() < 0.95  # the random cases tell admitted from refused


@pytest.mark.django_db
def test_building_the_arrays_reads_rules_and_territories_in_two_queries(
    django_assert_max_num_queries,
):
    for _ in range(5):
        ServiceFactory(eligibility__min_age=3).eligibility.service_area.set([TerritoryFactory()])
    with django_assert_max_num_queries(2):
        arrays = eligibility_arrays()
    assert len(arrays.row_of_service) == 5


def plain(parents=None, **fields):
    service_id = uuid.uuid4()
    return service_id, EligibilityArrays(
        rules=[EligibilityRow(service_id=service_id, **fields)], parents=parents or {}
    )


def test_an_empty_rule_and_a_service_without_rules_admit_everyone():
    service_id, arrays = plain()
    child = children_of(
        arrays, [(None, None, None, None, False), (40, "x", "y", uuid.uuid4(), True)]
    )
    assert arrays.admits_matrix(service_ids=[service_id, uuid.uuid4()], child=child).all()


def test_age_bounds_are_inclusive_and_an_unknown_age_fails_an_age_rule():
    service_id, arrays = plain(min_age=6, max_age=11)
    ages = [None, 5, 6, 11, 12]
    child = children_of(arrays, [(a, None, None, None, False) for a in ages])
    admitted = arrays.admits_matrix(service_ids=[service_id], child=child)[:, 0]
    assert admitted.tolist() == [False, False, True, True, False]


def test_a_service_area_admits_children_living_in_it_or_below_it():
    region, comuna, sector, elsewhere = (uuid.uuid4() for _ in range(4))
    parents = {region: None, comuna: region, sector: comuna, elsewhere: None}
    service_id, arrays = plain(parents=parents, service_area_ids=frozenset({comuna}))
    homes = [sector, comuna, region, elsewhere, None]
    child = children_of(arrays, [(8, None, None, h, False) for h in homes])
    admitted = arrays.admits_matrix(service_ids=[service_id], child=child)[:, 0]
    assert admitted.tolist() == [True, True, False, False, False]


def test_sexes_risk_levels_and_a_judicial_order_are_checked_as_in_one_at_a_time():
    service_id, arrays = plain(
        sexes=("female",), risk_levels=("high",), requires_judicial_order=True
    )
    child = children_of(
        arrays,
        [
            (8, "female", "high", None, True),
            (8, "male", "high", None, True),
            (8, "female", "low", None, True),
            (8, "female", "high", None, False),
            (8, None, None, None, True),
        ],
    )
    admitted = arrays.admits_matrix(service_ids=[service_id], child=child)[:, 0]
    assert admitted.tolist() == [True, False, False, False, False]
