"""The closure API: the same rules as the page, in JSON, documented in the OpenAPI."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from cases.models import CaseCloseReason, CaseStatus, ClosureStatus
from tests.factories import api_client_for, referral_world, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def test_a_request_for_rights_restored_waits_and_a_colleague_closes_it(world):
    case, asker = world["case"], api_client_for(world["caseworker"])
    base = f"/api/cases/{case.pk}/closures/"
    response = asker.post(base, {"reason": CaseCloseReason.PLAN_COMPLETED}, format="json")
    assert response.status_code == 201, response.content
    closure = response.json()
    assert closure["status"] == ClosureStatus.REQUESTED and closure["requested_by"] == "gestora"
    decision = f"{base}{closure['id']}/decision/"
    assert asker.post(decision, {"approve": True}, format="json").status_code == 403
    colleague = api_client_for(user_with_role(Role.CASEWORKER, organization=case.organization))
    refused = colleague.post(decision, {"approve": False, "note": ""}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    approved = colleague.post(decision, {"approve": True}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == ClosureStatus.CLOSED
    assert approved.json()["resolved"] == {
        "referrals": 0,
        "waitlist_entries": 0,
        "slot_offers": 0,
        "enrolments": 0,
    }
    again = colleague.post(decision, {"approve": True}, format="json")
    assert again.status_code == 400 and "closure" in again.json()
    history = asker.get(base).json()
    assert [c["status"] for c in history["closures"]] == [ClosureStatus.CLOSED]


def test_a_bad_reason_is_a_400_naming_the_field_and_nothing_closes(world):
    case, client = world["case"], api_client_for(world["caseworker"])
    base = f"/api/cases/{case.pk}/closures/"
    for body, field in (
        ({}, "reason"),
        ({"reason": "not_admitted"}, "reason"),
        ({"reason": "other", "reason_text": " "}, "reason_text"),
        ({"reason": "moved_away", "reason_text": "x" * 2001}, "reason_text"),
    ):
        response = client.post(base, body, format="json")
        assert response.status_code == 400 and field in response.json(), body
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_reopening_through_the_api_needs_a_closed_case_and_a_reason(world):
    case, client = world["case"], api_client_for(world["caseworker"])
    reopen = f"/api/cases/{case.pk}/reopen/"
    assert client.post(reopen, {"reason": "x"}, format="json").status_code == 400
    client.post(f"/api/cases/{case.pk}/closures/", {"reason": "moved_away"}, format="json")
    assert client.post(reopen, {}, format="json").status_code == 400
    response = client.post(reopen, {"reason": "Volvió a la comuna"}, format="json")
    assert response.status_code == 201
    assert response.json()["previous_reason"] == "moved_away"
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_another_team_and_anonymous_clients_are_refused(world):
    case = world["case"]
    stranger = api_client_for(user_with_role(Role.CASEWORKER))
    base = f"/api/cases/{case.pk}/closures/"
    assert stranger.get(base).status_code == 404
    assert stranger.post(base, {"reason": "moved_away"}, format="json").status_code == 404
    assert stranger.post(f"/api/cases/{case.pk}/reopen/", {"reason": "x"}).status_code == 404
    assert APIClient().get(base).status_code in (401, 403)
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_the_closure_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    paths = set(schema["paths"])
    assert "/api/cases/{case_id}/closures/" in paths
    assert "/api/cases/{case_id}/closures/{closure_id}/decision/" in paths
    assert "/api/cases/{case_id}/reopen/" in paths
