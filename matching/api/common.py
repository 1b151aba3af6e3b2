"""What the API modules share: the case look-up that answers 404, and one audit entry.

Objects one may not see answer 404, as if they did not exist (and the refusal is
logged); a role that has no business with a whole endpoint gets 403.
"""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from audit.services import audit_record
from cases.api import case_or_404 as case_or_404
from cases.models import Case


def audit(request: Request, action: str, record_type: str, record: Any, case: Case) -> None:
    audit_record(
        request=request, action=action, record_type=record_type, record_id=record.pk, case=case
    )
