"""Writes of the family: create it from a child's case, link siblings and caregivers,
the family plan's goals, and family accompaniment (start, sessions, exit).

Who writes what (the standings are ``cases.selectors_family``'s):
- the lead team of a child's case creates the family from that case, links its own
  case to a family by the family's code, adds caregivers and the family plan's goals;
- the lead teams and their supervisors start an accompaniment and assign the
  accompanist, one of the people of an organization on a child's case team;
- the accompanist (and the lead teams) log sessions and record the exit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from accounts.selectors import user_memberships
from cases.models import (
    AccompanimentExit,
    AccompanimentIntensity,
    AccompanimentSession,
    Caregiver,
    CaregiverRelationship,
    Case,
    CasePartner,
    CaseStatus,
    Family,
    FamilyAccompaniment,
    FamilyChild,
    FamilyGoal,
    FamilyGoalStatus,
    FamilyPlan,
    SessionKind,
    SessionProgress,
)
from cases.selectors import case_can_work
from cases.selectors_family import (
    ACCOMPANIMENT_STARTERS,
    FAMILY_WRITERS,
    SESSION_WRITERS,
    accompaniment_current,
    family_access_for_user,
    family_children_cases,
    family_for_case,
    family_get_by_code,
)

TEXT_MAX = 2000
SHORT_MAX = 200
ACCOMPANIST_ROLES = (Role.CASEWORKER, Role.PROVIDER, Role.SUPERVISOR)


def _text(value: str, *, field: str, required: bool = True, limit: int = TEXT_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > limit:
        raise ValidationError({field: _("Keep it under %(n)s characters.") % {"n": limit}})
    return value


def _require(*, actor: User, family: Family, standings: frozenset[str]) -> str:
    access = family_access_for_user(user=actor, family=family)
    if access not in standings:
        raise PermissionDenied(_("You may not do this for this family."))
    return access


def _lead_of_case_require(*, actor: User, case: Case) -> None:
    if not case_can_work(user=actor, case=case):
        raise PermissionDenied(_("Only the case's own team may link it to a family."))
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"case": _("The case is closed: reopen it first.")})


@transaction.atomic
def family_create(*, actor: User, case: Case) -> Family:
    """A new family from a child's case, with its (empty) family plan."""
    _lead_of_case_require(actor=actor, case=case)
    if family_for_case(case=case) is not None:
        raise ValidationError({"case": _("This case already belongs to a family.")})
    family = Family.objects.create(created_by=actor)
    FamilyPlan.objects.create(family=family, created_by=actor)
    try:
        with transaction.atomic():
            FamilyChild.objects.create(family=family, case=case, added_by=actor)
    except IntegrityError as error:
        raise ValidationError({"case": _("This case already belongs to a family.")}) from error
    return family


@transaction.atomic
def family_child_link(*, actor: User, case: Case, family_code: str) -> Family:
    """The actor's own case joins a family, found by the family's code."""
    _lead_of_case_require(actor=actor, case=case)
    family = family_get_by_code(code=_text(family_code, field="family_code", limit=20))
    if family is None:
        raise ValidationError({"family_code": _("No family has this code.")})
    if family_for_case(case=case) is not None:
        raise ValidationError({"case": _("This case already belongs to a family.")})
    try:
        with transaction.atomic():
            FamilyChild.objects.create(family=family, case=case, added_by=actor)
    except IntegrityError as error:
        raise ValidationError({"case": _("This case already belongs to a family.")}) from error
    return family


@transaction.atomic
def caregiver_add(
    *,
    actor: User,
    family: Family,
    relationship: str,
    name: str = "",
    lives_in_household: bool = True,
    note: str = "",
) -> Caregiver:
    _require(actor=actor, family=family, standings=FAMILY_WRITERS)
    if relationship not in CaregiverRelationship.values:
        raise ValidationError({"relationship": _("Choose a relationship from the list.")})
    return Caregiver.objects.create(
        family=family,
        relationship=relationship,
        name=_text(name, field="name", required=False, limit=120),
        lives_in_household=lives_in_household,
        note=_text(note, field="note", required=False, limit=SHORT_MAX),
        added_by=actor,
    )


@transaction.atomic
def family_goal_add(*, actor: User, family: Family, description: str) -> FamilyGoal:
    _require(actor=actor, family=family, standings=FAMILY_WRITERS)
    plan, _created = FamilyPlan.objects.get_or_create(family=family, defaults={"created_by": actor})
    return FamilyGoal.objects.create(
        plan=plan, description=_text(description, field="description"), created_by=actor
    )


@transaction.atomic
def family_goal_update(*, actor: User, goal: FamilyGoal, status: str) -> FamilyGoal:
    _require(actor=actor, family=goal.plan.family, standings=SESSION_WRITERS)
    if status not in FamilyGoalStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    goal.status = status
    goal.save(update_fields=["status"])
    return goal


def accompanist_candidates(*, family: Family) -> list[tuple[User, UUID]]:
    """The people who may accompany the family, each with the organization they would
    accompany it for: the members of the organizations on a child's case team."""
    organizations: list[UUID] = []
    for case in family_children_cases(family=family):
        organizations.append(case.organization_id)
        organizations.extend(
            CasePartner.objects.filter(case=case, ended_at__isnull=True).values_list(
                "organization_id", flat=True
            )
        )
    users = User.objects.filter(
        is_active=True,
        memberships__organization_id__in=organizations,
        memberships__role__in=ACCOMPANIST_ROLES,
    ).distinct()
    result = []
    for user in users.order_by("last_name", "first_name", "username"):
        for role, organization in user_memberships(user=user):
            if role in ACCOMPANIST_ROLES and organization in organizations:
                result.append((user, organization))
                break
    return result


@transaction.atomic
def accompaniment_start(
    *,
    actor: User,
    family: Family,
    accompanist: User,
    intensity: str,
    started_on: date | None = None,
) -> FamilyAccompaniment:
    _require(actor=actor, family=family, standings=ACCOMPANIMENT_STARTERS)
    Family.objects.select_for_update().filter(pk=family.pk).first()
    if intensity not in AccompanimentIntensity.values:
        raise ValidationError({"intensity": _("Choose an intensity from the list.")})
    candidates = {
        user.pk: organization for user, organization in accompanist_candidates(family=family)
    }
    if accompanist.pk not in candidates:
        raise ValidationError(
            {
                "accompanist": _(
                    "The accompanist must work in an organization on a child's case team."
                )
            }
        )
    if accompaniment_current(family=family) is not None:
        raise ValidationError({"family": _("This family is already accompanied.")})
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        raise ValidationError({"started_on": _("The date cannot be in the future.")})
    try:
        with transaction.atomic():
            return FamilyAccompaniment.objects.create(
                family=family,
                accompanist=accompanist,
                organization_id=candidates[accompanist.pk],
                intensity=intensity,
                started_on=started_on,
                started_by=actor,
            )
    except IntegrityError as error:
        raise ValidationError({"family": _("This family is already accompanied.")}) from error


def _open_require(*, accompaniment: FamilyAccompaniment) -> None:
    if accompaniment.ended_on is not None:
        raise ValidationError({"accompaniment": _("This accompaniment has ended.")})


@transaction.atomic
def accompaniment_session_log(
    *,
    actor: User,
    accompaniment: FamilyAccompaniment,
    held_on: date,
    participants: str,
    progress: int,
    goal_ids: Sequence[UUID] = (),
    next_step: str = "",
    kind: str = SessionKind.VISIT,
) -> AccompanimentSession:
    _require(actor=actor, family=accompaniment.family, standings=SESSION_WRITERS)
    accompaniment = FamilyAccompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    _open_require(accompaniment=accompaniment)
    if held_on > timezone.localdate():
        raise ValidationError({"held_on": _("The date cannot be in the future.")})
    if held_on < accompaniment.started_on:
        raise ValidationError({"held_on": _("The date is before the accompaniment started.")})
    if progress not in SessionProgress.values:
        raise ValidationError({"progress": _("Choose the progress from the scale.")})
    if kind not in SessionKind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    goals = list(FamilyGoal.objects.filter(plan__family=accompaniment.family, pk__in=goal_ids))
    if len(goals) != len(set(goal_ids)):
        raise ValidationError({"goals": _("Choose goals of this family's plan.")})
    session = AccompanimentSession.objects.create(
        accompaniment=accompaniment,
        kind=kind,
        held_on=held_on,
        participants=_text(participants, field="participants", limit=300),
        progress=progress,
        next_step=_text(next_step, field="next_step", required=False),
        recorded_by=actor,
    )
    session.goals.set(goals)
    return session


@transaction.atomic
def accompaniment_end(
    *,
    actor: User,
    accompaniment: FamilyAccompaniment,
    exit_reason: str,
    ended_on: date | None = None,
    note: str = "",
) -> FamilyAccompaniment:
    _require(actor=actor, family=accompaniment.family, standings=SESSION_WRITERS)
    accompaniment = FamilyAccompaniment.objects.select_for_update().get(pk=accompaniment.pk)
    _open_require(accompaniment=accompaniment)
    if exit_reason not in AccompanimentExit.values:
        raise ValidationError({"exit_reason": _("Choose how the accompaniment ended.")})
    ended_on = ended_on or timezone.localdate()
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": _("The date cannot be in the future.")})
    if ended_on < accompaniment.started_on:
        raise ValidationError({"ended_on": _("The date is before the accompaniment started.")})
    accompaniment.ended_on = ended_on
    accompaniment.exit_reason = exit_reason
    accompaniment.exit_note = _text(note, field="note", required=False)
    accompaniment.save(update_fields=["ended_on", "exit_reason", "exit_note"])
    return accompaniment


def family_anonymise_for_cases(*, case_ids: Sequence[Any]) -> int:
    """Blank the caregivers' details and the sessions' words of the families whose
    every child's case is anonymised (or being anonymised now, ``case_ids``)."""
    families = Family.objects.filter(
        children__case_id__in=case_ids, anonymised_at__isnull=True
    ).distinct()
    done = 0
    now = timezone.now()
    for family in families:
        others = FamilyChild.objects.filter(
            family=family, case__anonymised_at__isnull=True
        ).exclude(case_id__in=case_ids)
        if others.exists():
            continue
        Caregiver.objects.filter(family=family).update(name="", note="")
        AccompanimentSession.objects.filter(accompaniment__family=family).update(
            participants="", next_step=""
        )
        FamilyAccompaniment.objects.filter(family=family).update(exit_note="")
        FamilyGoal.objects.filter(plan__family=family).update(description="")
        Family.objects.filter(pk=family.pk).update(anonymised_at=now)
        done += 1
    return done
