from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import translation

from accounts.models import Role
from tests.factories import OrganizationFactory, user_with_role


@pytest.fixture(autouse=True)
def default_language():
    """Every test starts in the product's default language, as a new request would."""
    with translation.override(settings.LANGUAGE_CODE):
        yield


@pytest.fixture
def provider_org():
    return OrganizationFactory(name="Fundación Proveedora")


@pytest.fixture
def other_org():
    return OrganizationFactory(name="Otra Institución")


@pytest.fixture
def coordinator(db):
    return user_with_role(Role.COORDINATOR, username="coordinadora")


@pytest.fixture
def provider(db, provider_org):
    return user_with_role(Role.PROVIDER, organization=provider_org, username="prestadora")


@pytest.fixture
def caseworker(db):
    return user_with_role(Role.CASEWORKER, username="gestor")


@pytest.fixture
def planner(db):
    return user_with_role(Role.PLANNER, username="planificadora")


@pytest.fixture
def administrator(db):
    return user_with_role(Role.ADMINISTRATOR, username="admin-red")
