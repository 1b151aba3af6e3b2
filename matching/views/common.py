"""What matching's pages and API share: how a record is looked up, and what the audit
log keeps of a referral's moves. The gates are in ``accounts.gates``, the case look-up
in ``cases.views``, the list and refusal entries in ``audit.services``.

Audit rules for pages and API alike: a page or answer that shows a record's data writes
one ``read`` entry per record (a list writes one ``list`` entry with its row count);
a write writes its own entry once the service has succeeded; a record one may not see
writes a ``refused`` entry before the 404.
"""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.http import Http404, HttpResponse

from audit.models import AuditAction, AuditRecordType
from audit.services import AnyRequest, audit_record
from matching.models import Referral

View = Callable[..., HttpResponse]

# The one free text the log keeps: why consent was bypassed, cut short. Caseworkers are
# asked (the field's help text) to give the reason without naming anyone.
OVERRIDE_REASON_CHARS = 200


def uuid_or_404(raw: str) -> UUID:
    try:
        return UUID(raw)
    except (TypeError, ValueError, AttributeError) as error:
        raise Http404 from error


def safe_link(link: str) -> str:
    """Links stored with notifications, kept only if they stay on this site."""
    return link if link.startswith("/") and not link.startswith("//") else ""


def audit_referral_moved(request: AnyRequest, *, referral: Referral, to_status: str) -> None:
    """A referral moved to ``to_status`` (any move but sending, see the next function)."""
    audit_record(
        request=request,
        action=AuditAction.TRANSITION,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail=f"to={to_status}",
    )


def audit_referral_sent(request: AnyRequest, *, referral: Referral) -> None:
    """A sent referral: one ``send`` entry, and a ``consent_override`` one without consent."""
    without_consent = referral.consent_id is None
    audit_record(
        request=request,
        action=AuditAction.SEND,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail="without consent" if without_consent else f"consent={referral.consent_id}",
    )
    if without_consent:
        audit_record(
            request=request,
            action=AuditAction.CONSENT_OVERRIDE,
            record_type=AuditRecordType.REFERRAL,
            record_id=referral.pk,
            case=referral.case,
            detail=referral.consent_override_reason.strip()[:OVERRIDE_REASON_CHARS],
        )
    if referral.admissibility_override_reason:
        audit_record(
            request=request,
            action=AuditAction.ADMISSIBILITY_OVERRIDE,
            record_type=AuditRecordType.REFERRAL,
            record_id=referral.pk,
            case=referral.case,
            detail=referral.admissibility_override_reason.strip()[:OVERRIDE_REASON_CHARS],
        )
