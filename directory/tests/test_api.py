from __future__ import annotations

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse

from tests.factories import ServiceAtSiteFactory, ServiceFactory, SiteFactory

pytestmark = pytest.mark.django_db

SEARCH = "directory:service-search"


@pytest.fixture
def two_offers():
    near = ServiceAtSiteFactory(
        service=ServiceFactory(name="Atención psicológica"),
        site=SiteFactory(point=Point(-70.60, -33.45, srid=4326)),
        capacity=3,
    )
    far = ServiceAtSiteFactory(
        service=ServiceFactory(name="Canasta familiar"),
        site=SiteFactory(point=Point(-70.52, -33.45, srid=4326)),
        capacity=0,
    )
    return near, far


def test_anyone_can_search_without_signing_in(client, two_offers):
    response = client.get(reverse(SEARCH), {"q": "psicologica"})
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["results"]] == ["Atención psicológica"]
    assert body["results"][0]["reasons"]
    assert body["has_next"] is False


def test_search_near_a_point_gives_metres_nearest_first(client, two_offers):
    body = client.get(reverse(SEARCH), {"lat": -33.45, "lon": -70.599}).json()
    assert [r["name"] for r in body["results"]] == ["Atención psicológica", "Canasta familiar"]
    assert 50 < body["results"][0]["distance_m"] < 150


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"age": "ocho"}, "age"),
        ({"age": "-1"}, "age"),
        ({"sex": "x"}, "sex"),
        ({"category": "no-such-term"}, "category"),
        ({"territory": "not-a-uuid"}, "territory"),
        ({"lat": "-33.4"}, "lon"),
        ({"lat": "100", "lon": "0"}, "lat"),
        ({"radius": "500"}, "radius"),
        ({"per_page": "100000"}, "per_page"),
        ({"page": "0"}, "page"),
        ({"modality": "remote"}, "modality"),
    ],
)
def test_bad_search_parameters_get_a_400_naming_the_field(client, params, field):
    response = client.get(reverse(SEARCH), params)
    assert response.status_code == 400
    assert field in response.json()


def test_the_geojson_of_services_is_filterable_like_the_search(client, two_offers):
    near, _far = two_offers
    body = client.get(reverse("directory:geo-services"), {"open_slots": "true"}).json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [str(near.pk)]
    assert body["features"][0]["geometry"]["type"] == "Point"


def test_the_geojson_of_sites_filters_by_organization(client, two_offers):
    near, _far = two_offers
    body = client.get(
        reverse("directory:geo-sites"), {"organization": str(near.site.organization_id)}
    ).json()
    assert [f["id"] for f in body["features"]] == [str(near.site_id)]


def test_the_openapi_schema_and_its_docs_are_served_without_a_cdn(client):
    schema = client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    assert "/api/services/search/" in schema.json()["paths"]
    docs = client.get(reverse("api-docs")).content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "unpkg" not in docs
