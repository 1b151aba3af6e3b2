"""The common assessment's pages: a case's assessments over time, assessing a domain,
deciding on the suggestion.

The case team's standing decides: the lead team assesses and decides, its supervisors
read, partners read and add the domains they work on while the family consents to
share information; a partner without that consent is refused (403), anyone else gets
a 404, as for every case they are not on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.forms_assessment import AssessmentDecisionForm, DomainAnswersForm
from cases.models import Assessment, AssessmentDecision, AssessmentDomain, Case, CaseStatus
from cases.selectors_assessment import (
    ASSESSMENT_READERS,
    ASSESSMENT_WRITERS,
    assessment_case_for_user,
    assessment_domain_recent,
    assessment_domain_series,
    assessment_get_for_case,
    assessments_for_case,
    instrument_current,
    repeat_window_days,
)
from cases.services.assessment import (
    assessment_decide,
    assessment_domain_record,
    assessment_start,
)
from web.charts import line_chart
from web.forms import add_service_errors

ASSESSMENT_PAGE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)


def _case_or_refuse(
    request: HttpRequest, case_id: UUID, *, write: bool = False
) -> tuple[Case, str]:
    found = assessment_case_for_user(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.ASSESSMENT, record_id=case_id)
        raise Http404
    case, access = found
    if access not in (ASSESSMENT_WRITERS if write else ASSESSMENT_READERS):
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=case.pk,
            case=case,
            detail=f"access={access}",
        )
        raise PermissionDenied
    return case, access


def _assessment_or_404(case: Case, assessment_id: UUID) -> Assessment:
    assessment = assessment_get_for_case(case=case, assessment_id=assessment_id)
    if assessment is None:
        raise Http404
    return assessment


def _decision_initial(assessment: Assessment) -> dict[str, Any]:
    suggestion = assessment.suggestion or {}
    return {
        "risk_level": suggestion.get("risk_level", ""),
        "needs": [need["term"] for need in suggestion.get("needs", [])],
    }


def _render_assessments(
    request: HttpRequest,
    case: Case,
    access: str,
    *,
    decision_form: AssessmentDecisionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.ASSESSMENT,
        record_id=case.pk,
        case=case,
        detail=f"access={access}",
    )
    assessments = assessments_for_case(case=case)
    open_assessment = next(
        (a for a in assessments if a.decision == AssessmentDecision.PENDING), None
    )
    rows, domains = assessment_domain_series(assessments=assessments)
    chart = line_chart(
        chart_id="assessment-domains",
        title=_("Each domain over time (higher: more risk)"),
        rows=rows,
        series=domains,
    )
    is_open = case.status == CaseStatus.OPEN
    assessed_codes = (
        {entry.domain.code for entry in open_assessment.entries.all()} if open_assessment else set()
    )
    context: dict[str, Any] = {
        "case": case,
        "access": access,
        "lead": access == "lead",
        "may_assess": is_open and access in ASSESSMENT_WRITERS,
        "is_open": is_open,
        "assessments": assessments,
        "open_assessment": open_assessment,
        "domains_to_assess": [
            domain
            for domain in open_assessment.instrument.domains.all()
            if domain.code not in assessed_codes
        ]
        if open_assessment
        else [],
        "chart": chart,
        "chart_domains": domains,
        "has_instrument": instrument_current() is not None,
    }
    if open_assessment is not None and access == "lead" and is_open:
        context["decision_form"] = decision_form or AssessmentDecisionForm(
            initial=_decision_initial(open_assessment), auto_id="id_decide_%s"
        )
    return render(request, "cases/assessment/case_assessments.html", context, status=status)


@require_GET
@role_required(*ASSESSMENT_PAGE_ROLES)
def case_assessments(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id)
    return _render_assessments(request, case, access)


@require_POST
@role_required(Role.CASEWORKER)
def assessment_start_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    if access != "lead":
        raise PermissionDenied
    try:
        assessment = assessment_start(actor=actor_of(request), case=case)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("cases:case_assessments", case_id=case.pk)
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.ASSESSMENT,
        record_id=assessment.pk,
        case=case,
    )
    messages.success(request, _("A new assessment was started."))
    return redirect("cases:case_assessments", case_id=case.pk)


@require_http_methods(["GET", "POST"])
@role_required(*ASSESSMENT_PAGE_ROLES)
def assessment_domain_page(
    request: HttpRequest, case_id: UUID, assessment_id: UUID, domain_code: str
) -> HttpResponse:
    case, _access = _case_or_refuse(request, case_id, write=True)
    assessment = _assessment_or_404(case, assessment_id)
    domain = (
        AssessmentDomain.objects.filter(instrument=assessment.instrument, code=domain_code)
        .prefetch_related("items")
        .first()
    )
    if domain is None:
        raise Http404
    # What was assessed before, when and by whom: shown before anyone assesses again.
    earlier = assessment_domain_recent(
        case=case, domain_code=domain.code, exclude_assessment=assessment
    )
    form = DomainAnswersForm(
        request.POST if request.method == "POST" else None, domain=domain, repeat=bool(earlier)
    )
    status = 400 if form.is_bound else 200
    if request.method == "POST" and form.is_valid():
        try:
            entry = assessment_domain_record(
                actor=actor_of(request),
                assessment=assessment,
                domain=domain,
                answers=form.answers(),
                note=form.cleaned_data.get("note", ""),
                repeat_reason=form.cleaned_data.get("repeat_reason", ""),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            if "assessment" in getattr(error, "error_dict", {}):
                status = 409
        else:
            audit_record(
                request=request,
                action=AuditAction.CREATE,
                record_type=AuditRecordType.ASSESSMENT,
                record_id=entry.pk,
                case=case,
                detail=f"domain={domain.code} repeat={entry.is_repeat}",
            )
            messages.success(request, _("The domain was assessed."))
            return redirect("cases:case_assessments", case_id=case.pk)
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.ASSESSMENT,
        record_id=assessment.pk,
        case=case,
        detail=f"domain={domain.code}",
    )
    return render(
        request,
        "cases/assessment/domain.html",
        {
            "case": case,
            "assessment": assessment,
            "domain": domain,
            "form": form,
            "earlier": earlier,
            "window_days": repeat_window_days(),
        },
        status=status,
    )


@require_POST
@role_required(Role.CASEWORKER)
def assessment_decide_page(
    request: HttpRequest, case_id: UUID, assessment_id: UUID
) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    if access != "lead":
        raise PermissionDenied
    assessment = _assessment_or_404(case, assessment_id)
    form = AssessmentDecisionForm(request.POST, auto_id="id_decide_%s")
    if form.is_valid():
        try:
            decided = assessment_decide(
                actor=actor_of(request),
                assessment=assessment,
                risk_level=form.cleaned_data["risk_level"],
                needs=list(form.cleaned_data["needs"]),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            if "assessment" in getattr(error, "error_dict", {}):
                # Someone decided first: say so, with the page as it now is.
                messages.error(request, " ".join(error.messages))
                return _render_assessments(request, case, access, status=409)
            add_service_errors(form, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.UPDATE,
                record_type=AuditRecordType.ASSESSMENT,
                record_id=decided.pk,
                case=case,
                detail=f"decision={decided.decision}",
            )
            messages.success(
                request, _("The assessment was decided; the case's risk level is updated.")
            )
            return redirect("cases:case_assessments", case_id=case.pk)
    return _render_assessments(request, case, access, decision_form=form, status=400)
