"""The reads behind the HSDS API views, one per list or record."""

from __future__ import annotations

import uuid

import pytest

from directory.hsds import queries
from directory.models import TaxonomyTerm
from tests.factories import OrganizationFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_an_organization_search_forgives_accents_and_case():
    wanted = OrganizationFactory(name="Corporación Municipal")
    OrganizationFactory(name="Fundación Norte")
    assert list(queries.hsds_organization_list(search="corporacion")) == [wanted]


def test_no_search_lists_every_organization_by_name():
    OrganizationFactory(name="B")
    OrganizationFactory(name="A")
    assert [o.name for o in queries.hsds_organization_list()] == ["A", "B"]


def test_an_organization_nests_only_its_own_services():
    mine = ServiceFactory()
    ServiceFactory()
    services = queries.hsds_service_list_for_organization(
        organization_id=mine.organization_id, full=False
    )
    assert list(services) == [mine]


def test_the_top_of_the_taxonomy_has_no_parent_and_a_parent_lists_its_children():
    top = list(queries.hsds_taxonomy_term_list(top_only=True))
    assert top and all(term.parent_id is None for term in top)
    parent = TaxonomyTerm.objects.filter(children__isnull=False).distinct().first()
    assert parent is not None
    children = list(queries.hsds_taxonomy_term_list(parent_id=parent.pk))
    assert children and {term.parent_id for term in children} == {parent.pk}


def test_an_unknown_id_finds_no_record_of_any_kind():
    missing = uuid.uuid4()
    assert queries.hsds_service_get(service_id=missing) is None
    assert queries.hsds_organization_get(organization_id=missing) is None
    assert queries.hsds_service_at_site_get(service_at_site_id=missing) is None
    assert queries.hsds_taxonomy_get(taxonomy_id=missing) is None
    assert queries.hsds_taxonomy_term_get(taxonomy_term_id=missing) is None
