"""Reads of a case's closures and reopenings: what waits, and the history in order."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from cases.models import Case, CaseClosure, CaseReopening, ClosureStatus


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
