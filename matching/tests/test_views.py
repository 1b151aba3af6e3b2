"""What every matching page shares over HTTP: each opens for its role only, an
unknown id is a 404 rather than a 500, and the navigation offers each role its pages.

The pages themselves are tested by family: ``test_views_cases``, ``test_views_options``,
``test_views_inbox``, ``test_views_provider``, ``test_views_coordination`` and
``test_views_alerts``. The data fixtures are in ``conftest``."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

# tests/test_closed_loop.py imports these from here.
from matching.tests.conftest import _as, consent, offer, sent  # noqa: F401

pytestmark = pytest.mark.django_db


# --- refusals ----------------------------------------------------------------------------

ROLE_PAGES = {
    "matching:case_list": "caseworker",
    "matching:case_new": "caseworker",
    "matching:provider_inbox": "provider",
    "matching:coordination": "coordinator",
    "matching:policy": "coordinator",
}


@pytest.mark.parametrize("name", list(ROLE_PAGES))
def test_a_role_page_asks_an_anonymous_visitor_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "role"), list(ROLE_PAGES.items()))
def test_each_role_page_opens_for_its_role_and_is_forbidden_to_the_others(
    client, name, role, caseworker, provider, coordinator, planner, administrator
):
    users = {
        "caseworker": caseworker,
        "provider": provider,
        "coordinator": coordinator,
        "planner": planner,
        "administrator": administrator,
    }
    for user_role, user in users.items():
        client.force_login(user)
        expected = 200 if user_role == role else 403
        assert client.get(reverse(name)).status_code == expected, (name, user_role)


def test_unknown_and_malformed_ids_are_404_not_500(client, caseworker, provider, case):
    client.force_login(caseworker)
    assert client.get(f"/casos/{uuid.uuid4()}/").status_code == 404
    assert client.get("/casos/not-a-uuid/").status_code == 404
    options = reverse("matching:case_options", args=[case.pk])
    assert client.get(options + "?need=nonsense").status_code == 404
    assert client.get(options + f"?need={uuid.uuid4()}").status_code == 404
    client.force_login(provider)
    assert client.get(f"/prestador/derivaciones/{uuid.uuid4()}/").status_code == 404
    assert client.get("/prestador/derivaciones/123/").status_code == 404


# --- navigation ---------------------------------------------------------------------------------


def test_the_navigation_offers_each_role_its_pages(
    client, caseworker, provider, coordinator, administrator
):
    expected = {
        caseworker: {"cases", "inbox", "alert"},
        provider: {"provider", "inbox", "alert"},
        coordinator: {"coordination", "policy", "inbox", "alert"},
        administrator: set(),
    }
    for user, navs in expected.items():
        content = _as(client, user).get(reverse("matching:alert_sent")).content.decode()
        found = {n for n in ("cases", "provider", "coordination", "policy", "inbox", "alert")}
        found = {n for n in found if f'data-nav="{n}"' in content}
        assert found == navs, user.username
        assert content.count('data-nav="alert"') == (1 if navs else 0)
