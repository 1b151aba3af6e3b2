"""The reads behind the waitlist pages and API, each scoped to who may see them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from directory.models import TaxonomyTerm
from matching.models import Referral, ReferralStatus
from tests.factories import ServiceAtSiteFactory, ServiceFactory, case_of, user_with_role
from waitlists.models import (
    AllocationRound,
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistSnapshot,
)
from waitlists.selectors import (
    allocation_round_get,
    allocation_round_placed_cases,
    enrolments_active_at,
    referrals_to_place_for_provider,
    service_at_site_get_for_provider,
    service_at_site_slots_for_provider,
    service_list_with_waitlist,
    slot_offer_get_for_case,
    slot_offer_get_for_case_team,
    slot_offers_pending_for_case,
    waitlist_can_read,
    waitlist_entries_for_case,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(provider_org):
    return ServiceAtSiteFactory(service__organization=provider_org, capacity=3)


@pytest.fixture
def foreign_site(other_org):
    return ServiceAtSiteFactory(service__organization=other_org)


def referral_to(site, *, case, creator, status=ReferralStatus.ACCEPTED):
    return Referral.objects.create(
        case=case,
        service=site.service,
        service_at_site=site,
        status=status,
        created_by=creator,
        sent_at=timezone.now(),
    )


def enrol(site, *, case, creator):
    referral = referral_to(site, case=case, creator=creator)
    return Enrolment.objects.create(case=case, service_at_site=site, referral=referral)


def offer_to(site, *, case, minutes=60):
    entry = WaitlistEntry.objects.create(case=case, service=site.service)
    return SlotOffer.objects.create(
        entry=entry,
        service_at_site=site,
        expires_at=timezone.now() + timedelta(minutes=minutes),
    )


def test_a_provider_sees_only_its_own_sites_with_slots_taken_and_held_counted(
    provider, caseworker, site, foreign_site
):
    enrol(site, case=case_of(caseworker), creator=caseworker)
    offer_to(site, case=case_of(caseworker))
    enrol(foreign_site, case=case_of(caseworker), creator=caseworker)
    (row,) = service_at_site_slots_for_provider(user=provider)
    assert row.pk == site.pk
    assert (row.taken, row.held) == (1, 1)


def test_a_provider_cannot_get_a_site_of_another_organization(provider, site, foreign_site):
    assert service_at_site_get_for_provider(user=provider, service_at_site_id=site.pk) == site
    found = service_at_site_get_for_provider(user=provider, service_at_site_id=foreign_site.pk)
    assert found is None


def test_a_coordinator_is_no_provider_of_any_site(coordinator, site):
    assert service_at_site_get_for_provider(user=coordinator, service_at_site_id=site.pk) is None
    assert service_at_site_slots_for_provider(user=coordinator) == []


def test_who_holds_a_slot_is_listed_first_enrolled_first_and_ended_enrolments_left_out(
    caseworker, site
):
    first = enrol(site, case=case_of(caseworker), creator=caseworker)
    second = enrol(site, case=case_of(caseworker), creator=caseworker)
    ended = enrol(site, case=case_of(caseworker), creator=caseworker)
    Enrolment.objects.filter(pk=ended.pk).update(
        status=EnrolmentStatus.COMPLETED, ended_at=timezone.now()
    )
    Enrolment.objects.filter(pk=first.pk).update(started_at=timezone.now() - timedelta(days=2))
    found = enrolments_active_at(service_at_site_ids=[site.pk])
    assert [e.pk for e in found] == [first.pk, second.pk]


def test_only_accepted_referrals_wait_to_be_placed(provider, caseworker, site, foreign_site):
    accepted = referral_to(site, case=case_of(caseworker), creator=caseworker)
    referral_to(site, case=case_of(caseworker), creator=caseworker, status=ReferralStatus.SENT)
    referral_to(foreign_site, case=case_of(caseworker), creator=caseworker)
    assert list(referrals_to_place_for_provider(user=provider)) == [accepted]


def test_a_queue_is_read_by_its_provider_and_coordinators_only(
    provider, coordinator, caseworker, site, foreign_site
):
    assert waitlist_can_read(user=provider, service_id=site.service_id)
    assert waitlist_can_read(user=coordinator, service_id=site.service_id)
    assert not waitlist_can_read(user=provider, service_id=foreign_site.service_id)
    assert not waitlist_can_read(user=caseworker, service_id=site.service_id)
    assert not waitlist_can_read(user=coordinator, service_id=uuid.uuid4())


def test_a_case_shows_its_active_entries_and_pending_offers_only(caseworker, site):
    case = case_of(caseworker)
    offer = offer_to(site, case=case)
    left = WaitlistEntry.objects.create(
        case=case, service=ServiceFactory(), status=EntryStatus.WITHDRAWN
    )
    answered = offer_to(ServiceAtSiteFactory(), case=case)
    SlotOffer.objects.filter(pk=answered.pk).update(status=OfferStatus.DECLINED)
    entries = waitlist_entries_for_case(case_id=case.pk)
    assert left not in entries and offer.entry in entries
    assert slot_offers_pending_for_case(case_id=case.pk) == [offer]


def test_an_offer_is_found_only_for_its_own_case(caseworker, site):
    case, other = case_of(caseworker), case_of(caseworker)
    offer = offer_to(site, case=case)
    assert slot_offer_get_for_case(case_id=case.pk, offer_id=offer.pk) == offer
    assert slot_offer_get_for_case(case_id=other.pk, offer_id=offer.pk) is None


def test_an_offer_is_answered_only_by_the_case_team(caseworker, other_org, site):
    offer = offer_to(site, case=case_of(caseworker))
    stranger = user_with_role(Role.CASEWORKER, organization=other_org)
    assert slot_offer_get_for_case_team(user=caseworker, offer_id=offer.pk) == offer
    assert slot_offer_get_for_case_team(user=stranger, offer_id=offer.pk) is None


def test_a_service_has_a_trend_with_a_recent_snapshot_or_somebody_waiting(caseworker, site):
    today = timezone.localdate()
    waited = ServiceFactory(name="B con fila")
    WaitlistEntry.objects.create(case=case_of(caseworker), service=waited)
    charted = ServiceFactory(name="A con historia")
    old = ServiceFactory(name="C antigua")
    for service, day in [(charted, today - timedelta(days=3)), (old, today - timedelta(days=90))]:
        WaitlistSnapshot.objects.create(
            day=day, service=service, waiting=1, slots=1, enrolled=0, inflow=0, outflow=0
        )
    found = list(service_list_with_waitlist(since=today - timedelta(days=30)))
    assert found == [charted, waited]


def test_a_round_lists_the_children_it_places_with_their_codes(coordinator, caseworker, site):
    placed, unplaced = case_of(caseworker), case_of(caseworker)
    found = AllocationRound.objects.create(
        territory=site.site.territory,
        category=TaxonomyTerm.objects.first(),
        created_by=coordinator,
        proposal={str(placed.pk): str(site.pk), str(unplaced.pk): None},
    )
    assert allocation_round_get(round_id=found.pk) == found
    assert allocation_round_get(round_id=uuid.uuid4()) is None
    assert allocation_round_placed_cases(round=found) == [(placed.pk, placed.code)]
