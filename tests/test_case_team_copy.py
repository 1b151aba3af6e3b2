"""The case's lead team copied onto alerts, follow-ups and referrals by triggers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from cases.models import Alert, AlertType, Case, FollowUp, FollowUpKind
from cases.selectors import alert_unseen_count_for_case_team
from cases.services import alert_raise
from cases.services.follow_up import follow_up_schedule
from matching.models import Referral
from matching.services.referrals import referral_create_and_send
from tests.factories import OrganizationFactory, referral_world, user_with_role

pytestmark = pytest.mark.django_db


def _teams(case: Case) -> set:
    """The teams on the case's rows (follow-ups of an open case carry it too)."""
    return {
        *Alert.objects.filter(case=case).values_list("case_team_id", flat=True),
        *FollowUp.objects.filter(case=case).values_list("case_team_id", flat=True),
        *Referral.objects.filter(case=case).values_list("case_team_id", flat=True),
    }


@pytest.fixture
def worked_case():
    world = referral_world()
    caseworker, case = world["caseworker"], world["case"]
    referral_create_and_send(
        actor=caseworker, case=case, service=world["eligible"].service, need=world["need"]
    )
    alert_raise(
        actor=caseworker,
        organization=case.organization,
        alert_type=AlertType.NEGLECT,
        severity="high",
        case=case,
    )
    follow_up_schedule(
        actor=caseworker,
        case=case,
        kind=FollowUpKind.CALL,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    return world


def test_rows_written_by_the_services_carry_their_case_team(worked_case):
    case = worked_case["case"]
    assert _teams(case) == {case.organization_id}


def test_rows_follow_their_case_when_another_team_takes_it(worked_case):
    case = worked_case["case"]
    other = OrganizationFactory(name="Otra OLN")
    Case.objects.filter(pk=case.pk).update(organization=other)
    assert _teams(case) == {other.pk}


def test_saving_a_row_from_an_old_instance_never_clears_its_team(worked_case):
    case = worked_case["case"]
    alert = Alert.objects.get(case=case)
    alert.case_team_id = None
    alert.save()
    assert Alert.objects.get(pk=alert.pk).case_team_id == case.organization_id


def test_the_badge_counts_the_new_alerts_of_the_users_teams_only(worked_case):
    case = worked_case["case"]
    assert alert_unseen_count_for_case_team(user=worked_case["caseworker"]) == 1
    stranger = user_with_role(Role.CASEWORKER, username="otra-gestora")
    assert alert_unseen_count_for_case_team(user=stranger) == 0
    other = stranger.memberships.get().organization
    Case.objects.filter(pk=case.pk).update(organization=other)
    assert alert_unseen_count_for_case_team(user=stranger) == 1
    assert alert_unseen_count_for_case_team(user=worked_case["caseworker"]) == 0


def test_a_contact_leaves_the_teams_list_when_its_case_closes_and_returns_on_reopening(
    worked_case,
):
    case = worked_case["case"]
    Case.objects.filter(pk=case.pk).update(status="closed", close_reason="other")
    assert set(FollowUp.objects.filter(case=case).values_list("case_team_id", flat=True)) == {None}
    assert Alert.objects.get(case=case).case_team_id == case.organization_id
    Case.objects.filter(pk=case.pk).update(status="open", close_reason="")
    assert set(FollowUp.objects.filter(case=case).values_list("case_team_id", flat=True)) == {
        case.organization_id
    }
