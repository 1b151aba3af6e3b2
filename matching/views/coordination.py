"""Local coordination: the network's follow-up lists and the prioritization policy.

Coordinators see case codes, teams and figures; never what a case file contains.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditRecordType
from audit.services import audit_list
from cases.selectors import case_list_multiple_alerts
from matching.forms import PolicyPublishForm, add_service_errors
from matching.models import PriorityPolicy
from matching.selectors import policy_current, policy_versions, referral_list_overdue
from matching.services import POLICY_FIELDS, policy_publish

ROWS_SHOWN = 200


@require_GET
@role_required(Role.COORDINATOR)
def coordination(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    overdue = [
        {
            "code": referral.case.code,
            "team": referral.case.organization.name,
            "service": referral.service.name,
            "provider": referral.service.organization.name,
            "due": referral.response_due,
            "days": (now - referral.response_due).days if referral.response_due else 0,
        }
        for referral in referral_list_overdue(now=now)[:ROWS_SHOWN]
    ]
    multiple = [
        {
            "code": case.code,
            "team": case.organization.name,
            "territory": case.territory.name,
            "alerts": case.open_alerts,  # type: ignore[attr-defined]
            "priority": case.priority_score,
        }
        for case in case_list_multiple_alerts()[:ROWS_SHOWN]
    ]
    # Codes, teams and figures only, but still records of cases: the log counts them.
    audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(overdue))
    audit_list(request, record_type=AuditRecordType.CASE, count=len(multiple))
    return render(request, "matching/coordination.html", {"overdue": overdue, "multiple": multiple})


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
