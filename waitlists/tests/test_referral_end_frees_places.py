"""A referral that ends from the referral page frees the list place and the slot it held."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from accounts.models import Role
from matching.models import Referral, ReferralStatus
from matching.services import referral_transition
from tests.factories import ServiceAtSiteFactory, case_of, user_with_role
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
)
from waitlists.selectors import service_at_site_free_slots
from waitlists.services import referral_place


def _accepted(*, caseworker, site) -> Referral:
    return Referral.objects.create(
        case=case_of(caseworker),
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=caseworker,
        sent_at=timezone.now(),
    )


@pytest.fixture
def site(provider_org):
    return ServiceAtSiteFactory(service__organization=provider_org, capacity=1)


@pytest.mark.django_db
def test_withdrawing_a_referral_in_service_frees_its_slot_for_the_next_in_line(
    caseworker, provider, site
):
    first = _accepted(caseworker=caseworker, site=site)
    second = _accepted(caseworker=caseworker, site=site)
    referral_place(actor=provider, referral=first)
    referral_place(actor=provider, referral=second)

    referral_transition(actor=caseworker, referral=first, to_status=ReferralStatus.WITHDRAWN)

    enrolment = Enrolment.objects.get(referral=first)
    assert enrolment.status == EnrolmentStatus.DROPPED_OUT and enrolment.ended_at is not None
    waiting = WaitlistEntry.objects.get(referral=second)
    assert SlotOffer.objects.get(entry=waiting).status == OfferStatus.PENDING
    assert service_at_site_free_slots(service_at_site_ids=[site.pk]) == {site.pk: 0}


@pytest.mark.django_db
def test_withdrawing_a_waiting_referral_takes_the_child_off_the_list(caseworker, provider, site):
    first = _accepted(caseworker=caseworker, site=site)
    second = _accepted(caseworker=caseworker, site=site)
    referral_place(actor=provider, referral=first)
    referral_place(actor=provider, referral=second)

    referral_transition(actor=caseworker, referral=second, to_status=ReferralStatus.WITHDRAWN)

    entry = WaitlistEntry.objects.get(referral=second)
    assert entry.status == EntryStatus.WITHDRAWN and entry.closed_at is not None
    assert Enrolment.objects.get(referral=first).status == EnrolmentStatus.ACTIVE


@pytest.mark.django_db
def test_a_held_offer_is_declined_and_goes_to_the_next_when_its_referral_is_withdrawn(
    caseworker, provider, site
):
    first = _accepted(caseworker=caseworker, site=site)
    second = _accepted(caseworker=caseworker, site=site)
    third = _accepted(caseworker=caseworker, site=site)
    for referral in (first, second, third):
        referral_place(actor=provider, referral=referral)
    referral_transition(actor=caseworker, referral=first, to_status=ReferralStatus.WITHDRAWN)
    offered = SlotOffer.objects.get(status=OfferStatus.PENDING)
    held_by = offered.entry.referral

    referral_transition(actor=caseworker, referral=held_by, to_status=ReferralStatus.WITHDRAWN)

    offered.refresh_from_db()
    assert offered.status == OfferStatus.DECLINED
    nxt = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert nxt.entry.referral_id in {second.pk, third.pk} - {held_by.pk}


@pytest.mark.django_db
def test_a_refused_withdrawal_leaves_the_child_on_the_list_and_in_the_slot(
    caseworker, provider, site, other_org
):
    first = _accepted(caseworker=caseworker, site=site)
    second = _accepted(caseworker=caseworker, site=site)
    referral_place(actor=provider, referral=first)
    referral_place(actor=provider, referral=second)
    stranger = user_with_role(Role.CASEWORKER, organization=other_org)

    for referral in (first, second):
        with pytest.raises(PermissionDenied):
            referral_transition(
                actor=stranger, referral=referral, to_status=ReferralStatus.WITHDRAWN
            )

    assert Enrolment.objects.get(referral=first).status == EnrolmentStatus.ACTIVE
    assert WaitlistEntry.objects.get(referral=second).status == EntryStatus.WAITING
    assert not SlotOffer.objects.exists()
