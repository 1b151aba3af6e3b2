from __future__ import annotations

import pytest

from accounts.models import Role
from tests.factories import OrganizationFactory, user_with_role
from tests.webhook_receiver import webhook_receiver


@pytest.fixture
def receiver():
    with webhook_receiver() as box:
        yield box


@pytest.fixture
def org_admin(db):
    """The administrator of an organization, who connects its systems."""
    return user_with_role(
        Role.ADMINISTRATOR,
        organization=OrganizationFactory(name="Oficina Local"),
        username="admin-oficina",
        email="admin-oficina@example.org",
    )


@pytest.fixture
def other_admin(db):
    return user_with_role(
        Role.ADMINISTRATOR,
        organization=OrganizationFactory(name="Otra Institución"),
        username="admin-otra",
    )
