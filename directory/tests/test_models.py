from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from directory.models import (
    Eligibility,
    EligibilityCandidate,
    ServiceAtSite,
    Site,
    TerritoryLevel,
)
from directory.selectors import (
    service_list_with_capacity,
    service_total_capacity,
    territory_for_point,
    territory_lineage_ids,
)
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    TerritoryFactory,
    box,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def comuna():
    return TerritoryFactory(code="C1", name="Comuna", geometry=box(0, 0, 2, 1))


@pytest.fixture
def west(comuna):
    return TerritoryFactory(
        code="S1",
        name="Oeste",
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(0, 0, 1, 1),
    )


@pytest.fixture
def east(comuna):
    return TerritoryFactory(
        code="S2",
        name="Este",
        level=TerritoryLevel.SECTOR,
        parent=comuna,
        geometry=box(1, 0, 2, 1),
    )


def test_child_population_is_the_sum_of_its_age_bands():
    territory = TerritoryFactory(children_0_5=10, children_6_11=20, children_12_17=5)
    assert territory.child_population == 35


def test_a_sector_is_stored_one_level_deeper_than_its_comuna(comuna, west):
    assert (comuna.depth, west.depth) == (1, 2)


def test_a_territory_cannot_hang_from_a_narrower_one(west):
    region = TerritoryFactory.build(level=TerritoryLevel.REGION, parent=west, code="R")
    with pytest.raises(ValidationError) as error:
        region.full_clean()
    assert "parent" in error.value.message_dict


def test_a_site_gets_the_most_specific_territory_containing_its_point(comuna, west, east):
    site = SiteFactory.build(
        organization=OrganizationFactory(), point=Point(1.5, 0.5, srid=4326), territory=None
    )
    site.full_clean()
    assert site.territory == east


def test_a_point_on_a_shared_border_goes_to_one_sector_deterministically(west, east):
    assert territory_for_point(point=Point(1.0, 0.5, srid=4326)) == west


def test_a_site_outside_every_territory_is_refused_with_a_message_naming_the_point(comuna):
    site = SiteFactory.build(
        organization=OrganizationFactory(), point=Point(5, 5, srid=4326), territory=None
    )
    with pytest.raises(ValidationError) as error:
        site.full_clean()
    message = error.value.message_dict["point"][0]
    assert "5.00000" in message
    assert Site.objects.count() == 0


def test_lineage_includes_the_territory_and_all_its_ancestors(comuna, west):
    assert territory_lineage_ids(territory_id=west.id) == {west.id, comuna.id}


def test_an_inverted_age_range_is_refused_naming_the_maximum_age():
    eligibility = ServiceFactory().eligibility
    eligibility.min_age, eligibility.max_age = 12, 6
    with pytest.raises(ValidationError) as error:
        eligibility.full_clean()
    assert "max_age" in error.value.message_dict


def test_the_database_refuses_an_inverted_age_range_even_without_validation():
    eligibility = ServiceFactory().eligibility
    with pytest.raises(IntegrityError), transaction.atomic():
        Eligibility.objects.filter(pk=eligibility.pk).update(min_age=12, max_age=6)


def test_a_negative_capacity_is_refused_with_a_clear_message():
    link = ServiceAtSiteFactory()
    link.capacity = -1
    with pytest.raises(ValidationError) as error:
        link.full_clean()
    assert error.value.message_dict["capacity"] == ["Los cupos no pueden ser menores que cero."]


def test_the_database_refuses_a_negative_capacity():
    link = ServiceAtSiteFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceAtSite.objects.filter(pk=link.pk).update(capacity=-3)


def test_a_services_capacity_is_the_sum_over_its_sites():
    service = ServiceFactory()
    ServiceAtSiteFactory(service=service, capacity=7)
    ServiceAtSiteFactory(service=service, capacity=5)
    ServiceFactory()  # no sites: zero, not None
    assert service_total_capacity(service=service) == 12
    totals = {s.pk: s.total_capacity for s in service_list_with_capacity()}
    assert totals[service.pk] == 12
    assert sorted(totals.values()) == [0, 12]


def test_an_active_service_must_accept_some_access_route():
    service = ServiceFactory.build(organization=OrganizationFactory(), access_routes=[])
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert "access_routes" in error.value.message_dict


class TestEligibility:
    def rules(self, **fields):
        eligibility = ServiceFactory().eligibility
        for name, value in fields.items():
            setattr(eligibility, name, value)
        eligibility.save()
        return eligibility

    def test_empty_rules_admit_everyone(self):
        assert self.rules().failures_for(EligibilityCandidate()) == []

    def test_it_refuses_a_child_younger_than_the_minimum_age(self):
        failures = self.rules(min_age=6).failures_for(EligibilityCandidate(age_years=4))
        assert [f.rule for f in failures] == ["age"]
        assert "4" in failures[0].reason and "6" in failures[0].reason

    def test_it_refuses_a_child_older_than_the_maximum_age(self):
        failures = self.rules(max_age=11).failures_for(EligibilityCandidate(age_years=14))
        assert [f.rule for f in failures] == ["age"]

    def test_it_admits_a_child_at_both_age_limits(self):
        rules = self.rules(min_age=6, max_age=11)
        assert rules.failures_for(EligibilityCandidate(age_years=6)) == []
        assert rules.failures_for(EligibilityCandidate(age_years=11)) == []

    def test_an_unknown_age_fails_an_age_rule_rather_than_passing_silently(self):
        failures = self.rules(min_age=0, max_age=5).failures_for(EligibilityCandidate())
        assert [f.rule for f in failures] == ["age"]

    def test_it_refuses_a_sex_the_service_does_not_attend(self):
        failures = self.rules(sexes=["female"]).failures_for(EligibilityCandidate(sex="male"))
        assert [f.rule for f in failures] == ["sex"]

    def test_it_refuses_a_risk_level_the_service_does_not_take(self):
        rules = self.rules(risk_levels=["high", "very_high"])
        assert [f.rule for f in rules.failures_for(EligibilityCandidate(risk_level="low"))] == [
            "risk_level"
        ]
        assert rules.failures_for(EligibilityCandidate(risk_level="high")) == []

    def test_it_refuses_a_case_outside_the_service_area(self, comuna, west, east):
        rules = self.rules()
        rules.service_area.set([west])
        outside = EligibilityCandidate(territory_ids=territory_lineage_ids(territory_id=east.id))
        assert [f.rule for f in rules.failures_for(outside)] == ["territory"]

    def test_serving_a_comuna_serves_every_sector_in_it(self, comuna, west):
        rules = self.rules()
        rules.service_area.set([comuna])
        inside = EligibilityCandidate(territory_ids=territory_lineage_ids(territory_id=west.id))
        assert rules.failures_for(inside) == []

    def test_it_refuses_a_case_without_the_judicial_order_it_requires(self):
        rules = self.rules(requires_judicial_order=True)
        assert [f.rule for f in rules.failures_for(EligibilityCandidate())] == ["judicial_order"]
        assert rules.failures_for(EligibilityCandidate(has_judicial_order=True)) == []

    def test_it_reports_every_failed_rule_at_once(self):
        rules = self.rules(min_age=12, sexes=["female"], requires_judicial_order=True)
        failures = rules.failures_for(EligibilityCandidate(age_years=8, sex="male"))
        assert [f.rule for f in failures] == ["age", "sex", "judicial_order"]


def test_saving_a_service_loaded_before_its_categories_changed_keeps_the_new_codes():
    from directory.models import TaxonomyTerm
    from tests.factories import ServiceFactory

    service = ServiceFactory()
    stale = type(service).objects.get(pk=service.pk)
    service.categories.add(TaxonomyTerm.objects.get(code="social.health"))
    stale.name = "Nuevo nombre"
    stale.save()
    service.refresh_from_db()
    assert service.name == "Nuevo nombre"
    assert service.category_codes == ["social", "social.health"]


def test_saving_a_service_loaded_with_deferred_fields_writes_only_what_was_loaded():
    from tests.factories import ServiceFactory

    service = ServiceFactory(description="Descripción original")
    partial = type(service).objects.only("id", "name").get(pk=service.pk)
    partial.name = "Solo el nombre"
    partial.save()
    service.refresh_from_db()
    assert (service.name, service.description) == ("Solo el nombre", "Descripción original")
