"""Rate limits on sign-in and on the API, counted in the real Redis."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.services import api_token_create
from accounts.tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_cache")]


@pytest.fixture
def low_api_rates(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "3/minute", "user": "4/minute"},
    }


def test_an_anonymous_client_over_the_rate_gets_429_with_a_clear_message(low_api_rates):
    client = APIClient()
    codes = [client.get("/api/geo/sites/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/geo/sites/")
    assert response.status_code == 429
    assert "Retry-After" in response
    detail = response.json()["detail"]
    assert "segundos" in detail or "seconds" in detail


def test_the_anonymous_rate_is_per_address(low_api_rates):
    client = APIClient()
    for _ in range(3):
        client.get("/api/geo/sites/")
    assert client.get("/api/geo/sites/", REMOTE_ADDR="10.9.8.7").status_code == 200


def test_a_token_user_has_their_own_rate(low_api_rates, caseworker, planner):
    _token, key = api_token_create(user=caseworker, name="integración")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    codes = [client.get("/api/cases/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 200, 429]
    other = APIClient()
    other.force_authenticate(planner)
    assert other.get("/api/cases/").status_code == 200


def test_sign_in_attempts_over_the_rate_get_429_on_the_sign_in_page(client, caseworker, settings):
    settings.LOGIN_RATE_LIMIT = "3/minute"
    codes = [sign_in(client, f"nadie{n}", "x").status_code for n in range(3)]
    assert codes == [200, 200, 200]
    throttled = sign_in(client, caseworker.username)
    assert throttled.status_code == 429
    assert 'id="login-rate-limited"' in throttled.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not slowed down.
    assert sign_in(client, caseworker.username, REMOTE_ADDR="10.4.4.4").status_code == 302


def test_a_new_forwarded_for_header_each_time_does_not_escape_the_anonymous_rate(
    low_api_rates, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    client = APIClient()
    codes = [
        client.get("/api/geo/sites/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(6)
    ]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_behind_one_trusted_proxy_the_client_is_the_address_that_proxy_saw(low_api_rates, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client = APIClient()
    # The proxy appends what it saw (198.51.100.9); the forged entries to its left vary.
    codes = [
        client.get(
            "/api/geo/sites/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.9"
        ).status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    other = client.get("/api/geo/sites/", HTTP_X_FORWARDED_FOR="203.0.113.1, 198.51.100.10")
    assert other.status_code == 200


def test_forged_forwarded_for_headers_do_not_escape_the_sign_in_rate(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/minute"
    settings.TRUSTED_PROXY_COUNT = 0
    codes = [
        sign_in(client, f"nadie{n}", "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
