"""Refresh the README screenshots from a running demo (started with MAP_TILES_URL='').

Usage: .venv/bin/python scripts/screenshots.py [http://127.0.0.1:8000]

Signs in as the demo users (password ``puente-demo``) and saves each role's main pages,
at a desktop width and, for the pages used in the field, at a phone's width (375 px),
into docs/screenshots/. Never run by the tests.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Browser, Page, ViewportSize

from tests.browser import block_outside_requests, chromium

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 375, "height": 740}
PASSWORD = "puente-demo"  # noqa: S105 - the demo's published password


def _page(browser: Browser, base_url: str, user: str | None, phone: bool = False) -> Page:
    if phone:
        page = browser.new_page(viewport=PHONE, is_mobile=True, device_scale_factor=2)
    else:
        page = browser.new_page(viewport=DESKTOP)
    block_outside_requests(page)
    if user:
        page.goto(f"{base_url}/entrar/")
        page.fill("#id_username", user)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("#login-submit")
    return page


def _save(page: Page, name: str, *, full_page: bool = False) -> None:
    page.wait_for_timeout(400)  # let transitions and popups settle
    path = OUT / name
    page.screenshot(path=str(path), full_page=full_page)
    print(f"wrote {path}")


def _map_loaded(page: Page) -> None:
    page.wait_for_selector("#servicemap[data-loaded=true]", timeout=60_000)


def _try(label: str, step: Callable[[], None]) -> None:
    """One page failing (say, a role missing from this demo) must not stop the others."""
    try:
        step()
    except Exception as error:
        print(f"skipped {label}: {error}", file=sys.stderr)


def main(base_url: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:

        def public_map() -> None:
            page = _page(browser, base_url, None)
            page.goto(base_url + "/")
            _map_loaded(page)
            _save(page, "service-map.png")
            page.locator(".service-link").first.click()
            page.wait_for_selector(".leaflet-popup-content .service-card")
            _save(page, "service-card.png")
            phone = _page(browser, base_url, None, phone=True)
            phone.goto(base_url + "/")
            _map_loaded(phone)
            _save(phone, "service-map-phone.png")

        def caseworker() -> None:
            page = _page(browser, base_url, "gestora")
            page.goto(base_url + "/inicio/")
            _save(page, "home-caseworker.png")
            page.goto(base_url + "/casos/")
            _save(page, "case-list.png")
            with page.expect_navigation():
                page.locator("a.case-code").first.click()
            _save(page, "case-page.png", full_page=True)
            case_url = page.url.split("#")[0].rstrip("/")
            for suffix, name in (
                ("admisibilidad/", "case-admissibility.png"),
                ("seguimiento/", "case-follow-up.png"),
                ("cierre/", "case-closure.png"),
            ):
                page.goto(f"{case_url}/{suffix}")
                _save(page, name, full_page=True)
            page.goto(base_url + "/tareas/")
            _save(page, "tasks.png", full_page=True)
            page.goto(base_url + "/bandeja/")
            _save(page, "inbox.png")
            page.goto(case_url + "/")
            link = page.locator("a.options-link").first
            with page.expect_navigation():
                link.click()
            page.wait_for_selector(".leaflet-marker-icon.option-marker, #no-options")
            _save(page, "referral-options.png")
            marker = page.locator(".leaflet-marker-icon.option-marker")
            if marker.count():
                # An excluded option's marker may lie on top: the click goes to the first.
                marker.first.click(force=True)
                page.wait_for_selector(".leaflet-popup-content")
                _save(page, "referral-from-map.png")
            phone = _page(browser, base_url, "gestora", phone=True)
            phone.goto(base_url + "/inicio/")
            _save(phone, "home-caseworker-phone.png", full_page=True)

        def provider() -> None:
            page = _page(browser, base_url, "prestador")
            page.goto(base_url + "/prestador/derivaciones/")
            _save(page, "provider-inbox.png")
            page.goto(base_url + "/prestador/cupos/")
            _save(page, "provider-slots.png")

        def coordinator() -> None:
            page = _page(browser, base_url, "coordinador")
            page.goto(base_url + "/inicio/")
            _save(page, "home-coordinator.png")
            page.goto(base_url + "/coordinacion/")
            _save(page, "coordination.png")
            page.goto(base_url + "/coordinacion/listas/")
            _save(page, "waitlists-network.png")
            page.goto(base_url + "/coordinacion/rondas/")
            _save(page, "allocation-rounds.png")
            page.goto(base_url + "/mapa/editar/")
            with page.expect_navigation():
                page.locator("#edit-services a").first.click()
            page.wait_for_selector("#editmap[data-loaded=true]")
            _save(page, "map-editing-area.png")

        def planner() -> None:
            page = _page(browser, base_url, "planificador")
            page.goto(base_url + "/inicio/")
            _save(page, "home-planner.png")
            page.goto(base_url + "/brechas/")
            page.wait_for_selector("#gap-map .leaflet-interactive", timeout=60_000)
            _save(page, "gap-map.png")
            page.goto(base_url + "/brechas/tendencias/")
            _save(page, "gap-trends.png", full_page=True)
            page.goto(base_url + "/brechas/red/")
            _save(page, "gap-network.png")

        def case_team() -> None:
            provider = _page(browser, base_url, "prestador")
            provider.goto(base_url + "/ingreso/")
            _save(provider, "intake.png", full_page=True)
            page = _page(browser, base_url, "gestora")
            page.goto(base_url + "/ingreso/reportes/")
            _save(page, "report-queue.png")
            authority = _page(browser, base_url, "autoridad")
            authority.goto(base_url + "/tareas/")
            with authority.expect_navigation():
                authority.locator("#task-closures a").first.click()
            with authority.expect_navigation():
                authority.click("#back-to-team")
            _save(authority, "case-team.png", full_page=True)
            supervisor = _page(browser, base_url, "supervisora")
            supervisor.goto(base_url + "/equipo/")
            _save(supervisor, "caseload.png", full_page=True)
            supervisor.goto(base_url + "/tareas/")
            with supervisor.expect_navigation():
                supervisor.locator("#task-transfers a").first.click()
            _save(supervisor, "transfer.png")

        for label, step in [
            ("public map", public_map),
            ("caseworker", caseworker),
            ("case team", case_team),
            ("provider", provider),
            ("coordinator", coordinator),
            ("planner", planner),
        ]:
            _try(label, step)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
