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
