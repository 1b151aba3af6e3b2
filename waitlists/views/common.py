"""What the waitlist pages and the API both write to the audit log for the same act.

The audit rules are matching's (see ``matching.views.common``): a write writes its entry once
the service has succeeded. One function an act, so a page and its API twin log alike.
"""

from __future__ import annotations

from audit.models import AuditAction, AuditRecordType
from audit.services import AnyRequest, audit_record, audit_record_cases
from matching.models import Referral
from waitlists.models import AllocationRound, Enrolment
from waitlists.selectors import allocation_round_placed_cases
from waitlists.services import Placement


def audit_placement(request: AnyRequest, *, referral: Referral, placement: Placement) -> None:
    """An accepted referral placed: an enrolment, or an entry on the waitlist."""
    placed = placement.enrolment or placement.entry
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=(
            AuditRecordType.ENROLMENT
            if placement.enrolment is not None
            else AuditRecordType.WAITLIST
        ),
        record_id=placed.pk if placed is not None else "",
        case=referral.case,
        detail=f"referral={referral.pk}",
    )


def audit_enrolment_ended(request: AnyRequest, *, enrolment: Enrolment) -> None:
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.ENROLMENT,
        record_id=enrolment.pk,
        case=enrolment.case,
        detail=f"ended={enrolment.status}",
    )


def audit_round_proposed(request: AnyRequest, *, found: AllocationRound) -> None:
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.ALLOCATION_ROUND,
        record_id=found.pk,
        detail=f"cases={len(found.proposal)}",
    )


def audit_round_placements(request: AnyRequest, found: AllocationRound) -> None:
    """One entry per child the confirmed round placed, so each case shows who did it."""
    audit_record_cases(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.ENROLMENT,
        cases=allocation_round_placed_cases(round=found),
        detail=f"allocation round {found.pk}",
    )
