"""The account pages as a person sees them: styled like the rest of the site, and the
token header's placeholder on the screen."""

from __future__ import annotations

import pytest

from tests.browser import assert_accessible, sign_in

pytestmark = pytest.mark.browser

ACCENT = "rgb(11, 93, 140)"  # --accent in static/puente.css


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db, caseworker):
    return {"caseworker": caseworker}


def test_the_two_factor_and_token_pages_look_like_the_rest_of_the_site(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/cuenta/doble-factor/")
    page.wait_for_selector("#otp-qr svg")
    # The site's page frame, card and form styles, not the browser's defaults.
    assert page.eval_on_selector(".page", "e => getComputedStyle(e).maxWidth") == "1100px"
    assert page.eval_on_selector(".card", "e => getComputedStyle(e).borderRadius") == "6px"
    button = page.locator("#otp-confirm")
    assert button.evaluate("e => getComputedStyle(e).backgroundColor") == ACCENT
    assert button.evaluate("e => getComputedStyle(e).color") == "rgb(255, 255, 255)"
    field = page.locator("#id_token")
    assert field.evaluate("e => getComputedStyle(e).borderTopColor") == "rgb(138, 148, 158)"
    assert_accessible(page)

    page.goto(f"{live_server.url}/cuenta/tokens/")
    assert page.locator("#token-header").inner_text() == "Authorization: Token <clave>"
    assert (
        page.locator("#token-create-form button").evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        == ACCENT
    )
    assert_accessible(page)
    assert blocked == []
