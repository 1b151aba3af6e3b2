"""Markup stored in directory text stays text on every page and map popup that shows it.

The test's browser ignores the Content-Security-Policy: output encoding alone must
keep the payloads inert, as it must for a browser or proxy that drops the header.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page

from accounts.models import Role
from directory.models import Eligibility, Territory, TerritoryLevel
from tests.browser import sign_in
from tests.factories import box, referral_world, user_with_role

pytestmark = pytest.mark.browser

PAYLOAD = '<img src=x class=xss-probe onerror="window.__xss=1;alert(1)">'


def _probe(page: Page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator(".xss-probe").count() == 0


def _watch(page: Page) -> list[str]:
    dialogs: list[str] = []

    def dismiss(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return dialogs


@pytest.fixture
def poisoned(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    world = referral_world()
    sas = world["eligible"]
    service, site, org = sas.service, sas.site, sas.service.organization
    service.name = "Apoyo " + PAYLOAD
    service.description = "Descripción " + PAYLOAD
    service.save()
    org.name = "Fundación " + PAYLOAD
    org.save()
    site.name = "Sede " + PAYLOAD
    site.address_1 = "Calle " + PAYLOAD
    site.save()
    Eligibility.objects.filter(service=service).update(notes="Notas " + PAYLOAD)
    comuna = site.territory
    Territory.objects.create(
        code="S-XSS",
        name="Sector " + PAYLOAD,
        level=TerritoryLevel.SECTOR,
        depth=2,
        parent=comuna,
        geometry=box(-70.7, -33.5, -70.5, -33.4),
    )
    world["coordinator"] = user_with_role(Role.COORDINATOR, username="coordinadora")
    return world


def test_search_results_and_their_map_popups_keep_markup_as_text(live_server, browser, poisoned):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = _watch(page)
    page.goto(f"{live_server.url}/buscar/?q=apoyo")
    page.wait_for_selector("#results .service-item")
    assert PAYLOAD in page.locator("#results").inner_text()
    page.locator(".leaflet-marker-icon").first.click()
    page.wait_for_selector(".leaflet-popup-content")
    assert PAYLOAD in page.locator(".leaflet-popup-content").inner_text()
    _probe(page, dialogs)
    context.close()


def test_the_map_card_popup_and_the_card_page_keep_markup_as_text(live_server, browser, poisoned):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    dialogs = _watch(page)
    page.goto(live_server.url + "/")
    page.wait_for_selector(".service-link")
    page.locator(".service-link").first.click()
    card = page.locator(".leaflet-popup-content .service-card")
    card.wait_for()
    assert PAYLOAD in card.inner_text()
    _probe(page, dialogs)
    page.goto(f"{live_server.url}/mapa/ficha/{poisoned['eligible'].pk}/")
    assert "Notas " + PAYLOAD in page.content().replace("&lt;", "<").replace("&gt;", ">")
    _probe(page, dialogs)
    context.close()


def test_the_service_area_editor_keeps_territory_names_as_text(live_server, browser, poisoned):
    page, _blocked = sign_in(
        browser,
        live_server,
        poisoned["coordinator"],
        f"/mapa/editar/prestaciones/{poisoned['eligible'].service.pk}/area/",
        bypass_csp=True,
    )
    dialogs = _watch(page)
    page.wait_for_selector("path.leaflet-interactive")
    for path in page.locator("path.leaflet-interactive").all():
        path.hover(force=True)
    page.wait_for_selector(".leaflet-tooltip")
    _probe(page, dialogs)
    assert PAYLOAD in page.content().replace("&lt;", "<").replace("&gt;", ">")


def test_the_options_page_and_its_popups_keep_markup_as_text(live_server, browser, poisoned):
    case = poisoned["case"]
    page, _blocked = sign_in(
        browser,
        live_server,
        poisoned["caseworker"],
        f"/casos/{case.pk}/opciones/?need={poisoned['need'].pk}",
        bypass_csp=True,
    )
    dialogs = _watch(page)
    page.wait_for_selector(".leaflet-marker-icon")
    for marker in page.locator(".leaflet-marker-icon").all():
        marker.click(force=True)
    _probe(page, dialogs)
    assert PAYLOAD in page.locator("body").inner_text()
