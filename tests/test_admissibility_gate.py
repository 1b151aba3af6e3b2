"""A referral waits for admissibility, but a child in urgent danger does not (recorded)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from audit.models import AuditAction, AuditEntry
from cases.models import Admissibility, Case
from matching.models import Referral, ReferralStatus
from matching.services import referral_create_and_send
from tests.factories import referral_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    world = referral_world()
    Case.objects.filter(pk=world["case"].pk).update(admissibility=Admissibility.PENDING)
    world["case"].refresh_from_db()
    return world


def _send(world: dict[str, Any], **extra: Any) -> Referral:
    return referral_create_and_send(
        actor=world["caseworker"],
        case=world["case"],
        service=world["eligible"].service,
        service_at_site=world["eligible"],
        **extra,
    )


def test_a_case_pending_admissibility_is_not_referred_and_nothing_is_left_behind(world):
    with pytest.raises(ValidationError) as refused:
        _send(world)
    assert "admissibility" in refused.value.message_dict
    assert not Referral.objects.exists()


def test_an_urgent_case_is_referred_before_admissibility_with_its_reason(world):
    case = world["case"]
    case.urgent_safety = True
    case.save()
    with pytest.raises(ValidationError):
        _send(world)
    referral = _send(world, admissibility_override_reason="Riesgo vital esta noche")
    assert referral.status == ReferralStatus.SENT
    referral.refresh_from_db()
    assert referral.admissibility_override_reason == "Riesgo vital esta noche"


def test_the_options_page_says_why_and_the_send_is_refused_naming_the_field(world):
    case, client = world["case"], Client()
    client.force_login(world["caseworker"])
    url = reverse("matching:case_options", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'id="admissibility-pending"' in page
    assert reverse("cases:case_admissibility", args=[case.pk]) in page
    response = client.post(url, {"service_at_site": str(world["eligible"].pk)})
    assert response.status_code == 400
    assert not Referral.objects.exists()


def test_the_urgent_override_from_the_page_is_audited(world):
    case, client = world["case"], Client()
    case.urgent_safety = True
    case.save()
    client.force_login(world["caseworker"])
    url = reverse("matching:case_options", args=[case.pk])
    assert 'name="admissibility_override_reason"' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "service_at_site": str(world["eligible"].pk),
            "admissibility_override_reason": "Riesgo vital",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.ADMISSIBILITY_OVERRIDE)
    assert entry.case_code == case.code


def test_the_api_refuses_a_pending_case_naming_admissibility(world):
    api = APIClient()
    api.force_authenticate(world["caseworker"])
    response = api.post(
        "/api/referrals/",
        {"case_id": str(world["case"].pk), "service_at_site_id": str(world["eligible"].pk)},
        format="json",
    )
    assert response.status_code == 400 and "admissibility" in response.json()
