"""The account pages (API tokens, two-factor set-up and sign-in code) in the site's layout,
and the token page showing the header a token goes in, placeholder included."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join("".join(parser.parts).split())


def _in_the_site_layout(html: str) -> None:
    assert 'href="/static/matching/matching.css"' in html
    assert '<div class="page' in html
    assert 'class="card' in html


def test_the_token_page_shows_the_header_with_its_placeholder_escaped_and_in_spanish(
    client, caseworker
):
    client.force_login(caseworker)
    html = client.get("/cuenta/tokens/").content.decode()
    # Once swallowed as an unknown tag "<key>": now escaped, so a reader sees it.
    assert 'id="token-header">Authorization: Token &lt;clave&gt;</code>' in html
    assert "Authorization: Token <clave>" in _text(html)
    assert "<key>" not in html and "<clave>" not in html
    _in_the_site_layout(html)
    assert 'id="token-create-form"' in html and 'class="form card"' in html


def test_the_two_factor_set_up_page_is_in_the_site_layout(client, caseworker):
    client.force_login(caseworker)
    html = client.get("/cuenta/doble-factor/").content.decode()
    _in_the_site_layout(html)
    assert '<form method="post" class="form" novalidate id="otp-setup-form">' in html
    assert '<div class="qr" id="otp-qr"><svg' in html


def test_a_wrong_code_is_named_at_its_field_in_the_site_layout(client, caseworker):
    TOTPDevice.objects.create(user=caseworker, name="Puente", confirmed=True)
    sign_in(client, caseworker.username)
    response = client.post("/entrar/codigo/", {"token": "12ab", "next": "/casos/"})
    html = response.content.decode()
    assert response.status_code == 200
    _in_the_site_layout(html)
    assert '<form method="post" class="form" novalidate id="otp-verify-form">' in html
    assert 'class="field field-text has-error"' in html
    assert 'id="id_token_errors" role="alert"' in html
