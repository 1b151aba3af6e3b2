"""Every list of the API answers a page: one envelope, bounded sizes, 4xx for a bad page.

HSDS keeps the page its specification sets (``directory/hsds``) and is left out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.permission_world import World, world_build
from web.pagination import MAX_GEO_PAGE_SIZE, MAX_PAGE_SIZE

pytestmark = pytest.mark.django_db

# (path, who reads it, the key that holds the rows)
LISTS: dict[str, tuple[Callable[[World], str], str, str]] = {
    "cases": (lambda w: "/api/cases/", "caseworker", "results"),
    "provider referrals": (lambda w: "/api/provider/referrals/", "provider", "results"),
    "overdue referrals": (
        lambda w: "/api/coordination/overdue-referrals/",
        "coordinator",
        "results",
    ),
    "multiple alerts": (lambda w: "/api/coordination/multiple-alerts/", "coordinator", "results"),
    "waitlists": (lambda w: "/api/waitlists/", "coordinator", "results"),
    "one waitlist": (lambda w: f"/api/waitlists/{w.service.pk}/", "provider", "results"),
    "waitlist history": (lambda w: "/api/waitlists/history/", "coordinator", "results"),
    "sites (GeoJSON)": (lambda w: "/api/geo/sites/", "anonymous", "features"),
}
BAD_PAGES = ["99999999999999999999", "-1", "0", "abc", "1.5"]


@pytest.fixture
def world() -> World:
    return world_build()


def client(world: World, role: str) -> APIClient:
    api = APIClient()
    user = world.users[role]
    if user is not None:
        api.force_authenticate(user)
    return api


@pytest.mark.parametrize("name", list(LISTS))
def test_each_list_answers_the_envelope_and_refuses_bad_pages(world, name):
    path, role, rows = LISTS[name]
    api, url = client(world, role), path(world)
    body = api.get(url).json()
    assert {"count", "next", "previous", rows} <= set(body), body
    assert isinstance(body[rows], list) and body["count"] >= len(body[rows])
    big = api.get(url, {"page_size": "100000"})
    assert big.status_code == 200
    limit = MAX_GEO_PAGE_SIZE if rows == "features" else MAX_PAGE_SIZE
    assert len(big.json()[rows]) <= limit
    for page in BAD_PAGES:
        response = api.get(url, {"page": page})
        assert response.status_code == 400 and "page" in response.json(), (page, response)
    for size in ("0", "-3", "many"):
        response = api.get(url, {"page_size": size})
        assert response.status_code == 400 and "page_size" in response.json(), (size, response)
    past = api.get(url, {"page": "1000"})
    assert past.status_code == 404 and past.json()["detail"]


def test_walking_the_pages_shows_every_case_once(world):
    api = client(world, "caseworker")
    first = api.get("/api/cases/", {"page_size": "1"}).json()
    assert first["count"] == 4 and first["previous"] is None
    seen = [row["id"] for row in first["results"]]
    url = first["next"]
    while url:
        page = api.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == 4


def test_the_waitlist_page_keeps_the_positions_of_the_whole_queue(world):
    api = client(world, "provider")
    body = api.get(f"/api/waitlists/{world.service.pk}/", {"page_size": "1"}).json()
    assert body["count"] == 1 and [row["position"] for row in body["results"]] == [1]


def test_the_search_pages_with_the_same_parameters_and_links():
    api = APIClient()
    body = api.get("/api/services/search/", {"page_size": "100000"}).json()
    assert body["per_page"] == 100 and body["previous"] is None
    assert {"next", "previous", "results", "has_next"} <= set(body)
    assert api.get("/api/services/search/", {"page_size": "2"}).json()["per_page"] == 2
    for page in BAD_PAGES:
        response = api.get("/api/services/search/", {"page": page})
        assert response.status_code == 400 and "page" in response.json(), page
    refused = api.get("/api/services/search/", {"page_size": "0"})
    assert refused.status_code == 400 and "page_size" in refused.json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref and allOf resolved, one level deep: enough for the envelope."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in node:
        merged: dict[str, Any] = {"type": "object", "properties": {}}
        for part in node["allOf"]:
            merged["properties"].update(_resolve(schema, part).get("properties", {}))
        return merged
    return node


def test_every_list_of_the_schema_documents_page_and_page_size():
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    lists = []
    for path, item in schema["paths"].items():
        if path.startswith("/api/hsds/") or "get" not in item:
            continue
        operation = item["get"]
        content = operation["responses"].get("200", {}).get("content", {})
        for media in content.values():
            body = _resolve(schema, media["schema"])
            assert body.get("type") != "array", f"{path} answers a bare array"
            properties = body.get("properties", {})
            rows = [key for key in ("results", "features") if key in properties]
            if not rows:
                continue
            lists.append(path)
            assert _resolve(schema, properties[rows[0]]).get("type") == "array", path
            names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert {"page", "page_size"} <= names, f"{path} documents {sorted(names)}"
            if path not in ("/api/services/search/", "/api/geo/services/"):
                assert {"count", "next", "previous"} <= set(properties), path
    assert {
        "/api/cases/",
        "/api/provider/referrals/",
        "/api/coordination/overdue-referrals/",
        "/api/coordination/multiple-alerts/",
        "/api/waitlists/",
        "/api/waitlists/{service_id}/",
        "/api/waitlists/history/",
        "/api/geo/sites/",
        "/api/geo/services/",
        "/api/services/search/",
    } <= set(lists)
