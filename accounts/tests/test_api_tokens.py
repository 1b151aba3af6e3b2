"""API tokens act as their user, with the same permissions; only a digest is stored."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken, Role
from accounts.services import api_token_create, api_token_revoke
from tests.factories import case_of, user_with_role

pytestmark = pytest.mark.django_db


def api(key: str, scheme: str = "Token") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {key}")
    return client


def test_a_user_creates_a_token_on_their_page_and_sees_the_key_once(client, caseworker):
    client.force_login(caseworker)
    created = client.post("/cuenta/tokens/", {"action": "create", "name": "Sistema municipal"})
    html = created.content.decode()
    assert created.status_code == 200
    assert created["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=caseworker)
    key = html.split('id="new-token-key">')[1].split("<")[0]
    assert key.startswith(token.prefix)
    # Only the digest is kept: the key is in no column.
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert all(key not in str(value) for value in stored.values())
    assert key not in client.get("/cuenta/tokens/").content.decode()
    assert api(key).get("/api/cases/").status_code == 200


def test_a_token_reads_what_its_role_may_and_is_refused_the_rest(caseworker, other_org):
    own = case_of(caseworker)
    stranger = user_with_role(Role.CASEWORKER, organization=other_org)
    foreign = case_of(stranger)
    _token, key = api_token_create(user=caseworker, name="integración")
    client = api(key)
    listed = client.get("/api/cases/").json()
    assert listed["count"] == 1
    assert [c["id"] for c in listed["results"]] == [str(own.pk)]
    assert client.get(f"/api/cases/{own.pk}/").status_code == 200
    assert client.get(f"/api/cases/{foreign.pk}/").status_code == 404
    assert client.get("/api/coordination/overdue-referrals/").status_code == 403


def test_a_token_writes_without_a_csrf_token_like_its_user(caseworker):
    case = case_of(caseworker)
    _token, key = api_token_create(user=caseworker, name="integración")
    response = api(key, scheme="Bearer").patch(
        f"/api/cases/{case.pk}/", {"risk_level": "low"}, format="json"
    )
    assert response.status_code == 200


def test_a_revoked_token_gets_401(caseworker):
    token, key = api_token_create(user=caseworker, name="integración")
    api_token_revoke(token=token)
    response = api(key).get("/api/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


@pytest.mark.parametrize("header", ["Token nada-que-ver", "Token", "Token a b", "Bearer \u00e9"])
def test_a_wrong_token_gets_401_and_never_a_500(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert client.get("/api/cases/").status_code == 401


def test_the_token_of_a_deactivated_user_gets_401(caseworker):
    _token, key = api_token_create(user=caseworker, name="integración")
    caseworker.is_active = False
    caseworker.save()
    assert api(key).get("/api/cases/").status_code == 401


def test_without_credentials_the_api_still_answers_403():
    assert APIClient().get("/api/cases/").status_code == 403


def test_a_user_revokes_their_token_and_cannot_touch_anothers(client, caseworker, planner):
    mine, key = api_token_create(user=caseworker, name="mío")
    theirs, their_key = api_token_create(user=planner, name="ajeno")
    client.force_login(caseworker)
    assert (
        client.post("/cuenta/tokens/", {"action": "revoke", "token": theirs.pk}).status_code == 404
    )
    assert client.post("/cuenta/tokens/", {"action": "revoke", "token": "x"}).status_code == 404
    client.post("/cuenta/tokens/", {"action": "revoke", "token": mine.pk})
    assert api(key).get("/api/cases/").status_code == 401
    assert api(their_key).get("/api/cases/").status_code == 200


def test_the_administrator_revokes_tokens_in_the_admin(client, administrator, caseworker):
    token, key = api_token_create(user=caseworker, name="integración")
    client.force_login(administrator)
    response = client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    assert api(key).get("/api/cases/").status_code == 401


def test_a_token_name_is_required(client, caseworker):
    client.force_login(caseworker)
    response = client.post("/cuenta/tokens/", {"action": "create", "name": ""})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not ApiToken.objects.exists()
