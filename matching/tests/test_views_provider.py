"""Provider staff's pages over HTTP: the referrals inbox and one referral's packet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from matching.models import ReferralStatus
from matching.services import referral_create
from matching.tests.conftest import _as
from tests.factories import ServiceAtSiteFactory

pytestmark = pytest.mark.django_db


def test_the_provider_inbox_lists_packets_and_filters_by_status(
    client, provider, sent, case, stranger_provider
):
    client.force_login(provider)
    response = client.get(reverse("matching:provider_inbox"))
    content = response.content.decode()
    assert response.status_code == 200
    assert case.code in content and "Prefiere horario de tarde." in content
    assert 'data-status="sent"' in content
    assert case.code in client.get("/prestador/derivaciones/?status=sent").content.decode()
    assert case.code not in client.get("/prestador/derivaciones/?status=accepted").content.decode()
    response = client.get("/prestador/derivaciones/?status=bogus")
    assert response.status_code == 400 and "status" in response.context["form"].errors
    assert case.code not in (
        _as(client, stranger_provider).get(reverse("matching:provider_inbox")).content.decode()
    )


def test_the_packet_page_shows_the_minimum_and_never_the_case_file(
    client, caseworker, provider, case, sent, term
):
    other_offer = ServiceAtSiteFactory(service__name="Otro Programa Secreto")
    referral_create(actor=caseworker, case=case, service=other_offer.service)
    response = _as(client, provider).get(reverse("matching:provider_referral", args=[sent.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert case.code in content and term.name in content
    assert "Prefiere horario de tarde." in content
    assert 'id="age-band">6–11<' in content
    assert case.birth_date.isoformat() not in content
    assert case.birth_date.strftime("%d/%m/%Y") not in content
    assert "-33.45" not in content and "-70.6" not in content
    assert "Otro Programa Secreto" not in content
    assert 'id="move-accepted"' in content and 'id="move-rejected"' in content


def test_another_provider_and_the_case_team_cannot_open_the_packet(
    client, caseworker, sent, stranger_provider
):
    url = reverse("matching:provider_referral", args=[sent.pk])
    assert _as(client, stranger_provider).get(url).status_code == 404
    assert _as(client, stranger_provider).post(url, {"to_status": "accepted"}).status_code == 404
    assert _as(client, caseworker).get(url).status_code == 403
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.SENT


def test_the_provider_rejects_with_a_reason(client, provider, sent):
    client.force_login(provider)
    url = reverse("matching:provider_referral", args=[sent.pk])
    response = client.post(
        url, {"to_status": "rejected", "rejection_reason": "no_capacity", "note": "Sin cupos."}
    )
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.REJECTED and sent.rejection_reason == "no_capacity"
