"""The permission matrix of invitations and password reset (docs/permissions.md,
"Invitations and password reset"), cell by cell through the real URLs.

Built on the matrix's world (tests/test_permission_matrix.py), with two more columns: a
**sup**ervisor of the world's caseworker team and **sup2**, a supervisor of another
organization. An invitation into the caseworker team, as caseworker, is pending.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from people.models import Invitation
from tests.factories import user_with_role
from tests.permission_world import ROLES, World
from tests.test_permission_matrix import (
    ALLOW,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    NOT_FOUND,
    UNKNOWN,
    Request,
    Row,
    cell_check,
    world,
)

__all__ = ["world"]
pytestmark = pytest.mark.django_db

A, H, N, F, L, U = ALLOW, HIDDEN, NOT_FOUND, FORBIDDEN, LOGIN, UNKNOWN
PEOPLE_ROLES = (*ROLES, "supervisor", "supervisor_other_org")
PEOPLE: dict[str, Any] = {}


@pytest.fixture(scope="module")
def pending(world: World, django_db_blocker: Any) -> Iterator[Invitation]:
    with django_db_blocker.unblock(), transaction.atomic():
        world.users["supervisor"] = user_with_role(Role.SUPERVISOR, world.team, username="jefa")
        world.users["supervisor_other_org"] = user_with_role(Role.SUPERVISOR, username="jefa2")
        admin = world.users["administrator"]
        assert admin is not None
        PEOPLE["invitation"] = Invitation.objects.create(
            email="invitada@example.org",
            organization=world.team,
            role=Role.CASEWORKER,
            invited_by=admin,
            token_digest="0" * 64,
            expires_at=timezone.now() + timedelta(days=7),
        )
        yield PEOPLE["invitation"]
        transaction.set_rollback(True)
        for role in ("supervisor", "supervisor_other_org"):
            world.users.pop(role, None)


def _invite(w: World, user: User | None) -> dict[str, Any]:
    return {"email": "nueva@example.org", "organization": str(w.team.pk), "role": "caseworker"}


def _manage(w: World) -> str:
    return f"/usuarios/invitaciones/{PEOPLE['invitation'].pk}/"


def _revoke(w: World, user: User | None) -> dict[str, Any]:
    return {"action": "revoke"}


#                                  anon cw  cw2 prov prov2 coord plan admin sup sup2
ROWS: list[Row] = [
    Row("invitation", "list", "page",
        Request("GET", lambda w: "/usuarios/invitaciones/", marker=lambda w: "invitada@"),
        (L, F, F, F, F, F, F, A, A, H)),
    Row("invitation", "send (caseworker team, caseworker)", "page",
        Request("POST", lambda w: "/usuarios/invitaciones/", data=_invite),
        (L, F, F, F, F, F, F, A, A, U)),
    Row("invitation", "revoke", "page", Request("POST", _manage, data=_revoke),
        (L, F, F, F, F, F, F, A, A, N)),
    Row("invitation", "accept (unknown token)", "page",
        Request("GET", lambda w: "/invitacion/not-a-token/"),
        (N, N, N, N, N, N, N, N, N, N)),
    Row("invitation", "list", "admin", Request("GET", lambda w: "/admin/people/invitation/"),
        (L, L, L, F, F, F, L, A, L, L)),
    Row("password reset", "ask", "page", Request("GET", lambda w: "/entrar/olvide-clave/"),
        (A, A, A, A, A, A, A, A, A, A)),
]  # fmt: skip


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(PEOPLE_ROLES), row
        for role, expected in zip(PEOPLE_ROLES, row.expected, strict=True):
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"))


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_people_cell(
    world: World, pending: Invitation, row: Row, role: str, expected: str
) -> None:
    cell_check(world, row, role, expected)
