"""axe-core over the pages of every role: no serious or critical violation."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from tests.browser import assert_accessible, block_outside_requests, sign_in
from tests.factories import referral_world, user_with_role

pytestmark = pytest.mark.browser


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db) -> dict[str, Any]:
    world = referral_world()
    world["coordinator"] = user_with_role(Role.COORDINATOR, username="coordinadora")
    world["planner"] = user_with_role(Role.PLANNER, username="planificadora")
    world["administrator"] = user_with_role(Role.ADMINISTRATOR, username="admin-red")
    return world


def _pages(world: dict[str, Any]) -> dict[str, list[str]]:
    case, need, sas = world["case"], world["need"], world["eligible"]
    return {
        "caseworker": [
            "/inicio/",
            "/casos/",
            "/casos/nuevo/",
            f"/casos/{case.pk}/",
            f"/casos/{case.pk}/opciones/?need={need.pk}",
            "/bandeja/",
            "/alertas/nueva/",
        ],
        "provider": ["/inicio/", "/prestador/derivaciones/", "/prestador/cupos/"],
        "coordinator": [
            "/inicio/",
            "/coordinacion/",
            "/coordinacion/politica/",
            "/coordinacion/listas/",
            "/coordinacion/rondas/",
            "/mapa/editar/",
            f"/mapa/editar/prestaciones/{sas.service.pk}/area/",
            "/auditoria/",
        ],
        "planner": ["/inicio/", "/brechas/", "/brechas/red/", "/brechas/tendencias/"],
        "administrator": ["/inicio/", "/auditoria/", "/cuenta/doble-factor/"],
    }


def _settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def test_the_public_pages_have_no_serious_accessibility_violation(live_server, browser, world):
    page = browser.new_page()
    blocked = block_outside_requests(page)
    for path in ["/", "/buscar/?q=apoyo", f"/mapa/ficha/{world['eligible'].pk}/", "/entrar/"]:
        page.goto(live_server.url + path)
        _settle(page)
        assert_accessible(page)
    assert blocked == []


@pytest.mark.parametrize(
    "role", ["caseworker", "provider", "coordinator", "planner", "administrator"]
)
def test_every_page_of_a_role_has_no_serious_accessibility_violation(
    live_server, browser, world, role
):
    paths = _pages(world)[role]
    page, blocked = sign_in(browser, live_server, world[role], paths[0])
    for path in paths:
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        _settle(page)
        assert_accessible(page)
    assert blocked == []
