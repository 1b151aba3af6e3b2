"""Eligibility for many children and services at once, in a fixed number of queries."""

from __future__ import annotations

import itertools

import pytest

from directory.eligibility import EligibilityCandidate, eligibility_failures
from directory.models import Eligibility, RiskLevel, Sex, TerritoryLevel
from directory.selectors import (
    eligibility_check_many,
    eligibility_rules_many,
    territory_lineage_ids,
    territory_lineage_ids_many,
)
from tests.factories import ServiceFactory, TerritoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    comuna = TerritoryFactory(level=TerritoryLevel.MUNICIPALITY)
    north = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    south = TerritoryFactory(level=TerritoryLevel.SECTOR, parent=comuna)
    elsewhere = TerritoryFactory(level=TerritoryLevel.MUNICIPALITY)
    return {"comuna": comuna, "north": north, "south": south, "elsewhere": elsewhere}


def services_with_rules(tree):
    rule_sets = [
        ({}, []),
        ({"min_age": 6, "max_age": 11}, []),
        ({"sexes": [Sex.FEMALE], "risk_levels": [RiskLevel.HIGH]}, []),
        ({"requires_judicial_order": True}, [tree["north"]]),
        ({}, [tree["comuna"]]),
    ]
    services = []
    for fields, area in rule_sets:
        service = ServiceFactory(**{f"eligibility__{k}": v for k, v in fields.items()})
        service.eligibility.service_area.set(area)
        services.append(service)
    without_rules = ServiceFactory()
    Eligibility.objects.filter(service=without_rules).delete()
    return [*services, without_rules]


def candidates(tree, count):
    homes = [tree["north"], tree["south"], tree["elsewhere"], None]
    profiles = itertools.cycle(
        itertools.product([None, 5, 8, 12], [Sex.FEMALE, Sex.MALE, None], ["high", "low"])
    )
    result = {}
    for i, (age, sex, risk) in zip(range(count), profiles, strict=False):
        home = homes[i % len(homes)]
        result[f"child-{i}"] = EligibilityCandidate(
            age_years=age,
            sex=sex,
            risk_level=risk,
            territory_ids=territory_lineage_ids(territory_id=home.pk) if home else frozenset(),
            has_judicial_order=i % 3 == 0,
        )
    return result


def test_checking_many_children_against_many_services_agrees_with_one_at_a_time(tree):
    services = services_with_rules(tree)
    children = candidates(tree, 24)
    checked = eligibility_check_many(service_ids=[s.pk for s in services], candidates=children)
    assert len(checked) == len(services) * len(children)
    for service in services:
        stored = Eligibility.objects.filter(service=service).first()
        for key, child in children.items():
            expected = (
                [] if stored is None else eligibility_failures(eligibility=stored, candidate=child)
            )
            assert checked[(service.pk, key)] == expected
    assert any(checked.values()) and not all(checked.values())


def test_checking_costs_one_query_for_three_children_or_thirty(tree, django_assert_max_num_queries):
    services = services_with_rules(tree)
    for count in (3, 30):
        children = candidates(tree, count)
        with django_assert_max_num_queries(1):
            eligibility_check_many(service_ids=[s.pk for s in services], candidates=children)


def test_a_service_without_rules_admits_every_child_in_bulk(tree):
    service = ServiceFactory()
    Eligibility.objects.filter(service=service).delete()
    checked = eligibility_check_many(service_ids=[service.pk], candidates=candidates(tree, 5))
    assert all(failures == [] for failures in checked.values())


def test_nothing_to_check_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert eligibility_check_many(service_ids=[], candidates={}) == {}


def test_the_rules_are_read_with_their_service_area_in_one_query(
    tree, django_assert_max_num_queries
):
    services = services_with_rules(tree)
    with django_assert_max_num_queries(1):
        rules = eligibility_rules_many(service_ids=[s.pk for s in services])
    assert len(rules) == len(services) - 1  # the last has no rules
    assert rules[services[3].pk][1] == {tree["north"].pk}
    assert rules[services[4].pk][1] == {tree["comuna"].pk}
    assert rules[services[0].pk][1] == frozenset()


def test_the_lineage_of_many_territories_is_each_ones_lineage_in_one_query(
    tree, django_assert_max_num_queries
):
    ids = [t.pk for t in tree.values()]
    with django_assert_max_num_queries(1):
        many = territory_lineage_ids_many(territory_ids=[*ids, None])
    for territory_id in ids:
        assert many[territory_id] == territory_lineage_ids(territory_id=territory_id)
    assert many[None] == frozenset()
    assert many[tree["north"].pk] == {tree["north"].pk, tree["comuna"].pk}
