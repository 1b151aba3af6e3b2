"""The public map, as a person sees it in headless Chromium."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from directory.models import ServiceAtSite, ServiceStatus
from tests.browser import block_outside_requests

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db):
    call_command("demo_municipality", "--services", "25", "--seed", "5", "--no-users", verbosity=0)
    return ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE).count()


def _loaded(page):
    page.wait_for_selector("#servicemap[data-loaded=true]")


def _on_map(page) -> int:
    """Services drawn: markers of one plus the counts of the cluster bubbles."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('#servicemap .leaflet-marker-icon'))
            .reduce((n, icon) => n + (icon.classList.contains('cluster-marker')
                ? parseInt(icon.textContent, 10) : 1), 0)"""
    )


def test_a_visitor_sees_the_demo_services_on_the_map_and_in_the_list(live_server, browser, demo):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
    blocked = block_outside_requests(page)
    page.goto(live_server.url + "/")
    _loaded(page)
    page.wait_for_selector(".service-item")
    assert page.locator("h1").inner_text() == "Mapa de Oferta Comunal"
    assert _on_map(page) == demo
    assert page.locator(".service-item").count() == min(demo, 20)
    assert page.locator("path.leaflet-interactive, svg path").count() > 0  # sector boundaries
    assert str(demo) in page.locator("#result-count").inner_text()

    name = page.locator(".service-link").first.inner_text()
    page.locator(".service-link").first.click()
    card = page.locator(".leaflet-popup-content .service-card")
    card.wait_for()
    assert name in card.inner_text()
    assert card.locator(".card-slots").count() == 1
    assert blocked == []


def test_a_click_on_a_cluster_zooms_in_on_its_services(live_server, browser, demo):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    block_outside_requests(page)
    page.goto(live_server.url + "/?view=11/-33.45/-70.60")
    _loaded(page)
    bubble = page.locator(".cluster-marker").first
    bubble.wait_for()
    page.evaluate("document.getElementById('servicemap').dataset.loaded = 'false'")
    bubble.click()
    _loaded(page)
    zoom = int(page.url.split("view=")[1].split("%2F")[0].split("/")[0])
    assert zoom > 11
    assert _on_map(page) <= demo


def test_a_visitor_filters_the_map_by_category(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    _loaded(page)
    page.select_option("#id_category", "social.health")
    page.click("#filters button[type=submit]")
    # The drawing of these filters, not of a load the map began before the click.
    page.wait_for_selector("#servicemap[data-loaded=true][data-filters='category=social.health']")
    expected = (
        ServiceAtSite.objects.filter(
            service__status=ServiceStatus.ACTIVE, service__categories__code="social.health"
        )
        .distinct()
        .count()
    )
    assert _on_map(page) == expected
    assert page.locator(".service-item").count() == min(expected, 20)


def test_a_shared_link_restores_the_filters_and_the_view(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/?category=social&age=9&view=15/-33.44/-70.61")
    _loaded(page)
    assert page.locator("#id_category").input_value() == "social"
    assert page.locator("#id_age").input_value() == "9"
    center = page.evaluate("[window.puenteMap.getZoom(), window.puenteMap.getCenter().lat]")
    assert center[0] == 15 and abs(center[1] - -33.44) < 1e-4


def test_the_map_fits_a_phone_screen(live_server, browser, demo):
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    _loaded(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    map_box = page.locator("#servicemap").bounding_box()
    assert map_box and map_box["width"] <= 375 and map_box["height"] > 200


def test_the_language_switch_shows_the_map_in_english(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    page.select_option("#language-select", "en")
    # Not expect_navigation(): the map's history.replaceState counts as one in Playwright
    # and can end the wait before the language form's page has arrived.
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Communal Service Map"


def test_a_caseworker_searches_by_text_and_age_and_sees_why_each_service_matched(
    live_server, browser, demo
):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/buscar/")
    page.fill("#id_q", "familia")
    page.fill("#id_age", "9")
    page.click("#search-form button[type=submit]")
    page.wait_for_selector("#results")
    items = page.locator("#results .service-item")
    assert items.count() > 0
    assert "9" in items.first.locator(".reasons").inner_text()
    assert page.locator("#searchmap .leaflet-marker-icon").count() == items.count()
