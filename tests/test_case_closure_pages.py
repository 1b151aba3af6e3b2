"""The closure page: request, verify, refuse, withdraw, reopen — and who may not."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry, AuditRecordType
from cases.models import CaseCloseReason, CaseClosure, CaseStatus, ClosureStatus
from cases.services.closure import case_closure_request
from tests.concurrency import at_once
from tests.factories import referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    world = referral_world()
    world["colleague"] = user_with_role(
        Role.CASEWORKER, organization=world["case"].organization, username="colega"
    )
    return world


def _page(case: Any) -> str:
    return reverse("cases:case_closure", args=[case.pk])


def test_the_page_chooses_no_reason_and_an_empty_request_names_the_field(world):
    client, case = signed_in(world["caseworker"]), world["case"]
    content = client.get(_page(case)).content.decode()
    assert 'id="closure-form"' in content
    assert '<option value="" selected>' in content
    response = client.post(reverse("cases:closure_request", args=[case.pk]), {})
    assert response.status_code == 400
    assert "reason" in response.context["request_form"].errors
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not CaseClosure.objects.exists()


def test_closing_from_the_page_says_what_it_resolved_and_is_audited(world):
    client, case = signed_in(world["caseworker"]), world["case"]
    response = client.post(
        reverse("cases:closure_request", args=[case.pk]),
        {"reason": CaseCloseReason.MOVED_AWAY, "reason_text": ""},
    )
    assert response.status_code == 302
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    assert case.code in message and "0" in message
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    assert AuditEntry.objects.filter(
        record_type=AuditRecordType.CLOSURE, case_code=case.code, action="update"
    ).exists()
    content = client.get(_page(case)).content.decode()
    assert 'id="reopen-form"' in content and 'data-status="closed"' in content


def test_rights_restored_is_verified_by_a_colleague_not_by_who_asked(world):
    case = world["case"]
    asker, colleague = signed_in(world["caseworker"]), signed_in(world["colleague"])
    asker.post(
        reverse("cases:closure_request", args=[case.pk]),
        {"reason": CaseCloseReason.PLAN_COMPLETED},
    )
    closure = CaseClosure.objects.get(case=case)
    assert closure.status == ClosureStatus.REQUESTED
    mine = asker.get(_page(case)).content.decode()
    assert 'id="decision-form"' not in mine and 'id="waits-for-colleague"' in mine
    decide = reverse("cases:closure_decide", args=[case.pk, closure.pk])
    assert asker.post(decide, {"decision": "approve"}).status_code == 403
    assert 'id="decision-form"' in colleague.get(_page(case)).content.decode()
    refused = colleague.post(decide, {"decision": "refuse", "note": ""})
    assert refused.status_code == 400
    assert "note" in refused.context["decision_form"].errors
    assert (
        colleague.post(decide, {"decision": "approve", "note": "Visita final"}).status_code == 302
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED
    # Decided: a second decision is a conflict with the record as it is now.
    assert colleague.post(decide, {"decision": "approve"}).status_code == 409


def test_a_waiting_request_can_be_withdrawn(world):
    case, client = world["case"], signed_in(world["caseworker"])
    closure = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    withdraw = reverse("cases:closure_withdraw", args=[case.pk, closure.pk])
    assert client.post(withdraw).status_code == 302
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.CANCELLED
    assert client.post(withdraw).status_code == 409


def test_reopening_from_the_page_needs_a_reason(world):
    case, client = world["case"], signed_in(world["caseworker"])
    case_closure_request(actor=world["caseworker"], case=case, reason=CaseCloseReason.AGED_OUT)
    reopen = reverse("cases:case_reopen", args=[case.pk])
    response = client.post(reopen, {"reason": ""})
    assert response.status_code == 400 and "reason" in response.context["reopen_form"].errors
    assert client.post(reopen, {"reason": "Error al cerrar"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert client.post(reopen, {"reason": "Otra vez"}).status_code == 409


def test_another_team_gets_404_and_other_roles_403_on_every_closure_page(world):
    case = world["case"]
    closure = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    stranger = signed_in(user_with_role(Role.CASEWORKER))
    planner = signed_in(user_with_role(Role.PLANNER))
    posts = [
        (reverse("cases:closure_request", args=[case.pk]), {"reason": "moved_away"}),
        (reverse("cases:closure_decide", args=[case.pk, closure.pk]), {"decision": "approve"}),
        (reverse("cases:closure_withdraw", args=[case.pk, closure.pk]), {}),
        (reverse("cases:case_reopen", args=[case.pk]), {"reason": "x"}),
    ]
    assert stranger.get(_page(case)).status_code == 404
    assert planner.get(_page(case)).status_code == 403
    for url, data in posts:
        assert stranger.post(url, data).status_code == 404
        assert planner.post(url, data).status_code == 403
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.REQUESTED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_colleagues_verifying_at_once_close_once_and_the_second_gets_409():
    world = referral_world()
    case = world["case"]
    closure = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    colleagues = iter(
        [user_with_role(Role.CASEWORKER, organization=case.organization) for _ in range(2)]
    )
    decide = reverse("cases:closure_decide", args=[case.pk, closure.pk])

    def post() -> Any:
        return signed_in(next(colleagues)).post(decide, {"decision": "approve"})

    responses = at_once(post)
    assert sorted(r.status_code for r in responses) == [302, 409]
    assert CaseClosure.objects.filter(case=case, status=ClosureStatus.CLOSED).count() == 1
