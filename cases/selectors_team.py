"""Reads of the case team: partners, assignments, transfers, progress, a team's caseload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Membership, Role, User
from cases.models import (
    OPEN_TRANSFER_STATUSES,
    Admissibility,
    Case,
    CaseAssignment,
    CaseClosure,
    CaseNote,
    CasePartner,
    CaseProgressReport,
    CaseStatus,
    CaseTransfer,
    ClosureStatus,
    FollowUp,
    NoteVisibility,
    TransferStatus,
)
from cases.selectors import (
    case_list_for_supervisor,
    case_member_organization_ids,
    case_supervisor_organization_ids,
    case_team_organization_ids,
)
from directory.models import Organization


def case_partners(*, case: Case) -> list[CasePartner]:
    """Every organization that was on the case team, active first, then by arrival."""
    return sorted(
        CasePartner.objects.filter(case=case).select_related("organization", "added_by"),
        key=lambda partner: (partner.ended_at is not None, partner.added_at),
    )


def case_assignments(*, case: Case) -> list[CaseAssignment]:
    return list(
        CaseAssignment.objects.filter(case=case).select_related(
            "caseworker", "assigned_by", "organization"
        )
    )


def case_transfers(*, case: Case) -> list[CaseTransfer]:
    return list(
        CaseTransfer.objects.filter(case=case).select_related(
            "from_organization", "to_organization", "requested_by", "answered_by"
        )
    )


def case_progress_reports_queryset(
    *, case: Case, organization_ids: set[UUID] | None = None
) -> QuerySet[CaseProgressReport]:
    """The case's progress reports, newest first; only ``organization_ids``' when given."""
    reports = CaseProgressReport.objects.filter(case=case).select_related("organization", "author")
    if organization_ids is not None:
        reports = reports.filter(organization_id__in=organization_ids)
    return reports.order_by("-reported_at", "pk")


def case_progress_reports(
    *, case: Case, organization_ids: set[UUID] | None = None
) -> list[CaseProgressReport]:
    return list(case_progress_reports_queryset(case=case, organization_ids=organization_ids))


def case_notes_for_case_team(*, case: Case) -> list[CaseNote]:
    """The notes written for the whole case team, which partners read under the consent."""
    return list(
        CaseNote.objects.filter(case=case, visibility=NoteVisibility.CASE_TEAM).select_related(
            "author", "organization"
        )
    )


def partner_candidates(*, case: Case) -> list[tuple[str, str]]:
    """Organizations that may join the case team: not the lead, not already on it."""
    on_team = CasePartner.objects.filter(case=case, ended_at__isnull=True).values("organization_id")
    return [
        (str(pk), name)
        for pk, name in Organization.objects.exclude(pk=case.organization_id)
        .exclude(pk__in=on_team)
        .order_by("name")
        .values_list("pk", "name")
    ]


def transfer_candidates(*, case: Case) -> list[tuple[str, str]]:
    """Organizations with a case team of their own, other than the lead."""
    teams = Membership.objects.filter(role=Role.CASEWORKER, user__is_active=True).values(
        "organization_id"
    )
    return [
        (str(pk), name)
        for pk, name in Organization.objects.filter(pk__in=teams)
        .exclude(pk=case.organization_id)
        .order_by("name")
        .values_list("pk", "name")
    ]


def lead_caseworkers(*, case: Case) -> list[tuple[int, str]]:
    people = User.objects.filter(
        memberships__organization_id=case.organization_id,
        memberships__role=Role.CASEWORKER,
        is_active=True,
    ).distinct()
    return [
        (person.pk, person.get_full_name() or person.username)
        for person in people.order_by("last_name", "first_name", "username")
    ]


def progress_organizations_for_user(*, user: Any, case: Case) -> list[tuple[str, str]]:
    """The organizations of the case team the user may report progress for."""
    own = case_member_organization_ids(user=user) | case_team_organization_ids(user=user)
    on_case = {case.organization_id} | set(
        CasePartner.objects.filter(case=case, ended_at__isnull=True).values_list(
            "organization_id", flat=True
        )
    )
    return [
        (str(pk), name)
        for pk, name in Organization.objects.filter(pk__in=own & on_case)
        .order_by("name")
        .values_list("pk", "name")
    ]


def transfer_get_for_user(*, user: Any, transfer_id: UUID) -> CaseTransfer | None:
    """A transfer, for the people of either organization's team (else None: a 404)."""
    teams = case_team_organization_ids(user=user) | case_supervisor_organization_ids(user=user)
    if not teams:
        return None
    return (
        CaseTransfer.objects.filter(pk=transfer_id)
        # The receiving team learns of a transfer once it is offered to it.
        .filter(
            Q(from_organization_id__in=teams)
            | (Q(to_organization_id__in=teams) & ~Q(status=TransferStatus.AWAITING_APPROVAL))
        )
        .select_related("case", "from_organization", "to_organization", "requested_by")
        .first()
    )


def caseload_for_supervisor(*, user: Any, today: date) -> QuerySet[Case]:
    """The open cases of the supervised teams, with what waits on each, gravest first."""
    overdue = FollowUp.objects.filter(
        case_id=OuterRef("pk"), done_on__isnull=True, due_on__lt=today
    )
    closure = CaseClosure.objects.filter(case_id=OuterRef("pk"), status=ClosureStatus.REQUESTED)
    return (
        case_list_for_supervisor(user=user)
        .filter(status=CaseStatus.OPEN)
        .select_related("caseworker", "organization", "territory")
        .annotate(
            # Subqueries, not joined counts: PostgreSQL evaluates them for the rows of
            # the page only, after the sort and the limit.
            has_overdue=Exists(overdue),
            closure_waiting=Exists(closure),
        )
        .order_by("-priority_score", "requested_at")
    )


def caseload_by_caseworker(*, user: Any) -> list[dict[str, Any]]:
    """Open cases per caseworker of the supervised teams (the unassigned as one row)."""
    rows = (
        case_list_for_supervisor(user=user)
        .filter(status=CaseStatus.OPEN)
        .values(
            "organization__name",
            "caseworker_id",
            "caseworker__username",
            "caseworker__first_name",
            "caseworker__last_name",
        )
        .annotate(cases=Count("pk"))
        .order_by("organization__name", "-cases")
    )
    return [
        {
            "organization": row["organization__name"],
            "caseworker": (
                " ".join(
                    part
                    for part in (row["caseworker__first_name"], row["caseworker__last_name"])
                    if part
                )
                or row["caseworker__username"]
            )
            if row["caseworker_id"]
            else "",
            "cases": row["cases"],
        }
        for row in rows
    ]


@dataclass(frozen=True)
class TeamBacklog:
    """What waits on one case team: counts only, never a case's contents."""

    organization_id: UUID
    organization: str
    overdue_follow_ups: int
    pending_admissibility: int
    closures_to_verify: int
    transfers_open: int

    @property
    def total(self) -> int:
        return (
            self.overdue_follow_ups
            + self.pending_admissibility
            + self.closures_to_verify
            + self.transfers_open
        )


def casework_backlog_by_team(
    *, today: date, organization_ids: set[UUID] | None = None
) -> list[TeamBacklog]:
    """Per lead team, its overdue follow-ups, cases pending admissibility, closures
    waiting for verification and transfers under way: four grouped counts."""

    def counts(rows: QuerySet[Any], team: str) -> dict[UUID, int]:
        if organization_ids is not None:
            rows = rows.filter(**{f"{team}__in": organization_ids})
        return {
            row[team]: row["n"]
            for row in rows.order_by().values(team).annotate(n=Count("pk")).values(team, "n")
        }

    overdue = counts(
        FollowUp.objects.filter(
            done_on__isnull=True, due_on__lt=today, case__status=CaseStatus.OPEN
        ),
        "case__organization_id",
    )
    pending = counts(
        Case.objects.filter(status=CaseStatus.OPEN, admissibility=Admissibility.PENDING),
        "organization_id",
    )
    closures = counts(
        CaseClosure.objects.filter(status=ClosureStatus.REQUESTED), "case__organization_id"
    )
    transfers = counts(
        CaseTransfer.objects.filter(status__in=OPEN_TRANSFER_STATUSES), "from_organization_id"
    )
    teams = set(overdue) | set(pending) | set(closures) | set(transfers)
    names = dict(Organization.objects.filter(pk__in=teams).values_list("pk", "name"))
    rows = [
        TeamBacklog(
            organization_id=team,
            organization=names.get(team, ""),
            overdue_follow_ups=overdue.get(team, 0),
            pending_admissibility=pending.get(team, 0),
            closures_to_verify=closures.get(team, 0),
            transfers_open=transfers.get(team, 0),
        )
        for team in teams
    ]
    return sorted(rows, key=lambda row: (-row.total, row.organization))
