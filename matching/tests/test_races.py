"""Two writers at once on one referral's state: one move wins, the other gets a 400.

Each thread has its own PostgreSQL connection and transaction, as two web workers
would; a barrier makes them ask at the same moment (see ``waitlists/tests/test_races``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from cases.models import ConsentScope
from cases.services import consent_record
from matching.models import Referral, ReferralEvent, ReferralStatus
from matching.services import referral_create, referral_send
from notifications.models import Notification
from tests.concurrency import at_once
from tests.factories import case_of, user_with_role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ROUNDS = 4


@pytest.fixture
def world(caseworker, provider_org, offer):
    provider = user_with_role(Role.PROVIDER, organization=provider_org, username="prestador-m")
    return {"provider": provider, "caseworker": caseworker, "offer": offer}


def _draft(world: dict[str, Any]) -> Referral:
    caseworker = world["caseworker"]
    case = case_of(caseworker)
    consent_record(actor=caseworker, case=case, given_by="madre", scopes=[ConsentScope.REFERRAL])
    return referral_create(
        actor=caseworker,
        case=case,
        service=world["offer"].service,
        service_at_site=world["offer"],
    )


def _sent(world: dict[str, Any]) -> Referral:
    return referral_send(actor=world["caseworker"], referral=_draft(world))


def _api(user: Any, referral: Referral, to_status: str, **extra: str) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    return client.post(
        f"/api/referrals/{referral.pk}/transition/",
        {"to_status": to_status, **extra},
        format="json",
    )


def _provider_page(user: Any, referral: Referral, to_status: str, **extra: str) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(f"/prestador/derivaciones/{referral.pk}/", {"to_status": to_status, **extra})


def _moves_from(referral: Referral, status: str) -> int:
    return ReferralEvent.objects.filter(referral=referral, from_status=status).count()


def _each_once(*calls: Callable[[], Any]) -> list[Any]:
    """Every call at the same moment, one per thread; answers in the calls' order."""
    pending = iter(calls)
    answers: list[Any] = at_once(lambda: (lambda call: (call, call()))(next(pending)), len(calls))
    order = {call: i for i, call in enumerate(calls)}
    return [response for _call, response in sorted(answers, key=lambda a: order[a[0]])]


def test_accepting_one_referral_twice_at_once_through_the_api_moves_it_once(world):
    for _ in range(ROUNDS):
        referral = _sent(world)
        responses = at_once(lambda r=referral: _api(world["provider"], r, "accepted"))
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "status" in next(r for r in responses if r.status_code == 400).json()
        assert _moves_from(referral, ReferralStatus.SENT) == 1
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.ACCEPTED


def test_accepting_one_referral_twice_at_once_from_the_page_moves_it_once(world):
    for _ in range(ROUNDS):
        referral = _sent(world)
        responses = at_once(lambda r=referral: _provider_page(world["provider"], r, "accepted"))
        assert sorted(r.status_code for r in responses) == [302, 400]
        assert _moves_from(referral, ReferralStatus.SENT) == 1


def test_accepting_and_rejecting_one_referral_at_once_keeps_one_answer(world):
    for _ in range(ROUNDS):
        referral = _sent(world)
        accept, reject = _each_once(
            lambda r=referral: _api(world["provider"], r, "accepted"),
            lambda r=referral: _api(
                world["provider"], r, "rejected", rejection_reason="no_capacity"
            ),
        )
        assert sorted([accept.status_code, reject.status_code]) == [200, 400]
        assert _moves_from(referral, ReferralStatus.SENT) == 1
        referral.refresh_from_db()
        winner = ReferralStatus.ACCEPTED if accept.status_code == 200 else ReferralStatus.REJECTED
        assert referral.status == winner


def test_the_provider_rejecting_while_the_caseworker_withdraws_ends_in_one_of_them(world):
    for _ in range(ROUNDS):
        referral = _sent(world)
        reject, withdraw = _each_once(
            lambda r=referral: _api(
                world["provider"], r, "rejected", rejection_reason="no_capacity"
            ),
            lambda r=referral: _api(world["caseworker"], r, "withdrawn"),
        )
        assert sorted([reject.status_code, withdraw.status_code]) == [200, 400]
        loser = reject if reject.status_code == 400 else withdraw
        assert "status" in loser.json()
        assert ReferralEvent.objects.filter(referral=referral).count() == 3  # draft, sent, one
        referral.refresh_from_db()
        assert referral.status == (
            ReferralStatus.REJECTED if reject.status_code == 200 else ReferralStatus.WITHDRAWN
        )


def test_the_provider_accepting_while_the_caseworker_withdraws_ends_withdrawn(world):
    """The case team may withdraw an accepted referral too: whoever goes first, it ends
    withdrawn, with one move out of "sent", and the accept that comes second is a 400."""
    for _ in range(ROUNDS):
        referral = _sent(world)
        accept, withdraw = _each_once(
            lambda r=referral: _api(world["provider"], r, "accepted"),
            lambda r=referral: _api(world["caseworker"], r, "withdrawn"),
        )
        assert withdraw.status_code == 200
        assert accept.status_code in (200, 400)
        if accept.status_code == 400:
            assert "status" in accept.json()
        assert _moves_from(referral, ReferralStatus.SENT) == 1
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.WITHDRAWN


def test_accepting_from_the_page_while_withdrawing_from_the_page_moves_it_once(world):
    for _ in range(ROUNDS):
        referral = _sent(world)

        def withdraw(r: Referral = referral) -> Any:
            client = Client()
            client.force_login(world["caseworker"])
            return client.post(f"/derivaciones/{r.pk}/retirar/", {"note": ""})

        accept, withdrawn = _each_once(
            lambda r=referral: _provider_page(world["provider"], r, "accepted"), withdraw
        )
        # The withdraw page goes back to the case either way, saying what happened.
        assert withdrawn.status_code == 302
        assert accept.status_code in (302, 400)
        assert _moves_from(referral, ReferralStatus.SENT) == 1
        referral.refresh_from_db()
        assert referral.status == ReferralStatus.WITHDRAWN


def test_sending_one_draft_twice_at_once_sends_it_once(world):
    for _ in range(ROUNDS):
        referral = _draft(world)
        before = Notification.objects.filter(user=world["provider"]).count()
        responses = at_once(lambda r=referral: _api(world["caseworker"], r, "sent"))
        assert sorted(r.status_code for r in responses) == [200, 400]
        assert "status" in next(r for r in responses if r.status_code == 400).json()
        assert _moves_from(referral, ReferralStatus.DRAFT) == 1
        # The provider hears of the referral once.
        assert Notification.objects.filter(user=world["provider"]).count() == before + 1


def _withdraw_page(user: Any, referral: Referral) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(f"/derivaciones/{referral.pk}/retirar/", {"note": ""})


def test_withdrawing_one_referral_twice_at_once_from_the_page_ends_in_a_409(world):
    """The second withdraw lost: it says so with a 409 naming the referral's state,
    on the site's conflict page with a way back to the case, never a redirect."""
    for _ in range(ROUNDS):
        referral = _sent(world)
        answers = at_once(lambda r=referral: _withdraw_page(world["caseworker"], r))
        assert sorted(a.status_code for a in answers) == [302, 409]
        lost = next(a for a in answers if a.status_code == 409)
        page = lost.content.decode()
        assert 'id="conflict-message"' in page and referral.case.code in page
        assert str(ReferralStatus.WITHDRAWN.label) in page
        assert f'href="/casos/{referral.case_id}/#referral-{referral.pk}"' in page
        assert _moves_from(referral, ReferralStatus.SENT) == 1


def test_the_provider_rejecting_while_the_page_withdraws_ends_in_one_and_a_409(world):
    for _ in range(ROUNDS):
        referral = _sent(world)
        reject, withdraw = _each_once(
            lambda r=referral: _provider_page(
                world["provider"], r, "rejected", rejection_reason="no_capacity"
            ),
            lambda r=referral: _withdraw_page(world["caseworker"], r),
        )
        assert _moves_from(referral, ReferralStatus.SENT) == 1
        referral.refresh_from_db()
        if referral.status == ReferralStatus.WITHDRAWN:
            assert withdraw.status_code == 302 and reject.status_code == 400
        else:
            assert referral.status == ReferralStatus.REJECTED
            assert reject.status_code == 302 and withdraw.status_code == 409
            assert str(ReferralStatus.REJECTED.label) in withdraw.content.decode()


def test_two_coordinators_reminding_one_provider_at_once_send_one_reminder(world):
    coordinators = [
        user_with_role(Role.COORDINATOR, username=f"coordinadora-carrera-{i}") for i in (1, 2)
    ]
    referral = _sent(world)
    before = Notification.objects.filter(user=world["provider"]).count()

    def remind(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        return client.post(f"/coordinacion/derivaciones/{referral.pk}/recordar/")

    first, second = _each_once(lambda: remind(coordinators[0]), lambda: remind(coordinators[1]))
    assert sorted([first.status_code, second.status_code]) == [302, 429]
    assert Notification.objects.filter(user=world["provider"]).count() == before + 1
