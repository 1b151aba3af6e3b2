"""Writing the audit log. Every entry is an INSERT; nothing here updates or deletes."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from rest_framework.request import Request

from audit.hooks import audit_case_of_record
from audit.models import AuditAction, AuditEntry

# Pages pass Django's request, the API DRF's (which proxies the same META, path, user).
AnyRequest = HttpRequest | Request

DETAIL_CHARS = AuditEntry._meta.get_field("detail").max_length or 300
PATH_CHARS = AuditEntry._meta.get_field("path").max_length or 300


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def audit_client_ip(*, request: AnyRequest) -> str | None:
    """Where the request came from.

    ``REMOTE_ADDR`` unless ``TRUSTED_PROXY_COUNT`` (default 0) says how many reverse
    proxies of ours stand in front: only then is ``X-Forwarded-For`` read, and only the
    address our outermost proxy saw (the N-th from the right). The entries further left
    are whatever the client chose to send, so trusting them would let anyone forge
    where they came from.
    """
    remote = _valid_ip(str(request.META.get("REMOTE_ADDR", "")))
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


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
