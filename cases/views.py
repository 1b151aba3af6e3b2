"""What every page about a case shares: looking the case up for the signed-in user."""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest

from audit.models import AuditRecordType
from audit.services import audit_refused
from cases.models import Case
from cases.selectors import case_get_for_user


def case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    """A case the user works; any other answers as if it did not exist (and is audited)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    return case
