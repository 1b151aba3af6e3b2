"""Two writers at once on one referral: one succeeds, the other gets a clear 4xx.

Each thread has its own PostgreSQL connection and transaction, as two web workers
would; a barrier makes them ask at the same moment.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import ServiceAtSiteFactory, case_of, user_with_role
from waitlists.models import Enrolment
from waitlists.tests.test_enrolment import accepted_referral

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 4


def _at_once(call: Callable[[], Any], times: int = 2) -> list[Any]:
    barrier = threading.Barrier(times)

    def run(_: int) -> Any:
        try:
            barrier.wait()
            return call()
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(run, range(times)))


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

        responses = _at_once(post)
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

        responses = _at_once(post)
        assert sorted(r.status_code for r in responses) == [302, 400]
        assert Enrolment.objects.filter(referral=referral).count() == 1
