"""The integrated plan: one plan per child, actions of each organization, the family's
agreement, approval and reviews, referrals that move their actions, and the tasks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditAction, AuditEntry, AuditRecordType
from cases.models import (
    ActionStatus,
    CasePlanVersion,
    ConsentScope,
    PartnerRole,
    PlanAction,
    PlanAgreement,
    PlanGoal,
    PlanStatus,
)
from cases.retention import cases_anonymise_expired
from cases.services import consent_record
from cases.services.partners import case_partner_add
from cases.services.plan import (
    plan_action_add,
    plan_action_update,
    plan_agreement_record,
    plan_approve,
    plan_goal_add,
    plan_review,
    plan_start,
    plan_submit,
)
from matching.models import ReferralStatus
from matching.services import referral_create_and_send, referral_transition
from notifications.models import Notification
from tests.factories import OrganizationFactory, referral_world, signed_in, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def world() -> dict[str, Any]:
    world = referral_world()
    caseworker, case = world["caseworker"], world["case"]
    health = OrganizationFactory(name="CESFAM Sur")
    school = OrganizationFactory(name="Escuela Básica")
    world["health"], world["school"] = health, school
    world["nurse"] = user_with_role(Role.CASEWORKER, health, username="enfermera")
    world["teacher"] = user_with_role(Role.CASEWORKER, school, username="profesora")
    world["supervisor"] = user_with_role(Role.SUPERVISOR, case.organization, username="sup")
    world["stranger"] = user_with_role(Role.CASEWORKER, OrganizationFactory(), username="otra")
    for organization in (health, school):
        case_partner_add(
            actor=caseworker, case=case, organization_id=organization.pk, role=PartnerRole.PROVIDER
        )
    consent_record(
        actor=caseworker,
        case=case,
        given_by="madre",
        scopes=[ConsentScope.REFERRAL, ConsentScope.INFORMATION_SHARING],
    )
    return world


def _later(days: int) -> Any:
    return timezone.localdate() + timedelta(days=days)


def _plan_with_goal(world: dict[str, Any]) -> tuple[CasePlanVersion, PlanGoal]:
    plan = plan_start(actor=world["caseworker"], case=world["case"], review_on=_later(90))
    version = plan.versions.get()
    goal = plan_goal_add(
        actor=world["caseworker"],
        version=version,
        description="Que la niña reciba apoyo psicológico",
        need=world["need"],
    )
    return version, goal


def _action(world: dict[str, Any], goal: PlanGoal, user: str = "caseworker", **kw: Any) -> Any:
    return plan_action_add(
        actor=world[user],
        goal=goal,
        description=kw.pop("description", "Derivar a apoyo psicológico"),
        responsible=kw.pop("responsible", "Ana"),
        due_on=kw.pop("due_on", _later(30)),
        **kw,
    )


def _agree(world: dict[str, Any], version: CasePlanVersion) -> PlanAgreement:
    return plan_agreement_record(
        actor=world["caseworker"],
        version=version,
        participants="La niña y su madre",
        agreed_on=timezone.localdate(),
        child_took_part=True,
        child_view="Quiere ir al taller",
        family_view="De acuerdo",
    )


# --- the plan -------------------------------------------------------------------------


def test_one_plan_gathers_the_actions_of_three_organizations(world):
    version, goal = _plan_with_goal(world)
    _action(world, goal)
    _action(world, goal, user="nurse", responsible="Enfermera")
    _action(world, goal, user="teacher", responsible="Profesora")
    assert set(version.actions.values_list("organization__name", flat=True)) == {
        world["case"].organization.name,
        "CESFAM Sur",
        "Escuela Básica",
    }
    with pytest.raises(ValidationError) as error:
        plan_start(actor=world["caseworker"], case=world["case"], review_on=_later(10))
    assert "case" in error.value.message_dict


def test_a_goal_must_be_tied_to_an_assessed_domain_or_a_need(world):
    plan = plan_start(actor=world["caseworker"], case=world["case"], review_on=_later(90))
    version = plan.versions.get()
    with pytest.raises(ValidationError) as error:
        plan_goal_add(actor=world["caseworker"], version=version, description="Algo")
    assert "domain_code" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        plan_goal_add(
            actor=world["caseworker"], version=version, description="Algo", domain_code="salud"
        )
    assert "domain_code" in error.value.message_dict


def test_a_partner_updates_its_own_actions_and_is_refused_the_others(world):
    _version, goal = _plan_with_goal(world)
    lead_action = _action(world, goal)
    nurse_action = _action(world, goal, user="nurse")
    plan_action_update(actor=world["nurse"], action=nurse_action, status=ActionStatus.DONE)
    nurse_action.refresh_from_db()
    assert nurse_action.status == ActionStatus.DONE and nurse_action.done_on is not None
    with pytest.raises(PermissionDenied):
        plan_action_update(actor=world["nurse"], action=lead_action, status=ActionStatus.DONE)
    # A partner gives actions only to itself; the lead may give them to the team.
    with pytest.raises(ValidationError) as error:
        _action(world, goal, user="nurse", organization_id=world["school"].pk)
    assert "organization" in error.value.message_dict
    given = _action(world, goal, organization_id=world["school"].pk)
    assert given.organization == world["school"]


def test_a_partner_without_the_consent_to_share_writes_nothing(world):
    _version, goal = _plan_with_goal(world)
    world["case"].consents.update(scopes=[ConsentScope.REFERRAL])
    with pytest.raises(PermissionDenied):
        _action(world, goal, user="nurse")


def test_submitting_needs_the_agreement_and_the_supervisor_approves(world):
    version, goal = _plan_with_goal(world)
    _action(world, goal)
    with pytest.raises(ValidationError) as error:
        plan_submit(actor=world["caseworker"], version=version)
    assert "agreement" in str(error.value)
    _agree(world, version)
    # Without the child's words when the child took part: refused, naming the field.
    with pytest.raises(ValidationError) as error:
        plan_agreement_record(
            actor=world["caseworker"],
            version=version,
            participants="La niña",
            agreed_on=timezone.localdate(),
            child_took_part=True,
        )
    assert "child_view" in error.value.message_dict
    plan_submit(actor=world["caseworker"], version=version)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world["caseworker"], version=version)
    with pytest.raises(PermissionDenied):
        plan_approve(actor=world["nurse"], version=version)
    plan_approve(actor=world["supervisor"], version=version)
    version.refresh_from_db()
    assert version.status == PlanStatus.APPROVED and version.approved_by == world["supervisor"]
    with pytest.raises(ValidationError):
        plan_approve(actor=world["supervisor"], version=version)


def test_a_review_copies_goals_and_actions_and_freezes_the_earlier_version(world):
    version, goal = _plan_with_goal(world)
    action = _action(world, goal)
    _agree(world, version)
    plan_submit(actor=world["caseworker"], version=version)
    plan_approve(actor=world["supervisor"], version=version)
    new = plan_review(
        actor=world["caseworker"], plan=version.plan, review_on=_later(120), reason="Seis meses"
    )
    version.refresh_from_db()
    assert version.status == PlanStatus.SUPERSEDED and new.number == 2
    assert new.status == PlanStatus.DRAFT
    assert new.goals.get().description == goal.description
    copied = new.actions.get()
    assert copied.pk != action.pk and copied.description == action.description
    action.refresh_from_db()
    assert action.frozen
    with pytest.raises(ValidationError):
        plan_action_update(actor=world["caseworker"], action=action, status=ActionStatus.DONE)
    with pytest.raises(ValidationError):
        plan_goal_add(
            actor=world["caseworker"], version=version, description="x", need=world["need"]
        )
    page = signed_in(world["caseworker"]).get(
        reverse("cases:plan_version", args=[world["case"].pk, 1])
    )
    assert page.status_code == 200 and "frozen-note" in page.content.decode()


# --- referrals move their actions ------------------------------------------------------


def _linked_referral(world: dict[str, Any]) -> tuple[Any, Any]:
    _version, goal = _plan_with_goal(world)
    referral = referral_create_and_send(
        actor=world["caseworker"],
        case=world["case"],
        service=world["eligible"].service,
        need=world["need"],
    )
    return referral, _action(world, goal, referral_id=referral.pk)


def test_a_completed_referral_completes_its_action(world):
    referral, action = _linked_referral(world)
    provider = world["provider"]
    referral_transition(actor=provider, referral=referral, to_status=ReferralStatus.ACCEPTED)
    referral_transition(
        actor=provider, referral=referral, to_status=ReferralStatus.IN_SERVICE, slot_taken=True
    )
    referral_transition(
        actor=provider, referral=referral, to_status=ReferralStatus.COMPLETED, feedback="Bien"
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_a_rejected_referral_sends_the_action_back_with_the_ranked_options(world):
    referral, action = _linked_referral(world)
    referral_transition(
        actor=world["provider"],
        referral=referral,
        to_status=ReferralStatus.REJECTED,
        rejection_reason="no_capacity",
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.NEEDS_NEW_OPTION
    options = (
        reverse("matching:case_options", args=[world["case"].pk]) + f"?need={world['need'].pk}"
    )
    assert Notification.objects.filter(user=world["caseworker"], link=options).exists()
    page = signed_in(world["caseworker"]).get(reverse("cases:case_plan", args=[world["case"].pk]))
    assert options.replace("&", "&amp;") in page.content.decode()


def test_an_action_links_only_to_records_of_its_case(world):
    from cases.models import FollowUp
    from tests.factories import case_of

    _version, goal = _plan_with_goal(world)
    other = case_of(user_with_role(Role.CASEWORKER))
    follow_up = FollowUp.objects.create(case=other, kind="call", due_on=_later(3))
    with pytest.raises(ValidationError) as error:
        _action(world, goal, follow_up_id=follow_up.pk)
    assert "follow_up" in error.value.message_dict
    mine = FollowUp.objects.create(case=world["case"], kind="call", due_on=_later(3))
    assert _action(world, goal, follow_up_id=mine.pk).follow_up == mine


# --- the tasks -------------------------------------------------------------------------


def test_overdue_actions_and_due_reviews_are_tasks_of_their_teams_only(world):
    version, goal = _plan_with_goal(world)
    lead_late = _action(world, goal, due_on=timezone.localdate() - timedelta(days=2))
    nurse_late = _action(world, goal, user="nurse", due_on=timezone.localdate() - timedelta(days=1))
    _action(world, goal, user="teacher", due_on=_later(5))
    _agree(world, version)
    plan_submit(actor=world["caseworker"], version=version)
    to_approve = signed_in(world["supervisor"]).get(reverse("matching:tasks")).content.decode()
    assert reverse("cases:case_plan", args=[world["case"].pk]) + "#plan-approval" in to_approve
    plan_approve(actor=world["supervisor"], version=version)
    CasePlanVersion.objects.filter(pk=version.pk).update(review_on=timezone.localdate())

    lead = signed_in(world["caseworker"]).get(reverse("matching:tasks")).content.decode()
    assert f"#action-{lead_late.pk}" in lead and f"#action-{nurse_late.pk}" in lead
    assert "#plan-review" in lead
    nurse = signed_in(world["nurse"]).get(reverse("matching:tasks")).content.decode()
    assert f"#action-{nurse_late.pk}" in nurse and f"#action-{lead_late.pk}" not in nurse
    assert "#plan-review" not in nurse
    teacher = signed_in(world["teacher"]).get(reverse("matching:tasks")).content.decode()
    assert "#action-" not in teacher
    stranger = signed_in(world["stranger"]).get(reverse("matching:tasks")).content.decode()
    assert "#action-" not in stranger and "#plan-review" not in stranger


# --- pages, permissions, audit ---------------------------------------------------------


def test_the_case_page_shows_the_plan_and_links_to_it(world):
    _plan_with_goal(world)
    page = signed_in(world["caseworker"]).get(
        reverse("matching:case_detail", args=[world["case"].pk])
    )
    body = page.content.decode()
    assert 'id="integrated-plan"' in body
    assert reverse("cases:case_plan", args=[world["case"].pk]) in body


def test_the_plan_page_refuses_a_partner_without_consent_and_hides_from_strangers(world):
    _plan_with_goal(world)
    url = reverse("cases:case_plan", args=[world["case"].pk])
    assert signed_in(world["nurse"]).get(url).status_code == 200
    assert signed_in(world["supervisor"]).get(url).status_code == 200
    assert signed_in(world["stranger"]).get(url).status_code == 404
    world["case"].consents.update(scopes=[ConsentScope.REFERRAL])
    assert signed_in(world["nurse"]).get(url).status_code == 403
    refusals = AuditEntry.objects.filter(
        action=AuditAction.REFUSED, record_type=AuditRecordType.CASE_PLAN
    )
    assert refusals.filter(user=world["nurse"], detail="access=packet").exists()
    assert refusals.filter(user=world["stranger"]).exists()
    assert AuditEntry.objects.filter(
        action=AuditAction.READ, record_type=AuditRecordType.CASE_PLAN, user=world["supervisor"]
    ).exists()


def test_only_the_lead_writes_goals_and_only_the_supervisor_approves_by_the_pages(world):
    version, goal = _plan_with_goal(world)
    case = world["case"]
    nurse = signed_in(world["nurse"])
    response = nurse.post(
        reverse("cases:plan_agreement", args=[case.pk]),
        {"agreed_on": timezone.localdate().isoformat(), "participants": "x", "family_view": "x"},
    )
    assert response.status_code == 403
    _action(world, goal)
    _agree(world, version)
    plan_submit(actor=world["caseworker"], version=version)
    approve = reverse("cases:plan_approve", args=[case.pk])
    assert signed_in(world["caseworker"]).post(approve, {"decision": "approve"}).status_code == 403
    assert signed_in(world["stranger"]).post(approve, {"decision": "approve"}).status_code == 403
    response = signed_in(world["supervisor"]).post(approve, {"decision": "approve"})
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.status == PlanStatus.APPROVED


def test_bad_input_on_the_pages_names_the_field(world):
    _version, goal = _plan_with_goal(world)
    client = signed_in(world["caseworker"])
    response = client.post(
        reverse("cases:plan_action", args=[world["case"].pk]),
        {
            "goal": str(goal.pk),
            "description": "x",
            "organization": str(world["case"].organization_id),
            "responsible": "",
            "due_on": "no es fecha",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "id_action_responsible_errors" in body and "id_action_due_on_errors" in body


def test_a_partner_adds_its_action_by_the_page_and_updates_it(world):
    _version, goal = _plan_with_goal(world)
    nurse = signed_in(world["nurse"])
    response = nurse.post(
        reverse("cases:plan_action", args=[world["case"].pk]),
        {
            "goal": str(goal.pk),
            "description": "Control de salud",
            "organization": str(world["health"].pk),
            "responsible": "Enfermera",
            "due_on": _later(10).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    action = PlanAction.objects.get(description="Control de salud")
    assert action.organization == world["health"]
    update = reverse("cases:plan_action_update", args=[world["case"].pk, action.pk])
    assert nurse.post(update, {"status": "in_progress"}).status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.IN_PROGRESS
    lead_action = _action(world, goal)
    lead_update = reverse("cases:plan_action_update", args=[world["case"].pk, lead_action.pk])
    assert nurse.post(lead_update, {"status": "done"}).status_code == 403


# --- the API ---------------------------------------------------------------------------


def test_the_api_lists_pages_of_actions_and_refuses_as_the_pages_do(world):
    from tests.factories import api_client_for

    _version, goal = _plan_with_goal(world)
    for n in range(3):
        _action(world, goal, description=f"Acción {n}")
    url = reverse("cases-api:plan-actions", args=[world["case"].pk])
    body = api_client_for(world["nurse"]).get(url, {"page_size": 2}).json()
    assert body["count"] == 3 and len(body["results"]) == 2
    assert api_client_for(world["stranger"]).get(url).status_code == 404
    created = api_client_for(world["nurse"]).post(
        url,
        {"goal": str(goal.pk), "description": "API", "responsible": "E", "due_on": "2099-01-01"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["organization_name"] == "CESFAM Sur"
    lead_action = PlanAction.objects.filter(organization=world["case"].organization).first()
    assert lead_action is not None
    detail = reverse("cases-api:plan-action", args=[world["case"].pk, lead_action.pk])
    refused = api_client_for(world["nurse"]).patch(detail, {"status": "done"}, format="json")
    assert refused.status_code == 403
    bad = api_client_for(world["caseworker"]).patch(detail, {"status": "nope"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()
    versions = reverse("cases-api:plan-versions", args=[world["case"].pk])
    assert api_client_for(world["supervisor"]).get(versions).json()["count"] == 1
    world["case"].consents.update(scopes=[ConsentScope.REFERRAL])
    assert api_client_for(world["nurse"]).get(url).status_code == 403
    approval = reverse("cases-api:plan-approval", args=[world["case"].pk])
    assert api_client_for(world["caseworker"]).post(approval, {"approve": True}).status_code == 403
    # Nothing submitted yet: the supervisor's approval is a conflict, not a 500.
    assert (
        api_client_for(world["supervisor"])
        .post(approval, {"approve": True}, format="json")
        .status_code
        == 409
    )


# --- retention -------------------------------------------------------------------------


def test_retention_blanks_the_plans_free_text(world, settings):
    from cases.models import CaseStatus

    version, goal = _plan_with_goal(world)
    action = _action(world, goal, responsible="Ana Pérez")
    _agree(world, version)
    case = world["case"]
    settings.CASE_RETENTION_DAYS = 1
    type(case).objects.filter(pk=case.pk).update(
        status=CaseStatus.CLOSED,
        close_reason="plan_completed",
        closed_at=timezone.now() - timedelta(days=5),
    )
    cases_anonymise_expired()
    action.refresh_from_db()
    goal.refresh_from_db()
    agreement = version.agreements.get()
    assert action.description == "" and action.responsible == ""
    assert goal.description == ""
    assert agreement.participants == agreement.child_view == agreement.family_view == ""
    assert action.due_on is not None and agreement.child_took_part


# --- races -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_supervisors_approving_at_once_end_with_one_approval_and_a_409(world):
    from tests.concurrency import at_once

    version, goal = _plan_with_goal(world)
    _action(world, goal)
    _agree(world, version)
    plan_submit(actor=world["caseworker"], version=version)
    other = user_with_role(Role.SUPERVISOR, world["case"].organization, username="sup2")
    clients = iter([signed_in(world["supervisor"]), signed_in(other)])
    url = reverse("cases:plan_approve", args=[world["case"].pk])

    def approve() -> int:
        return next(clients).post(url, {"decision": "approve"}).status_code

    assert sorted(at_once(approve)) == [302, 409]
    version.refresh_from_db()
    assert version.status == PlanStatus.APPROVED


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_caseworkers_starting_the_plan_at_once_make_one_plan(world):
    from cases.models import CasePlan
    from tests.concurrency import at_once

    colleague = user_with_role(Role.CASEWORKER, world["case"].organization, username="col")
    clients = iter([signed_in(world["caseworker"]), signed_in(colleague)])
    url = reverse("cases:plan_start", args=[world["case"].pk])

    def start() -> int:
        return next(clients).post(url, {"review_on": _later(60).isoformat()}).status_code

    assert sorted(at_once(start)) == [302, 409]
    assert CasePlan.objects.filter(case=world["case"]).count() == 1
