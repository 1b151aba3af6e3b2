"""The closed loop across apps: a referral sent in matching, its slot taken in waitlists.

Taking a slot is the waitlists app's move (under the site's lock), so these flows run
above both apps; their fixtures are matching's own.
"""

# ruff: noqa: F811 -- the fixtures imported below are named again as test arguments

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import ConsentScope, NeedStatus
from cases.services import consent_record
from directory.models import RiskLevel
from matching.models import ReferralEvent, ReferralStatus
from matching.services import referral_transition
from matching.tests.conftest import (  # noqa: F401 -- fixtures
    _as,
    case,
    consent,
    need,
    offer,
    sent,
    term,
    territory,
)
from matching.tests.test_referrals import _sent
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of
from waitlists.services import referral_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def consented_case(caseworker):
    TerritoryFactory()
    case = case_of(caseworker, risk_level=RiskLevel.HIGH)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    return case


@pytest.fixture
def plain_offer(provider_org):
    return ServiceAtSiteFactory(service__organization=provider_org)


def test_a_referral_goes_from_sent_to_completed_with_every_step_recorded(
    caseworker, provider, consented_case, plain_offer
):
    referral = _sent(caseworker, consented_case, plain_offer)
    assert referral.status == ReferralStatus.SENT
    # High risk: the answer is due within the policy's 72 hours.
    assert referral.response_due - referral.sent_at == timedelta(hours=72)
    assert referral.need.status == NeedStatus.ADDRESSED
    referral = referral_transition(
        actor=provider, referral=referral, to_status=ReferralStatus.ACCEPTED
    )
    # Taking a slot is the waitlists app's move, under the site's lock.
    with pytest.raises(ValidationError):
        referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.IN_SERVICE)
    assert referral_place(actor=provider, referral=referral).enrolled
    referral.refresh_from_db()
    referral = referral_transition(
        actor=provider,
        referral=referral,
        to_status=ReferralStatus.COMPLETED,
        feedback="Completó 12 sesiones; se sugiere seguimiento escolar.",
    )
    events = list(ReferralEvent.objects.filter(referral=referral).values_list("to_status", "actor"))
    assert [s for s, _a in events] == ["draft", "sent", "accepted", "in_service", "completed"]
    assert events[-1][1] == provider.pk
    referral.need.refresh_from_db()
    assert referral.need.status == NeedStatus.MET
    assert "seguimiento" in referral.feedback  # the contrarreferencia reaches the case


def test_the_case_page_shows_the_provider_feedback(client, caseworker, provider, sent, case):
    referral_transition(actor=provider, referral=sent, to_status=ReferralStatus.ACCEPTED)
    referral_place(actor=provider, referral=sent)
    referral_transition(
        actor=provider,
        referral=sent,
        to_status=ReferralStatus.COMPLETED,
        feedback="Completó 12 sesiones.",
    )
    content = _as(client, caseworker).get(reverse("matching:case_detail", args=[case.pk]))
    assert f'id="feedback-{sent.pk}"' in content.content.decode()
    assert "Completó 12 sesiones." in content.content.decode()


def test_the_provider_answers_through_the_state_machine(client, provider, sent, need):
    client.force_login(provider)
    url = reverse("matching:provider_referral", args=[sent.pk])
    response = client.post(url, {"to_status": "rejected", "note": "x"})
    assert response.status_code == 400
    assert "rejection_reason" in response.context["forms"][1][1].errors
    response = client.post(url, {"to_status": "completed", "feedback": "?"})
    assert response.status_code == 400  # not a move from "sent"
    assert response.context["stray_form"].errors
    assert client.post(url, {"to_status": "nonsense"}).status_code == 400
    response = client.post(url, {"to_status": "accepted", "note": "Cupo el lunes."})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.ACCEPTED
    assert sent.events.last().note == "Cupo el lunes."
    # Starting the service takes a slot: that is the slots page's move, not this one.
    assert client.post(url, {"to_status": "in_service"}).status_code == 400
    assert referral_place(actor=provider, referral=sent).enrolled
    response = client.post(url, {"to_status": "completed", "feedback": "  "})
    assert response.status_code == 400
    response = client.post(url, {"to_status": "completed", "feedback": "Terminó el taller."})
    assert response.status_code == 302
    sent.refresh_from_db()
    assert sent.status == ReferralStatus.COMPLETED and sent.feedback == "Terminó el taller."
    assert 'id="no-moves"' in client.get(url).content.decode()
