from __future__ import annotations

import uuid

import pytest

PASSWORD = "clave-de-prueba"  # tests.factories.UserFactory's


@pytest.fixture
def fresh_cache(settings):
    """Rate-limit counters of this test only: a key prefix of its own in the real Redis."""
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "KEY_PREFIX": f"puente-t-{uuid.uuid4().hex}"}
    }


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post(
        "/entrar/", {"username": username, "password": password, "next": "/casos/"}, **extra
    )


__all__ = ["PASSWORD", "sign_in"]
