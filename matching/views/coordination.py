"""Local coordination: the network's follow-up lists and the prioritization policy.

Coordinators see case codes, teams and figures; never what a case file contains. Each
row of the follow-up lists opens its own page (a referral's or a case's, with the same
codes and figures) and offers the reminders of ``matching.services.follow_up``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from cases.models import Case
from cases.selectors import case_list_multiple_alerts
from cases.selectors_team import casework_backlog_by_team
from matching.forms import PolicyPublishForm, add_service_errors
from matching.models import PriorityPolicy, Referral, ReferralStatus
from matching.selectors import (
    case_get_for_coordination,
    case_referrals_awaiting_answer,
    follow_up_recent,
    follow_up_reminders,
    policy_current,
    policy_versions,
    referral_get_for_coordination,
    referral_list_overdue,
)
from matching.services import (
    POLICY_FIELDS,
    REMINDER_INTERVAL,
    ReminderTooSoon,
    case_ask_review,
    policy_publish,
    referral_ask_redirect,
    referral_remind_provider,
)
from matching.services.follow_up import ASK_REDIRECT, ASK_REVIEW, REMIND_PROVIDER

ROWS_SHOWN = 200
REMINDERS_SHOWN = 20
# What the follow-up pages call each kind of reminder the audit log keeps.
REMINDER_LABELS = {
    REMIND_PROVIDER: gettext_lazy("The provider was reminded"),
    ASK_REDIRECT: gettext_lazy("The case team was asked to consider redirecting"),
    ASK_REVIEW: gettext_lazy("The case team was asked to review the alerts"),
}


def _recent(record_type: str, case_ids: list[UUID]) -> dict[tuple[str, str], datetime]:
    return follow_up_recent(
        record_type=record_type, case_ids=case_ids, since=timezone.now() - REMINDER_INTERVAL
    )


@require_GET
@role_required(Role.COORDINATOR)
def coordination(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    referrals = list(referral_list_overdue(now=now)[:ROWS_SHOWN])
    cases = list(case_list_multiple_alerts()[:ROWS_SHOWN])
    backlog = casework_backlog_by_team(today=timezone.localdate())
    reminded = _recent(AuditRecordType.REFERRAL, [r.case_id for r in referrals])
    reviewed = _recent(AuditRecordType.CASE, [c.pk for c in cases])
    overdue = [
        {
            "id": referral.pk,
            "code": referral.case.code,
            "team": referral.case.organization.name,
            "service": referral.service.name,
            "provider": referral.service.organization.name,
            "due": referral.response_due,
            "days": (now - referral.response_due).days if referral.response_due else 0,
            "reminded": reminded.get((str(referral.pk), REMIND_PROVIDER)),
            "asked": reminded.get((str(referral.pk), ASK_REDIRECT)),
        }
        for referral in referrals
    ]
    multiple = [
        {
            "id": case.pk,
            "code": case.code,
            "team": case.organization.name,
            "territory": case.territory.name,
            "alerts": case.open_alerts,  # type: ignore[attr-defined]
            "priority": case.priority_score,
            "asked": reviewed.get((str(case.pk), ASK_REVIEW)),
        }
        for case in cases
    ]
    # Codes, teams and figures only, but still records of cases: the log counts them.
    audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(overdue))
    audit_list(request, record_type=AuditRecordType.CASE, count=len(multiple))
    return render(
        request,
        "matching/coordination.html",
        {"overdue": overdue, "multiple": multiple, "backlog": backlog},
    )


# --- one row of the follow-up lists ------------------------------------------------------


def _referral_or_404(request: HttpRequest, referral_id: UUID) -> Referral:
    referral = referral_get_for_coordination(referral_id=referral_id)
    if referral is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
        raise Http404
    return referral


def _case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    case = case_get_for_coordination(case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    return case


def _render_referral(
    request: HttpRequest, referral: Referral, *, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail="follow-up",
    )
    reminders = follow_up_reminders(
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case_id=referral.case_id,
        limit=REMINDERS_SHOWN,
    )
    since = now - REMINDER_INTERVAL
    context = {
        "referral": referral,
        "awaiting": referral.status == ReferralStatus.SENT,
        "days": (now - referral.response_due).days
        if referral.response_due and referral.response_due < now
        else 0,
        "reminders": [
            {"entry": entry, "label": REMINDER_LABELS.get(entry.detail, entry.detail)}
            for entry in reminders
        ],
        "reminded": any(e.detail == REMIND_PROVIDER and e.at > since for e in reminders),
        "asked": any(e.detail == ASK_REDIRECT and e.at > since for e in reminders),
    }
    return render(request, "matching/coordination_referral.html", context, status=status)


def _render_case(request: HttpRequest, case: Case, *, status: int = 200) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case=case,
        detail="follow-up",
    )
    reminders = follow_up_reminders(
        record_type=AuditRecordType.CASE, record_id=case.pk, case_id=case.pk, limit=REMINDERS_SHOWN
    )
    since = timezone.now() - REMINDER_INTERVAL
    context = {
        "case": case,
        "referrals": list(case_referrals_awaiting_answer(case=case)[:ROWS_SHOWN]),
        "reminders": [
            {"entry": entry, "label": REMINDER_LABELS.get(entry.detail, entry.detail)}
            for entry in reminders
        ],
        "asked": any(e.detail == ASK_REVIEW and e.at > since for e in reminders),
        "now": timezone.now(),
    }
    return render(request, "matching/coordination_case.html", context, status=status)


def _status_of(error: ValidationError) -> int:
    """429 for a reminder sent too recently, 409 for a record that moved on, else 400."""
    if isinstance(error, ReminderTooSoon):
        return 429
    codes = {e.code for e in error.error_list} if hasattr(error, "error_list") else set()
    if hasattr(error, "error_dict"):
        codes = {e.code for errors in error.error_dict.values() for e in errors}
    return 409 if "answered" in codes else 400


def _back(request: HttpRequest, *, section: str, own_page: str) -> HttpResponse:
    """After a reminder: to the list it was sent from, or to the row's own page."""
    if request.POST.get("next") == "list":
        return redirect(reverse("matching:coordination") + "#" + section)
    return redirect(own_page)


@require_GET
@role_required(Role.COORDINATOR)
def referral_follow_up(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    return _render_referral(request, _referral_or_404(request, referral_id))


@require_GET
@role_required(Role.COORDINATOR)
def case_follow_up(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_case(request, _case_or_404(request, case_id))


@require_POST
@role_required(Role.COORDINATOR)
def referral_remind(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    try:
        told = referral_remind_provider(actor=actor_of(request), referral=referral, request=request)
    except ValidationError as error:
        _say(request, error)
        referral = _referral_or_404(request, referral_id)
        return _render_referral(request, referral, status=_status_of(error))
    messages.success(
        request,
        ngettext(
            "The provider was reminded: %(count)s person was notified.",
            "The provider was reminded: %(count)s people were notified.",
            told,
        )
        % {"count": told},
    )
    return _back(
        request,
        section="overdue",
        own_page=reverse("matching:referral_follow_up", args=[referral.pk]),
    )


@require_POST
@role_required(Role.COORDINATOR)
def referral_redirect(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _referral_or_404(request, referral_id)
    try:
        told = referral_ask_redirect(actor=actor_of(request), referral=referral, request=request)
    except ValidationError as error:
        _say(request, error)
        referral = _referral_or_404(request, referral_id)
        return _render_referral(request, referral, status=_status_of(error))
    messages.success(
        request,
        ngettext(
            "The case team was asked to consider redirecting: %(count)s person was notified.",
            "The case team was asked to consider redirecting: %(count)s people were notified.",
            told,
        )
        % {"count": told},
    )
    return _back(
        request,
        section="overdue",
        own_page=reverse("matching:referral_follow_up", args=[referral.pk]),
    )


@require_POST
@role_required(Role.COORDINATOR)
def case_review(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _case_or_404(request, case_id)
    try:
        told = case_ask_review(actor=actor_of(request), case=case, request=request)
    except ValidationError as error:
        _say(request, error)
        return _render_case(request, _case_or_404(request, case_id), status=_status_of(error))
    messages.success(
        request,
        ngettext(
            "The case team was asked to review the alerts: %(count)s person was notified.",
            "The case team was asked to review the alerts: %(count)s people were notified.",
            told,
        )
        % {"count": told},
    )
    return _back(
        request,
        section="multiple-alerts",
        own_page=reverse("matching:case_follow_up", args=[case.pk]),
    )


def _say(request: HttpRequest, error: ValidationError) -> None:
    """A reminder not sent: the row's page, shown again as it is now, says why."""
    for message in error.messages:
        messages.error(request, message)


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def policy(request: HttpRequest) -> HttpResponse:
    current = policy_current()
    # The form starts from the policy in force; publishing makes the next version.
    draft = PriorityPolicy(**{name: getattr(current, name) for name in POLICY_FIELDS})
    form = PolicyPublishForm(request.POST if request.method == "POST" else None, instance=draft)
    if request.method == "POST" and form.is_valid():
        try:
            published = policy_publish(
                actor=actor_of(request),
                change_note=form.cleaned_data["change_note"],
                **form.policy_values(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(version)s of the prioritization policy is now in force.")
                % {"version": published.version},
            )
            return redirect("matching:policy")
    versions = policy_versions()
    context = {
        "current": current,
        "current_values": [
            (form.fields[name].label, getattr(current, name)) for name in POLICY_FIELDS
        ],
        "versions": versions,
        "form": form,
    }
    return render(request, "matching/policy.html", context, status=400 if form.is_bound else 200)
