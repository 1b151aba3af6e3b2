"""A slot-offer notification opens the very place where the offer is answered."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from directory.models import RiskLevel
from matching.models import Referral, ReferralStatus
from matching.tests.conftest import _as
from notifications.models import Notification
from tests.factories import ServiceAtSiteFactory, case_of
from waitlists.models import Enrolment, EnrolmentStatus
from waitlists.services import referral_place, slot_offer_next, slot_offers_expire

pytestmark = pytest.mark.django_db


def _accepted(case, site, creator):
    return Referral.objects.create(
        case=case,
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=creator,
        sent_at=timezone.now(),
    )


@pytest.fixture
def offer(caseworker, provider, provider_org):
    site = ServiceAtSiteFactory(service__organization=provider_org, capacity=1)
    inside = _accepted(case_of(caseworker), site, caseworker)
    waiting = _accepted(case_of(caseworker, risk_level=RiskLevel.HIGH), site, caseworker)
    referral_place(actor=provider, referral=inside)
    referral_place(actor=provider, referral=waiting)
    Enrolment.objects.filter(referral=inside).update(
        status=EnrolmentStatus.COMPLETED, ended_at=timezone.now()
    )
    (offered,) = slot_offer_next(service_at_site=site)
    return offered


def test_following_the_offer_notification_shows_the_form_that_answers_it(client, caseworker, offer):
    told = Notification.objects.filter(user=caseworker, link__contains="#offer-").get()
    path, anchor = told.link.split("#")
    assert path == f"/casos/{offer.entry.case_id}/listas/"
    assert anchor == f"offer-{offer.pk}"
    # The inbox links it as stored, and the page it opens has the anchor and the form.
    inbox = _as(client, caseworker).get("/bandeja/").content.decode()
    assert f'href="{told.link}"' in inbox
    page = client.get(path).content.decode()
    block = re.search(rf'<li class="offer" id="{anchor}".*?</li>', page, re.S)
    assert block is not None
    assert f'id="offer-form-{offer.pk}"' in block.group(0)
    assert 'value="accept"' in block.group(0) and 'value="decline"' in block.group(0)


def test_an_expired_offer_notification_opens_the_cases_offers(client, caseworker, offer):
    slot_offers_expire(now=offer.expires_at + timedelta(minutes=1))
    told = Notification.objects.filter(user=caseworker, link__endswith="#offers").get()
    assert told.link == f"/casos/{offer.entry.case_id}/listas/#offers"
    page = _as(client, caseworker).get(told.link.split("#")[0]).content.decode()
    assert 'id="offers"' in page
