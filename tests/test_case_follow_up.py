"""Follow-up: the period starts when the last service ends; what each contact finds acts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from accounts.models import Role
from cases.models import FollowUp, FollowUpKind, FollowUpResult, NeedStatus
from cases.services.follow_up import (
    follow_up_period_start,
    follow_up_record,
    follow_up_schedule,
)
from directory.models import RiskLevel
from matching.models import ReferralStatus
from matching.services import referral_create_and_send, referral_transition
from notifications.models import Notification
from tests.factories import referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def _completed(world: dict[str, Any], django_capture_on_commit_callbacks: Any) -> None:
    case, provider = world["case"], world["provider"]
    referral = referral_create_and_send(
        actor=world["caseworker"], case=case, service=world["eligible"].service
    )
    with django_capture_on_commit_callbacks(execute=True):
        for status in (ReferralStatus.ACCEPTED, ReferralStatus.IN_SERVICE):
            referral_transition(
                actor=provider, referral=referral, to_status=status, slot_taken=True
            )
        referral_transition(
            actor=provider,
            referral=referral,
            to_status=ReferralStatus.COMPLETED,
            feedback="Terminó el taller",
        )


def test_when_the_last_service_completes_a_year_of_follow_up_is_planned_for_high_risk(
    world, django_capture_on_commit_callbacks
):
    _completed(world, django_capture_on_commit_callbacks)
    case = world["case"]
    planned = list(FollowUp.objects.filter(case=case))
    assert planned[0].kind == FollowUpKind.HOME_VISIT
    assert len(planned) == 5  # high risk: months 1, 3, 6, 9 and 12
    case.refresh_from_db()
    today = timezone.localdate()
    assert case.follow_up_until is not None
    assert 360 <= (case.follow_up_until - today).days <= 370
    assert Notification.objects.filter(user=world["caseworker"], text__contains=case.code)


@override_settings(CASE_FOLLOW_UP_MONTHS_LOWER_RISK=6)
def test_low_risk_is_watched_six_months_and_a_second_start_plans_nothing(world):
    case = world["case"]
    case.risk_level = RiskLevel.LOW
    case.save()
    assert len(follow_up_period_start(case=case)) == 3
    assert follow_up_period_start(case=case) == []
    assert FollowUp.objects.filter(case=case).count() == 3


def test_a_worse_contact_opens_the_need_again_and_raises_the_risk(world):
    case, caseworker, need = world["case"], world["caseworker"], world["need"]
    need.status = NeedStatus.MET
    need.save()
    score = case.priority_score
    visit = follow_up_schedule(
        actor=caseworker,
        case=case,
        kind=FollowUpKind.HOME_VISIT,
        due_on=timezone.localdate(),
        need=need,
    )
    follow_up_record(actor=caseworker, follow_up=visit, result=FollowUpResult.WORSE, note="")
    need.refresh_from_db()
    case.refresh_from_db()
    assert need.status == NeedStatus.OPEN
    assert case.risk_level == RiskLevel.VERY_HIGH and case.priority_score > score
    with pytest.raises(ValidationError) as twice:
        follow_up_record(actor=caseworker, follow_up=visit, result=FollowUpResult.BETTER)
    assert "follow_up" in twice.value.message_dict


def test_two_no_contacts_in_a_row_tell_the_coordinators_by_case_code(world):
    case, caseworker = world["case"], world["caseworker"]
    coordinator = user_with_role(Role.COORDINATOR)
    today = timezone.localdate()
    calls = [
        follow_up_schedule(
            actor=caseworker, case=case, kind=FollowUpKind.CALL, due_on=today - timedelta(days=d)
        )
        for d in (10, 5)
    ]
    follow_up_record(
        actor=caseworker,
        follow_up=calls[0],
        result=FollowUpResult.NO_CONTACT,
        done_on=today - timedelta(days=10),
    )
    assert not Notification.objects.filter(user=coordinator).exists()
    follow_up_record(actor=caseworker, follow_up=calls[1], result=FollowUpResult.NO_CONTACT)
    (told,) = Notification.objects.filter(user=coordinator)
    assert case.code in told.text


def test_a_contact_is_recorded_by_the_team_only_and_never_in_the_future(world):
    case, caseworker = world["case"], world["caseworker"]
    call = follow_up_schedule(
        actor=caseworker, case=case, kind=FollowUpKind.CALL, due_on=timezone.localdate()
    )
    with pytest.raises(PermissionDenied):
        follow_up_record(
            actor=user_with_role(Role.CASEWORKER), follow_up=call, result=FollowUpResult.SAME
        )
    with pytest.raises(ValidationError) as future:
        follow_up_record(
            actor=caseworker,
            follow_up=call,
            result=FollowUpResult.SAME,
            done_on=timezone.localdate() + timedelta(days=1),
        )
    assert "done_on" in future.value.message_dict
    with pytest.raises(ValidationError) as unknown:
        follow_up_record(actor=caseworker, follow_up=call, result="fine")
    assert "result" in unknown.value.message_dict


def test_the_follow_up_page_plans_and_records_contacts_and_names_missing_fields(world):
    from django.urls import reverse

    case, client = world["case"], signed_in(world["caseworker"])
    plan = reverse("cases:follow_up_plan", args=[case.pk])
    empty = client.post(plan, {})
    assert empty.status_code == 400
    assert {"kind", "due_on"} <= set(empty.context["schedule_form"].errors)
    today = timezone.localdate().isoformat()
    assert client.post(plan, {"kind": "call", "due_on": today}).status_code == 302
    follow_up = FollowUp.objects.get(case=case)
    record = reverse("cases:follow_up_record", args=[case.pk, follow_up.pk])
    assert client.post(record, {}).status_code == 400
    assert client.post(record, {"result": "same", "note": "Todo igual"}).status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.result == FollowUpResult.SAME and follow_up.done_on is not None
    assert client.post(record, {"result": "better"}).status_code == 409
    page = client.get(reverse("cases:case_follow_up", args=[case.pk])).content.decode()
    assert 'data-result="same"' in page and "Todo igual" in page


def test_another_team_gets_404_and_a_provider_403_on_the_follow_up_pages(world):
    from django.urls import reverse

    case = world["case"]
    url = reverse("cases:case_follow_up", args=[case.pk])
    assert signed_in(user_with_role(Role.CASEWORKER)).get(url).status_code == 404
    assert signed_in(world["provider"]).get(url).status_code == 403
    plan = reverse("cases:follow_up_plan", args=[case.pk])
    stranger = signed_in(user_with_role(Role.CASEWORKER))
    assert stranger.post(plan, {"kind": "call", "due_on": "2026-12-01"}).status_code == 404
    assert not FollowUp.objects.exists()
