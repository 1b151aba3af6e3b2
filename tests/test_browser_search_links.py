"""From a search on /buscar/ to the service card, by the result list and by the map."""

from __future__ import annotations

import re

import pytest
from django.contrib.gis.geos import Point

from directory.models import TaxonomyTerm
from tests.browser import block_outside_requests
from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def offers(django_db_serialized_rollback, transactional_db):
    """Two psychological services that never say "psicólogo", and one that is not."""
    rows = {}
    for name, code, point in [
        ("Terapia familiar", "specialized.psychological_care", (-70.61, -33.44)),
        ("Psicoterapia de reparación", "specialized.psychological_care", (-70.58, -33.46)),
        ("Comedor solidario", "social.food", (-70.60, -33.45)),
    ]:
        service = ServiceFactory(name=name, description=f"{name} para niños y sus familias.")
        service.categories.set([TaxonomyTerm.objects.get(code=code)])
        site = SiteFactory(organization=service.organization, point=Point(*point, srid=4326))
        rows[name] = ServiceAtSiteFactory(service=service, site=site)
    return rows


def _search(page, live_server, text: str) -> None:
    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", text)
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results a.result-name")


def test_a_search_result_opens_its_service_card(live_server, browser, offers):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked = block_outside_requests(page)
    _search(page, live_server, "psicóloga")
    listed = page.locator("#results a.result-name").all_inner_texts()
    assert sorted(listed) == ["Psicoterapia de reparación", "Terapia familiar"]
    page.locator("#results a.result-name", has_text="Terapia familiar").click()
    page.wait_for_url(re.compile(rf"/mapa/ficha/{offers['Terapia familiar'].pk}/$"))
    assert "Terapia familiar" in page.locator("h1").inner_text()
    assert blocked == []


def test_a_marker_popup_on_the_search_map_opens_its_service_card(live_server, browser, offers):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked = block_outside_requests(page)
    _search(page, live_server, "psicologos")
    markers = page.locator("#searchmap .leaflet-marker-icon")
    assert markers.count() == 2
    page.locator('#searchmap .leaflet-marker-icon[title="Psicoterapia de reparación"]').click()
    link = page.locator(".leaflet-popup-content a")
    link.wait_for()
    assert link.inner_text() == "Psicoterapia de reparación"
    link.click()
    row = offers["Psicoterapia de reparación"]
    page.wait_for_url(re.compile(rf"/mapa/ficha/{row.pk}/$"))
    assert "Psicoterapia de reparación" in page.locator("h1").inner_text()
    assert blocked == []
