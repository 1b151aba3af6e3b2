"""A referral from end to end, as the caseworker and the provider see it in Chromium."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.gis.geos import Point
from django.db import connections

from accounts.models import Role
from directory.models import RiskLevel, TaxonomyTerm
from matching.models import Case, ConsentScope, Referral, ReferralStatus
from matching.services import case_need_add, consent_record
from tests.browser import block_outside_requests, chromium
from tests.factories import (
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    case_of,
    user_with_role,
)

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
# run in a thread with a loop unless told the test knows what it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "clave-de-prueba"  # tests.factories.UserFactory's


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser
        # Queries made while Playwright's loop runs use a connection of their own.
        connections.close_all()


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    """One case with a need and consent, an eligible service and an excluded one."""
    TerritoryFactory()
    provider_org = OrganizationFactory(name="Fundación Proveedora")
    caseworker = user_with_role(Role.CASEWORKER, username="gestora")
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestadora")
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    case = case_of(caseworker, risk_level=RiskLevel.HIGH)
    need = case_need_add(actor=caseworker, case=case, term=term)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    eligible = ServiceAtSiteFactory(
        service__organization=provider_org,
        service__name="Apoyo Psicológico Infantil",
        site__point=Point(-70.59, -33.445, srid=4326),
    )
    eligible.service.categories.add(term)
    excluded = ServiceAtSiteFactory(
        service__name="Taller para Adolescentes",
        service__eligibility__min_age=14,
        site__point=Point(-70.612, -33.456, srid=4326),
    )
    excluded.service.categories.add(term)
    return {
        "caseworker": caseworker,
        "provider": provider,
        "case": case,
        "need": need,
        "eligible": eligible,
        "excluded": excluded,
    }


def _sign_in(browser, live_server, user, next_path):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked = block_outside_requests(page)
    page.goto(f"{live_server.url}/entrar/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-submit")
    return page, blocked


def _shot(page, name):
    shots = os.environ.get("PUENTE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / name), full_page=True)


def test_a_caseworker_sees_ranked_options_on_the_map_and_sends_a_referral_the_provider_accepts(
    live_server, browser, world
):
    case, eligible, excluded = world["case"], world["eligible"], world["excluded"]

    # The caseworker: from the list to the case, to its options.
    page, blocked = _sign_in(browser, live_server, world["caseworker"], "/casos/")
    assert page.url.endswith("/casos/")
    page.click(f"tr[data-code='{case.code}'] a.case-code")
    page.wait_for_selector("#priority-score")
    assert page.locator("#case-code").inner_text() == case.code
    assert page.locator("#priority-components tr.component").count() >= 1
    page.click(f"li[data-need='{world['need'].pk}'] a.options-link")
    page.wait_for_selector(".leaflet-marker-icon.option-marker")

    # On the map: the home, one eligible service, the excluded one greyed with its reason.
    assert page.locator("path.home-marker").count() == 1
    assert page.locator(".leaflet-marker-icon.option-marker").count() == 1
    greyed = page.locator(".leaflet-marker-icon.option-marker-excluded")
    assert greyed.count() == 1
    assert float(greyed.evaluate("el => getComputedStyle(el).opacity")) < 0.6
    assert "14" in (greyed.get_attribute("title") or "")
    # In the list: the same, the excluded one greyed with the reason on hover.
    item = page.locator(f"#option-{excluded.pk}")
    assert "option-excluded" in (item.get_attribute("class") or "")
    assert "14" in (item.get_attribute("title") or "")
    assert page.locator(f"#option-{eligible.pk} .reason").count() >= 3
    _shot(page, "referral-options.png")

    # Refer: the note, then send.
    option = page.locator(f"#option-{eligible.pk}")
    option.locator("summary").click()
    option.locator("textarea[name=shared_note]").fill("Prefiere horario de tarde.")
    with page.expect_navigation():
        option.locator("button.refer-button").click()
    assert page.url.endswith(f"/casos/{case.pk}/")
    assert page.locator(".message-success").count() == 1
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.SENT
    assert page.locator(f"#referral-{referral.pk}[data-status=sent]").count() == 1
    _shot(page, "case-page.png")
    assert blocked == []

    # The provider: the inbox, the packet, accept.
    page, blocked = _sign_in(browser, live_server, world["provider"], "/prestador/derivaciones/")
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    assert row.get_attribute("data-status") == "sent"
    with page.expect_navigation():
        row.locator("a.case-code").click()
    assert page.locator("#case-code").inner_text() == case.code
    assert "Prefiere horario de tarde." in page.locator("#shared-note").inner_text()
    assert case.birth_date.strftime("%d/%m/%Y") not in page.content()
    _shot(page, "referral-packet.png")
    page.fill("#id_accepted_note", "Cupo el lunes a las 15:00.")
    with page.expect_navigation():
        page.click("#move-accepted button[type=submit]")
    assert page.locator("#referral-status").get_attribute("data-status") == "accepted"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert blocked == []


def test_a_caseworker_registers_a_case_setting_the_home_with_a_click_on_the_map(
    live_server, browser, world
):
    page, blocked = _sign_in(browser, live_server, world["caseworker"], "/casos/nuevo/")
    page.wait_for_selector("#pointmap.leaflet-container")
    page.fill("#id_birth_date", (date.today() - timedelta(days=5 * 365)).isoformat())
    page.select_option("#id_sex", "female")
    page.select_option("#id_risk_level", "moderate")
    page.select_option("#id_access_route", "referral")
    page.check("label:has-text('Atención psicológica') >> xpath=preceding-sibling::input")
    # No tiles in tests: the map is the territory-less default view around the comuna.
    page.locator("#pointmap").click(position={"x": 150, "y": 120})
    assert re.fullmatch(r"-?\d+\.\d{6}", page.input_value("#id_latitude"))
    assert re.fullmatch(r"-?\d+\.\d{6}", page.input_value("#id_longitude"))
    # The click landed somewhere; put the home where the territory is, by typing.
    page.fill("#id_latitude", "-33.45")
    page.fill("#id_longitude", "-70.60")
    _shot(page, "case-form.png")
    with page.expect_navigation():
        page.click("#case-form button[type=submit]")
    created = Case.objects.exclude(pk=world["case"].pk).get()
    assert page.url.endswith(f"/casos/{created.pk}/")
    assert page.locator("#case-code").inner_text() == created.code
    assert blocked == []


def test_the_case_list_reads_on_a_phone(live_server, browser, world):
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    block_outside_requests(page)
    page.goto(f"{live_server.url}/entrar/?next=/casos/")
    page.fill("#id_username", world["caseworker"].username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-submit")
    row = page.locator(f"tr[data-code='{world['case'].code}']")
    assert row.is_visible()
    _shot(page, "case-list-phone.png")
    # What sticks out, if anything, to name it in the failure.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
    )
    # No sideways scrolling: the table turns into stacked cards.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, wide
