"""Offering a freed slot checks the whole queue's eligibility at once, not entry by entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from directory.models import ServiceAtSite
from matching.models import Referral, ReferralStatus
from tests.factories import ServiceAtSiteFactory, case_of
from waitlists.models import OfferStatus, SlotOffer
from waitlists.services import referral_place, slot_offer_next

pytestmark = pytest.mark.django_db


def queue_on(*, site, caseworker, provider, too_old, fitting):
    """A full site with ``too_old`` ineligible children and then ``fitting`` eligible ones
    waiting (the ineligible first: they are scored higher)."""
    holder = case_of(caseworker)
    waiting = [case_of(caseworker, risk_level="very_high") for _ in range(too_old)]
    waiting += [case_of(caseworker, risk_level="low") for _ in range(fitting)]
    for case in [holder, *waiting]:
        referral = Referral.objects.create(
            case=case,
            service=site.service,
            service_at_site=site,
            status=ReferralStatus.ACCEPTED,
            created_by=caseworker,
            sent_at=timezone.now(),
        )
        referral_place(actor=provider, referral=referral)
    for i, case in enumerate(waiting):
        years = 9 if i < too_old else 5  # the service takes children up to 7
        case.birth_date = timezone.localdate() - timedelta(days=365 * years)
        case.save()
    return waiting[too_old:]


def offer_queries(*, site):
    """Free one slot (capacity one higher) and count the queries of offering it."""
    ServiceAtSite.objects.filter(pk=site.pk).update(capacity=2)
    with CaptureQueriesContext(connection) as queries:
        offers = slot_offer_next(service_at_site=site)
    return offers, len(queries.captured_queries)


def test_skipping_ineligible_children_costs_no_query_per_child(caseworker, provider, provider_org):
    counts = []
    for too_old in (2, 8):
        site = ServiceAtSiteFactory(
            service__organization=provider_org, service__eligibility__max_age=7, capacity=1
        )
        (fits,) = queue_on(
            site=site, caseworker=caseworker, provider=provider, too_old=too_old, fitting=1
        )
        offers, count = offer_queries(site=site)
        assert [o.entry.case_id for o in offers] == [fits.pk]
        counts.append(count)
    assert counts[0] == counts[1]


def test_the_offer_still_goes_to_the_first_eligible_child_in_the_queue(
    caseworker, provider, provider_org
):
    site = ServiceAtSiteFactory(
        service__organization=provider_org, service__eligibility__max_age=7, capacity=1
    )
    first, _second = queue_on(
        site=site, caseworker=caseworker, provider=provider, too_old=3, fitting=2
    )
    offers, _count = offer_queries(site=site)
    assert [o.entry.case_id for o in offers] == [first.pk]
    assert SlotOffer.objects.get(status=OfferStatus.PENDING).entry.case == first
