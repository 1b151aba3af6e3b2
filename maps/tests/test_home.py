from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory, user_with_role

pytestmark = pytest.mark.django_db


def test_the_home_asks_an_anonymous_visitor_to_sign_in(client):
    response = client.get(reverse("maps:home"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_public_map_stays_the_landing_page_for_anonymous_visitors(client):
    assert client.get("/").status_code == 200


@pytest.mark.parametrize(
    "role, expected, absent",
    [
        (Role.CASEWORKER, "matching:case_list", "matching:coordination"),
        (Role.PROVIDER, "matching:provider_inbox", "matching:case_list"),
        (Role.COORDINATOR, "waitlists:rounds", "matching:provider_inbox"),
        (Role.ADMINISTRATOR, "admin:index", "matching:case_list"),
    ],
)
def test_each_role_sees_the_links_to_its_own_work(client, role, expected, absent):
    client.force_login(user_with_role(role))
    html = client.get(reverse("maps:home")).content.decode()
    assert f'id="role-{role}"' in html
    assert f'href="{reverse(expected)}"' in html
    section = html.split(f'id="role-{role}"')[1]
    assert f'href="{reverse(absent)}"' not in section.split("</section>")[0]


def test_a_planner_home_links_the_gap_pages_that_exist(client):
    client.force_login(user_with_role(Role.PLANNER))
    response = client.get(reverse("maps:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="role-planner"' in html
    assert f'href="{reverse("maps:service_map")}"' in html


def test_a_link_whose_page_does_not_exist_is_left_out():
    from maps.home import ROLE_LINKS, home_cards

    ROLE_LINKS[Role.PLANNER].insert(0, ("gaps:no_such_page", "X", "Y"))
    try:
        [card] = home_cards(roles={Role.PLANNER})
    finally:
        ROLE_LINKS[Role.PLANNER].pop(0)
    assert "X" not in [link.label for link in card.links]


def test_a_user_without_a_role_is_told_to_ask_for_one(client):
    client.force_login(UserFactory())
    assert 'id="no-role"' in client.get(reverse("maps:home")).content.decode()
