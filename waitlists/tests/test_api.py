from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from matching.models import Referral, ReferralStatus
from tests.factories import ServiceAtSiteFactory, case_of, user_with_role
from waitlists.models import WaitlistSnapshot
from waitlists.services import waitlist_snapshot_take

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def referrals(caseworker, provider_org):
    site = ServiceAtSiteFactory(service__organization=provider_org, capacity=1)
    return [
        Referral.objects.create(
            case=case_of(caseworker),
            service=site.service,
            service_at_site=site,
            status=ReferralStatus.ACCEPTED,
            created_by=caseworker,
        )
        for _ in range(2)
    ]


def test_the_provider_enrols_then_waitlists_through_the_api(provider, coordinator, referrals):
    api = client_for(provider)
    first = api.post("/api/enrolments/", {"referral_id": str(referrals[0].pk)})
    assert first.status_code == 201 and first.json()["result"] == "enrolled"
    second = api.post("/api/enrolments/", {"referral_id": str(referrals[1].pk)})
    assert second.status_code == 200 and second.json()["result"] == "waitlisted"
    again = api.post("/api/enrolments/", {"referral_id": str(referrals[1].pk)})
    assert again.status_code == 400 and "referral" in again.json()
    queue = api.get(f"/api/waitlists/{referrals[1].service_id}/").json()["results"]
    assert [row["position"] for row in queue] == [1]
    assert "birth_date" not in queue[0]
    network = client_for(coordinator).get("/api/waitlists/").json()["results"]
    assert network[0]["waiting"] == 1
    ended = api.post(
        f"/api/enrolments/{first.json()['enrolment_id']}/end/",
        {"status": "completed", "feedback": "Cumplió el plan."},
    )
    assert ended.status_code == 200


def test_other_providers_and_caseworkers_are_refused(caseworker, referrals, other_org):
    stranger = client_for(user_with_role(Role.PROVIDER, organization=other_org))
    assert (
        stranger.post("/api/enrolments/", {"referral_id": str(referrals[0].pk)}).status_code == 404
    )
    assert stranger.get(f"/api/waitlists/{referrals[0].service_id}/").status_code == 404
    assert client_for(caseworker).get("/api/waitlists/").status_code == 403
    assert (
        client_for(caseworker).post("/api/enrolments/", {"referral_id": "not-a-uuid"}).status_code
        == 400
    )


def test_the_history_serves_the_daily_snapshots_to_coordinators(coordinator, provider, referrals):
    client_for(provider).post("/api/enrolments/", {"referral_id": str(referrals[0].pk)})
    waitlist_snapshot_take()
    assert WaitlistSnapshot.objects.exists()
    rows = client_for(coordinator).get("/api/waitlists/history/?days=30").json()["results"]
    assert rows[0]["slots"] == 1
    bad = client_for(coordinator).get("/api/waitlists/history/?category=nope&days=-1")
    assert bad.status_code == 400 and {"category", "days"} <= set(bad.json())
