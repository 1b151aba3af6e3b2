"""Who may open the planners' pages, JSON and downloads: planners and coordinators only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gaps.tests.conftest import PSY, signed_in

pytestmark = pytest.mark.django_db


PAGES = ["gaps:map", "gaps:trends", "gaps:network"]
DOWNLOADS = [
    ("gaps:inventory_download", "csv"),
    ("gaps:inventory_download", "xlsx"),
    ("gaps:network_download", "csv"),
    ("gaps:network_download", "xlsx"),
]


@pytest.mark.parametrize("name", PAGES)
def test_a_planner_page_asks_an_anonymous_visitor_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_for_planners_and_coordinators_and_is_forbidden_to_the_others(
    client,
    name,
    inventory,
    network_snapshot,
    caseworker,
    provider,
    coordinator,
    planner,
    administrator,
):
    expected = {
        caseworker: 403,
        provider: 403,
        administrator: 403,
        coordinator: 200,
        planner: 200,
    }
    for user, status in expected.items():
        assert signed_in(client, user).get(reverse(name)).status_code == status, (name, user)


@pytest.mark.parametrize(("name", "fmt"), DOWNLOADS)
def test_downloads_are_refused_to_anyone_but_planners_and_coordinators(
    client, name, fmt, inventory, network_snapshot, caseworker, provider, administrator, planner
):
    url = reverse(name, args=[fmt])
    assert client.get(url).status_code == 302
    for user in (caseworker, provider, administrator):
        assert signed_in(client, user).get(url).status_code == 403
    assert signed_in(client, planner).get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/gaps/map/?category=" + PSY,
        "/api/gaps/inventory/",
        "/api/gaps/network/",
    ],
)
def test_the_json_is_refused_to_anonymous_visitors_and_other_roles(
    client, url, inventory, network_snapshot, caseworker, provider, administrator, coordinator
):
    assert client.get(url).status_code == 403
    for user in (caseworker, provider, administrator):
        assert signed_in(client, user).get(url).status_code == 403
    assert signed_in(client, coordinator).get(url).status_code == 200


def test_the_nav_url_names_resolve_to_spanish_paths():
    assert reverse("gaps:map") == "/brechas/"
    assert reverse("gaps:trends") == "/brechas/tendencias/"
    assert reverse("gaps:network") == "/brechas/red/"
