"""The case team through the API: the same rules as the pages, OpenAPI-documented."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import Role
from cases.models import CaseCloseReason, CaseStatus, ConsentScope, PartnerRole, TransferStatus
from cases.services import consent_record
from cases.services.closure import case_closure_request
from tests.factories import OrganizationFactory, api_client_for, case_of, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    lead = OrganizationFactory(name="OPD Centro")
    authority = OrganizationFactory(name="Tribunal")
    receiving = OrganizationFactory(name="PRM Oriente")
    caseworker = user_with_role(Role.CASEWORKER, lead)
    return {
        "lead": lead,
        "authority": authority,
        "receiving": receiving,
        "caseworker": caseworker,
        "judge": user_with_role(Role.CASEWORKER, authority),
        "receiver": user_with_role(Role.CASEWORKER, receiving),
        "stranger": user_with_role(Role.CASEWORKER, OrganizationFactory()),
        "case": case_of(caseworker),
    }


def _add_authority(world: dict[str, Any]) -> Any:
    return api_client_for(world["caseworker"]).post(
        f"/api/cases/{world['case'].pk}/team/partners/",
        {"organization": str(world["authority"].pk), "role": PartnerRole.AUTHORITY},
        format="json",
    )


def test_the_lead_team_adds_an_authority_and_the_authority_reads_its_place(
    world: dict[str, Any],
) -> None:
    response = _add_authority(world)
    assert response.status_code == 201, response.json()
    team = api_client_for(world["judge"]).get(f"/api/cases/{world['case'].pk}/team/").json()
    assert team["access"] == "packet"  # no consent to share information yet
    assert team["assignments"] == [] and team["transfers"] == []
    assert [p["role"] for p in team["partners"]] == [PartnerRole.AUTHORITY]


def test_with_the_sharing_consent_the_partner_reads_the_team_history(world: dict[str, Any]) -> None:
    _add_authority(world)
    consent_record(
        actor=world["caseworker"],
        case=world["case"],
        given_by="padre",
        scopes=[ConsentScope.INFORMATION_SHARING],
    )
    team = api_client_for(world["judge"]).get(f"/api/cases/{world['case'].pk}/team/").json()
    assert team["access"] == "partner"


def test_a_stranger_gets_404_and_a_partner_adding_partners_gets_403(world: dict[str, Any]) -> None:
    _add_authority(world)
    url = f"/api/cases/{world['case'].pk}/team/"
    assert api_client_for(world["stranger"]).get(url).status_code == 404
    response = api_client_for(world["judge"]).post(
        f"/api/cases/{world['case'].pk}/team/partners/",
        {"organization": str(world["receiving"].pk), "role": PartnerRole.EVALUATING},
        format="json",
    )
    assert response.status_code == 403


def test_a_bad_role_is_a_400_naming_the_field(world: dict[str, Any]) -> None:
    response = api_client_for(world["caseworker"]).post(
        f"/api/cases/{world['case'].pk}/team/partners/",
        {"organization": str(world["authority"].pk), "role": "juez"},
        format="json",
    )
    assert response.status_code == 400 and "role" in response.json()


def test_a_transfer_is_requested_listed_answered_and_answered_once(world: dict[str, Any]) -> None:
    created = api_client_for(world["caseworker"]).post(
        f"/api/cases/{world['case'].pk}/transfers/",
        {"to_organization": str(world["receiving"].pk), "reason": "Mudanza"},
        format="json",
    )
    assert created.status_code == 201
    transfer_id = created.json()["id"]
    receiver = api_client_for(world["receiver"])
    assert [t["id"] for t in receiver.get("/api/transfers/").json()["results"]] == [transfer_id]
    answer = receiver.post(f"/api/transfers/{transfer_id}/answer/", {"accept": True}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == TransferStatus.ACCEPTED
    again = receiver.post(f"/api/transfers/{transfer_id}/answer/", {"accept": True}, format="json")
    assert again.status_code == 400 and "transfer" in again.json()
    assert (
        api_client_for(world["stranger"]).get(f"/api/transfers/{transfer_id}/").status_code == 404
    )


def test_a_partner_reports_progress_through_the_api(world: dict[str, Any]) -> None:
    _add_authority(world)
    client = api_client_for(world["judge"])
    response = client.post(
        f"/api/cases/{world['case'].pk}/progress/",
        {"done": "Audiencia de revisión", "changed": "Medida mantenida"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert client.get(f"/api/cases/{world['case'].pk}/progress/").json()["count"] == 1
    missing = client.post(f"/api/cases/{world['case'].pk}/progress/", {"done": "x"}, format="json")
    assert missing.status_code == 400 and "changed" in missing.json()


def test_the_authority_verifies_a_closure_through_the_api(world: dict[str, Any]) -> None:
    _add_authority(world)
    closure = case_closure_request(
        actor=world["caseworker"], case=world["case"], reason=CaseCloseReason.PLAN_COMPLETED
    )
    url = f"/api/cases/{world['case'].pk}/closures/{closure.pk}/decision/"
    assert (
        api_client_for(world["stranger"]).post(url, {"approve": True}, format="json").status_code
        == 404
    )
    response = api_client_for(world["judge"]).post(url, {"approve": True}, format="json")
    assert response.status_code == 200, response.json()
    world["case"].refresh_from_db()
    assert world["case"].status == CaseStatus.CLOSED


def test_the_team_endpoints_are_in_the_openapi_schema(client: Any) -> None:
    schema = client.get("/api/schema/").content.decode()
    for path in ("/team/partners/", "/transfers/{transfer_id}/answer/", "/progress/"):
        assert path in schema
