"""Writes of the integrated plan: start it, goals, actions, the family's agreement,
submitting and approving, reviews, and following the referrals its actions link to.

Who writes what:
- the lead team starts the plan, adds goals, records the agreement, submits a version
  and reviews it (a review copies the goals and actions into a new version and
  freezes the earlier one);
- each organization of the case team (the lead, or a partner while the family consents
  to share) adds and updates its own actions, in the version in force;
- a supervisor of the lead organization approves a submitted version, or sends it back.

``matching`` calls ``plan_actions_follow_referral`` from its referral transition: this
app sits below it and never imports it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import (
    ActionStatus,
    Case,
    CaseNeed,
    CasePlan,
    CasePlanVersion,
    CaseStatus,
    PlanAction,
    PlanAgreement,
    PlanGoal,
    PlanStatus,
)
from cases.selectors import case_access_for_user, case_can_supervise
from cases.selectors_plan import PLAN_WRITERS, plan_goal_targets, plan_team_organizations
from cases.services.assessment import assessment_organization_for
from cases.services.team import case_lock, case_team_notify, case_team_require
from notifications.models import NotificationKind

TEXT_MAX = 4000
SHORT_MAX = 200


def _open_case_require(*, case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed: reopen it to work on its plan.")})


def _text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return value


def _version_lock(*, version: CasePlanVersion) -> CasePlanVersion:
    return CasePlanVersion.objects.select_for_update().get(pk=version.pk)


def _current_require(*, version: CasePlanVersion) -> None:
    if version.status == PlanStatus.SUPERSEDED:
        raise ValidationError(
            {"version": _("This version was replaced by a review and can no longer change.")}
        )


def _draft_require(*, version: CasePlanVersion) -> None:
    _current_require(version=version)
    if version.status != PlanStatus.DRAFT:
        raise ValidationError(
            {
                "version": _(
                    "This version was submitted for approval: goals and the agreement change "
                    "in a review."
                )
            }
        )


def _review_date_check(*, review_on: date | None) -> date:
    if review_on is None:
        raise ValidationError({"review_on": _("Give the date of the plan's review.")})
    if review_on <= timezone.localdate():
        raise ValidationError({"review_on": _("The review date must be after today.")})
    return review_on


def plan_organization_for(*, actor: User, case: Case) -> Any:
    """The organization the actor writes the plan for (the lead, or its partner place),
    or a refusal: a partner without the family's consent to share writes nothing."""
    access = case_access_for_user(user=actor, case=case)
    if access not in PLAN_WRITERS:
        raise PermissionDenied(
            _("Only the case team, with the family's consent to share, works on this plan.")
        )
    organization = assessment_organization_for(actor=actor, case=case, access=access)
    if organization is None:
        raise PermissionDenied(_("Your organization is not on this case's team."))
    return organization


@transaction.atomic
def plan_start(*, actor: User, case: Case, review_on: date | None) -> CasePlan:
    """The child's plan, with its first (draft) version: one plan per child."""
    case_team_require(actor=actor, case=case)
    case = case_lock(case_id=case.pk)
    _open_case_require(case=case)
    review_on = _review_date_check(review_on=review_on)
    if CasePlan.objects.filter(case=case).exists():
        raise ValidationError({"case": _("This case already has a plan.")})
    plan = CasePlan.objects.create(case=case, created_by=actor)
    CasePlanVersion.objects.create(
        plan=plan, case=case, number=1, review_on=review_on, created_by=actor
    )
    return plan


@transaction.atomic
def plan_goal_add(
    *,
    actor: User,
    version: CasePlanVersion,
    description: str,
    domain_code: str = "",
    need: CaseNeed | None = None,
) -> PlanGoal:
    case = case_lock(case_id=version.case_id)
    organization = plan_organization_for(actor=actor, case=case)
    _open_case_require(case=case)
    version = _version_lock(version=version)
    _draft_require(version=version)
    description = _text(description, field="description")
    domains, _needs = plan_goal_targets(case=case)
    domain_names = dict(domains)
    domain_code = (domain_code or "").strip()
    if not domain_code and need is None:
        raise ValidationError({"domain_code": _("Tie the goal to an assessed domain or a need.")})
    if domain_code and domain_code not in domain_names:
        raise ValidationError({"domain_code": _("This domain was not assessed for the child.")})
    if need is not None and need.case_id != case.pk:
        raise ValidationError({"need": _("This need is not one of the case's.")})
    return PlanGoal.objects.create(
        version=version,
        domain_code=domain_code,
        domain_name=domain_names.get(domain_code, ""),
        need=need,
        description=description,
        organization=organization,
        created_by=actor,
        position=version.goals.count(),
    )


def _link_check(
    *,
    case: Case,
    referral_id: UUID | None,
    enrolment_id: UUID | None,
    follow_up_id: UUID | None,
) -> None:
    # The referral and enrolment models live above this app: read through the field.
    checks = (
        ("referral", referral_id),
        ("enrolment", enrolment_id),
        ("follow_up", follow_up_id),
    )
    for field, value in checks:
        if value is None:
            continue
        model = PlanAction._meta.get_field(field).related_model
        if not model._default_manager.filter(pk=value, case_id=case.pk).exists():  # type: ignore[union-attr]
            raise ValidationError({field: _("This record is not one of the case's.")})


@transaction.atomic
def plan_action_add(
    *,
    actor: User,
    goal: PlanGoal,
    description: str,
    responsible: str,
    due_on: date | None,
    organization_id: UUID | None = None,
    referral_id: UUID | None = None,
    enrolment_id: UUID | None = None,
    follow_up_id: UUID | None = None,
) -> PlanAction:
    """An action towards a goal, held by the actor's organization (the lead may give it
    to any organization of the case team: it writes the plan the team agreed)."""
    case = case_lock(case_id=goal.version.case_id)
    own = plan_organization_for(actor=actor, case=case)
    _open_case_require(case=case)
    version = _version_lock(version=goal.version)
    _current_require(version=version)
    team = {org.pk: org for org in plan_team_organizations(case=case)}
    if organization_id is None or organization_id == own.pk:
        organization = own
    elif own.pk == case.organization_id and organization_id in team:
        organization = team[organization_id]
    else:
        raise ValidationError(
            {"organization": _("Choose your own organization or, for the lead, one on the team.")}
        )
    description = _text(description, field="description")
    responsible = _text(responsible, field="responsible", limit=SHORT_MAX)
    if due_on is None:
        raise ValidationError({"due_on": _("Give the date the action is due.")})
    _link_check(
        case=case, referral_id=referral_id, enrolment_id=enrolment_id, follow_up_id=follow_up_id
    )
    return PlanAction.objects.create(
        version=version,
        goal=goal,
        case=case,
        organization=organization,
        responsible=responsible,
        description=description,
        due_on=due_on,
        referral_id=referral_id,
        enrolment_id=enrolment_id,
        follow_up_id=follow_up_id,
        created_by=actor,
    )


@transaction.atomic
def plan_action_update(
    *,
    actor: User,
    action: PlanAction,
    status: str,
    due_on: date | None = None,
    responsible: str | None = None,
    note: str | None = None,
) -> PlanAction:
    """Each organization updates its own actions; the version must still be in force."""
    case = case_lock(case_id=action.case_id)
    own = plan_organization_for(actor=actor, case=case)
    _open_case_require(case=case)
    action = PlanAction.objects.select_for_update().get(pk=action.pk)
    if action.frozen:
        raise ValidationError(
            {"version": _("This version was replaced by a review and can no longer change.")}
        )
    if action.organization_id != own.pk:
        raise PermissionDenied(_("Only the organization responsible updates this action."))
    if status not in ActionStatus.values:
        raise ValidationError({"status": _("Choose a status.")})
    action.status = status
    action.done_on = timezone.localdate() if status == ActionStatus.DONE else None
    if due_on is not None:
        action.due_on = due_on
    if responsible is not None:
        action.responsible = _text(responsible, field="responsible", limit=SHORT_MAX)
    if note is not None:
        action.note = _text(note, field="note", required=False)
    action.updated_by = actor
    action.updated_at = timezone.now()
    action.save()
    return action


@transaction.atomic
def plan_agreement_record(
    *,
    actor: User,
    version: CasePlanVersion,
    participants: str,
    agreed_on: date | None,
    child_took_part: bool,
    child_view: str = "",
    family_view: str = "",
) -> PlanAgreement:
    """Who took part, when, and what the child (as age allows) and the family said."""
    case_team_require(actor=actor, case=version.case)
    case = case_lock(case_id=version.case_id)
    _open_case_require(case=case)
    version = _version_lock(version=version)
    _draft_require(version=version)
    participants = _text(participants, field="participants")
    child_view = _text(child_view, field="child_view", required=child_took_part)
    family_view = _text(family_view, field="family_view")
    if agreed_on is None or agreed_on > timezone.localdate():
        raise ValidationError({"agreed_on": _("Give the day of the agreement, not a later one.")})
    return PlanAgreement.objects.create(
        version=version,
        agreed_on=agreed_on,
        participants=participants,
        child_took_part=child_took_part,
        child_view=child_view,
        family_view=family_view,
        recorded_by=actor,
    )


@transaction.atomic
def plan_submit(*, actor: User, version: CasePlanVersion) -> CasePlanVersion:
    """The lead sends a draft to its supervisor: it needs goals, actions and agreement."""
    case_team_require(actor=actor, case=version.case)
    case = case_lock(case_id=version.case_id)
    _open_case_require(case=case)
    version = _version_lock(version=version)
    _draft_require(version=version)
    if not version.goals.exists() or not version.actions.exists():
        raise ValidationError({"version": _("Add at least one goal and one action first.")})
    if not version.agreements.exists():
        raise ValidationError(
            {"version": _("Record the agreement of the child and the family first.")}
        )
    version.status = PlanStatus.AWAITING_APPROVAL
    version.submitted_by = actor
    version.submitted_at = timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at"])
    return version


@transaction.atomic
def plan_approve(
    *, actor: User, version: CasePlanVersion, approve: bool = True, note: str = ""
) -> CasePlanVersion:
    """A supervisor of the lead organization approves a submitted version, or sends it
    back to draft with a note (told to the case team)."""
    if not case_can_supervise(user=actor, case=version.case):
        raise PermissionDenied(_("Only a supervisor of the lead team approves the plan."))
    case = case_lock(case_id=version.case_id)
    version = _version_lock(version=version)
    if version.status != PlanStatus.AWAITING_APPROVAL:
        raise ValidationError({"version": _("This version is not waiting for approval.")})
    if not approve:
        note = _text(note, field="note")
        version.status = PlanStatus.DRAFT
        version.save(update_fields=["status"])
        case_team_notify(
            case=case,
            kind=NotificationKind.REQUEST,
            text=_("The plan of case %(code)s was sent back: %(note)s")
            % {"code": case.code, "note": note},
            link=reverse("cases:case_plan", args=[case.pk]),
        )
        return version
    version.status = PlanStatus.APPROVED
    version.approved_by = actor
    version.approved_at = timezone.now()
    version.save(update_fields=["status", "approved_by", "approved_at"])
    case_team_notify(
        case=case,
        kind=NotificationKind.CASE_UPDATE,
        text=_("The plan of case %(code)s (version %(n)s) was approved.")
        % {"code": case.code, "n": version.number},
        link=reverse("cases:case_plan", args=[case.pk]),
    )
    return version


@transaction.atomic
def plan_review(
    *, actor: User, plan: CasePlan, review_on: date | None, reason: str
) -> CasePlanVersion:
    """A new version copying the goals and actions; the one it replaces is frozen."""
    case_team_require(actor=actor, case=plan.case)
    case = case_lock(case_id=plan.case_id)
    _open_case_require(case=case)
    review_on = _review_date_check(review_on=review_on)
    reason = _text(reason, field="reason")
    current = (
        CasePlanVersion.objects.select_for_update()
        .filter(plan=plan)
        .exclude(status=PlanStatus.SUPERSEDED)
        .first()
    )
    if current is None or current.status != PlanStatus.APPROVED:
        raise ValidationError(
            {"version": _("Only an approved plan is reviewed: finish the approval first.")}
        )
    now = timezone.now()
    current.status = PlanStatus.SUPERSEDED
    current.superseded_at = now
    current.save(update_fields=["status", "superseded_at"])
    PlanAction.objects.filter(version=current).update(frozen=True)
    try:
        with transaction.atomic():
            new = CasePlanVersion.objects.create(
                plan=plan,
                case=case,
                number=current.number + 1,
                review_on=review_on,
                review_reason=reason,
                created_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError({"version": _("This plan is already being reviewed.")}) from error
    for goal in PlanGoal.objects.filter(version=current).prefetch_related("actions"):
        actions = list(goal.actions.all())
        goal.pk = None
        goal.id = None
        goal._state.adding = True
        goal.version = new
        goal.save()
        for action in actions:
            action.pk = None
            action.id = None
            action._state.adding = True
            action.version = new
            action.goal = goal
            action.frozen = False
            action.save()
    return new


# --- following the records actions link to -----------------------------------------


def plan_actions_follow_referral(
    *, referral_id: UUID, case_id: UUID, need_id: UUID | None, status: str
) -> int:
    """Called by ``matching`` inside its referral transition (same transaction).

    A completed referral completes its actions; a rejected one sends them back to the
    caseworker as "needs a new option", and tells the case team where the ranked
    options for that need are. Returns how many actions moved.
    """
    actions = PlanAction.objects.filter(referral_id=referral_id, frozen=False).exclude(
        status__in=[ActionStatus.DONE, ActionStatus.DROPPED]
    )
    if status == "completed":
        return actions.update(
            status=ActionStatus.DONE, done_on=timezone.localdate(), updated_at=timezone.now()
        )
    if status != "rejected":
        return 0
    moved = actions.update(status=ActionStatus.NEEDS_NEW_OPTION, updated_at=timezone.now())
    if moved:
        case = Case.objects.get(pk=case_id)
        link = reverse("matching:case_options", args=[case_id])
        if need_id is not None:
            link += f"?need={need_id}"
        case_team_notify(
            case=case,
            kind=NotificationKind.REQUEST,
            text=_(
                "A referral in the plan of case %(code)s was rejected: choose a new option "
                "for the need."
            )
            % {"code": case.code},
            link=link,
        )
    return moved
