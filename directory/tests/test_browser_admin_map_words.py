"""The admin's map widgets speak the page's language: zoom buttons and drawing toolbar."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from tests.browser import sign_in
from tests.factories import SiteFactory, TerritoryFactory, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora-mapa")
    return {
        "coordinator": coordinator,
        "territory": TerritoryFactory(name="Comuna de prueba"),
        "site": SiteFactory(name="Sede de prueba"),
    }


def _titles(page: Any, selector: str) -> list[str]:
    page.wait_for_selector(selector)
    return page.eval_on_selector_all(selector, "nodes => nodes.map(n => n.title)")


@pytest.mark.parametrize(
    ("record", "drawing"),
    [
        ("territory", ["Dibujar un polígono", "Dibujar un rectángulo"]),
        ("site", ["Colocar un marcador"]),
    ],
)
def test_an_admin_map_names_its_buttons_in_spanish(live_server, browser, world, record, drawing):
    obj = world[record]
    path = f"/admin/directory/{record}/{obj.pk}/change/"
    page, blocked = sign_in(browser, live_server, world["coordinator"], "/inicio/")
    page.goto(f"{live_server.url}{path}")
    assert _titles(page, ".leaflet-control-zoom a") == ["Acercar", "Alejar"]
    assert _titles(page, ".leaflet-draw-toolbar a") == [
        *drawing,
        "Editar las formas",
        "Borrar formas",
    ]
    assert blocked == []
