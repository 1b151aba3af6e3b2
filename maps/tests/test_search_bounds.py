"""The search page refuses page numbers past any real list by name, never with a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_a_page_number_past_any_list_is_a_400_naming_the_page(client):
    response = client.get("/buscar/", {"q": "apoyo", "page": "99999999999999999999"})
    assert response.status_code == 400
    assert "page" in response.context["form"].errors


def test_the_geo_search_api_refuses_the_same_page_number_with_a_400(client):
    response = client.get("/api/geo/services/", {"page": "99999999999999999999"})
    assert response.status_code == 400
    assert "page" in response.json()


def test_the_editors_search_refuses_a_nul_byte_with_a_400_naming_the_field(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/mapa/editar/", {"q": "sede\x00"})
    assert response.status_code == 400
    assert "q" in response.context["form"].errors
