"""Two writers at once on one slot offer (or one freed slot): one wins, the other a 400.

As in ``test_races``: each thread has its own PostgreSQL connection and transaction,
as two web workers would, and a barrier makes them ask at the same moment.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from tests.concurrency import at_once
from tests.factories import ServiceAtSiteFactory, case_of, user_with_role
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
    WaitlistEvent,
    WaitlistEventKind,
)
from waitlists.services import enrolment_end, referral_place
from waitlists.tests.test_enrolment import accepted_referral
from waitlists.tests.test_races import ROUNDS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(caseworker, provider_org):
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestador-o")
    return {"provider": provider, "caseworker": caseworker, "org": provider_org}


def _offered(world: dict[str, Any]) -> SlotOffer:
    """A full site whose one slot is freed and offered to the child waiting for it."""
    caseworker, provider = world["caseworker"], world["provider"]
    site = ServiceAtSiteFactory(service__organization=world["org"], capacity=1)
    holder = referral_place(
        actor=provider,
        referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
    ).enrolment
    referral_place(
        actor=provider,
        referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
    )
    enrolment_end(actor=provider, enrolment=holder, status=EnrolmentStatus.MOVED)
    return SlotOffer.objects.select_related("entry").get(
        service_at_site=site, status=OfferStatus.PENDING
    )


def _api_answer(world: dict[str, Any], offer: SlotOffer, *, accept: bool) -> Any:
    client = APIClient()
    client.force_authenticate(world["caseworker"])
    return client.post(f"/api/offers/{offer.pk}/answer/", {"accept": accept}, format="json")


def _page_answer(world: dict[str, Any], offer: SlotOffer, *, accept: bool) -> Any:
    client = Client()
    client.force_login(world["caseworker"])
    return client.post(
        f"/casos/{offer.entry.case_id}/listas/ofertas/{offer.pk}/",
        {"answer": "accept" if accept else "decline"},
    )


def _events(offer: SlotOffer, kind: str) -> int:
    return WaitlistEvent.objects.filter(entry_id=offer.entry_id, kind=kind).count()


def test_accepting_one_offer_twice_at_once_through_the_api_enrols_once_and_answers_400(world):
    for _ in range(ROUNDS):
        offer = _offered(world)
        responses = at_once(lambda offer=offer: _api_answer(world, offer, accept=True))
        assert sorted(r.status_code for r in responses) == [200, 400]
        refused = next(r for r in responses if r.status_code == 400)
        assert "offer" in refused.json()
        assert Enrolment.objects.filter(case_id=offer.entry.case_id).count() == 1
        assert _events(offer, WaitlistEventKind.ENROLLED) == 1


def test_accepting_one_offer_twice_at_once_from_the_page_enrols_once_and_answers_400(world):
    for _ in range(ROUNDS):
        offer = _offered(world)
        responses = at_once(lambda offer=offer: _page_answer(world, offer, accept=True))
        assert sorted(r.status_code for r in responses) == [302, 400]
        assert Enrolment.objects.filter(case_id=offer.entry.case_id).count() == 1
        assert _events(offer, WaitlistEventKind.ENROLLED) == 1


def test_declining_one_offer_twice_at_once_through_the_api_declines_once(world):
    for _ in range(ROUNDS):
        offer = _offered(world)
        responses = at_once(lambda offer=offer: _api_answer(world, offer, accept=False))
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "offer" in next(r for r in responses if r.status_code == 400).json()
        assert _events(offer, WaitlistEventKind.DECLINED) == 1
        assert WaitlistEntry.objects.get(pk=offer.entry_id).status == EntryStatus.WITHDRAWN


def test_accepting_and_declining_one_offer_at_once_keeps_one_answer(world):
    for _ in range(ROUNDS):
        offer = _offered(world)
        answers = iter([True, False])

        def answer(offer: SlotOffer = offer, answers: Any = answers) -> Any:
            return _api_answer(world, offer, accept=next(answers))

        responses = at_once(answer)
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "offer" in next(r for r in responses if r.status_code == 400).json()
        offer.refresh_from_db()
        enrolled = Enrolment.objects.filter(case_id=offer.entry.case_id).count()
        declined = _events(offer, WaitlistEventKind.DECLINED)
        if offer.status == OfferStatus.ACCEPTED:
            assert (enrolled, declined) == (1, 0)
        else:
            assert offer.status == OfferStatus.DECLINED and (enrolled, declined) == (0, 1)


def test_ending_one_enrolment_twice_at_once_ends_it_once_and_answers_400(world):
    caseworker, provider = world["caseworker"], world["provider"]
    site = ServiceAtSiteFactory(service__organization=world["org"], capacity=ROUNDS)
    for _ in range(ROUNDS):
        placed = referral_place(
            actor=provider,
            referral=accepted_referral(case=case_of(caseworker), site=site, creator=caseworker),
        ).enrolment
        assert placed is not None
        enrolment: Enrolment = placed

        def end(enrolment: Enrolment = enrolment) -> Any:
            client = APIClient()
            client.force_authenticate(provider)
            return client.post(
                f"/api/enrolments/{enrolment.pk}/end/", {"status": EnrolmentStatus.MOVED}
            )

        responses = at_once(end)
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "status" in next(r for r in responses if r.status_code == 400).json()
        assert (
            WaitlistEvent.objects.filter(enrolment=enrolment, kind=WaitlistEventKind.ENDED).count()
            == 1
        )


def test_two_sites_freeing_a_slot_at_once_offer_the_waiting_child_one_of_them(world):
    """Each end locks only its own site: the child waiting must still get one offer."""
    caseworker, provider = world["caseworker"], world["provider"]
    for _ in range(ROUNDS):
        first = ServiceAtSiteFactory(service__organization=world["org"], capacity=1)
        second = ServiceAtSiteFactory(service=first.service, capacity=1)
        holders = [
            referral_place(
                actor=provider,
                referral=accepted_referral(case=case_of(caseworker), site=s, creator=caseworker),
            ).enrolment
            for s in (first, second)
        ]
        waiting = referral_place(
            actor=provider,
            referral=accepted_referral(case=case_of(caseworker), site=first, creator=caseworker),
        ).entry
        assert waiting is not None
        holders_left = iter(holders)

        def end(holders_left: Any = holders_left) -> Any:
            client = APIClient()
            client.force_authenticate(provider)
            return client.post(
                f"/api/enrolments/{next(holders_left).pk}/end/",
                {"status": EnrolmentStatus.MOVED},
            )

        responses = at_once(end)
        # Two different enrolments: both ends are legitimate and both succeed.
        assert [r.status_code for r in responses] == [200, 200]
        assert SlotOffer.objects.filter(entry=waiting, status=OfferStatus.PENDING).count() == 1
        assert _events(SlotOffer(entry=waiting), WaitlistEventKind.OFFERED) == 1
