"""Two writers at once on one referral: one succeeds, the other gets a clear 4xx.

Each thread has its own PostgreSQL connection and transaction, as two web workers
would; a barrier makes them ask at the same moment.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import HttpResponseRedirect
from django.test import Client
from django.utils.translation import gettext
from rest_framework.test import APIClient

from accounts.models import Role
from directory.models import TaxonomyTerm
from tests.concurrency import at_once
from tests.factories import ServiceAtSiteFactory, TerritoryFactory, case_of, user_with_role
from waitlists.models import AllocationRound, Enrolment, RoundStatus, WaitlistEntry
from waitlists.rounds import allocation_round_propose
from waitlists.tests.test_enrolment import accepted_referral

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 4

PSY = "specialized.psychological_care"


@pytest.fixture
def world(caseworker, provider_org):
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestador-r")
    site = ServiceAtSiteFactory(service__organization=provider_org, capacity=5)
    return {"provider": provider, "site": site, "caseworker": caseworker}


def test_placing_one_referral_twice_at_once_through_the_api_enrols_once_and_answers_400(world):
    for _ in range(ROUNDS):
        referral = accepted_referral(
            case=case_of(world["caseworker"]), site=world["site"], creator=world["caseworker"]
        )

        def post(referral: Any = referral) -> Any:
            client = APIClient()
            client.force_authenticate(world["provider"])
            return client.post("/api/enrolments/", {"referral_id": str(referral.pk)})

        responses = at_once(post)
        assert sorted(r.status_code for r in responses) == [201, 400]
        refused = next(r for r in responses if r.status_code == 400)
        assert "referral" in refused.json()
        assert Enrolment.objects.filter(referral=referral).count() == 1


def test_placing_one_referral_twice_at_once_from_the_page_enrols_once_and_answers_400(world):
    for _ in range(ROUNDS):
        referral = accepted_referral(
            case=case_of(world["caseworker"]), site=world["site"], creator=world["caseworker"]
        )

        def post(referral: Any = referral) -> Any:
            client = Client()
            client.force_login(world["provider"])
            return client.post(f"/prestador/derivaciones/{referral.pk}/ubicar/")

        responses = at_once(post)
        assert sorted(r.status_code for r in responses) == [302, 400]
        assert Enrolment.objects.filter(referral=referral).count() == 1


# --- allocation rounds -------------------------------------------------------------------


@pytest.fixture
def round_world(caseworker, provider_org):
    term = TaxonomyTerm.objects.get(code=PSY)
    coordinator = user_with_role(Role.COORDINATOR, username="coordinadora-r")
    return {"term": term, "coordinator": coordinator, "org": provider_org}


def _round_proposed(world: dict[str, Any], caseworker: Any) -> AllocationRound:
    """Two children waiting in the category, one free slot each at a site of the territory.

    A new territory each time: children a discarded round left waiting stay out of it.
    """
    territory = TerritoryFactory()
    site = ServiceAtSiteFactory(
        service__organization=world["org"], site__territory=territory, capacity=2
    )
    site.service.categories.add(world["term"])
    for _ in range(2):
        WaitlistEntry.objects.create(
            case=case_of(caseworker, territory=territory), service=site.service
        )
    return allocation_round_propose(
        actor=world["coordinator"], territory=territory, category=world["term"]
    )


def _round_enrolments(found: AllocationRound) -> int:
    return Enrolment.objects.filter(case_id__in=list(found.proposal)).count()


def test_confirming_one_round_twice_at_once_through_the_api_places_once_and_answers_400(
    round_world, caseworker
):
    for _ in range(ROUNDS):
        found = _round_proposed(round_world, caseworker)

        def post(found: AllocationRound = found) -> Any:
            client = APIClient()
            client.force_authenticate(round_world["coordinator"])
            return client.post(f"/api/allocation-rounds/{found.pk}/confirm/")

        responses = at_once(post)
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "round" in next(r for r in responses if r.status_code == 400).json()
        assert _round_enrolments(found) == 2
        found.refresh_from_db()
        assert found.status == RoundStatus.CONFIRMED


def test_confirming_one_round_twice_at_once_from_the_page_places_once(round_world, caseworker):
    already = gettext("This round was already confirmed or discarded.")
    for _round in range(ROUNDS):
        found = _round_proposed(round_world, caseworker)

        def post(found: AllocationRound = found) -> Any:
            client = Client()
            client.force_login(round_world["coordinator"])
            return client.post(f"/coordinacion/rondas/{found.pk}/confirmar/")

        responses = at_once(post)
        # One redirect to the confirmed round; the one who lost gets 409 saying why.
        assert sorted(r.status_code for r in responses) == [302, 409]
        lost = next(r for r in responses if r.status_code == 409)
        assert already in lost.content.decode()
        assert _round_enrolments(found) == 2


def test_confirming_and_discarding_one_round_at_once_keeps_one_decision(round_world, caseworker):
    for _round in range(ROUNDS):
        found = _round_proposed(round_world, caseworker)
        paths = iter(["confirm", "discard"])

        def post(found: AllocationRound = found, paths: Any = paths) -> Any:
            if next(paths) == "confirm":
                api = APIClient()
                api.force_authenticate(round_world["coordinator"])
                return api.post(f"/api/allocation-rounds/{found.pk}/confirm/")
            client = Client()
            client.force_login(round_world["coordinator"])
            return client.post(f"/coordinacion/rondas/{found.pk}/descartar/")

        responses = at_once(post)
        assert all(r.status_code < 500 for r in responses)
        found.refresh_from_db()
        # Which thread took which path is up to the scheduler: tell them by content type.
        confirmed = next(r for r in responses if r["Content-Type"] == "application/json")
        discarded = next(r for r in responses if r is not confirmed)
        if found.status == RoundStatus.CONFIRMED:
            assert confirmed.status_code == 200 and _round_enrolments(found) == 2
            assert discarded.status_code == 409
        else:
            assert isinstance(discarded, HttpResponseRedirect)
            assert found.status == RoundStatus.DISCARDED
            assert confirmed.status_code == 400 and "round" in confirmed.json()
            assert _round_enrolments(found) == 0
