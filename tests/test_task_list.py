"""A caseworker's task list: each kind of task, each row opens where it is done."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from cases.models import Admissibility, Case, CaseCloseReason, FollowUp
from cases.services.closure import case_closure_request
from matching.models import Referral
from matching.services import referral_create_and_send
from tests.factories import case_of, referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> dict[str, Any]:
    return referral_world()


def test_the_task_list_shows_each_kind_of_task_linked_to_its_page(world):
    case, caseworker = world["case"], world["caseworker"]
    colleague = user_with_role(Role.CASEWORKER, organization=case.organization)
    today = timezone.localdate()
    overdue_contact = FollowUp.objects.create(
        case=case, kind="call", due_on=today - timedelta(days=3)
    )
    FollowUp.objects.create(case=case, kind="call", due_on=today + timedelta(days=60))
    pending = case_of(caseworker)
    Case.objects.filter(pk=pending.pk).update(admissibility=Admissibility.PENDING)
    referral = referral_create_and_send(
        actor=caseworker, case=case, service=world["eligible"].service
    )
    Referral.objects.filter(pk=referral.pk).update(response_due=timezone.now() - timedelta(days=2))
    closing = case_of(caseworker)
    case_closure_request(actor=caseworker, case=closing, reason=CaseCloseReason.PLAN_COMPLETED)

    page = signed_in(colleague).get(reverse("matching:tasks")).content.decode()
    assert (
        reverse("cases:case_follow_up", args=[case.pk]) + f"#follow-up-{overdue_contact.pk}" in page
    )
    assert page.count('class="task') == 4  # the contact due in 60 days is not listed
    assert reverse("cases:case_admissibility", args=[pending.pk]) in page
    assert reverse("cases:case_closure", args=[closing.pk]) in page
    assert f"#referral-{referral.pk}" in page

    # Who asked for the closure does not verify it: not on their list.
    mine = signed_in(caseworker).get(reverse("matching:tasks")).content.decode()
    assert reverse("cases:case_closure", args=[closing.pk]) not in mine


def test_another_teams_tasks_never_show_and_other_roles_are_refused(world):
    FollowUp.objects.create(case=world["case"], kind="call", due_on=timezone.localdate())
    stranger = signed_in(user_with_role(Role.CASEWORKER))
    page = stranger.get(reverse("matching:tasks")).content.decode()
    assert world["case"].code not in page
    assert signed_in(user_with_role(Role.PLANNER)).get(reverse("matching:tasks")).status_code == 403
