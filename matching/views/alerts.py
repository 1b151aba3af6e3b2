"""Raising a vulnerability alert: any member of the network, on behalf of their organization.

The person raising it learns only that it reached the case team, nothing of the case.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import actor_of
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from cases.selectors import alert_can_raise
from cases.services import alert_raise
from matching.forms import ALERT_RENAME, AlertRaiseForm, add_service_errors
from matching.selectors import alert_organizations


@require_http_methods(["GET", "POST"])
@login_required
def alert_new(request: HttpRequest) -> HttpResponse:
    if not alert_can_raise(user=request.user):
        raise PermissionDenied
    organizations = alert_organizations(user=request.user)
    form = AlertRaiseForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    if request.method == "POST" and form.is_valid():
        try:
            alert = alert_raise(actor=actor_of(request), **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error, rename=ALERT_RENAME)
        else:
            audit_record(
                request=request,
                action=AuditAction.CREATE,
                record_type=AuditRecordType.ALERT,
                record_id=alert.pk,
                case=alert.case,
                detail="started an intake" if alert.started_intake else "",
            )
            return redirect("matching:alert_sent")
    return render(
        request,
        "matching/alert_form.html",
        {"form": form, "point_i18n": {"home": _("Home location")}},
        status=400 if form.is_bound else 200,
    )


@require_GET
@login_required
def alert_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "matching/alert_sent.html")
