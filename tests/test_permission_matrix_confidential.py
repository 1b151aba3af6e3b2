"""The permission matrix of confidential sites (docs/permissions.md, "Confidential
sites"): who reads a confidential site's exact address, cell by cell through the real
URLs. The matrix's world has the caseworker's team with a referral the provider
accepted at ``world.site``; here that site is confidential, at a unique address.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from directory.models import Site
from tests.permission_world import ROLES, World
from tests.test_permission_matrix import ALLOW, HIDDEN, Request, Row, cell_check, world

__all__ = ["world"]
pytestmark = pytest.mark.django_db

A, H = ALLOW, HIDDEN
SECRET = "Pasaje Secreto 9"


@pytest.fixture(scope="module")
def confidential(world: World, django_db_blocker: Any) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        Site.objects.filter(pk=world.site.site_id).update(address_1=SECRET, confidential=True)
        yield
        transaction.set_rollback(True)


def _card(w: World) -> str:
    return f"/mapa/ficha/{w.site.pk}/"


def _secret(w: World) -> str:
    return SECRET


#                                           anon cw  cw2 prov prov2 coord plan admin
ROWS: list[Row] = [
    Row("confidential site", "exact address", "page", Request("GET", _card, marker=_secret),
        (H, A, H, A, H, A, H, H)),
    Row("confidential site", "exact address", "api",
        Request("GET", lambda w: f"/api/hsds/service_at_locations/{w.site.pk}", marker=_secret),
        (H, H, H, H, H, H, H, H)),
    Row("confidential site", "exact address", "api",
        Request("GET", lambda w: "/api/services/search/?page=1", marker=_secret),
        (H, H, H, H, H, H, H, H)),
    Row("confidential site", "exact address", "api",
        Request("GET", lambda w: "/api/geo/sites/", marker=_secret),
        (H, H, H, H, H, H, H, H)),
]  # fmt: skip


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(ROLES), row
        for role, expected in zip(ROLES, row.expected, strict=True):
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"))


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_confidential_site_cell(
    world: World, confidential: None, row: Row, role: str, expected: str
) -> None:
    cell_check(world, row, role, expected)
