"""Leaflet's and Leaflet.draw's own words are the site's: Spanish on a Spanish page.

Zoom buttons, markers, the popup's close button, the attribution's link, and the
drawing and editing toolbars with their tooltips, on the coordinator's edit pages and
on the map pages of each role (templates/leaflet/_puente.html, static/maps/leaflet_i18n.js).
"""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from directory.models import TerritoryLevel
from tests.browser import assert_accessible, block_outside_requests, sign_in
from tests.factories import (
    ServiceFactory,
    SiteFactory,
    TerritoryFactory,
    comuna_with_two_sectors,
    gap_cell,
    referral_world,
    user_with_role,
)

pytestmark = pytest.mark.browser

# Leaflet's and Leaflet.draw's English, as they ship it: none of it may be left on a page.
ENGLISH = {
    "Zoom in",
    "Zoom out",
    "Marker",
    "Close popup",
    "A JavaScript library for interactive maps",
    "Cancel drawing",
    "Cancel",
    "Finish drawing",
    "Finish",
    "Delete last point drawn",
    "Delete last point",
    "Draw a polyline",
    "Draw a polygon",
    "Draw a rectangle",
    "Draw a circle",
    "Draw a marker",
    "Click to start drawing shape.",
    "Click to continue drawing shape.",
    "Click first point to close this shape.",
    "Click map to place marker.",
    "Click and drag to draw rectangle.",
    "Release mouse to finish drawing.",
    "Save changes",
    "Save",
    "Cancel editing, discards all changes",
    "Clear all layers",
    "Clear All",
    "Edit layers",
    "No layers to edit",
    "Delete layers",
    "No layers to delete",
    "Drag handles or markers to edit features.",
    "Click cancel to undo changes.",
    "Click on a feature to remove.",
}

# Every word Leaflet writes in a map: titles, labels, alt texts and the text of controls.
LEAFLET_WORDS = """(selector) => {
  const words = [];
  document.querySelectorAll(selector).forEach((root) => {
    root.querySelectorAll('[title], [aria-label], [alt]').forEach((node) => {
      ['title', 'aria-label', 'alt'].forEach((name) => {
        const value = node.getAttribute(name);
        if (value) words.push(value.trim());
      });
    });
    root.querySelectorAll('.leaflet-control-container a, .leaflet-draw-tooltip span,'
        + ' .leaflet-popup-close-button span')
      .forEach((node) => { if (node.textContent.trim()) words.push(node.textContent.trim()); });
  });
  return words;
}"""


def _english_left(page: Any, selector: str = ".leaflet-container") -> list[str]:
    words = page.evaluate(LEAFLET_WORDS, selector)
    return sorted({word for word in words if word in ENGLISH})


def _title(page: Any, selector: str) -> str:
    return page.locator(selector).get_attribute("title") or ""


def _actions(page: Any) -> list[tuple[str, str]]:
    """The visible action buttons beside the toolbar: (text, title)."""
    pairs = page.evaluate(
        """() => [...document.querySelectorAll('.leaflet-draw-actions')]
            .filter((ul) => ul.offsetParent !== null)
            .flatMap((ul) => [...ul.querySelectorAll('a')])
            .filter((a) => a.offsetParent !== null)
            .map((a) => [a.textContent.trim(), a.title])"""
    )
    return [(text, title) for text, title in pairs]


def _tooltip(page: Any) -> str:
    return " ".join(page.locator(".leaflet-draw-tooltip").inner_text().split())


def _zoom_in_spanish(page: Any) -> None:
    zoom_in, zoom_out = (
        page.locator(".leaflet-control-zoom-in"),
        page.locator(".leaflet-control-zoom-out"),
    )
    assert (zoom_in.get_attribute("title"), zoom_in.get_attribute("aria-label")) == (
        "Acercar",
        "Acercar",
    )
    assert (zoom_out.get_attribute("title"), zoom_out.get_attribute("aria-label")) == (
        "Alejar",
        "Alejar",
    )


@pytest.fixture
def edit_world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    comuna_with_two_sectors()
    return {
        "coordinator": user_with_role(Role.COORDINATOR, username="coordinadora"),
        "service": ServiceFactory(name="Programa Barrial"),
        "site": SiteFactory(name="Sede Centro"),
    }


def test_the_area_editor_draws_and_edits_in_spanish(live_server, browser, edit_world):
    service = edit_world["service"]
    page, blocked = sign_in(
        browser,
        live_server,
        edit_world["coordinator"],
        f"/mapa/editar/prestaciones/{service.pk}/area/",
    )
    page.wait_for_selector("#editmap[data-loaded=true]")
    _zoom_in_spanish(page)
    assert _title(page, ".leaflet-draw-draw-polygon") == "Dibujar un polígono"
    assert _title(page, ".leaflet-draw-draw-rectangle") == "Dibujar un rectángulo"
    # Nothing drawn yet: the edit buttons say so.
    assert _title(page, ".leaflet-draw-edit-edit") == "No hay formas que editar"
    assert _title(page, ".leaflet-draw-edit-remove") == "No hay formas que borrar"
    # The buttons' text for screen readers is the same Spanish.
    assert page.locator(".leaflet-draw-draw-polygon .sr-only").inner_text() == "Dibujar un polígono"

    page.click(".leaflet-draw-draw-polygon")
    assert _tooltip(page) == "Haga clic para empezar a dibujar la forma."
    assert _actions(page) == [
        ("Terminar", "Terminar el dibujo"),
        ("Borrar el último punto", "Borrar el último punto dibujado"),
        ("Cancelar", "Cancelar el dibujo"),
    ]
    box = page.locator("#editmap").bounding_box()
    assert box is not None

    def click(fx: float, fy: float) -> None:
        # As a hand does: Leaflet.draw hides its tooltip on a click until the mouse moves.
        x, y = box["x"] + box["width"] * fx, box["y"] + box["height"] * fy
        page.mouse.move(x, y)
        page.mouse.click(x, y)
        page.mouse.move(x + 8, y + 8)
        page.wait_for_timeout(400)  # not a double click

    click(0.4, 0.4)
    assert _tooltip(page) == "Haga clic para seguir dibujando la forma."
    click(0.6, 0.4)
    click(0.6, 0.6)
    assert page.locator("#editmap .leaflet-editing-icon").count() == 3
    assert _tooltip(page) == "Haga clic en el primer punto para cerrar la forma."
    assert _english_left(page) == []
    page.locator(".leaflet-draw-actions a:visible", has_text="Terminar").click()
    assert page.locator("#id_shape").input_value().startswith('{"type":"MultiPolygon"')

    # A shape is drawn: it can be edited and deleted, in Spanish too.
    assert _title(page, ".leaflet-draw-edit-edit") == "Editar las formas"
    assert _title(page, ".leaflet-draw-edit-remove") == "Borrar formas"
    page.click(".leaflet-draw-edit-edit")
    assert _tooltip(page) == (
        "Haga clic en Cancelar para deshacer los cambios. "
        "Arrastre los vértices o los marcadores para cambiar las formas."
    )
    assert _actions(page) == [
        ("Listo", "Conservar los cambios hechos en el mapa"),
        ("Cancelar", "Cancelar la edición y descartar los cambios"),
    ]
    assert _english_left(page) == []
    page.locator(".leaflet-draw-actions a:visible", has_text="Cancelar").click()
    page.click(".leaflet-draw-edit-remove")
    assert _tooltip(page) == "Haga clic en una forma para borrarla."
    assert [text for text, _title in _actions(page)] == ["Listo", "Cancelar", "Borrar todo"]
    assert _english_left(page) == []
    assert blocked == []


def test_the_site_editor_places_its_marker_in_spanish(live_server, browser, edit_world):
    site = edit_world["site"]
    page, blocked = sign_in(
        browser, live_server, edit_world["coordinator"], f"/mapa/editar/lugares/{site.pk}/"
    )
    page.wait_for_selector("#editmap .leaflet-marker-icon")
    _zoom_in_spanish(page)
    assert _title(page, ".leaflet-draw-draw-marker") == "Colocar un marcador"
    assert page.locator("#editmap .leaflet-marker-icon").get_attribute("alt") == "Marcador"
    page.click(".leaflet-draw-draw-marker")
    assert _tooltip(page) == "Haga clic en el mapa para colocar el marcador."
    assert _actions(page) == [("Cancelar", "Cancelar el dibujo")]
    assert _english_left(page) == []
    assert blocked == []


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    return referral_world()


def test_the_public_map_speaks_spanish_in_its_controls_and_popups(live_server, browser, world):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked = block_outside_requests(page)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#servicemap[data-loaded=true]")
    _zoom_in_spanish(page)
    leaflet = page.locator(".leaflet-control-attribution a[href='https://leafletjs.com']")
    assert leaflet.get_attribute("title") == "Una biblioteca de JavaScript para mapas interactivos"
    page.locator("#servicemap .leaflet-marker-icon").first.click()
    page.wait_for_selector(".leaflet-popup .card-title")
    close = page.locator(".leaflet-popup-close-button")
    assert close.get_attribute("aria-label") == "Cerrar la ventana emergente"
    assert _english_left(page) == []
    assert blocked == []


def test_the_attribution_link_is_told_from_its_text_by_more_than_colour(
    live_server, browser, world
):
    """axe's link-in-text-block: with tiles, the attribution is a line of text with links."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    blocked = block_outside_requests(page)
    page.goto(live_server.url + "/")
    page.wait_for_selector("#servicemap[data-loaded=true]")
    # The tests run without tiles; a tile layer would add its attribution like this.
    page.evaluate(
        "window.puenteMap.attributionControl.addAttribution("
        "'&copy; <a href=\"/\">OpenStreetMap</a> y sus colaboradores')"
    )
    links = page.locator(".leaflet-control-attribution a")
    assert links.count() == 2
    for i in range(2):
        decoration = links.nth(i).evaluate("e => getComputedStyle(e).textDecorationLine")
        assert decoration == "underline"
    assert_accessible(page)
    assert blocked == []


@pytest.mark.parametrize("path", ["new_case", "new_alert", "options"])
def test_the_caseworkers_maps_speak_spanish(live_server, browser, world, path):
    case, need = world["case"], world["need"]
    url = {
        "new_case": "/casos/nuevo/",
        "new_alert": "/alertas/nueva/",
        "options": f"/casos/{case.pk}/opciones/?need={need.pk}",
    }[path]
    page, blocked = sign_in(browser, live_server, world["caseworker"], url)
    page.wait_for_selector(".leaflet-control-zoom-in")
    _zoom_in_spanish(page)
    if path == "options":
        page.locator(".leaflet-marker-icon.option-marker").first.click()
        page.wait_for_selector(".leaflet-popup")
        close = page.locator(".leaflet-popup-close-button")
        assert close.get_attribute("aria-label") == "Cerrar la ventana emergente"
    else:
        # A click on the point map places the home marker, named in Spanish.
        page.locator("#pointmap").click()
        assert page.locator("#pointmap .leaflet-marker-icon").get_attribute("alt") != "Marker"
    assert _english_left(page) == []
    assert blocked == []


@pytest.fixture
def gap_world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    from datetime import date

    from directory.models import TaxonomyTerm
    from gaps.models import GapSnapshot

    sector = TerritoryFactory(name="Sector Centro", level=TerritoryLevel.SECTOR)
    snapshot = GapSnapshot.objects.create(day=date(2026, 11, 1), equity={})
    term = TaxonomyTerm.objects.get(code="specialized.psychological_care")
    gap_cell(snapshot, sector, term, children=500, accessibility=0.01, unmet_cases=3, slots=4)
    return {"planner": user_with_role(Role.PLANNER, username="planificadora")}


def test_the_planners_gap_map_speaks_spanish(live_server, browser, gap_world):
    """The gap map is made by gaps/gap_map.js on django-leaflet's {% leaflet_js %}."""
    page, blocked = sign_in(browser, live_server, gap_world["planner"], "/brechas/")
    page.wait_for_selector("#gap-map .leaflet-control-zoom-in")
    _zoom_in_spanish(page)
    assert _english_left(page) == []
    assert blocked == []
