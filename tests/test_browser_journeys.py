"""Each role's main journey, as a person would make it, in headless Chromium.

A family finds a service on the map by filters; a caseworker sends a referral from
the options map's popup and the provider accepts it; a coordinator draws a service's
area; the main pages fit a phone and can be used with the keyboard.
(The planner's journey lives with the gap pages.)
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.core.management import call_command

from accounts.models import Role
from directory.models import (
    Eligibility,
    ServiceAtSite,
    ServiceStatus,
)
from matching.models import Referral, ReferralStatus
from tests.browser import block_outside_requests, sign_in
from tests.factories import (
    ServiceFactory,
    comuna_with_two_sectors,
    referral_world,
    user_with_role,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def _no_sideways_scroll(page) -> None:
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide


def _loaded(page):
    page.wait_for_selector("#servicemap[data-loaded=true]")


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db):
    call_command("demo_municipality", "--services", "40", "--seed", "3", "--no-users", verbosity=0)


def test_a_family_finds_a_service_by_filters_on_the_map_and_shares_the_link(
    live_server, browser, demo
):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    blocked = block_outside_requests(page)
    page.goto(live_server.url + "/")
    _loaded(page)
    page.select_option("#id_category", "social")
    page.fill("#id_age", "8")
    page.check("#id_open_slots")
    page.click("#filters button[type=submit]")
    # The submitted filters' drawing, not a load the map began before the last click.
    page.wait_for_selector(
        "#servicemap[data-loaded=true][data-filters='category=social&age=8&open_slots=on']"
    )
    query = parse_qs(urlparse(page.url).query)
    assert query["category"] == ["social"] and query["age"] == ["8"]
    assert query["open_slots"] == ["on"] and "view" in query

    expected = {
        str(pk)
        for pk in ServiceAtSite.objects.filter(
            service__status=ServiceStatus.ACTIVE,
            service__category_codes__contains=["social"],
            capacity__gt=0,
        )
        .exclude(service__eligibility__min_age__gt=8)
        .exclude(service__eligibility__max_age__lt=8)
        .values_list("pk", flat=True)
    }
    listed = set(page.locator(".service-item").evaluate_all("els => els.map(e => e.dataset.id)"))
    assert listed and listed <= expected

    # The card: what, where, when, who may come, how to access, free slots.
    page.locator(".service-link").first.click()
    card = page.locator(".leaflet-popup-content .service-card")
    card.wait_for()
    assert card.locator("dt").count() >= 5
    assert card.locator(".card-slots").inner_text().strip()[0].isdigit()

    # The link, opened elsewhere, shows the same filters and the same view.
    shared = browser.new_page(viewport={"width": 1280, "height": 800})
    block_outside_requests(shared)
    shared.goto(page.url)
    _loaded(shared)
    assert shared.locator("#id_category").input_value() == "social"
    assert shared.locator("#id_open_slots").is_checked()
    assert shared.evaluate("window.puenteMap.getZoom()") == page.evaluate(
        "window.puenteMap.getZoom()"
    )
    assert blocked == []


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    return referral_world()


def test_a_caseworker_refers_from_the_map_popup_and_the_provider_accepts(
    live_server, browser, world
):
    case, eligible = world["case"], world["eligible"]
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/inicio/")
    page.click("#role-caseworker a[href='/casos/']")
    page.click(f"tr[data-code='{case.code}'] a.case-code")
    page.click(f"li[data-need='{world['need'].pk}'] a.options-link")
    page.wait_for_selector(".leaflet-marker-icon.option-marker")

    # The excluded service is greyed and says why when it gets the keyboard focus.
    greyed = page.locator(".leaflet-marker-icon.option-marker-excluded")
    greyed.focus()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert "14" in tooltip.inner_text()

    # Refer from the eligible marker's popup.
    page.locator(".leaflet-marker-icon.option-marker").click()
    form = page.locator(".leaflet-popup-content form.popup-refer-form")
    form.wait_for()
    note = form.locator("textarea[name=shared_note]")
    assert note.get_attribute("id", timeout=1000).startswith("map-")
    note.fill("Desde el mapa: prefiere la tarde.")
    with page.expect_navigation():
        form.locator("button.refer-button").click()
    assert page.url.endswith(f"/casos/{case.pk}/")
    referral = Referral.objects.get(case=case)
    assert referral.status == ReferralStatus.SENT
    assert referral.service_at_site_id == eligible.pk
    assert blocked == []

    # The provider: from the home to the inbox, accept.
    page, blocked = sign_in(browser, live_server, world["provider"], "/inicio/")
    page.click("#role-provider a[href='/prestador/derivaciones/']")
    row = page.locator(f"tr[data-referral='{referral.pk}']")
    with page.expect_navigation():
        row.locator("a.case-code").click()
    assert "Desde el mapa" in page.locator("#shared-note").inner_text()
    page.fill("#id_accepted_note", "Cupo el lunes.")
    with page.expect_navigation():
        page.click("#move-accepted button[type=submit]")
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert blocked == []


def test_the_main_pages_fit_a_phone_and_start_with_a_skip_link(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["caseworker"], "/inicio/", viewport=PHONE)
    for path in ["/inicio/", "/", "/casos/", f"/casos/{world['case'].pk}/opciones/"]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        _no_sideways_scroll(page)
        # The first Tab reaches the skip link, visibly.
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.className")
        assert "skip-link" in focused, path
        left = page.evaluate("document.activeElement.getBoundingClientRect().left")
        assert left >= 0, path
    page, blocked = sign_in(browser, live_server, world["provider"], "/inicio/", viewport=PHONE)
    for path in ["/inicio/", "/prestador/derivaciones/", "/prestador/cupos/"]:
        page.goto(live_server.url + path)
        _no_sideways_scroll(page)
    assert blocked == []


def test_every_map_filter_has_a_label(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    unlabeled = page.evaluate(
        "[...document.querySelectorAll('#filters input:not([type=hidden]), #filters select')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"
    )
    assert unlabeled == []


def test_a_coordinator_draws_a_service_area_by_clicking_sectors(
    live_server, browser, django_db_serialized_rollback, transactional_db
):
    east = comuna_with_two_sectors()["east"]
    service = ServiceFactory(name="Programa Barrial")
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora")
    page, blocked = sign_in(browser, live_server, coordinator, "/inicio/")
    page.click("#role-coordinator a[href='/mapa/editar/']")
    page.fill("#edit-q", "Barrial")
    with page.expect_navigation():
        page.click(".edit-search button[type=submit]")
    with page.expect_navigation():
        page.click(f"a[href='/mapa/editar/prestaciones/{service.pk}/area/']")
    page.wait_for_selector("#editmap[data-loaded=true]")
    assert page.locator(".leaflet-draw-draw-polygon").count() == 1  # Leaflet.draw, local
    box_east = page.locator(f"input[name=territories][value='{east.pk}']")
    assert not box_east.is_checked()
    # Click the east half of the map, where the eastern sector is drawn.
    bounds = page.locator("#editmap").bounding_box()
    assert bounds is not None
    page.mouse.click(bounds["x"] + bounds["width"] * 0.75, bounds["y"] + bounds["height"] / 2)
    assert box_east.is_checked()
    with page.expect_navigation():
        page.click("#area-form button[type=submit]")
    assert list(Eligibility.objects.get(service=service).service_area.all()) == [east]
    assert blocked == []
