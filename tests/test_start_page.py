"""The coordinator's start page: what a local Puente needs, what is loaded, links to the rest."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.factories import (
    OrganizationFactory,
    ServiceFactory,
    TerritoryFactory,
    signed_in,
)

pytestmark = pytest.mark.django_db


def _items(response: Any) -> dict[str, Any]:
    return {item.key: item for item in response.context["items"]}


def test_on_a_new_database_every_item_is_to_do_with_a_link_to_load_it(
    coordinator: Any,
) -> None:
    response = signed_in(coordinator).get(reverse("maps:start"))

    assert response.status_code == 200
    items = _items(response)
    assert list(items) == [
        "territories",
        "population",
        "organizations",
        "services",
        "users",
        "policy",
        "instrument",
    ]
    for key in ("territories", "population", "services", "users", "policy"):
        assert not items[key].loaded, key
    assert items["territories"].url == reverse("admin:directory_territory_import")
    assert items["population"].url == reverse("admin:directory_population_import")
    assert items["policy"].url == reverse("matching:policy")
    assert items["users"].url == ""  # users are the administrator's: the coordinator asks
    html = response.content.decode()
    assert f'href="{reverse("admin:directory_territory_import")}"' in html


def test_what_is_loaded_shows_as_loaded(coordinator: Any, caseworker: Any, provider: Any) -> None:
    TerritoryFactory(children_0_5=10)
    ServiceFactory(organization=OrganizationFactory())

    items = _items(signed_in(coordinator).get(reverse("maps:start")))

    assert items["territories"].loaded and items["population"].loaded
    assert items["organizations"].loaded and items["services"].loaded
    assert items["users"].loaded  # a caseworker and a provider


def test_the_start_page_is_linked_from_the_coordinators_home_and_refused_to_others(
    coordinator: Any, client: Any, request: pytest.FixtureRequest
) -> None:
    """The cells of docs/permissions.md."""
    url = reverse("maps:start")
    assert url in signed_in(coordinator).get(reverse("maps:home")).content.decode()
    expected = {"administrator": 200, "caseworker": 403, "provider": 403, "planner": 403}
    for role, status in expected.items():
        assert signed_in(request.getfixturevalue(role)).get(url).status_code == status, role
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/entrar/" in anonymous["Location"]


@pytest.mark.parametrize("role", ["coordinator", "administrator"])
def test_every_link_on_the_start_page_opens_for_whom_it_is_shown(
    role: str, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(role))
    items = client.get(reverse("maps:start")).context["items"]
    links = [item.url for item in items if item.url]
    assert len(links) >= 4
    for link in links:
        assert client.get(link).status_code == 200, link


def test_the_administrator_is_sent_to_the_invitations_page_to_add_users(
    administrator: Any,
) -> None:
    items = _items(signed_in(administrator).get(reverse("maps:start")))
    assert items["users"].url == reverse("people:invitations")
