"""Reads of a case's admissibility decisions, closures and reopenings, in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Membership, Role
from cases.models import (
    Admissibility,
    AdmissibilityDecision,
    Case,
    CaseClosure,
    CaseNote,
    CasePartner,
    CaseReopening,
    CaseStatus,
    CaseTransfer,
    ClosureStatus,
    FollowUp,
    PartnerRole,
    RouteDecision,
    TransferStatus,
)
from cases.selectors import (
    case_can_work,
    case_list_for_user,
    case_member_organization_ids,
    case_supervisor_organization_ids,
    case_team_organization_ids,
)


def closure_pending_for_case(*, case: Case) -> CaseClosure | None:
    return (
        CaseClosure.objects.filter(case=case, status=ClosureStatus.REQUESTED)
        .select_related("requested_by")
        .first()
    )


def closure_get_for_case(*, case: Case, closure_id: UUID) -> CaseClosure | None:
    return CaseClosure.objects.filter(case=case, pk=closure_id).first()


@dataclass(frozen=True)
class ClosureHistoryRow:
    when: datetime
    closure: CaseClosure | None = None
    reopening: CaseReopening | None = None


def case_closure_history(*, case: Case) -> list[ClosureHistoryRow]:
    """Every request, decision and reopening of the case, newest first."""
    rows = [
        ClosureHistoryRow(when=closure.decided_at or closure.requested_at, closure=closure)
        for closure in CaseClosure.objects.filter(case=case).select_related(
            "requested_by", "decided_by"
        )
    ]
    rows += [
        ClosureHistoryRow(when=reopening.reopened_at, reopening=reopening)
        for reopening in CaseReopening.objects.filter(case=case).select_related(
            "reopened_by", "alert__raised_by_organization"
        )
    ]
    return sorted(rows, key=lambda row: row.when, reverse=True)


def admissibility_decisions_for_case(*, case: Case) -> list[AdmissibilityDecision]:
    """Every decision on the case, newest first: a later one never overwrites an earlier."""
    return list(
        AdmissibilityDecision.objects.filter(case=case).select_related("decided_by", "organization")
    )


def follow_ups_for_case(*, case: Case) -> list[FollowUp]:
    """Planned first (by due date), then the contacts made, newest first."""
    rows = list(FollowUp.objects.filter(case=case).select_related("need__term", "recorded_by"))
    planned = sorted((f for f in rows if f.done_on is None), key=lambda f: f.due_on)
    done = sorted(
        (f for f in rows if f.done_on is not None),
        key=lambda f: f.done_on or f.due_on,
        reverse=True,
    )
    return planned + done


def follow_up_get_for_case(*, case: Case, follow_up_id: UUID) -> FollowUp | None:
    return FollowUp.objects.filter(case=case, pk=follow_up_id).first()


def case_notes_for_user(*, case: Case, user: Any) -> list[CaseNote]:
    """The notes the user may read: their team's, and the case team's shared ones.

    Until cases have partner organizations, only the owning team reads a case; the
    visibility is recorded now so partners read exactly the shared notes later.
    """
    if not case_can_work(user=user, case=case):
        return []
    return list(CaseNote.objects.filter(case=case).select_related("author", "organization"))


# --- a caseworker's tasks ------------------------------------------------------------------


def follow_ups_due_for_user(*, user: Any, until: date) -> QuerySet[FollowUp]:
    """Contacts still to make on the open cases of the user's teams, due by ``until``."""
    return (
        FollowUp.objects.filter(
            done_on__isnull=True,
            due_on__lte=until,
            # Only while the case is open (cases/case_team_sql.py): no join to know it.
            case_team_id__in=case_team_organization_ids(user=user),
        )
        .select_related("case")
        .order_by("due_on", "created", "pk")
    )


def cases_pending_admissibility_for_user(*, user: Any) -> QuerySet[Case]:
    return (
        case_list_for_user(user=user)
        .filter(status=CaseStatus.OPEN, admissibility=Admissibility.PENDING)
        .order_by("requested_at")
    )


def closures_to_verify_for_user(*, user: Any) -> QuerySet[CaseClosure]:
    """Closures the user verifies (``closure_can_verify`` as one query), never their own.

    The authority on the case team where there is one; otherwise a supervisor of the
    lead organization; otherwise another caseworker of the lead team.
    """
    authority = CasePartner.objects.filter(
        case_id=OuterRef("case_id"), ended_at__isnull=True, role=PartnerRole.AUTHORITY
    )
    supervised = Membership.objects.filter(role=Role.SUPERVISOR, user__is_active=True)
    no_authority = ~Exists(authority)
    as_authority = Exists(
        authority.filter(organization_id__in=case_member_organization_ids(user=user))
    )
    as_supervisor = no_authority & Q(
        case__organization_id__in=case_supervisor_organization_ids(user=user)
    )
    as_colleague = (
        no_authority
        & Q(case__organization_id__in=case_team_organization_ids(user=user))
        & ~Q(case__organization_id__in=supervised.values("organization_id"))
    )
    return (
        CaseClosure.objects.filter(status=ClosureStatus.REQUESTED)
        .filter(as_authority | as_supervisor | as_colleague)
        .exclude(requested_by=user)
        .select_related("case", "requested_by")
        .order_by("requested_at")
    )


def transfers_to_answer_for_user(*, user: Any) -> QuerySet[CaseTransfer]:
    """Transfers offered to the user's teams, and those waiting for their approval."""
    teams = case_team_organization_ids(user=user) | case_supervisor_organization_ids(user=user)
    offered = Q(status=TransferStatus.OFFERED, to_organization_id__in=teams)
    to_approve = Q(
        status=TransferStatus.AWAITING_APPROVAL,
        from_organization_id__in=case_supervisor_organization_ids(user=user),
    )
    return (
        CaseTransfer.objects.filter(offered | to_approve)
        .select_related("case", "from_organization", "to_organization")
        .order_by("requested_at")
    )


def route_decisions_for_case(*, case: Case) -> list[RouteDecision]:
    """Every route decision, newest first: a later one never overwrites an earlier."""
    return list(RouteDecision.objects.filter(case=case).select_related("decided_by"))
