"""What every matching page shares: who may open it, how a record is looked up, and
what the audit log keeps of it.

Audit rules for pages and API alike: a page or answer that shows a record's data writes
one ``read`` entry per record (a list writes one ``list`` entry with its row count);
a write writes its own entry once the service has succeeded; a record one may not see
writes a ``refused`` entry before the 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import User
from accounts.selectors import user_has_role
from audit.models import AuditAction, AuditRecordType
from audit.services import AnyRequest, audit_record
from cases.models import Alert, Case
from cases.selectors import case_get_for_user
from matching.models import Referral

View = Callable[..., HttpResponse]

# The one free text the log keeps: why consent was bypassed, cut short. Caseworkers are
# asked (the field's help text) to give the reason without naming anyone.
OVERRIDE_REASON_CHARS = 200


def actor_of(request: HttpRequest) -> User:
    """The signed-in user (the views are all behind ``login_required``)."""
    return cast(User, request.user)


def role_required(*roles: str) -> Callable[[View], View]:
    """Signed in, and holding one of ``roles``; a whole page of another role is a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_has_role(user=request.user, roles=roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    """A case the user works; any other answers as if it did not exist (and is audited)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    return case


def _case_of_record(record_type: str, record_id: Any) -> tuple[UUID | None, str]:
    """The case a refused record belongs to, so its team can see the attempt."""
    lookups: dict[str, tuple[Any, str, str]] = {
        AuditRecordType.CASE: (Case.objects, "id", "code"),
        AuditRecordType.REFERRAL: (Referral.objects, "case_id", "case__code"),
        AuditRecordType.ALERT: (Alert.objects, "case_id", "case__code"),
    }
    if record_type not in lookups:
        return None, ""
    manager, id_field, code_field = lookups[record_type]
    try:
        found = manager.filter(pk=record_id).values_list(id_field, code_field).first()
    except (TypeError, ValueError, DjangoValidationError):
        found = None
    return found if found is not None else (None, "")


def audit_refused(request: AnyRequest, *, record_type: str, record_id: Any) -> None:
    """Someone asked for a record they may not see. They get a 404; the log keeps it.

    Refusals are worth recording: one user probing other teams' cases is exactly what
    the log is for, and the 404 alone would leave no trace.
    """
    case_id, code = _case_of_record(record_type, record_id)
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
