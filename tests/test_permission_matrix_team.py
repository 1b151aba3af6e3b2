"""The permission matrix of the case team (docs/permissions.md, "The case team"): the
team page and API, partners, progress reports, reassignment, transfers and a
supervisor's caseload, cell by cell through the real URLs.

Built on the matrix's world (tests/test_permission_matrix.py), with two more people: a
supervisor of the case's lead team and a caseworker of a court (the authority on the
case team). The world's provider is a partner on the case (provider role); the family
consented to referral only, so partners see the team and the packet, not the case. A
transfer of the case to the other team's organization is on offer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from accounts.models import Role, User
from cases.models import CasePartner, CaseTransfer, PartnerRole, TransferStatus
from tests.factories import OrganizationFactory, user_with_role
from tests.permission_world import ROLES, World
from tests.test_permission_matrix import (
    ALLOW,
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    WRONG_SIDE,
    Request,
    Row,
    cell_check,
    world,
)

__all__ = ["world"]
pytestmark = pytest.mark.django_db

A, N, F, L, W = ALLOW, NOT_FOUND, FORBIDDEN, LOGIN, WRONG_SIDE
TEAM_ROLES = (*ROLES, "supervisor", "authority")

# Set by the module fixture; the rows' lambdas read it when a cell runs.
TEAM: dict[str, Any] = {}


@pytest.fixture(scope="module")
def team(world: World, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        court = OrganizationFactory(name="Tribunal de Familia")
        world.users["supervisor"] = user_with_role(Role.SUPERVISOR, world.team, username="jefa")
        world.users["authority"] = user_with_role(Role.CASEWORKER, court, username="consejera")
        caseworker = world.users["caseworker"]
        other = world.users["caseworker_other_org"]
        assert caseworker is not None and other is not None
        for organization, role in (
            (court, PartnerRole.AUTHORITY),
            (world.provider_org, "provider"),
        ):
            CasePartner.objects.create(
                case=world.case, organization=organization, role=role, added_by=caseworker
            )
        transfer = CaseTransfer.objects.create(
            case=world.case,
            from_organization=world.team,
            to_organization=other.memberships.get().organization,
            reason="La familia se muda",
            status=TransferStatus.OFFERED,
            requested_by=caseworker,
        )
        TEAM.update(transfer=transfer, court=court, new_partner=OrganizationFactory())
        yield TEAM
        transaction.set_rollback(True)
        for role in ("supervisor", "authority"):
            world.users.pop(role, None)


def _case(w: World) -> str:
    return str(w.case.pk)


def _transfer() -> str:
    return str(TEAM["transfer"].pk)


def _partner(w: World, user: User | None) -> dict[str, Any]:
    return {"organization": str(TEAM["new_partner"].pk), "role": PartnerRole.EVALUATING}


def _progress(w: World, user: User | None) -> dict[str, Any]:
    return {"done": "Dos sesiones", "changed": "Asiste al colegio"}


def _reassign(w: World, user: User | None) -> dict[str, Any]:
    return {"caseworker": "", "reason": "Redistribución"}


def _transfer_body(w: World, user: User | None) -> dict[str, Any]:
    return {"to_organization": str(TEAM["court"].pk), "reason": "Especialidad"}


# Order of the cells: anonymous, caseworker (lead team), caseworker of another team (the
# transfer's receiver), provider (a partner), another provider, coordinator, planner,
# administrator, supervisor of the lead team, the authority on the case team.
ROWS: list[Row] = [
    Row("case team", "read", "page", Request("GET", lambda w: f"/casos/{_case(w)}/equipo/",
        marker=lambda w: w.case.code),
        (L, A, N, A, N, F, F, F, A, A)),
    Row("case team", "read", "api", Request("GET", lambda w: f"/api/cases/{_case(w)}/team/",
        marker=lambda w: str(w.team.pk)),
        (L, A, N, A, N, N, N, N, A, A)),
    Row("partner", "add", "page", Request("POST", lambda w: f"/casos/{_case(w)}/equipo/socios/",
        data=_partner),
        (L, A, N, F, F, F, F, F, F, F)),
    Row("partner", "add", "api", Request("POST",
        lambda w: f"/api/cases/{_case(w)}/team/partners/", data=_partner),
        (L, A, N, F, N, N, N, N, F, F)),
    Row("progress report", "create", "page", Request("POST",
        lambda w: f"/casos/{_case(w)}/equipo/avance/", data=_progress),
        (L, A, N, A, N, F, F, F, F, A)),
    Row("progress report", "list", "api", Request("GET",
        lambda w: f"/api/cases/{_case(w)}/progress/"),
        (L, A, N, A, N, N, N, N, A, A)),
    Row("case", "reassign", "page", Request("POST",
        lambda w: f"/casos/{_case(w)}/equipo/asignar/", data=_reassign),
        (L, A, N, F, F, F, F, F, A, F)),
    Row("transfer", "request", "api", Request("POST",
        lambda w: f"/api/cases/{_case(w)}/transfers/", data=_transfer_body),
        # The lead's 400: a transfer is already on offer; it passed the permission.
        (L, W, N, F, N, N, N, N, F, F)),
    Row("transfer", "read", "page", Request("GET", lambda w: f"/traspasos/{_transfer()}/",
        marker=lambda w: w.case.code),
        (L, A, A, F, F, F, F, F, A, N)),
    Row("transfer", "answer", "api", Request("POST",
        lambda w: f"/api/transfers/{_transfer()}/answer/",
        data=lambda w, u: {"accept": False, "note": "Sin cupo"}),
        (L, W, A, N, N, N, N, N, W, N)),
    Row("caseload", "read", "page", Request("GET", lambda w: "/equipo/",
        marker=lambda w: w.case.code),
        (L, F, F, F, F, F, F, F, A, F)),
]  # fmt: skip


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(TEAM_ROLES), row
        for role, expected in zip(TEAM_ROLES, row.expected, strict=True):
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"))


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_case_team_cell(
    world: World, team: dict[str, Any], row: Row, role: str, expected: str
) -> None:
    cell_check(world, row, role, expected)
