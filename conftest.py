from __future__ import annotations

import pytest
from django.conf import settings
from django.db import connections
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


@pytest.fixture
def browser():
    """Headless Chromium for the browser tests (``tests/browser.py``)."""
    from tests.browser import chromium

    with chromium() as browser:
        yield browser
        # Queries made while Playwright's loop runs use a connection of their own
        # (asgiref context); close them here or they outlive the test database.
        connections.close_all()


@pytest.fixture
def mailbox():
    """A real SMTP server (``tests/smtp.py``) that Django's SMTP backend sends to."""
    from django.test import override_settings

    from tests.smtp import smtp_server

    with smtp_server() as box, override_settings(**box.settings()):
        yield box
