"""What the API modules share: the case look-up that answers 404, and one audit entry.

Objects one may not see answer 404, as if they did not exist (and the refusal is
logged); a role that has no business with a whole endpoint gets 403.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from rest_framework.exceptions import NotFound
from rest_framework.request import Request

from audit.models import AuditRecordType
from audit.services import audit_record, audit_refused
from cases.models import Case
from cases.selectors import case_get_for_user


def case_or_404(request: Request, case_id: UUID) -> Case:
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise NotFound()
    return case


def audit(request: Request, action: str, record_type: str, record: Any, case: Case) -> None:
    audit_record(
        request=request, action=action, record_type=record_type, record_id=record.pk, case=case
    )
