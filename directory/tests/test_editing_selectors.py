"""What the coordinator's map-editing pages read of the directory."""

from __future__ import annotations

import uuid

import pytest

from directory.models import Eligibility
from directory.selectors import (
    eligibility_service_area_names,
    service_area_territory_ids,
    service_edit_get,
    service_edit_search,
    site_edit_get,
    site_edit_search,
    territory_edit_choices,
)
from tests.factories import ServiceFactory, SiteFactory, comuna_with_two_sectors

pytestmark = pytest.mark.django_db


def test_the_edit_search_finds_a_site_by_its_name_or_its_address():
    by_name = SiteFactory(name="Sede Los Aromos", address_1="Calle Uno 1")
    by_address = SiteFactory(name="Sede Centro", address_1="Pasaje Aromos 22")
    SiteFactory(name="Sede Norte", address_1="Calle Dos 2")
    found = site_edit_search(query="aromos", limit=30)
    assert [site.pk for site in found] == [by_address.pk, by_name.pk]


def test_the_edit_search_without_words_lists_every_site_up_to_the_limit():
    for name in ["C", "A", "B"]:
        SiteFactory(name=f"Sede {name}")
    assert [site.name for site in site_edit_search(query="", limit=2)] == ["Sede A", "Sede B"]


def test_the_edit_search_finds_services_by_name_only():
    wanted = ServiceFactory(name="Taller de Lectura")
    ServiceFactory(name="Apoyo Escolar", description="lectura en voz alta")
    assert [s.pk for s in service_edit_search(query="lectura", limit=30)] == [wanted.pk]


def test_an_unknown_site_or_service_to_edit_is_none():
    assert site_edit_get(site_id=uuid.uuid4()) is None
    assert service_edit_get(service_id=uuid.uuid4()) is None


def test_a_site_and_a_service_to_edit_come_with_their_organization():
    site = SiteFactory()
    service = ServiceFactory()
    assert site_edit_get(site_id=site.pk).organization == site.organization
    assert service_edit_get(service_id=service.pk).organization == service.organization


def test_a_service_area_is_drawn_from_the_most_specific_territories_by_name():
    sectors = comuna_with_two_sectors()
    assert list(territory_edit_choices()) == [sectors["east"], sectors["west"]]


def test_a_service_without_eligibility_serves_no_territory_yet():
    service = ServiceFactory()
    Eligibility.objects.filter(service=service).delete()
    assert service_area_territory_ids(service=service) == []


def test_the_territories_served_are_read_by_id_and_named_in_order():
    sectors = comuna_with_two_sectors()
    service = ServiceFactory()
    eligibility = Eligibility.objects.get(service=service)
    eligibility.service_area.set([sectors["west"], sectors["east"]])
    assert set(service_area_territory_ids(service=service)) == {
        sectors["west"].pk,
        sectors["east"].pk,
    }
    assert eligibility_service_area_names(eligibility=eligibility) == [
        "Sector Oriente",
        "Sector Poniente",
    ]
