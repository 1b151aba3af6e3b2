"""The one coordinator rule, asked by every coordinator's page and API alike."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts.gates import coordinator_require
from accounts.models import Role, User
from accounts.selectors import user_is_coordinator, user_roles
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db

COORDINATOR_PAGES = [
    "/mapa/editar/",  # maps: keeping the map
    "/coordinacion/",  # matching: overdue referrals, cases with several alerts
    "/coordinacion/politica/",  # matching: the prioritization policy
    "/coordinacion/listas/",  # waitlists: every waitlist
    "/coordinacion/rondas/",  # waitlists: allocation rounds
]
COORDINATOR_API = [
    "/api/coordination/overdue-referrals/",
    "/api/coordination/multiple-alerts/",
    "/api/waitlists/",
]


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("raiz", password="clave-de-prueba-larga-123")


def test_a_superuser_is_an_administrator_and_a_coordinator(superuser):
    assert {Role.ADMINISTRATOR, Role.COORDINATOR} <= user_roles(user=superuser)
    assert user_is_coordinator(user=superuser)
    coordinator_require(user=superuser)  # does not raise


def test_a_caseworker_is_not_a_coordinator():
    caseworker = user_with_role(Role.CASEWORKER)
    assert not user_is_coordinator(user=caseworker)
    with pytest.raises(PermissionDenied):
        coordinator_require(user=caseworker)


@pytest.mark.parametrize("path", COORDINATOR_PAGES + COORDINATOR_API)
def test_every_coordinator_gate_lets_a_superuser_in(client: Client, superuser, path):
    client.force_login(superuser)
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("path", COORDINATOR_PAGES + COORDINATOR_API)
def test_every_coordinator_gate_lets_a_coordinator_in(client: Client, path):
    client.force_login(user_with_role(Role.COORDINATOR))
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.PROVIDER, Role.PLANNER, Role.ADMINISTRATOR])
@pytest.mark.parametrize("path", COORDINATOR_PAGES + COORDINATOR_API)
def test_every_coordinator_gate_refuses_the_other_roles(client: Client, role, path):
    client.force_login(user_with_role(role))
    assert client.get(path).status_code == 403
