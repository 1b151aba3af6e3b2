"""Repeated sign-in failures lock the user name from that address (django-axes)."""

from __future__ import annotations

import pytest

from accounts.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _fail(client, username: str, times: int, **extra) -> list[int]:
    return [sign_in(client, username, "no-es-la-clave", **extra).status_code for _ in range(times)]


def test_the_fifth_failure_locks_the_account_even_for_the_right_password(client, caseworker):
    assert _fail(client, caseworker.username, 4) == [200, 200, 200, 200]
    locked = sign_in(client, caseworker.username, "no-es-la-clave")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert 'id="login-locked"' in html
    assert "15 minutos" in html  # Spanish by default
    assert 'name="username"' in html  # the sign-in page, not a bare error
    right = sign_in(client, caseworker.username)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_user_name_and_address(client, caseworker, planner):
    _fail(client, caseworker.username, 5)
    # The same person from another address, and a colleague from the same one, go on.
    assert sign_in(client, caseworker.username, REMOTE_ADDR="10.1.2.3").status_code == 302
    client.logout()
    assert sign_in(client, planner.username).status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, caseworker):
    _fail(client, caseworker.username, 4)
    assert sign_in(client, caseworker.username).status_code == 302
    client.logout()
    assert _fail(client, caseworker.username, 4) == [200, 200, 200, 200]


def test_the_cool_off_comes_from_the_settings(client, caseworker, settings):
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(minutes=42)
    _fail(client, caseworker.username, 5)
    assert "42 minutos" in sign_in(client, caseworker.username).content.decode()


def test_an_administrator_unlocks_the_user_in_the_admin(client, caseworker, administrator):
    from django.test import Client

    _fail(client, caseworker.username, 5)
    admin = Client()
    admin.force_login(administrator)
    response = admin.post(
        "/admin/accounts/user/", {"action": "unlock_sign_in", "_selected_action": [caseworker.pk]}
    )
    assert response.status_code == 302
    assert sign_in(client, caseworker.username).status_code == 302
