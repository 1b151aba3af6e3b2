"""A service's access routes appear in the admin by their labels, never their stored codes."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.urls import reverse

from directory.models import AccessRoute
from tests.factories import ServiceFactory, signed_in

pytestmark = pytest.mark.django_db


def _change_page(user, service, language: str | None = None) -> str:
    client = signed_in(user)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("admin:directory_service_change", args=[service.pk]))
    assert page.status_code == 200
    return page.content.decode()


def _readonly_routes(html: str) -> str:
    row = re.search(r'field-access_routes_shown.*?<div class="readonly">(.*?)</div>', html, re.S)
    assert row, "no read-only access routes on the page"
    return row[1].strip()


def test_a_service_read_only_shows_its_access_routes_by_their_spanish_labels(provider, other_org):
    service = ServiceFactory(
        organization=other_org, access_routes=[AccessRoute.REFERRAL, AccessRoute.OUTREACH]
    )
    html = _change_page(provider, service)
    assert _readonly_routes(html) == f"{AccessRoute.REFERRAL.label}, {AccessRoute.OUTREACH.label}"
    assert _readonly_routes(html).startswith("Derivación, ")
    assert not re.search(r">\s*referral", html)


def test_the_read_only_routes_follow_the_language_switch(provider, other_org):
    service = ServiceFactory(organization=other_org, access_routes=[AccessRoute.SELF_REFERRAL])
    assert _readonly_routes(_change_page(provider, service, "en")) == "Self-referral"


def test_the_read_only_routes_stand_where_the_field_stands_and_only_once(provider, other_org):
    service = ServiceFactory(organization=other_org)
    html = _change_page(provider, service)
    rows = re.findall(r'class="form-row field-(\w+)', html)
    assert rows.count("access_routes_shown") == 1
    assert rows.index("access_routes_shown") == rows.index("modality") + 1


def test_a_service_one_may_edit_offers_the_routes_as_labelled_checkboxes(coordinator, other_org):
    service = ServiceFactory(organization=other_org)
    html = _change_page(coordinator, service)
    assert "field-access_routes_shown" not in html
    checked = re.search(
        r'<label for="id_access_routes_\d+"><input type="checkbox" name="access_routes"'
        r' value="referral"[^>]*checked[^>]*>\s*(.*?)</label>',
        html,
        re.S,
    )
    assert checked and checked[1].strip() == "Derivación"
