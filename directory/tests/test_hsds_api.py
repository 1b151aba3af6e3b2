"""The public HSDS 3.0 read API: every response checked against the official schemas."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.conf import settings
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from directory.hsds.schemas import merge_patch, validation_errors
from directory.models import (
    Eligibility,
    OrganizationIdentifier,
    RiskLevel,
    Service,
    ServiceStatus,
    TaxonomyTerm,
)
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    ServiceFactory,
    SiteFactory,
    TerritoryFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def url(route: str, **kwargs) -> str:
    return reverse(f"directory:hsds:{route}", kwargs=kwargs or None)


@pytest.fixture
def client() -> APIClient:
    api = APIClient()
    # Error messages will be translated to Spanish; the tests read the English ones.
    api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return api


@pytest.fixture
def network():
    """One territory, one organization with two sites and two services."""
    territory = TerritoryFactory(code="C-TEST", name="Comuna de Prueba")
    organization = OrganizationFactory(
        name="Fundación Los Aromos", email="contacto@aromos.invalid", website="https://a.invalid"
    )
    OrganizationIdentifier.objects.create(
        organization=organization,
        identifier_scheme="CL-RUT",
        identifier_type="RUT",
        identifier="76.123.456-7",
    )
    near = SiteFactory(
        organization=organization,
        territory=territory,
        name="Sede Centro",
        point=Point(-70.60, -33.45, srid=4326),
        postal_code="8320000",
        accessibility_notes="Acceso con rampa",
    )
    far = SiteFactory(
        organization=organization,
        territory=territory,
        name="Sede Norte",
        point=Point(-70.55, -33.41, srid=4326),
        postal_code="8330000",
    )
    verifier = UserFactory(email="verifica@aromos.invalid")
    psychology = ServiceFactory(
        organization=organization,
        name="Atención psicológica infantojuvenil",
        description="Terapia para niños y adolescentes",
        languages=["es", "ht"],
        required_documents=["Ficha de derivación"],
        verified_on=date(2025, 3, 1),
        verified_by=verifier,
        url="https://a.invalid/psico",
        eligibility__min_age=5,
        eligibility__max_age=17,
        eligibility__risk_levels=[RiskLevel.HIGH],
        eligibility__requires_judicial_order=True,
    )
    psychology.categories.set([TaxonomyTerm.objects.get(code="specialized.psychological_care")])
    psychology.eligibility.service_area.set([territory])
    school = ServiceFactory(
        organization=organization,
        name="Escuela para padres",
        status=ServiceStatus.INACTIVE,
        is_free=False,
        fees_description="Aporte voluntario",
    )
    school.categories.set([TaxonomyTerm.objects.get(code="specialized.parenting_school")])
    ServiceAtSiteFactory(service=psychology, site=near, capacity=12, schedule_description="L-V")
    ServiceAtSiteFactory(service=psychology, site=far, capacity=3)
    ServiceAtSiteFactory(service=school, site=far, capacity=0)
    return {
        "territory": territory,
        "organization": organization,
        "near": near,
        "far": far,
        "psychology": psychology,
        "school": school,
    }


def assert_valid(document, kind: str, *, page: bool = False) -> None:
    assert validation_errors(document, kind, page=page) == []
    assert validation_errors(document, kind, page=page, profiled=True) == []


def test_the_root_names_the_version_the_profile_and_the_openapi(client):
    response = client.get(url("root"))
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == "3.0"
    assert body["profile"].endswith("/api/hsds/profile/")
    assert body["openapi_url"].endswith("openapi.json")


def test_reading_needs_no_login(client, network):
    for name in (
        "services",
        "organizations",
        "service_at_locations",
        "taxonomies",
        "taxonomy_terms",
    ):
        assert client.get(url(name)).status_code == 200, name


def test_a_service_list_is_an_hsds_page_of_valid_services(client, network):
    response = client.get(url("services"))
    assert response.status_code == 200
    body = response.json()
    assert_valid(body, "service_list", page=True)
    assert body["total_items"] == 2
    assert [s["name"] for s in body["contents"]] == [
        "Atención psicológica infantojuvenil",
        "Escuela para padres",
    ]
    assert body["contents"][1]["status"] == "inactive"


def test_one_service_carries_everything_hsds_and_the_profile_describe(client, network):
    service = network["psychology"]
    response = client.get(url("service", id=service.pk))
    assert response.status_code == 200
    body = response.json()
    assert_valid(body, "service")
    assert body["organization"]["name"] == "Fundación Los Aromos"
    assert body["minimum_age"] == 5 and body["maximum_age"] == 17
    assert body["assured_date"] == "2025-03-01"
    assert body["assurer_email"] == "verifica@aromos.invalid"
    assert [lang["code"] for lang in body["languages"]] == ["es", "ht"]
    assert [d["document"] for d in body["required_documents"]] == ["Ficha de derivación"]
    assert [a["taxonomy_term"]["code"] for a in body["attributes"]] == [
        "specialized.psychological_care"
    ]
    assert [a["name"] for a in body["service_areas"]] == ["Comuna de Prueba"]
    assert len(body["service_at_locations"]) == 2
    location = body["service_at_locations"][0]["location"]
    assert location["latitude"] == pytest.approx(-33.45)
    assert location["addresses"][0]["postal_code"] == "8320000"
    assert location["accessibility"][0]["description"] == "Acceso con rampa"
    assert body["capacity_status"] == "capacity"
    assert sorted(c["maximum"] for c in body["capacities"]) == [3, 12]
    assert body["eligibility"] == {
        "min_age": 5,
        "max_age": 17,
        "sexes": [],
        "risk_levels": ["high"],
        "service_area": ["C-TEST"],
        "requires_judicial_order": True,
        "notes": "",
    }
    assert body["kind"] == "specialized" and body["access_routes"] == ["referral"]


def test_the_eligibility_description_is_a_sentence_built_from_the_rules(client, network):
    body = client.get(url("service", id=network["psychology"].pk)).json()
    sentence = body["eligibility_description"]
    assert "5" in sentence and "17" in sentence
    assert "Comuna de Prueba" in sentence
    # The judicial-order rule in the map card's words, now the only wording of it.
    assert "order from a family court" in sentence.lower()


def test_a_paid_service_keeps_its_fees_and_a_free_one_says_so(client, network):
    school = client.get(url("service", id=network["school"].pk)).json()
    assert school["fees_description"] == "Aporte voluntario"
    assert school["capacity_status"] == "no_capacity"
    psychology = client.get(url("service", id=network["psychology"].pk)).json()
    assert psychology["fees_description"]  # "Free of charge." in the reader's language
    assert psychology["is_free"] is True


def test_a_service_without_eligibility_is_still_valid(client, network):
    service = network["school"]
    Eligibility.objects.filter(service=service).delete()
    body = client.get(url("service", id=service.pk)).json()
    assert_valid(body, "service")
    assert body["eligibility"]["service_area"] == []


def test_organizations_list_and_detail_follow_the_schemas(client, network):
    page = client.get(url("organizations")).json()
    assert_valid(page, "organization_list", page=True)
    detail = client.get(url("organization", id=network["organization"].pk)).json()
    assert_valid(detail, "organization")
    assert detail["organization_identifiers"][0]["identifier"] == "76.123.456-7"
    assert {loc["name"] for loc in detail["locations"]} == {"Sede Centro", "Sede Norte"}
    assert len(detail["services"]) == 2
    full = client.get(url("organization", id=network["organization"].pk), {"full_service": "true"})
    assert_valid(full.json(), "organization")
    assert "service_at_locations" in full.json()["services"][0]


def test_service_at_locations_list_and_detail_follow_the_schemas(client, network):
    page = client.get(url("service_at_locations")).json()
    assert_valid(page, "service_at_location_list", page=True)
    assert page["total_items"] == 3
    link_id = page["contents"][0]["id"]
    detail = client.get(url("service_at_location", id=link_id)).json()
    assert_valid(detail, "service_at_location")
    assert detail["location"]["addresses"]


def test_taxonomies_and_terms_follow_the_schemas(client, network):
    taxonomies = client.get(url("taxonomies")).json()
    assert_valid(taxonomies["contents"][0], "taxonomy")
    terms = client.get(url("taxonomy_terms")).json()
    assert terms["total_items"] == TaxonomyTerm.objects.count()
    for term in terms["contents"]:
        assert_valid(term, "taxonomy_term")
    top = client.get(url("taxonomy_terms"), {"top_only": "true"}).json()
    assert {t["code"] for t in top["contents"]} == {"social", "specialized", "protection"}
    one = client.get(url("taxonomy_term", id=terms["contents"][0]["id"]))
    assert one.status_code == 200


def test_paging_counts_pages_and_flags_the_first_and_the_last(client, network):
    first = client.get(url("services"), {"per_page": 1}).json()
    assert (first["total_pages"], first["page_number"], first["size"]) == (2, 1, 1)
    assert first["first_page"] and not first["last_page"] and not first["empty"]
    second = client.get(url("services"), {"per_page": 1, "page": 2}).json()
    assert second["last_page"] and not second["first_page"]
    beyond = client.get(url("services"), {"per_page": 1, "page": 9}).json()
    assert beyond["empty"] and beyond["contents"] == []
    assert_valid(beyond, "service_list", page=True)


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "501"}, "per_page"),
        ({"per_page": "many"}, "per_page"),
        ({"page": "-1"}, "page"),
        ({"page": "x"}, "page"),
        ({"modified_after": "yesterday"}, "modified_after"),
        ({"organization_id": "not-a-uuid"}, "organization_id"),
        ({"taxonomy_term_id": "42"}, "taxonomy_term_id"),
        ({"lat": "-33.4"}, "lon"),
        ({"lat": "100", "lon": "0"}, "lat"),
        ({"lat": "-33.4", "lon": "-70.6", "radius": "-5"}, "radius"),
        ({"format": "xml"}, "format"),
    ],
)
def test_a_bad_parameter_is_a_400_naming_it(client, network, params, parameter):
    response = client.get(url("services"), params)
    assert response.status_code == 400
    body = response.json()
    assert parameter in body, body
    assert parameter in body[parameter][0] or parameter in ("lon", "lat", "radius", "format")


def test_an_unknown_id_is_a_json_404(client, network):
    for name in ("service", "organization", "service_at_location", "taxonomy_term", "taxonomy"):
        for bad in ("00000000-0000-0000-0000-000000000000", "nope"):
            response = client.get(url(name, id=bad))
            assert response.status_code == 404
            assert response["Content-Type"].startswith("application/json")
            assert "detail" in response.json()


def test_search_finds_services_by_accent_free_spanish_words(client, network):
    body = client.get(url("services"), {"search": "psicologica"}).json()
    assert [s["name"] for s in body["contents"]] == ["Atención psicológica infantojuvenil"]
    body = client.get(url("service_at_locations"), {"search": "psicologica"}).json()
    assert body["total_items"] == 2


def test_filters_by_term_parent_term_and_organization(client, network):
    term = TaxonomyTerm.objects.get(code="specialized.parenting_school")
    body = client.get(url("services"), {"taxonomy_term_id": str(term.pk)}).json()
    assert [s["name"] for s in body["contents"]] == ["Escuela para padres"]
    parent = TaxonomyTerm.objects.get(code="specialized")
    assert (
        client.get(url("services"), {"taxonomy_term_id": str(parent.pk)}).json()["total_items"] == 2
    )
    other = ServiceFactory(name="Otra")
    body = client.get(url("services"), {"organization_id": str(other.organization_id)}).json()
    assert [s["name"] for s in body["contents"]] == ["Otra"]


def test_modified_after_keeps_only_recent_changes(client, network):
    Service.objects.filter(pk=network["school"].pk).update(
        last_modified=timezone.now() - timedelta(days=30)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()
    body = client.get(url("services"), {"modified_after": since}).json()
    assert [s["name"] for s in body["contents"]] == ["Atención psicológica infantojuvenil"]
    assert client.get(url("services"), {"modified_after": "2000-01-01"}).json()["total_items"] == 2


def test_postcode_keeps_services_offered_there(client, network):
    body = client.get(url("service_at_locations"), {"postcode": "8320000"}).json()
    assert body["total_items"] == 1
    body = client.get(url("services"), {"postcode": "8330000"}).json()
    assert body["total_items"] == 2


def test_proximity_orders_nearest_first_and_cuts_at_the_radius(client, network):
    params = {"lat": "-33.45", "lon": "-70.60"}
    body = client.get(url("service_at_locations"), params).json()
    assert_valid(body, "service_at_location_list", page=True)
    distances = [item["distance"] for item in body["contents"]]
    assert distances == sorted(distances) and distances[0] == 0
    assert body["contents"][0]["location"]["name"] == "Sede Centro"
    near_only = client.get(url("service_at_locations"), {**params, "radius": "1000"}).json()
    assert near_only["total_items"] == 1
    services = client.get(url("services"), {**params, "proximity": "1000"}).json()
    assert [s["name"] for s in services["contents"]] == ["Atención psicológica infantojuvenil"]


def test_ndjson_streams_one_service_per_line(client, network):
    response = client.get(url("services"), {"format": "ndjson"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2
    for line in lines:
        assert_valid(json.loads(line), "service_list")


def test_lists_and_details_make_a_fixed_number_of_queries(
    client, network, django_assert_max_num_queries
):
    for i in range(15):
        service = ServiceFactory(organization=network["organization"], name=f"Extra {i}")
        service.categories.set([TaxonomyTerm.objects.get(code="social.health")])
        ServiceAtSiteFactory(service=service, site=network["near"], capacity=i)
    with django_assert_max_num_queries(8):
        assert client.get(url("services"), {"per_page": 100}).json()["size"] == 17
    with django_assert_max_num_queries(8):
        assert client.get(url("service_at_locations"), {"per_page": 100}).status_code == 200
    with django_assert_max_num_queries(10):
        client.get(url("organization", id=network["organization"].pk), {"full_service": "1"})
    with django_assert_max_num_queries(8):
        client.get(url("service", id=network["psychology"].pk))
    with django_assert_max_num_queries(8):
        response = client.get(url("services"), {"format": "ndjson"})
        assert len(b"".join(response.streaming_content).splitlines()) == 17


def test_the_profile_lists_merge_patches_that_extend_the_hsds_schemas(client):
    index = client.get(url("profile")).json()
    names = {entry["name"] for entry in index["schemas"]}
    assert {"service", "organization", "service_at_location"} <= names
    patch = client.get(url("profile_schema", name="service.json")).json()
    assert {"capacities", "capacity_status", "eligibility", "kind"} <= set(patch["properties"])
    base = {"type": "object", "properties": {"name": {"type": "string"}}}
    assert set(merge_patch(base, patch)["properties"]) >= {"name", "kind"}
    assert client.get(url("profile_schema", name="nope.json")).status_code == 404
