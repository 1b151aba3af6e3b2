from __future__ import annotations

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ServiceAtSiteFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def test_the_map_page_is_in_spanish_even_when_the_browser_asks_for_english(client):
    page = client.get(reverse("maps:service_map"), HTTP_ACCEPT_LANGUAGE="en-US,en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="es"' in html
    assert "Mapa de Oferta Comunal" in html


def test_the_language_switch_turns_the_page_to_english(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("maps:service_map")).content.decode()
    assert 'lang="en"' in html
    assert "Communal Service Map" in html


def test_the_map_page_loads_leaflet_from_the_project_not_a_cdn(client):
    html = client.get(reverse("maps:service_map")).content.decode()
    assert f"{settings.STATIC_URL}leaflet/leaflet.js" in html
    assert "unpkg" not in html and "cdn" not in html.lower()


def test_the_territory_layer_holds_the_most_specific_territories(client):
    from directory.models import TerritoryLevel
    from tests.factories import TerritoryFactory, box

    comuna = TerritoryFactory(code="C", geometry=box(0, 0, 2, 1))
    TerritoryFactory(
        code="S1", level=TerritoryLevel.SECTOR, parent=comuna, geometry=box(0, 0, 1, 1)
    )
    data = client.get(reverse("maps:territory_map_data")).json()
    assert [f["properties"]["code"] for f in data["features"]] == ["S1"]
    assert data["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_the_search_page_lists_matches_with_their_reasons(client):
    hit = ServiceAtSiteFactory(service=ServiceFactory(name="Atención psicológica"), capacity=2)
    ServiceAtSiteFactory(service=ServiceFactory(name="Canasta familiar"))
    page = client.get(reverse("maps:service_search"), {"q": "psicologica"})
    assert page.status_code == 200
    html = page.content.decode()
    assert hit.service.name in html
    assert "Canasta familiar" not in html
    assert "coincide con" in html  # the reason, in Spanish


def test_the_search_page_without_a_query_shows_only_the_form(client):
    page = client.get(reverse("maps:service_search"))
    assert page.status_code == 200
    assert 'id="results"' not in page.content.decode()


def test_a_bad_age_on_the_search_page_is_explained_next_to_the_field(client):
    page = client.get(reverse("maps:service_search"), {"age": "ocho"})
    assert page.status_code == 400
    assert 'id="id_age-errors"' in page.content.decode()


def test_the_search_page_links_to_the_next_page_keeping_the_filters(client):
    for i in range(3):
        ServiceAtSiteFactory(service=ServiceFactory(name=f"Taller {i}"))
    html = client.get(reverse("maps:service_search"), {"q": "taller", "per_page": 2}).content
    assert b"page=2" in html and b"q=taller" in html
