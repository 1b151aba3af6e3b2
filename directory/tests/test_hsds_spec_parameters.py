"""The HSDS 3.0 query parameters behave as the official OpenAPI describes them."""

from __future__ import annotations

import json

import pytest

from directory.hsds.schemas import hsds_dir
from directory.models import Service
from directory.tests.test_hsds_api import client, network, url  # noqa: F401

pytestmark = pytest.mark.django_db

SAMPLES = {"integer": "1", "boolean": "true", "string": "x"}


def _official_parameters(path: str) -> list[dict]:
    spec = json.loads((hsds_dir() / "schema" / "openapi.json").read_text(encoding="utf-8"))
    shared = spec["components"]["parameters"]
    found = []
    for parameter in spec["paths"][path]["get"].get("parameters", []):
        if "$ref" in parameter:
            parameter = {**shared[parameter["$ref"].rsplit("/", 1)[-1]], **parameter}
        found.append(parameter)
    return found


@pytest.mark.parametrize("path", ["/services", "/service_at_locations", "/organizations"])
def test_every_parameter_the_official_openapi_defines_is_understood(client, network, path):  # noqa: F811
    route = {"/services": "services", "/service_at_locations": "service_at_locations"}.get(
        path, "organizations"
    )
    for parameter in _official_parameters(path):
        name = parameter["name"]
        kind = parameter.get("schema", {}).get("type", "string")
        value = SAMPLES.get(kind, "x")
        if name == "format":
            value = "json"
        if name == "modified_after":
            value = "2020-01-01T00:00:00Z"
        if name.endswith("_id"):
            value = "00000000-0000-0000-0000-000000000000"
        if name == "proximity":
            response = client.get(url(route), {"proximity": "1000", "postcode": "8320000"})
        else:
            response = client.get(url(route), {name: value})
        assert response.status_code == 200, (path, name, response.content[:300])


def test_minimal_returns_just_each_service_id_and_modified_date_in_one_page(client, network):  # noqa: F811
    body = client.get(url("services"), {"minimal": "true"}).json()
    assert body["total_items"] == Service.objects.count() == 2
    assert body["total_pages"] == 1 and body["size"] == 2
    for item in body["contents"]:
        assert set(item) == {"id", "modified_date"}
    ids = {item["id"] for item in body["contents"]}
    assert ids == {str(pk) for pk in Service.objects.values_list("pk", flat=True)}


def test_minimal_streams_as_ndjson_too(client, network):  # noqa: F811
    response = client.get(url("services"), {"minimal": "true", "format": "ndjson"})
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [set(json.loads(line)) for line in lines] == [{"id", "modified_date"}] * 2


def test_proximity_counts_metres_from_the_centroid_of_the_postcode(client, network):  # noqa: F811
    near = client.get(url("services"), {"postcode": "8320000", "proximity": "1000"}).json()
    assert [s["name"] for s in near["contents"]] == ["Atención psicológica infantojuvenil"]
    # The postcode is where the distance starts, not a filter: farther services come in.
    wide = client.get(url("services"), {"postcode": "8320000", "proximity": "20000"}).json()
    assert wide["total_items"] == 2
    sites = client.get(
        url("service_at_locations"), {"postcode": "8320000", "proximity": "20000"}
    ).json()
    assert sites["total_items"] >= 2


def test_proximity_without_a_place_to_count_from_is_a_400_naming_it(client, network):  # noqa: F811
    response = client.get(url("services"), {"proximity": "1000"})
    assert response.status_code == 400 and "proximity" in response.json()
    response = client.get(url("services"), {"proximity": "1000", "postcode": "0000000"})
    assert response.status_code == 400 and "postcode" in response.json()


def test_format_ndjson_wins_over_an_accept_header_asking_for_json(client, network):  # noqa: F811
    response = client.get(url("services"), {"format": "ndjson"}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-ndjson"


def test_public_directory_endpoints_allow_any_origin_and_case_apis_do_not(client, network):  # noqa: F811
    origin = {"HTTP_ORIGIN": "https://otro-directorio.example"}
    assert client.get(url("services"), **origin)["Access-Control-Allow-Origin"] == "*"
    assert client.get("/api/geo/sites/", **origin)["Access-Control-Allow-Origin"] == "*"
    for private in ("/api/cases/", "/api/enrolments/", "/casos/", "/"):
        assert "Access-Control-Allow-Origin" not in client.get(private, **origin), private
    preflight = client.options(url("services"), HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", **origin)
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in preflight
