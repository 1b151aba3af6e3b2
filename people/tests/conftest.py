from __future__ import annotations

import re
import uuid

import pytest

from accounts.models import Role
from tests.factories import OrganizationFactory, user_with_role

INVITATION_LINK = re.compile(r"https?://\S+(/invitacion/[A-Za-z0-9_\-]+/)")
RESET_LINK = re.compile(r"https?://\S+(/entrar/nueva-clave/[A-Za-z0-9_\-]+/[A-Za-z0-9\-]+/)")
NEW_PASSWORD = "Puente-nueva-clave-2026"


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Rate-limit counters of this test only: a key prefix of its own in the real Redis."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"puente-t-{uuid.uuid4().hex}"}
    }


@pytest.fixture
def team(db):
    return OrganizationFactory(name="Equipo Norte")


@pytest.fixture
def supervisor(team):
    return user_with_role(Role.SUPERVISOR, organization=team, username="supervisora")
