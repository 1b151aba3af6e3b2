"""Writing the audit log. Every entry is an INSERT; nothing here updates or deletes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from rest_framework.request import Request

from audit.hooks import audit_case_of_record
from audit.models import AuditAction, AuditEntry
from web.client import client_address

# Pages pass Django's request, the API DRF's (which proxies the same META, path, user).
AnyRequest = HttpRequest | Request

DETAIL_CHARS = AuditEntry._meta.get_field("detail").max_length or 300
PATH_CHARS = AuditEntry._meta.get_field("path").max_length or 300


def audit_client_ip(*, request: AnyRequest) -> str | None:
    """Where the request came from, as the throttles and the lockout see it."""
    return client_address(request)


def _entry(
    *,
    action: str,
    record_type: str,
    record_id: Any = "",
    user: Any = None,
    case_id: UUID | None = None,
    case_code: str = "",
    request: AnyRequest | None = None,
    detail: str = "",
) -> AuditEntry:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    return AuditEntry(
        user=user,
        username=user.get_username() if user is not None else "",
        action=action,
        record_type=record_type,
        record_id=str(record_id or "")[:64],
        case_id=case_id,
        case_code=case_code[:20],
        ip=audit_client_ip(request=request) if request is not None else None,
        # The path only: query strings can carry search terms.
        path=request.path[:PATH_CHARS] if request is not None else "",
        detail=detail[:DETAIL_CHARS],
    )


@transaction.atomic
def audit_record(
    *,
    action: str,
    record_type: str,
    record_id: Any = "",
    user: Any = None,
    case: Any = None,
    case_id: UUID | None = None,
    case_code: str = "",
    request: AnyRequest | None = None,
    detail: str = "",
) -> AuditEntry:
    """Append one entry. ``user`` defaults to the request's; ``None`` with no request is
    the system. ``case`` (a ``matching.Case``) fills the case id and code."""
    if case is not None:
        case_id, case_code = case.pk, case.code
    entry = _entry(
        action=action,
        record_type=record_type,
        record_id=record_id,
        user=user,
        case_id=case_id,
        case_code=case_code,
        request=request,
        detail=detail,
    )
    entry.save()
    return entry


@transaction.atomic
def audit_record_cases(
    *,
    action: str,
    record_type: str,
    cases: Iterable[tuple[UUID, str]],
    user: Any = None,
    request: AnyRequest | None = None,
    detail: str = "",
) -> int:
    """One entry per case (id, code) in one INSERT: jobs and rounds touch many at once."""
    entries = [
        _entry(
            action=action,
            record_type=record_type,
            record_id=case_id,
            user=user,
            case_id=case_id,
            case_code=code,
            request=request,
            detail=detail,
        )
        for case_id, code in cases
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


def audit_refused(request: AnyRequest, *, record_type: str, record_id: Any) -> None:
    """Someone asked for a record they may not see. They get a 404; the log keeps it.

    Refusals are worth recording: one user probing other teams' cases is exactly what
    the log is for, and the 404 alone would leave no trace.
    """
    case_id, code = audit_case_of_record(record_type=record_type, record_id=record_id)
    audit_record(
        request=request,
        action=AuditAction.REFUSED,
        record_type=record_type,
        record_id=record_id,
        case_id=case_id,
        case_code=code,
    )


def audit_list(request: AnyRequest, *, record_type: str, count: int, page: int = 1) -> None:
    """A list view: one entry with how many rows it showed, not one per row."""
    audit_record(
        request=request,
        action=AuditAction.LIST,
        record_type=record_type,
        detail=f"rows={count} page={page}",
    )
