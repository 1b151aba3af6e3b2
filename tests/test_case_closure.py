"""Closing a case resolves what hangs from it; "rights restored" is verified; cases reopen."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import Role
from cases.models import (
    AlertType,
    CaseCloseReason,
    CaseClosure,
    CaseReopening,
    CaseStatus,
    ClosureStatus,
    ConsentScope,
)
from cases.services import alert_raise, consent_record
from cases.services.closure import (
    case_closure_cancel,
    case_closure_request,
    case_closure_verify,
    case_reopen,
)
from directory.models import RiskLevel
from matching.models import Referral, ReferralStatus
from matching.services import referral_create, referral_create_and_send, referral_transition
from tests.concurrency import at_once
from tests.factories import ServiceAtSiteFactory, case_of, referral_world, user_with_role
from waitlists.models import (
    Enrolment,
    EnrolmentStatus,
    EntryStatus,
    OfferStatus,
    SlotOffer,
    WaitlistEntry,
)
from waitlists.services import referral_place, slot_offer_next


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def _placed(world: dict[str, Any], case: Any, site: Any) -> Referral:
    referral = referral_create_and_send(
        actor=case.caseworker, case=case, service=site.service, service_at_site=site
    )
    referral_transition(
        actor=world["provider"], referral=referral, to_status=ReferralStatus.ACCEPTED
    )
    referral_place(actor=world["provider"], referral=referral)
    referral.refresh_from_db()
    return referral


def _site(world: dict[str, Any], capacity: int) -> Any:
    site = ServiceAtSiteFactory(
        service__organization=world["eligible"].service.organization, capacity=capacity
    )
    site.service.categories.add(world["need"].term)
    return site


@pytest.fixture
def busy_case(world) -> dict[str, Any]:
    """A case in service at one site, waiting at another, offered a slot at a third, with
    a referral sent and one drafted; a second child waits behind it for the offered slot."""
    case, caseworker = world["case"], world["caseworker"]
    in_service = _placed(world, case, world["eligible"])
    waiting_site, offered_site = _site(world, 0), _site(world, 0)
    waiting = _placed(world, case, waiting_site)
    offered = _placed(world, case, offered_site)
    behind = case_of(caseworker, risk_level=RiskLevel.LOW)
    consent_record(actor=caseworker, case=behind, given_by="padre", scopes=[ConsentScope.REFERRAL])
    _placed(world, behind, offered_site)
    offered_site.capacity = 1
    offered_site.save()
    slot_offer_next(service_at_site=offered_site)
    sent = referral_create_and_send(actor=caseworker, case=case, service=_site(world, 3).service)
    draft = referral_create(actor=caseworker, case=case, service=_site(world, 3).service)
    assert in_service.status == ReferralStatus.IN_SERVICE
    assert waiting.status == ReferralStatus.WAITING
    assert SlotOffer.objects.get(status=OfferStatus.PENDING).entry.case == case
    return {
        "case": case,
        "behind": behind,
        "offered_site": offered_site,
        "referrals": [in_service, waiting, offered, sent, draft],
    }


def test_closing_a_case_resolves_every_referral_place_and_offer_and_says_so(world, busy_case):
    case = busy_case["case"]
    closure = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.MOVED_AWAY
    )
    assert closure.status == ClosureStatus.CLOSED
    assert closure.resolved == {
        "waitlist_entries": 2,
        "slot_offers": 1,
        "enrolments": 1,
        "referrals": 2,
    }
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.close_reason == CaseCloseReason.MOVED_AWAY
    statuses = set(Referral.objects.filter(case=case).values_list("status", flat=True).distinct())
    assert statuses == {ReferralStatus.WITHDRAWN}
    assert not WaitlistEntry.objects.filter(
        case=case, status__in=[EntryStatus.WAITING, EntryStatus.OFFERED]
    ).exists()
    assert Enrolment.objects.get(case=case).status == EnrolmentStatus.CASE_CLOSED


def test_the_slot_a_closing_case_held_is_offered_to_the_next_child_at_once(world, busy_case):
    case_closure_request(
        actor=world["caseworker"], case=busy_case["case"], reason=CaseCloseReason.AGED_OUT
    )
    offer = SlotOffer.objects.get(status=OfferStatus.PENDING)
    assert offer.entry.case == busy_case["behind"]
    assert offer.service_at_site == busy_case["offered_site"]


def test_rights_restored_waits_for_a_colleague_who_verifies_it(world, busy_case):
    case, caseworker = busy_case["case"], world["caseworker"]
    closure = case_closure_request(
        actor=caseworker, case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    assert closure.status == ClosureStatus.REQUESTED
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert Enrolment.objects.get(case=case).status == EnrolmentStatus.ACTIVE

    with pytest.raises(PermissionDenied):
        case_closure_verify(actor=caseworker, closure=closure, approve=True)
    colleague = user_with_role(Role.CASEWORKER, organization=case.organization)
    case_closure_verify(actor=colleague, closure=closure, approve=True, note="Visita final")
    closure.refresh_from_db()
    assert closure.status == ClosureStatus.CLOSED and closure.decided_by == colleague
    assert closure.resolved["enrolments"] == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_a_refused_verification_says_why_and_the_case_stays_open(world):
    case = world["case"]
    closure = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    colleague = user_with_role(Role.CASEWORKER, organization=case.organization)
    with pytest.raises(ValidationError) as refused:
        case_closure_verify(actor=colleague, closure=closure, approve=False, note="  ")
    assert "note" in refused.value.message_dict
    case_closure_verify(actor=colleague, closure=closure, approve=False, note="Falta visita")
    closure.refresh_from_db()
    case.refresh_from_db()
    assert closure.status == ClosureStatus.REFUSED and case.status == CaseStatus.OPEN
    # Refused, it no longer waits: a new request may follow.
    again = case_closure_request(
        actor=world["caseworker"], case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    assert again.status == ClosureStatus.REQUESTED


def test_a_second_request_while_one_waits_is_refused_and_a_cancelled_one_frees_the_way(world):
    case, caseworker = world["case"], world["caseworker"]
    waiting = case_closure_request(
        actor=caseworker, case=case, reason=CaseCloseReason.PLAN_COMPLETED
    )
    with pytest.raises(ValidationError) as refused:
        case_closure_request(actor=caseworker, case=case, reason=CaseCloseReason.MOVED_AWAY)
    assert "case" in refused.value.message_dict
    case_closure_cancel(actor=caseworker, closure=waiting)
    closed = case_closure_request(actor=caseworker, case=case, reason=CaseCloseReason.MOVED_AWAY)
    assert closed.status == ClosureStatus.CLOSED
    with pytest.raises(ValidationError):
        case_closure_verify(
            actor=user_with_role(Role.CASEWORKER, organization=case.organization),
            closure=waiting,
            approve=True,
        )


@pytest.mark.parametrize(
    ("reason", "text", "field"),
    [
        (CaseCloseReason.OTHER, "   ", "reason_text"),
        (CaseCloseReason.NOT_ADMITTED, "", "reason"),
        ("", "", "reason"),
        ("nonsense", "", "reason"),
    ],
)
def test_a_closure_without_a_valid_reason_is_refused_naming_the_field(world, reason, text, field):
    with pytest.raises(ValidationError) as refused:
        case_closure_request(
            actor=world["caseworker"], case=world["case"], reason=reason, reason_text=text
        )
    assert field in refused.value.message_dict
    assert not CaseClosure.objects.exists()


def test_someone_outside_the_team_can_neither_close_nor_reopen_the_case(world):
    stranger = user_with_role(Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        case_closure_request(actor=stranger, case=world["case"], reason=CaseCloseReason.MOVED_AWAY)
    case_closure_request(
        actor=world["caseworker"], case=world["case"], reason=CaseCloseReason.MOVED_AWAY
    )
    with pytest.raises(PermissionDenied):
        case_reopen(actor=stranger, case=world["case"], reason="Volvió")


def test_reopening_needs_a_reason_and_keeps_the_closure_in_the_history(world):
    case, caseworker = world["case"], world["caseworker"]
    closure = case_closure_request(actor=caseworker, case=case, reason=CaseCloseReason.MOVED_AWAY)
    with pytest.raises(ValidationError):
        case_reopen(actor=caseworker, case=case, reason=" ")
    reopening = case_reopen(actor=caseworker, case=case, reason="La familia volvió a la comuna")
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and case.close_reason == "" and case.closed_at is None
    assert reopening.closure == closure
    assert reopening.previous_reason == CaseCloseReason.MOVED_AWAY
    assert CaseClosure.objects.get(pk=closure.pk).status == ClosureStatus.CLOSED
    with pytest.raises(ValidationError):
        case_reopen(actor=caseworker, case=case, reason="Otra vez")


def test_an_alert_on_a_closed_case_is_attached_to_it_and_opens_it_again(world):
    case = world["case"]
    case_closure_request(actor=world["caseworker"], case=case, reason=CaseCloseReason.MOVED_AWAY)
    provider = world["provider"]
    alert = alert_raise(
        actor=provider,
        organization=provider.memberships.get().organization,
        alert_type=AlertType.PHYSICAL_ABUSE,
        severity=RiskLevel.VERY_HIGH,
        case=case,
    )
    case.refresh_from_db()
    assert alert.case == case and case.status == CaseStatus.OPEN
    assert case.risk_level == RiskLevel.VERY_HIGH
    reopening = CaseReopening.objects.get(case=case)
    assert reopening.alert == alert and reopening.reopened_by == provider


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_closing_one_case_at_once_close_it_once():
    world = referral_world()
    case = world["case"]
    colleague = user_with_role(Role.CASEWORKER, organization=case.organization)

    actors = iter([world["caseworker"], colleague])

    def close() -> Any:
        try:
            return case_closure_request(
                actor=next(actors), case=case, reason=CaseCloseReason.MOVED_AWAY
            )
        except ValidationError as error:
            return error
        finally:
            connection.close()

    results = at_once(close)
    assert sum(isinstance(r, CaseClosure) for r in results) == 1
    (lost,) = [r for r in results if isinstance(r, ValidationError)]
    assert "case" in lost.message_dict
    assert CaseClosure.objects.filter(case=case, status=ClosureStatus.CLOSED).count() == 1
