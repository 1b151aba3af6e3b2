"""The public map, as a person sees it in headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connections

from directory.models import ServiceAtSite, ServiceStatus
from tests.browser import block_outside_requests, chromium

pytestmark = pytest.mark.browser
# Playwright's sync API runs an event loop in this thread; Django's ORM refuses to
# run in a thread with a loop unless told the test knows what it does.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    with chromium() as browser:
        yield browser
        # Queries made while Playwright's loop runs use a connection of their own
        # (asgiref context); close it here or it outlives the test database.
        connections.close_all()


@pytest.fixture
def demo(django_db_serialized_rollback, transactional_db):
    call_command("demo_municipality", "--services", "25", "--seed", "5", "--no-users", verbosity=0)
    return ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE).count()


def test_a_visitor_sees_the_demo_services_on_the_map_and_in_the_list(live_server, browser, demo):
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="en-US")
    blocked = block_outside_requests(page)
    page.goto(live_server.url + "/")
    page.wait_for_selector(".service-item")
    assert page.locator("h1").inner_text() == "Mapa de Oferta Comunal"
    assert page.locator(".service-item").count() == demo
    assert page.locator(".leaflet-marker-icon").count() == demo
    assert page.locator("path.leaflet-interactive, svg path").count() > 0  # sector boundaries
    services = (
        ServiceAtSite.objects.filter(service__status=ServiceStatus.ACTIVE)
        .values("service_id")
        .distinct()
        .count()
    )
    assert page.locator("#result-count").inner_text() == (
        f"{services} prestaciones en {demo} lugares"
    )

    page.locator(".service-link").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert page.locator(".service-link").first.inner_text() in popup.inner_text()

    shots = os.environ.get("PUENTE_SCREENSHOTS")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(shots) / "service-map.png"))
    assert blocked == []


def test_a_visitor_filters_the_map_by_category(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    page.wait_for_selector(".service-item")
    page.select_option("#f-category", "social.health")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**category=social.health**")
    page.wait_for_function("document.querySelector('#result-count').textContent.length > 0")
    expected = (
        ServiceAtSite.objects.filter(
            service__status=ServiceStatus.ACTIVE, service__categories__code="social.health"
        )
        .distinct()
        .count()
    )
    assert page.locator(".service-item").count() == expected


def test_the_language_switch_shows_the_map_in_english(live_server, browser, demo):
    page = browser.new_page()
    block_outside_requests(page)
    page.goto(live_server.url + "/")
    with page.expect_navigation():
        page.select_option("#language-select", "en")
    assert page.locator("h1").inner_text() == "Communal Service Map"
    assert page.locator("html").get_attribute("lang") == "en"


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
