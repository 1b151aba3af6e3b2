"""Reads of the integrated plan: a case's plan and its versions, and the plan's tasks.

Who reads a plan is the case team's rule (``cases.selectors``), as for the assessment:
the lead team and its supervisors, and partners while the family consents to share
information. A partner without that consent is refused; anyone else is told the case
does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Prefetch, Q, QuerySet

from cases.models import (
    OPEN_ACTION_STATUSES,
    Case,
    CaseNeed,
    CasePartner,
    CasePlan,
    CasePlanVersion,
    CaseStatus,
    PlanAction,
    PlanGoal,
    PlanStatus,
)
from cases.selectors import (
    case_supervisor_organization_ids,
    case_team_organization_ids,
)

# Standings on a case that read its plan, and those that write actions in it.
PLAN_READERS = frozenset({"lead", "supervisor", "partner"})
PLAN_WRITERS = frozenset({"lead", "partner"})


def plan_for_case(*, case: Case) -> CasePlan | None:
    return CasePlan.objects.filter(case=case).first()


def plan_versions(*, plan: CasePlan) -> QuerySet[CasePlanVersion]:
    """Every version, newest first (the earlier ones frozen, readable as they were)."""
    return (
        CasePlanVersion.objects.filter(plan=plan)
        .select_related("created_by", "approved_by")
        .order_by("-number")
    )


def plan_version_current(*, plan: CasePlan) -> CasePlanVersion | None:
    return plan_versions(plan=plan).exclude(status=PlanStatus.SUPERSEDED).first()


def plan_version_get(*, plan: CasePlan, number: int) -> CasePlanVersion | None:
    return plan_versions(plan=plan).filter(number=number).first()


def plan_version_full(*, version_id: UUID) -> CasePlanVersion:
    """A version with its goals, their actions and the agreements, in three queries."""
    actions = PlanAction.objects.select_related(
        "organization", "referral", "enrolment", "follow_up"
    ).order_by("due_on", "created")
    return (
        CasePlanVersion.objects.select_related("approved_by", "created_by", "submitted_by")
        .prefetch_related(
            Prefetch(
                "goals",
                queryset=PlanGoal.objects.select_related("need__term", "organization")
                .prefetch_related(Prefetch("actions", queryset=actions))
                .order_by("position", "created"),
            ),
            "agreements",
        )
        .get(pk=version_id)
    )


def plan_actions(*, version: CasePlanVersion) -> QuerySet[PlanAction]:
    return (
        PlanAction.objects.filter(version=version)
        .select_related("organization", "goal")
        .order_by("due_on", "created", "pk")
    )


def plan_action_get(*, version: CasePlanVersion, action_id: UUID) -> PlanAction | None:
    return PlanAction.objects.filter(version=version, pk=action_id).first()


def plan_goal_get(*, version: CasePlanVersion, goal_id: UUID) -> PlanGoal | None:
    return PlanGoal.objects.filter(version=version, pk=goal_id).first()


def plan_team_organizations(*, case: Case) -> list[Any]:
    """The organizations that may hold an action: the lead and the active partners."""
    partners = [
        partner.organization
        for partner in CasePartner.objects.filter(case=case, ended_at__isnull=True)
        .select_related("organization")
        .order_by("added_at")
    ]
    return [case.organization, *[org for org in partners if org.pk != case.organization_id]]


def plan_goal_targets(*, case: Case) -> tuple[list[tuple[str, str]], list[CaseNeed]]:
    """What a goal may be tied to: the domains assessed for the child, and its needs."""
    from cases.models import AssessmentDomainEntry

    domains: dict[str, str] = {}
    for code, name in (
        AssessmentDomainEntry.objects.filter(case=case)
        .order_by("domain__position", "domain__code")
        .values_list("domain__code", "domain__name")
    ):
        domains.setdefault(code, name)
    needs = list(CaseNeed.objects.filter(case=case).select_related("term").order_by("term__name"))
    return list(domains.items()), needs


# --- the plan's tasks ---------------------------------------------------------------------


def plan_actions_overdue_for_user(*, user: Any, today: date) -> QuerySet[PlanAction]:
    """Open actions past their date on open cases: all of the user's lead teams' cases,
    and those their organization holds as a partner. Read from the partial indexes."""
    teams = case_team_organization_ids(user=user)
    return (
        PlanAction.objects.filter(frozen=False, status__in=OPEN_ACTION_STATUSES, due_on__lt=today)
        .filter(Q(case__organization_id__in=teams) | Q(organization_id__in=teams))
        .filter(case__status=CaseStatus.OPEN)
        .select_related("case", "organization")
        .order_by("due_on", "pk")
    )


def plan_reviews_due_for_user(*, user: Any, until: date) -> QuerySet[CasePlanVersion]:
    """Approved plans whose review date has come, on the open cases of the user's teams."""
    return (
        CasePlanVersion.objects.filter(status=PlanStatus.APPROVED, review_on__lte=until)
        .filter(case__organization_id__in=case_team_organization_ids(user=user))
        .filter(case__status=CaseStatus.OPEN)
        .select_related("case")
        .order_by("review_on", "pk")
    )


def plans_to_approve_for_user(*, user: Any) -> QuerySet[CasePlanVersion]:
    """Plans and reviews waiting for the approval of a supervisor of their lead team."""
    return (
        CasePlanVersion.objects.filter(status=PlanStatus.AWAITING_APPROVAL)
        .filter(case__organization_id__in=case_supervisor_organization_ids(user=user))
        .select_related("case", "submitted_by")
        .order_by("submitted_at", "pk")
    )


def plan_referral_choices(*, case: Case) -> list[tuple[str, str]]:
    """The case's referrals an action may link to, as (id, service). The referral model
    is ``matching``'s, above this app: read through the action's field, never imported."""
    model: Any = PlanAction._meta.get_field("referral").related_model
    rows = (
        model.objects.filter(case=case)
        .select_related("service")
        .order_by("-created")
        .values_list("pk", "service__name", "status")
    )
    return [(str(pk), f"{name} ({status})") for pk, name, status in rows]


def plan_summary_for_case(*, case: Case, today: date) -> dict[str, Any] | None:
    """What the case page shows of the plan: the version in force and its open work."""
    plan = plan_for_case(case=case)
    if plan is None:
        return None
    version = plan_version_current(plan=plan)
    if version is None:
        return None
    open_actions = PlanAction.objects.filter(
        version=version, frozen=False, status__in=OPEN_ACTION_STATUSES
    )
    return {
        "version": version,
        "goals": version.goals.count(),
        "actions": version.actions.count(),
        "open": open_actions.count(),
        "overdue": open_actions.filter(due_on__lt=today).count(),
        "review_due": version.review_on <= today,
    }
