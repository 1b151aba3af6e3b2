from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from cases.models import Case
from directory.models import TaxonomyTerm
from matching.models import Referral, ReferralStatus
from tests.factories import (
    ServiceAtSiteFactory,
    TerritoryFactory,
    api_client_for,
    case_of,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def territory():
    return TerritoryFactory()


@pytest.fixture
def offer(provider_org):
    sas = ServiceAtSiteFactory(
        service__organization=provider_org, site__point=Point(-70.601, -33.45, srid=4326)
    )
    sas.service.categories.add(TaxonomyTerm.objects.get(code="specialized.psychological_care"))
    return sas


def new_case(caseworker, **extra):
    payload = {
        "birth_date": str(date.today() - timedelta(days=9 * 365)),
        "sex": "female",
        "latitude": -33.45,
        "longitude": -70.6,
        "risk_level": "high",
        "access_route": "referral",
        "need_codes": ["specialized.psychological_care"],
        **extra,
    }
    return api_client_for(caseworker).post("/api/cases/", payload, format="json")


def test_a_caseworker_creates_a_case_and_reads_its_explained_priority(caseworker, territory):
    response = new_case(caseworker)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"].startswith("C-") and body["priority_policy_version"] >= 1
    assert body["needs"][0]["code"] == "specialized.psychological_care"
    priority = api_client_for(caseworker).get(f"/api/cases/{body['id']}/priority/").json()
    assert priority["score"] == body["priority_score"]
    assert {c["code"] for c in priority["components"]} >= {"risk"}


def test_bad_case_input_is_a_400_naming_each_field(caseworker, territory):
    response = new_case(caseworker, latitude=123, sex="x", need_codes=["no-such-code"])
    assert response.status_code == 400
    assert {"latitude", "sex", "need_codes"} <= set(response.json())
    # A point on no territory fails in the service layer: still a 400 naming the field.
    response = new_case(caseworker, latitude=10.0, longitude=10.0)
    assert response.status_code == 400 and "home" in response.json()


def test_a_case_of_another_team_does_not_exist_for_you(caseworker, territory, other_org):
    case = case_of(caseworker)
    stranger = user_with_role(Role.CASEWORKER, organization=other_org)
    for path in ("", "priority/", "options/"):
        assert api_client_for(stranger).get(f"/api/cases/{case.pk}/{path}").status_code == 404
    assert (
        api_client_for(stranger).patch(f"/api/cases/{case.pk}/", {"risk_level": "low"}).status_code
        == 404
    )
    listed = api_client_for(stranger).get("/api/cases/").json()
    assert listed["count"] == 0 and listed["results"] == []


def test_anonymous_clients_are_refused(territory):
    assert APIClient().get("/api/cases/").status_code == 403


def _admit(api: Any, case_id: str) -> None:
    """Admissibility through its own endpoint, every criterion of the checklist met."""
    checklist = api.get(f"/api/cases/{case_id}/admissibility/").json()["checklist"]
    answers = [{"criterion": item["id"], "met": True} for item in checklist]
    decided = api.post(
        f"/api/cases/{case_id}/admissibility/",
        {"admissibility": "admitted", "answers": answers},
        format="json",
    )
    assert decided.status_code == 201, decided.content


def test_the_full_loop_through_the_api(caseworker, provider, territory, offer):
    case_id = new_case(caseworker).json()["id"]
    _admit(api_client_for(caseworker), case_id)
    api = api_client_for(caseworker)
    options = api.get(f"/api/cases/{case_id}/options/").json()
    assert options["eligible"][0]["service_at_site_id"] == str(offer.pk)
    # No consent yet: refused, naming consent, until a reason is given or consent recorded.
    payload = {"case_id": case_id, "service_at_site_id": str(offer.pk), "shared_note": "Tarde"}
    refused = api.post("/api/referrals/", payload, format="json")
    assert refused.status_code == 400 and "consent_override_reason" in refused.json()
    assert not Referral.objects.filter(case_id=case_id).exists()  # all or nothing
    assert (
        api.post(
            f"/api/cases/{case_id}/consents/",
            {"given_by": "madre", "scopes": ["referral"]},
            format="json",
        ).status_code
        == 201
    )
    sent = api.post("/api/referrals/", payload, format="json")
    assert sent.status_code == 201 and sent.json()["status"] == "sent"
    referral_id = sent.json()["id"]

    inbox = api_client_for(provider).get("/api/provider/referrals/").json()["results"]
    assert [p["referral_id"] for p in inbox] == [referral_id]
    assert "birth_date" not in inbox[0] and inbox[0]["age_band"] == "6–11"

    accept = api_client_for(provider).post(
        f"/api/referrals/{referral_id}/transition/", {"to_status": "accepted"}, format="json"
    )
    assert accept.status_code == 200 and accept.json()["status"] == "accepted"
    illegal = api_client_for(provider).post(
        f"/api/referrals/{referral_id}/transition/", {"to_status": "sent"}, format="json"
    )
    assert illegal.status_code in (400, 403)
    bad = api_client_for(provider).post(
        f"/api/referrals/{referral_id}/transition/", {"to_status": "flying"}, format="json"
    )
    assert bad.status_code == 400 and "to_status" in bad.json()


def test_another_provider_cannot_see_or_move_the_referral(caseworker, territory, offer, other_org):
    case = Case.objects.get(pk=new_case(caseworker).json()["id"])
    api = api_client_for(caseworker)
    _admit(api, str(case.pk))
    referral = api.post(
        "/api/referrals/",
        {
            "case_id": str(case.pk),
            "service_at_site_id": str(offer.pk),
            "consent_override_reason": "Urgencia",
        },
        format="json",
    ).json()
    stranger = api_client_for(user_with_role(Role.PROVIDER, organization=other_org))
    assert stranger.get(f"/api/provider/referrals/{referral['id']}/").status_code == 404
    moved = stranger.post(
        f"/api/referrals/{referral['id']}/transition/", {"to_status": "accepted"}, format="json"
    )
    assert moved.status_code == 404
    assert Referral.objects.get(pk=referral["id"]).status == ReferralStatus.SENT


def test_coordination_views_are_for_coordinators_only(caseworker, coordinator):
    for path in ("/api/coordination/overdue-referrals/", "/api/coordination/multiple-alerts/"):
        assert api_client_for(caseworker).get(path).status_code == 403
        assert api_client_for(coordinator).get(path).status_code == 200


def test_a_coordinator_publishes_a_policy_version_and_a_caseworker_cannot(caseworker, coordinator):
    payload = {"change_note": "Más peso a la espera", "waiting_points_per_week": 10}
    assert api_client_for(caseworker).post("/api/priority-policy/", payload).status_code == 403
    published = api_client_for(coordinator).post("/api/priority-policy/", payload)
    assert published.status_code == 201 and published.json()["waiting_points_per_week"] == 10
    broken = api_client_for(coordinator).post(
        "/api/priority-policy/", {"change_note": "x", "alert_cap": 5000}
    )
    assert broken.status_code == 400 and "band_points" in broken.json()


def test_any_member_raises_an_alert_by_case_code_and_learns_nothing_else(
    caseworker, provider, provider_org, territory
):
    case = case_of(caseworker)
    response = api_client_for(provider).post(
        "/api/alerts/",
        {
            "organization_id": str(provider_org.pk),
            "alert_type": "neglect",
            "severity": "high",
            "case_code": case.code,
        },
        format="json",
    )
    assert response.status_code == 201
    assert set(response.json()) == {"id", "started_intake"}
    unknown = api_client_for(provider).post(
        "/api/alerts/",
        {
            "organization_id": str(provider_org.pk),
            "alert_type": "neglect",
            "severity": "high",
            "case_code": "C-NOPE",
        },
        format="json",
    )
    assert unknown.status_code == 400 and "case_code" in unknown.json()


@pytest.mark.parametrize(
    "given_at",
    ["0005-11-02T09:39:48Z", "1999-12-31T23:59:59Z", "2999-01-01T00:00:00Z"],
    ids=["centuries ago", "before 2000", "in the future"],
)
def test_a_consent_dated_out_of_any_sane_range_is_refused_naming_given_at(caseworker, given_at):
    case = case_of(caseworker)
    response = api_client_for(caseworker).post(
        f"/api/cases/{case.pk}/consents/",
        {"given_by": "madre", "scopes": ["referral"], "given_at": given_at},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"given_at"}
    assert not case.consents.exists()


def test_a_consent_dated_yesterday_is_recorded_and_echoed_with_a_plain_offset(caseworker):
    case = case_of(caseworker)
    yesterday = timezone.now() - timedelta(days=1)
    response = api_client_for(caseworker).post(
        f"/api/cases/{case.pk}/consents/",
        {"given_by": "madre", "scopes": ["referral"], "given_at": yesterday.isoformat()},
        format="json",
    )
    assert response.status_code == 201, response.json()
    echoed = datetime.fromisoformat(response.json()["given_at"])
    assert echoed == yesterday
    offset = echoed.utcoffset()
    assert offset is not None and offset % timedelta(minutes=1) == timedelta(0)
    assert case.consents.get().given_at == yesterday


def test_the_priority_answer_has_its_documented_shape(caseworker, territory):
    case_id = new_case(caseworker).json()["id"]
    priority = api_client_for(caseworker).get(f"/api/cases/{case_id}/priority/").json()
    assert set(priority) == {"score", "policy_version", "computed_at", "components"}
    assert set(priority["components"][0]) == {"code", "points", "sentence"}


def test_a_draft_referral_answers_without_sent_at_or_response_due(caseworker, territory, offer):
    case_id = new_case(caseworker).json()["id"]
    draft = api_client_for(caseworker).post(
        "/api/referrals/",
        {"case_id": case_id, "service_at_site_id": str(offer.pk), "send": False},
        format="json",
    )
    assert draft.status_code == 201
    assert draft.json()["status"] == "draft"
    assert draft.json()["sent_at"] is None and draft.json()["response_due"] is None
