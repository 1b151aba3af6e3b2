"""A referral from end to end, as the caseworker and the provider see it in Chromium."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from cases.models import Case
from matching.models import Referral, ReferralStatus
from tests.browser import screenshot, sign_in
from tests.factories import (
    referral_world,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    """One case with a need and consent, an eligible service and an excluded one."""
    return referral_world()


def test_a_caseworker_sees_ranked_options_on_the_map_and_sends_a_referral_the_provider_accepts(
    live_server, browser, world
):
    case, eligible, excluded = world["case"], world["eligible"], world["excluded"]

    # The caseworker: from the list to the case, to its options.
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/casos/")
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
    screenshot(page, "referral-options.png")

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
    screenshot(page, "case-page.png")
    assert blocked == []

    # The provider: the inbox, the packet, accept.
    page, blocked = sign_in(browser, live_server, world["provider"], "/prestador/derivaciones/")
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    assert row.get_attribute("data-status") == "sent"
    with page.expect_navigation():
        row.locator("a.case-code").click()
    assert page.locator("#case-code").inner_text() == case.code
    assert "Prefiere horario de tarde." in page.locator("#shared-note").inner_text()
    assert case.birth_date.strftime("%d/%m/%Y") not in page.content()
    screenshot(page, "referral-packet.png")
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
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/casos/nuevo/")
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
    screenshot(page, "case-form.png")
    with page.expect_navigation():
        page.click("#case-form button[type=submit]")
    created = Case.objects.exclude(pk=world["case"].pk).get()
    assert page.url.endswith(f"/casos/{created.pk}/")
    assert page.locator("#case-code").inner_text() == created.code
    assert blocked == []


def test_the_case_list_reads_on_a_phone(live_server, browser, world):
    page, _blocked = sign_in(
        browser,
        live_server,
        world["caseworker"],
        "/casos/",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
    )
    row = page.locator(f"tr[data-code='{world['case'].code}']")
    assert row.is_visible()
    screenshot(page, "case-list-phone.png")
    # What sticks out, if anything, to name it in the failure.
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > 376)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
    )
    # No sideways scrolling: the table turns into stacked cards.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, wide
