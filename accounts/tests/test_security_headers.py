"""Security headers, and a CSP whose nonce the pages' inline scripts carry."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from config.settings.base import _tiles_origin
from tests.factories import case_of

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>", re.S)


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def _inline_scripts(html: str) -> list[str]:
    """Attributes of every inline script the browser would run (JSON blocks do not run)."""
    found = []
    for attributes in SCRIPT.findall(html):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        found.append(attributes)
    return found


def _assert_inline_scripts_carry_the_nonce(response) -> None:
    """Every inline script the page runs carries the nonce of the page's own header."""
    assert "Content-Security-Policy" in response
    scripts = _inline_scripts(response.content.decode())
    nonces = [s for s in _policy(response)["script-src"] if s.startswith("'nonce-")]
    if not scripts:
        return  # nothing inline to allow; the header then needs no nonce either
    assert len(nonces) == 1, _policy(response)["script-src"]
    nonce = nonces[0][len("'nonce-") : -1]
    for attributes in scripts:
        assert f'nonce="{nonce}"' in attributes, attributes


def test_the_leaflet_map_tag_gives_its_inline_script_the_requests_nonce(rf):
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.template import RequestContext, Template

    request = rf.get("/")
    middleware = CSPMiddleware(lambda r: HttpResponse())
    middleware.process_request(request)
    html = Template('{% load leaflet_tags %}{% leaflet_map "m" %}').render(
        RequestContext(request, {})
    )
    response = middleware.process_response(request, HttpResponse(html))
    assert 'nonce="' in html
    _assert_inline_scripts_carry_the_nonce(response)
    assert len(_inline_scripts(html)) == 1


@pytest.mark.parametrize("page", ["case_new", "alert_raise"])
def test_a_map_page_sends_a_csp_whose_nonce_its_inline_scripts_carry(client, caseworker, page):
    client.force_login(caseworker)
    response = client.get(reverse(f"matching:{page}"))
    assert response.status_code == 200
    _assert_inline_scripts_carry_the_nonce(response)


def test_the_options_map_of_a_case_carries_the_nonce(client, caseworker):
    case = case_of(caseworker)
    client.force_login(caseworker)
    response = client.get(reverse("matching:case_options", args=[case.pk]))
    assert response.status_code == 200
    _assert_inline_scripts_carry_the_nonce(response)


def test_each_response_gets_a_new_nonce(client, caseworker):
    client.force_login(caseworker)
    first = _policy(client.get(reverse("matching:case_new")))["script-src"]
    second = _policy(client.get(reverse("matching:case_new")))["script-src"]
    assert first != second


def test_the_policy_allows_no_inline_script_without_the_nonce_and_no_other_origin(client):
    policy = _policy(client.get("/entrar/"))
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]  # no tiles in tests
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]


def test_the_usual_security_headers_are_sent(client):
    response = client.get("/entrar/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("", None),
        ("/tiles/{z}/{x}/{y}.png", None),  # same origin: 'self' covers it
    ],
)
def test_the_tile_server_is_the_one_outside_origin_for_images(url, origin):
    assert _tiles_origin(url) == origin


def test_the_api_docs_have_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert _inline_scripts(response.content.decode()) == []
