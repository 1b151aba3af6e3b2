"""The permission matrix of listing verification (docs/permissions.md, "Listing
verification"): the coordinator's review queue and reviews, the signed-in provider's
verification form, and the link's page, cell by cell through the real URLs.

Built on the matrix's world (tests/test_permission_matrix.py): a correction of the
provider's organization waits for review.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from directory.models import ListingUpdate, ServiceAtSite, VerificationRequest
from directory.selectors.verification import listing_current
from tests.permission_world import ROLES, World
from tests.test_permission_matrix import (
    ALLOW,
    FORBIDDEN,
    LOGIN,
    NOT_FOUND,
    Request,
    Row,
    cell_check,
    world,
)

__all__ = ["world"]
pytestmark = pytest.mark.django_db

A, N, F, L = ALLOW, NOT_FOUND, FORBIDDEN, LOGIN

PENDING: dict[str, ListingUpdate] = {}


@pytest.fixture(scope="module")
def pending(world: World, django_db_blocker: Any) -> Iterator[ListingUpdate]:
    with django_db_blocker.unblock(), transaction.atomic():
        row = ServiceAtSite.objects.filter(service__organization=world.provider_org).first()
        assert row is not None
        now = timezone.now()
        request = VerificationRequest.objects.create(
            organization=world.provider_org,
            token_digest="0" * 64,
            created=now,
            expires_at=now,
            answered_at=now,
            respondent="Encargada",
        )
        current = listing_current(service_at_site=row)
        PENDING["update"] = ListingUpdate.objects.create(
            request=request,
            service_at_site=row,
            current=current,
            proposed={**current, "schedule_description": "Sábados"},
            submitted_at=now,
        )
        yield PENDING["update"]
        transaction.set_rollback(True)


def _review(w: World) -> str:
    return f"/coordinacion/verificacion/{PENDING['update'].pk}/"


def _refuse(w: World, user: User | None) -> dict[str, Any]:
    return {"action": "refuse", "note": "La sede no cambió de horario."}


def _own(w: World) -> str:
    return f"/prestador/verificacion/{w.provider_org.pk}/"


#                                           anon cw  cw2 prov prov2 coord plan admin
ROWS: list[Row] = [
    Row("verification", "review queue", "page",
        Request("GET", lambda w: "/coordinacion/verificacion/"),
        (L, F, F, F, F, A, F, F)),
    Row("verification", "review read", "page", Request("GET", _review, marker=lambda w: "Sábados"),
        (L, F, F, F, F, A, F, F)),
    Row("verification", "review refuse", "page", Request("POST", _review, data=_refuse),
        (L, F, F, F, F, A, F, F)),
    Row("verification", "own listings", "page", Request("GET", _own),
        (L, F, F, A, N, A, F, F)),
    Row("verification", "my organizations", "page",
        Request("GET", lambda w: "/prestador/verificacion/"),
        (L, F, F, A, A, F, F, F)),
    Row("verification", "link (unknown token)", "page",
        Request("GET", lambda w: "/verificar/not-a-token/"),
        (N, N, N, N, N, N, N, N)),
    Row("verification schedule", "list", "admin",
        Request("GET", lambda w: "/admin/directory/verificationschedule/"),
        (L, L, L, A, A, A, L, A)),
]  # fmt: skip


def _cells() -> Iterator[Any]:
    for row in ROWS:
        assert len(row.expected) == len(ROLES), row
        for role, expected in zip(ROLES, row.expected, strict=True):
            cell_id = f"{row.object} · {row.action} · {row.surface} · {role} → {expected}"
            yield pytest.param(row, role, expected, id=cell_id.replace(" ", "_"))


@pytest.mark.parametrize(("row", "role", "expected"), list(_cells()))
def test_the_verification_cell(
    world: World, pending: ListingUpdate, row: Row, role: str, expected: str
) -> None:
    cell_check(world, row, role, expected)
