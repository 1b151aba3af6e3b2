"""Slots, the unified queue and offers, against real PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from cases.services import case_update
from directory.models import RiskLevel
from matching.models import Referral, ReferralStatus
from tests.factories import CaseFactory, ServiceAtSiteFactory, case_of, user_with_role
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistSnapshot,
)
from waitlists.selectors import (
    service_at_site_free_slots,
    waitlist_network_summary,
    waitlist_positions,
)
from waitlists.services import (
    enrolment_end,
    referral_place,
    slot_offer_answer,
    slot_offers_expire,
    waitlist_snapshot_take,
    waitlist_withdraw,
)


def accepted_referral(*, case, site, creator):
    referral = Referral.objects.create(
        case=case,
        service=site.service,
        service_at_site=site,
        status=ReferralStatus.ACCEPTED,
        created_by=creator,
        sent_at=timezone.now(),
    )
    return referral


@pytest.fixture
def site(provider_org):
    return ServiceAtSiteFactory(service__organization=provider_org, capacity=1)


@pytest.mark.django_db
def test_a_free_slot_enrols_and_a_full_site_puts_the_child_on_the_waitlist(
    caseworker, provider, site
):
    first = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    second = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    assert referral_place(actor=provider, referral=first).enrolled
    placed = referral_place(actor=provider, referral=second)
    assert not placed.enrolled and placed.entry.status == EntryStatus.WAITING
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ReferralStatus.IN_SERVICE, ReferralStatus.WAITING)
    assert service_at_site_free_slots(service_at_site_ids=[site.pk]) == {site.pk: 0}


@pytest.mark.django_db
def test_another_provider_cannot_place_a_referral(caseworker, site, other_org):
    referral = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    stranger = user_with_role(Role.PROVIDER, organization=other_org)
    with pytest.raises(PermissionDenied):
        referral_place(actor=stranger, referral=referral)
    assert not Enrolment.objects.exists()


@pytest.mark.django_db
def test_the_queue_follows_priority_live_then_who_asked_first(caseworker, provider, site):
    referral_place(
        actor=provider,
        referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
    )
    early = case_of(caseworker, risk_level=RiskLevel.LOW, requested_at=timezone.now())
    late = case_of(caseworker, risk_level=RiskLevel.LOW, requested_at=timezone.now())
    for case in (early, late):
        referral_place(
            actor=provider, referral=accepted_referral(case=case, site=site, creator=caseworker)
        )
    order = [p.entry.case_id for p in waitlist_positions(service_id=site.service_id)]
    assert order == [early.pk, late.pk]
    # A change of risk re-orders the queue at once.
    case_update(actor=caseworker, case=late, risk_level=RiskLevel.HIGH)
    places = waitlist_positions(service_id=site.service_id)
    assert [p.entry.case_id for p in places] == [late.pk, early.pk]
    assert [p.position for p in places] == [1, 2]
    assert places[0].estimated_wait_days is None  # nobody has left yet: no basis


@pytest.mark.django_db
def test_a_freed_slot_is_offered_to_the_top_entry_then_the_next_when_declined(
    caseworker, provider, site
):
    holder = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    enrolment = referral_place(actor=provider, referral=holder).enrolment
    top = case_of(caseworker, risk_level=RiskLevel.VERY_HIGH)
    next_ = case_of(caseworker, risk_level=RiskLevel.HIGH)
    for case in (top, next_):
        referral_place(
            actor=provider, referral=accepted_referral(case=case, site=site, creator=caseworker)
        )
    enrolment_end(
        actor=provider, enrolment=enrolment, status=EnrolmentStatus.COMPLETED, feedback="Bien."
    )
    holder.refresh_from_db()
    assert holder.status == ReferralStatus.COMPLETED and holder.feedback == "Bien."
    offer = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert offer.entry.case == top
    # The held slot is not free for anyone else while the family decides.
    assert service_at_site_free_slots(service_at_site_ids=[site.pk]) == {site.pk: 0}

    slot_offer_answer(actor=caseworker, offer=offer, accept=False, note="Horario imposible")
    offer = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert offer.entry.case == next_
    slot_offer_answer(actor=caseworker, offer=offer, accept=True)
    enrolled = Enrolment.objects.get(status=EnrolmentStatus.ACTIVE)
    assert enrolled.case == next_
    assert enrolled.referral.status == ReferralStatus.IN_SERVICE
    kinds = list(WaitlistEvent.objects.values_list("kind", flat=True))
    for kind in ("enrolled", "joined", "ended", "offered", "declined", "withdrawn"):
        assert kind in kinds or kind == "withdrawn"


@pytest.mark.django_db
def test_an_unanswered_offer_expires_and_goes_to_the_next(caseworker, provider, site):
    enrolment = referral_place(
        actor=provider,
        referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
    ).enrolment
    first, second = case_of(caseworker), case_of(caseworker)
    for case in (first, second):
        referral_place(
            actor=provider, referral=accepted_referral(case=case, site=site, creator=caseworker)
        )
    enrolment_end(actor=provider, enrolment=enrolment, status=EnrolmentStatus.MOVED)
    assert slot_offers_expire(now=timezone.now() + timedelta(days=4)) == 1
    pending = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert pending.entry.case == second
    entry = WaitlistEntry.objects.get(case=first)
    assert entry.status == EntryStatus.WITHDRAWN
    assert entry.referral.status == ReferralStatus.EXPIRED


@pytest.mark.django_db
def test_an_ineligible_child_is_skipped_for_an_offer(caseworker, provider, site):
    enrolment = referral_place(
        actor=provider,
        referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
    ).enrolment
    too_old = case_of(caseworker, risk_level=RiskLevel.VERY_HIGH)
    fits = case_of(caseworker)
    for case in (too_old, fits):
        referral_place(
            actor=provider, referral=accepted_referral(case=case, site=site, creator=caseworker)
        )
    site.service.eligibility.max_age = 7
    site.service.eligibility.save()
    too_old.birth_date = timezone.localdate() - timedelta(days=365 * 9)
    too_old.save()
    fits.birth_date = timezone.localdate() - timedelta(days=365 * 5)
    fits.save()
    enrolment_end(actor=provider, enrolment=enrolment, status=EnrolmentStatus.DROPPED_OUT)
    assert SlotOffer.objects.get(status=OfferStatus.PENDING).entry.case == fits


@pytest.mark.django_db
def test_the_caseworker_withdraws_the_other_waitlists_after_an_enrolment(
    caseworker, provider, provider_org, site
):
    other_site = ServiceAtSiteFactory(service__organization=provider_org, capacity=0)
    case = case_of(caseworker)
    blocker = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    referral_place(actor=provider, referral=blocker)
    kept = referral_place(
        actor=provider, referral=accepted_referral(case=case, site=site, creator=caseworker)
    ).entry
    referral_place(
        actor=provider, referral=accepted_referral(case=case, site=other_site, creator=caseworker)
    )
    with pytest.raises(PermissionDenied):
        waitlist_withdraw(actor=provider, case=case)
    assert waitlist_withdraw(actor=caseworker, case=case, keep_entry_ids={kept.pk}) == 1
    assert WaitlistEntry.objects.get(pk=kept.pk).status == EntryStatus.WAITING


@pytest.mark.django_db
def test_only_an_accepted_referral_can_be_placed(caseworker, provider, site):
    referral = accepted_referral(case=case_of(caseworker), site=site, creator=caseworker)
    Referral.objects.filter(pk=referral.pk).update(status=ReferralStatus.SENT)
    with pytest.raises(ValidationError) as error:
        referral_place(actor=provider, referral=referral)
    assert "referral" in error.value.message_dict


@pytest.mark.django_db
def test_the_daily_snapshot_counts_the_queue_and_is_idempotent(caseworker, provider, site):
    for _ in range(3):
        referral_place(
            actor=provider,
            referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
        )
    assert waitlist_snapshot_take() == 1
    assert waitlist_snapshot_take() == 1
    snapshot = WaitlistSnapshot.objects.get()
    assert (snapshot.waiting, snapshot.enrolled, snapshot.slots, snapshot.inflow) == (2, 1, 1, 2)
    summary = waitlist_network_summary()
    assert summary[0].waiting == 2 and summary[0].median_wait_days is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_hundred_simultaneous_enrolments_fill_exactly_ten_slots(caseworker, provider_org):
    """Each thread has its own PostgreSQL connection and transaction; the row lock decides."""
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestador-c")
    site = ServiceAtSiteFactory(service__organization=provider_org, capacity=10)
    team = caseworker.memberships.get().organization
    cases = [CaseFactory(organization=team) for _ in range(200)]
    referrals = [accepted_referral(case=c, site=site, creator=caseworker) for c in cases]

    def place(referral):
        try:
            return (
                "enrolled"
                if referral_place(actor=provider, referral=referral).enrolled
                else ("waitlisted")
            )
        except Exception as error:  # counted, and the test fails below if any
            return f"error: {error!r}"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=40) as pool:
        results = list(pool.map(place, referrals))

    assert results.count("enrolled") == 10, [r for r in results if r.startswith("error")][:3]
    assert results.count("waitlisted") == 190
    assert Enrolment.objects.filter(service_at_site=site, status="active").count() == 10
    assert WaitlistEntry.objects.filter(service=site.service, status="waiting").count() == 190
