"""Sessions end after idling and after a fixed age; their cookies stay out of scripts' reach."""

from __future__ import annotations

import time

import pytest

from accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from accounts.tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _age_session(client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_the_session_and_csrf_cookies_are_httponly_and_same_site(client, caseworker):
    client.get("/entrar/")
    response = sign_in(client, caseworker.username)
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    assert client.cookies["csrftoken"]["httponly"]
    assert client.cookies["csrftoken"]["samesite"] == "Lax"


def test_a_signed_in_user_keeps_working_while_active(client, caseworker, settings):
    sign_in(client, caseworker.username)
    _age_session(client, **{SESSION_LAST_SEEN: settings.SESSION_IDLE_TIMEOUT - 60})
    assert client.get("/casos/").status_code == 200
    # The request counted as activity: the idle clock starts again.
    assert int(time.time()) - client.session[SESSION_LAST_SEEN] < 5


def test_an_idle_session_ends_and_the_sign_in_page_says_so(client, caseworker, settings):
    sign_in(client, caseworker.username)
    _age_session(client, **{SESSION_LAST_SEEN: settings.SESSION_IDLE_TIMEOUT + 1})
    response = client.get("/casos/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/entrar/")
    assert 'id="session-expired"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_active_session_still_ends_at_its_maximum_age(client, caseworker, settings):
    sign_in(client, caseworker.username)
    _age_session(client, **{SESSION_STARTED: settings.SESSION_COOKIE_AGE + 1, SESSION_LAST_SEEN: 0})
    assert client.get("/casos/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_signing_in_again_restarts_the_maximum_age(client, caseworker, settings):
    _age_session(client, **{SESSION_STARTED: settings.SESSION_COOKIE_AGE + 1})
    sign_in(client, caseworker.username)
    assert client.get("/casos/").status_code == 200


def test_the_limits_come_from_the_environment():
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "SESSION_IDLE_MINUTES": "7",
        "SESSION_MAX_AGE_HOURS": "3",
        "AXES_COOLOFF_MINUTES": "42",
        "AXES_FAILURE_LIMIT": "9",
        "OTP_REQUIRED_ROLES": "caseworker,provider",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_IDLE_TIMEOUT, s.SESSION_COOKIE_AGE, s.AXES_COOLOFF_TIME.seconds, "
        "s.AXES_FAILURE_LIMIT, ','.join(s.OTP_REQUIRED_ROLES))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["420", "10800", "2520", "9", "caseworker,provider"]
