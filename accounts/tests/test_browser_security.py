"""Two-factor sign-in and the map pages under the Content-Security-Policy, in Chromium."""

from __future__ import annotations

import base64

import pytest
from django_otp.oath import totp

from accounts.models import Role, TwoFactorRequirement
from tests.browser import PASSWORD, block_outside_requests
from tests.factories import TerritoryFactory, case_of

pytestmark = pytest.mark.browser

# Playwright's init scripts run outside the page's CSP, so this listener sees every
# violation the page causes.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db, caseworker):
    TerritoryFactory()
    TwoFactorRequirement.objects.create(role=Role.CASEWORKER)
    return {"caseworker": caseworker, "case": case_of(caseworker)}


def _code(secret: str) -> str:
    return str(totp(base64.b32decode(secret))).zfill(6)


def test_a_caseworker_enrols_two_factor_then_works_on_map_pages_without_csp_violations(
    live_server, browser, world
):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(RECORD_VIOLATIONS)
    blocked = block_outside_requests(page)
    page.goto(f"{live_server.url}/entrar/?next=/casos/nuevo/")
    page.fill("#id_username", world["caseworker"].username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-submit")
    # The role requires a second factor: enrolment comes before any page.
    page.wait_for_selector("#otp-qr svg")
    assert "/cuenta/doble-factor/" in page.url
    page.fill("#id_token", _code(page.locator("#otp-secret").inner_text()))
    page.click("#otp-confirm")
    page.wait_for_url("**/casos/nuevo/")

    page.wait_for_selector("#pointmap.leaflet-container")  # django-leaflet's inline script ran
    assert page.evaluate("window.__cspViolations") == []
    page.goto(f"{live_server.url}/casos/{world['case'].pk}/opciones/")
    page.wait_for_selector(".leaflet-container")
    assert page.evaluate("window.__cspViolations") == []
    page.goto(f"{live_server.url}/")
    page.wait_for_selector(".leaflet-container")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__cspViolations") == []
    # The language switch's onchange handler is allowed by its hash, and only it.
    page.select_option("#language-select", "en")
    page.wait_for_selector("html[lang=en]")
    assert blocked == []
