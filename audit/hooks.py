"""The hook the audit log declares for the apps above it: which case a record is about.

A refused look-up is logged with the case it touched, so that case's team sees the
attempt. ``audit`` sits at the bottom and knows no case, referral or alert; each app
that owns such a record registers, in its ``AppConfig.ready()``, how to find the case
of one of its records:

    audit_case_resolver_register(record_type=AuditRecordType.ALERT, resolver=...)

A resolver takes the record id as asked for (any string: it may be malformed) and
returns ``(case_id, case_code)``, or ``None`` when there is no such record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

CaseOfRecord = tuple[UUID, str]
Resolver = Callable[[Any], CaseOfRecord | None]

_resolvers: dict[str, Resolver] = {}


def audit_case_resolver_register(*, record_type: str, resolver: Resolver) -> None:
    # Keyed by record type: ready() running twice registers the same function again.
    _resolvers[record_type] = resolver


def audit_case_of_record(*, record_type: str, record_id: Any) -> tuple[UUID | None, str]:
    resolver = _resolvers.get(record_type)
    found = resolver(record_id) if resolver is not None else None
    return found if found is not None else (None, "")


def resolver_from_queryset(
    *, queryset: QuerySet[Any], case_id_field: str, case_code_field: str
) -> Resolver:
    """A resolver that looks the record up by primary key in ``queryset``."""

    def resolve(record_id: Any) -> CaseOfRecord | None:
        try:
            return queryset.filter(pk=record_id).values_list(case_id_field, case_code_field).first()
        except (TypeError, ValueError, ValidationError):
            return None  # a malformed id names no record

    return resolve
