"""What a coordinator does about a row of the follow-up lists: remind and ask, never decide.

A coordinator sees overdue referrals and cases with several alerts by code, team and
figures (``docs/permissions.md``). From such a row they may:

- remind the provider that a referral awaits its answer;
- ask the case team to consider redirecting an overdue referral (withdrawing it and
  referring elsewhere is the case team's, on the case page the request links to);
- ask the case team to review a case's alerts.

Each sends notifications and leaves its own ``send`` entry in the audit log, written
here, under the row's lock, because the log is also what stops a second reminder of the
same kind within ``REMINDER_INTERVAL``: of two coordinators clicking at once, the second
waits for the lock, then finds the first one's entry.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.gates import coordinator_require
from accounts.models import Role, User
from audit.models import AuditAction, AuditEntry, AuditRecordType
from audit.services import AnyRequest, audit_record
from cases.models import AlertStatus, Case
from cases.selectors import case_team_users
from matching.models import Referral, ReferralStatus
from notifications.models import NotificationKind
from notifications.services import notification_send

# One reminder of a kind per record and per day: more is noise the provider learns to skip.
REMINDER_INTERVAL = timedelta(hours=24)

# The audit entries' ``detail``: what the throttle and the follow-up pages look for.
REMIND_PROVIDER = "reminder=provider"
ASK_REDIRECT = "reminder=case_team redirect"
ASK_REVIEW = "reminder=case_team alerts"


class ReminderTooSoon(ValidationError):
    """The same reminder went out less than ``REMINDER_INTERVAL`` ago."""


def reminder_last(
    *, record_type: str, record_id: object, case_id: UUID, detail: str
) -> AuditEntry | None:
    """The latest reminder of this kind about this record (the ``case_id`` index)."""
    return (
        AuditEntry.objects.filter(
            case_id=case_id,
            action=AuditAction.SEND,
            record_type=record_type,
            record_id=str(record_id),
            detail=detail,
        )
        .order_by("-at")
        .first()
    )


def _refuse_if_too_soon(
    *, record_type: str, record_id: object, case_id: UUID, detail: str, now: datetime
) -> None:
    last = reminder_last(
        record_type=record_type, record_id=record_id, case_id=case_id, detail=detail
    )
    if last is None or last.at <= now - REMINDER_INTERVAL:
        return
    local = timezone.localtime(last.at)
    raise ReminderTooSoon(
        {
            "reminder": ValidationError(
                _(
                    "This was already sent at %(when)s by %(who)s. It can be sent again "
                    "from %(next)s."
                )
                % {
                    "when": date_format(local, "SHORT_DATETIME_FORMAT"),
                    "who": last.username or _("the system"),
                    "next": date_format(
                        timezone.localtime(last.at + REMINDER_INTERVAL), "SHORT_DATETIME_FORMAT"
                    ),
                },
                code="too_soon",
            )
        }
    )


def _awaiting_answer(*, referral_id: UUID) -> Referral:
    """The referral under its row lock, refused unless it still awaits the provider."""
    referral = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "service", "service__organization")
        .get(pk=referral_id)
    )
    if referral.status != ReferralStatus.SENT:
        raise ValidationError(
            {
                "status": ValidationError(
                    _(
                        "The referral of case %(code)s is now “%(status)s”: it no longer "
                        "awaits the provider's answer."
                    )
                    % {"code": referral.case.code, "status": referral.get_status_display()},
                    code="answered",
                )
            }
        )
    return referral


def provider_staff(*, referral: Referral) -> list[User]:
    """The active provider staff of the organization the referral was sent to."""
    return list(
        User.objects.filter(
            memberships__organization_id=referral.service.organization_id,
            memberships__role=Role.PROVIDER,
            is_active=True,
        ).distinct()
    )


def _days_overdue(referral: Referral, now: datetime) -> int:
    if referral.response_due is None or referral.response_due >= now:
        return 0
    return (now - referral.response_due).days


@transaction.atomic
def referral_remind_provider(
    *, actor: User, referral: Referral, request: AnyRequest | None = None
) -> int:
    """Tell the provider's staff that the referral awaits their answer; how many were told."""
    coordinator_require(user=actor)
    now = timezone.now()
    referral = _awaiting_answer(referral_id=referral.pk)
    _refuse_if_too_soon(
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case_id=referral.case_id,
        detail=REMIND_PROVIDER,
        now=now,
    )
    staff = provider_staff(referral=referral)
    if not staff:
        raise ValidationError(
            {
                "reminder": ValidationError(
                    _("%(provider)s has no active staff in Puente to remind: call them.")
                    % {"provider": referral.service.organization.name},
                    code="nobody",
                )
            }
        )
    notification_send(
        users=staff,
        kind=NotificationKind.REFERRAL_OVERDUE,
        case_code=referral.case.code,
        text=_(
            "Reminder from the coordination: referral %(code)s to %(service)s awaits your "
            "answer (due %(due)s)."
        )
        % {
            "code": referral.case.code,
            "service": referral.service.name,
            "due": date_format(
                timezone.localtime(referral.response_due or now), "SHORT_DATETIME_FORMAT"
            ),
        },
        link=f"/prestador/derivaciones/{referral.pk}/",
    )
    audit_record(
        request=request,
        user=actor,
        action=AuditAction.SEND,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail=REMIND_PROVIDER,
    )
    return len(staff)


@transaction.atomic
def referral_ask_redirect(
    *, actor: User, referral: Referral, request: AnyRequest | None = None
) -> int:
    """Ask the case team to consider referring elsewhere; how many caseworkers were told.

    The coordinator does not withdraw the referral: the case team knows the child and
    decides, from the referral on the case page the notification opens.
    """
    coordinator_require(user=actor)
    now = timezone.now()
    referral = _awaiting_answer(referral_id=referral.pk)
    _refuse_if_too_soon(
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case_id=referral.case_id,
        detail=ASK_REDIRECT,
        now=now,
    )
    team = case_team_users(case=referral.case)
    if not team:
        raise ValidationError(
            {
                "reminder": ValidationError(
                    _("The case's team has no active caseworker in Puente to ask."), code="nobody"
                )
            }
        )
    notification_send(
        users=team,
        kind=NotificationKind.REFERRAL_OVERDUE,
        case_code=referral.case.code,
        text=_(
            "The coordination asks you to consider redirecting case %(code)s: its referral "
            "to %(service)s has had no answer for %(days)s days past the deadline."
        )
        % {
            "code": referral.case.code,
            "service": referral.service.name,
            "days": _days_overdue(referral, now),
        },
        link=f"/casos/{referral.case_id}/#referral-{referral.pk}",
    )
    audit_record(
        request=request,
        user=actor,
        action=AuditAction.SEND,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail=ASK_REDIRECT,
    )
    return len(team)


@transaction.atomic
def case_ask_review(*, actor: User, case: Case, request: AnyRequest | None = None) -> int:
    """Ask the case team to review a case's open alerts; how many caseworkers were told."""
    coordinator_require(user=actor)
    now = timezone.now()
    case = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    _refuse_if_too_soon(
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case_id=case.pk,
        detail=ASK_REVIEW,
        now=now,
    )
    open_alerts = case.alerts.exclude(status=AlertStatus.CLOSED).count()
    if open_alerts == 0:
        raise ValidationError(
            {
                "status": ValidationError(
                    _("Case %(code)s has no open alert left to review.") % {"code": case.code},
                    code="answered",
                )
            }
        )
    team = case_team_users(case=case)
    if not team:
        raise ValidationError(
            {
                "reminder": ValidationError(
                    _("The case's team has no active caseworker in Puente to ask."), code="nobody"
                )
            }
        )
    notification_send(
        users=team,
        kind=NotificationKind.REQUEST,
        case_code=case.code,
        text=_("The coordination asks you to review case %(code)s: it has %(count)s open alerts.")
        % {"code": case.code, "count": open_alerts},
        link=f"/casos/{case.pk}/#alerts",
    )
    audit_record(
        request=request,
        user=actor,
        action=AuditAction.SEND,
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case=case,
        detail=ASK_REVIEW,
    )
    return len(team)
