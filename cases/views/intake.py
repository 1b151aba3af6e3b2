"""The front door's pages: one intake page for the three access modalities, the case
team's queue of reports, outreach lists, and the links between possible duplicates.

Anyone of a member organization registers a report (caseworkers, provider staff,
coordinators); only the case team it is addressed to decides on it. A report or an
outreach list one may not see answers 404 as if it did not exist (and is audited).
"""

from __future__ import annotations

from typing import cast
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction
from audit.services import audit_list, audit_record, audit_refused
from cases.forms_intake import (
    FindingConvertForm,
    FindingDismissForm,
    FindingForm,
    OutreachListForm,
    ReportDismissForm,
    ReportForm,
    ReportLinkForm,
)
from cases.models import AlertType, Case, OutreachList, Report, ReportStatus
from cases.selectors import case_list_for_user, case_team_organization_ids
from cases.selectors_intake import (
    AUDIT_OUTREACH,
    AUDIT_REPORT,
    INTAKE_ROLES,
    case_team_choices,
    finding_get_for_list,
    intake_organization_ids,
    outreach_get_for_user,
    outreach_list_for_user,
    report_can_decide,
    report_duplicates,
    report_get_for_user,
    report_list_for_user,
    report_queue_for_team,
)
from cases.services.intake import (
    AlreadyDecided,
    outreach_finding_add,
    outreach_finding_convert,
    outreach_finding_dismiss,
    outreach_list_create,
    report_dismiss,
    report_link,
    report_register,
)
from directory.models import Organization
from web.forms import add_service_errors


def decided_status(error: ValidationError) -> int:
    # Someone decided first: a conflict with the record as it is now, not a typing mistake.
    return 409 if isinstance(error, AlreadyDecided) else 400


def _own_organizations(request: HttpRequest) -> QuerySet[Organization]:
    return Organization.objects.filter(pk__in=intake_organization_ids(user=request.user)).order_by(
        "name"
    )


def report_or_404(request: HttpRequest, report_id: UUID) -> Report:
    report = report_get_for_user(user=request.user, report_id=report_id)
    if report is None:
        audit_refused(request, record_type=AUDIT_REPORT, record_id=report_id)
        raise Http404
    return report


def report_to_convert_or_404(request: HttpRequest, report_id: str) -> Report | None:
    """The report a new case is opened from (the new-case page's ?reporte=), or None.

    Only its case team may: anyone else, or a malformed id, answers 404.
    """
    if not report_id:
        return None
    try:
        parsed = UUID(report_id)
    except ValueError:
        raise Http404 from None
    report = report_or_404(request, parsed)
    if not report_can_decide(user=request.user, report=report):
        audit_refused(request, record_type=AUDIT_REPORT, record_id=parsed)
        raise Http404
    if request.method == "GET":
        _audit_report(request, AuditAction.READ, report, "prefill a new case")
    return report


def report_converted_audit(request: HttpRequest, *, report: Report, case: Case) -> None:
    """The new-case page's write of the report it opened a case from."""
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AUDIT_REPORT,
        record_id=report.pk,
        case=case,
        detail="converted",
    )


def _audit_report(request: HttpRequest, action: str, report: Report, detail: str = "") -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AUDIT_REPORT,
        record_id=report.pk,
        case_id=report.case_id,
        case_code=report.case.code if report.case_id and report.case else "",
        detail=detail,
    )


# --- the intake page -----------------------------------------------------------------


def _render_intake(request: HttpRequest, form: ReportForm, status: int = 200) -> HttpResponse:
    received = list(
        report_list_for_user(user=request.user)
        .filter(receiving_organization_id__in=intake_organization_ids(user=request.user))
        .order_by("-reported_at")[:50]
    )
    audit_list(request, record_type=AUDIT_REPORT, count=len(received))
    return render(
        request,
        "cases/intake/intake.html",
        {
            "form": form,
            "received": received,
            "is_caseworker": bool(case_team_organization_ids(user=request.user)),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@role_required(*INTAKE_ROLES)
def intake(request: HttpRequest) -> HttpResponse:
    """Register a report: a walk-in, a referral from an institution, or outreach."""
    form = ReportForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organizations=_own_organizations(request),
        teams=case_team_choices(),
        initial={"modality": request.GET.get("modalidad", "")},
    )
    if request.method != "POST":
        return _render_intake(request, form)
    if not form.is_valid():
        return _render_intake(request, form, status=400)
    try:
        report = report_register(actor=actor_of(request), **form.service_arguments())
    except ValidationError as error:
        add_service_errors(form, error, rename={"child_home": "latitude"})
        return _render_intake(request, form, status=400)
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _render_intake(request, form, status=403)
    _audit_report(request, AuditAction.CREATE, report, f"modality={report.modality}")
    messages.success(
        request,
        _("The report was registered and sent to %(team)s.") % {"team": report.addressed_to.name},
    )
    return redirect("cases:report_detail", report_id=report.pk)


# --- one report ------------------------------------------------------------------------


def _render_report(
    request: HttpRequest,
    report: Report,
    *,
    link_form: ReportLinkForm | None = None,
    dismiss_form: ReportDismissForm | None = None,
    status: int = 200,
) -> HttpResponse:
    _audit_report(request, AuditAction.READ, report)
    can_decide = report_can_decide(user=request.user, report=report)
    return render(
        request,
        "cases/intake/report_detail.html",
        {
            "report": report,
            "concerns": [AlertType(c).label for c in report.concern_types if c in AlertType.values],
            "can_decide": can_decide and report.status == ReportStatus.RECEIVED,
            # Team names only, and only to the team deciding: whether to link or convert.
            "duplicates": report_duplicates(report=report)
            if can_decide and report.status == ReportStatus.RECEIVED
            else [],
            # The case page is the team's: others see that a case exists, not a link.
            "can_open_case": can_decide and report.case_id is not None,
            "link_form": link_form or ReportLinkForm(auto_id="id_link_%s"),
            "dismiss_form": dismiss_form or ReportDismissForm(auto_id="id_dismiss_%s"),
        },
        status=status,
    )


@require_GET
@role_required(*INTAKE_ROLES)
def report_detail(request: HttpRequest, report_id: UUID) -> HttpResponse:
    return _render_report(request, report_or_404(request, report_id))


@require_GET
@role_required(*INTAKE_ROLES)
def report_document(request: HttpRequest, report_id: UUID) -> HttpResponse:
    """The written report's document, to those who may see the report and no one else."""
    report = report_or_404(request, report_id)
    if not report.document:
        raise Http404
    _audit_report(request, AuditAction.READ, report, "document")
    extension = report.document.name.rsplit(".", 1)[-1]
    response = FileResponse(
        report.document.open("rb"),
        as_attachment=True,
        # A neutral name: the stored one is random, the uploaded one may name the child.
        filename=f"informe-{report.reported_at:%Y%m%d}.{extension}",
    )
    return cast(HttpResponse, response)  # streamed: the gates only read its status


@require_POST
@role_required(Role.CASEWORKER)
def report_link_post(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = report_or_404(request, report_id)
    form = ReportLinkForm(request.POST, auto_id="id_link_%s")
    if not form.is_valid():
        return _render_report(request, report, link_form=form, status=400)
    case = (
        case_list_for_user(user=request.user)
        .filter(code=form.cleaned_data["case_code"].strip().upper())
        .first()
    )
    if case is None:
        form.add_error("case_code", _("No case of your team has this code."))
        return _render_report(request, report, link_form=form, status=400)
    try:
        report = report_link(actor=actor_of(request), report=report, case=case)
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _render_report(request, report, link_form=form, status=403)
    except ValidationError as error:
        add_service_errors(form, error, rename={"case": "case_code"})
        return _render_report(request, report, link_form=form, status=decided_status(error))
    _audit_report(request, AuditAction.UPDATE, report, "linked")
    messages.success(request, _("The report was added to case %(code)s.") % {"code": case.code})
    return redirect("cases:report_detail", report_id=report.pk)


@require_POST
@role_required(Role.CASEWORKER)
def report_dismiss_post(request: HttpRequest, report_id: UUID) -> HttpResponse:
    report = report_or_404(request, report_id)
    form = ReportDismissForm(request.POST, auto_id="id_dismiss_%s")
    if not form.is_valid():
        return _render_report(request, report, dismiss_form=form, status=400)
    try:
        report = report_dismiss(
            actor=actor_of(request), report=report, reason=form.cleaned_data["dismissal_reason"]
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _render_report(request, report, dismiss_form=form, status=403)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_report(request, report, dismiss_form=form, status=decided_status(error))
    _audit_report(request, AuditAction.UPDATE, report, "dismissed")
    messages.success(request, _("The report was dismissed."))
    return redirect("cases:report_queue")


@require_GET
@role_required(Role.CASEWORKER)
def report_queue(request: HttpRequest) -> HttpResponse:
    """The case team's reports to decide, most urgent first, and the latest decided."""
    waiting = list(report_queue_for_team(user=request.user))
    decided = list(
        report_list_for_user(user=request.user)
        .filter(addressed_to_id__in=case_team_organization_ids(user=request.user))
        .exclude(status=ReportStatus.RECEIVED)
        .order_by("-decided_at")[:20]
    )
    audit_list(request, record_type=AUDIT_REPORT, count=len(waiting) + len(decided))
    return render(
        request, "cases/intake/report_queue.html", {"waiting": waiting, "decided": decided}
    )


# --- outreach --------------------------------------------------------------------------


def outreach_or_404(request: HttpRequest, outreach_id: UUID) -> OutreachList:
    outreach = outreach_get_for_user(user=request.user, outreach_id=outreach_id)
    if outreach is None:
        audit_refused(request, record_type=AUDIT_OUTREACH, record_id=outreach_id)
        raise Http404
    return outreach


@require_http_methods(["GET", "POST"])
@role_required(*INTAKE_ROLES)
def outreach_lists(request: HttpRequest) -> HttpResponse:
    form = OutreachListForm(
        request.POST if request.method == "POST" else None,
        organizations=_own_organizations(request),
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                outreach = outreach_list_create(actor=actor_of(request), **form.service_arguments())
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                audit_record(
                    request=request,
                    action=AuditAction.CREATE,
                    record_type=AUDIT_OUTREACH,
                    record_id=outreach.pk,
                )
                return redirect("cases:outreach_detail", outreach_id=outreach.pk)
    lists = list(outreach_list_for_user(user=request.user)[:100])
    audit_list(request, record_type=AUDIT_OUTREACH, count=len(lists))
    return render(
        request, "cases/intake/outreach_lists.html", {"form": form, "lists": lists}, status=status
    )


def _render_outreach(
    request: HttpRequest,
    outreach: OutreachList,
    *,
    finding_form: FindingForm | None = None,
    bound: tuple[UUID, FindingConvertForm | FindingDismissForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request, action=AuditAction.READ, record_type=AUDIT_OUTREACH, record_id=outreach.pk
    )
    teams = case_team_choices()
    rows = []
    for finding in outreach.findings.select_related("report"):
        convert: FindingConvertForm | FindingDismissForm = FindingConvertForm(
            teams=teams, auto_id=f"id_convert_{finding.pk}_%s"
        )
        dismiss: FindingConvertForm | FindingDismissForm = FindingDismissForm(
            auto_id=f"id_dismiss_{finding.pk}_%s"
        )
        if bound is not None and bound[0] == finding.pk:
            if isinstance(bound[1], FindingConvertForm):
                convert = bound[1]
            else:
                dismiss = bound[1]
        rows.append({"finding": finding, "convert_form": convert, "dismiss_form": dismiss})
    return render(
        request,
        "cases/intake/outreach_detail.html",
        {"outreach": outreach, "rows": rows, "finding_form": finding_form or FindingForm()},
        status=status,
    )


@require_GET
@role_required(*INTAKE_ROLES)
def outreach_detail(request: HttpRequest, outreach_id: UUID) -> HttpResponse:
    return _render_outreach(request, outreach_or_404(request, outreach_id))


@require_POST
@role_required(*INTAKE_ROLES)
def finding_add(request: HttpRequest, outreach_id: UUID) -> HttpResponse:
    outreach = outreach_or_404(request, outreach_id)
    form = FindingForm(request.POST)
    if not form.is_valid():
        return _render_outreach(request, outreach, finding_form=form, status=400)
    try:
        finding = outreach_finding_add(
            actor=actor_of(request), outreach=outreach, **form.cleaned_data
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_outreach(request, outreach, finding_form=form, status=400)
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AUDIT_OUTREACH,
        record_id=finding.pk,
        detail=f"finding list={outreach.pk}",
    )
    return redirect("cases:outreach_detail", outreach_id=outreach.pk)


@require_POST
@role_required(*INTAKE_ROLES)
def finding_convert(request: HttpRequest, outreach_id: UUID, finding_id: UUID) -> HttpResponse:
    outreach = outreach_or_404(request, outreach_id)
    finding = finding_get_for_list(outreach=outreach, finding_id=finding_id)
    if finding is None:
        raise Http404
    form = FindingConvertForm(
        request.POST, teams=case_team_choices(), auto_id=f"id_convert_{finding.pk}_%s"
    )
    if not form.is_valid():
        return _render_outreach(request, outreach, bound=(finding.pk, form), status=400)
    try:
        report = outreach_finding_convert(
            actor=actor_of(request), finding=finding, **form.cleaned_data
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_outreach(
            request, outreach, bound=(finding.pk, form), status=decided_status(error)
        )
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AUDIT_OUTREACH,
        record_id=finding.pk,
        detail=f"finding converted report={report.pk}",
    )
    _audit_report(request, AuditAction.CREATE, report, "modality=outreach")
    messages.success(
        request,
        _("The finding is now a report sent to %(team)s.") % {"team": report.addressed_to.name},
    )
    return redirect("cases:report_detail", report_id=report.pk)


@require_POST
@role_required(*INTAKE_ROLES)
def finding_dismiss(request: HttpRequest, outreach_id: UUID, finding_id: UUID) -> HttpResponse:
    outreach = outreach_or_404(request, outreach_id)
    finding = finding_get_for_list(outreach=outreach, finding_id=finding_id)
    if finding is None:
        raise Http404
    form = FindingDismissForm(request.POST, auto_id=f"id_dismiss_{finding.pk}_%s")
    if not form.is_valid():
        return _render_outreach(request, outreach, bound=(finding.pk, form), status=400)
    try:
        outreach_finding_dismiss(
            actor=actor_of(request), finding=finding, reason=form.cleaned_data["dismissal_reason"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_outreach(
            request, outreach, bound=(finding.pk, form), status=decided_status(error)
        )
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AUDIT_OUTREACH,
        record_id=finding.pk,
        detail="finding dismissed",
    )
    messages.success(request, _("The finding was dismissed."))
    return redirect("cases:outreach_detail", outreach_id=outreach.pk)
