"""Reading the audit log: who may search it, the search itself, a case's accesses.

Coordinators and administrators search the whole log (it names records by id and
case code, never their contents). A case's team sees who accessed that case.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role
from accounts.selectors import AnyUser, user_has_role
from audit.models import AuditEntry

AUDIT_SEARCH_ROLES = (Role.COORDINATOR, Role.ADMINISTRATOR)


def audit_can_search(*, user: AnyUser) -> bool:
    return user_has_role(user=user, roles=AUDIT_SEARCH_ROLES)


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_search(
    *,
    username: str = "",
    case_code: str = "",
    record_type: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries matching every filter given, newest first; dates are whole local days."""
    entries = AuditEntry.objects.all()
    if username:
        entries = entries.filter(username__iexact=username)
    if case_code:
        entries = entries.filter(case_code__iexact=case_code)
    if record_type:
        entries = entries.filter(record_type=record_type)
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=_start_of(since))
    if until is not None:
        entries = entries.filter(at__lt=_start_of(until + timedelta(days=1)))
    return entries.order_by("-at", "-id")


def audit_entries_for_case(*, case_id: UUID, limit: int = 20) -> list[AuditEntry]:
    """The latest accesses to one case, for its page."""
    return list(AuditEntry.objects.filter(case_id=case_id).order_by("-at", "-id")[:limit])
