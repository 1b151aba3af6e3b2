"""The case team's pages: who is on the case, reassignment, transfer, progress reports,
and a supervisor's caseload.

Each page looks the case up for the signed-in person's standing on it (lead team,
supervisor, partner under the consent, partner without it); anyone else gets a 404, as
for every case they do not work.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from cases.forms_team import (
    PartnerAddForm,
    ProgressReportForm,
    ReassignForm,
    TransferAnswerForm,
    TransferApprovalForm,
    TransferRequestForm,
)
from cases.models import OPEN_TRANSFER_STATUSES, Case, CaseTransfer, TransferStatus
from cases.selectors import (
    case_get_for_case_team,
    case_member_organization_ids,
    case_partner_roles_for_user,
    case_supervisor_organization_ids,
)
from cases.selectors_lifecycle import route_decisions_for_case
from cases.selectors_team import (
    case_assignments,
    case_notes_for_case_team,
    case_partners,
    case_progress_reports,
    case_transfers,
    caseload_by_caseworker,
    caseload_for_supervisor,
    casework_backlog_by_team,
    lead_caseworkers,
    partner_candidates,
    progress_organizations_for_user,
    transfer_candidates,
    transfer_get_for_user,
)
from cases.services.partners import (
    case_may_report_progress,
    case_partner_add,
    case_partner_end,
    case_progress_report,
    case_reassign,
    case_transfer_answer,
    case_transfer_approve,
    case_transfer_request,
    case_transfer_withdraw,
    transfer_can_answer,
)
from cases.views import refusal_status
from web.forms import add_service_errors

TEAM_PAGE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)
CASELOAD_PAGE_SIZE = 50


def _case_team_or_404(request: HttpRequest, case_id: UUID) -> tuple[Case, str]:
    found = case_get_for_case_team(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.CASE_TEAM, record_id=case_id)
        raise Http404
    return found


def _render_team(
    request: HttpRequest,
    case: Case,
    access: str,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE_TEAM,
        record_id=case.pk,
        case=case,
        detail=f"access={access}",
    )
    lead = access == "lead"
    reads_case = access in {"lead", "supervisor", "partner"}
    own_organizations = case_member_organization_ids(user=request.user)
    transfers = case_transfers(case=case)
    open_transfer = next((t for t in transfers if t.status in OPEN_TRANSFER_STATUSES), None)
    is_open = case.status == "open"
    forms = forms or {}
    supervised = case_supervisor_organization_ids(user=request.user)
    context: dict[str, Any] = {
        "case": case,
        "access": access,
        "lead": lead,
        "reads_case": reads_case,
        "is_open": is_open,
        "partners": case_partners(case=case),
        "my_roles": sorted(case_partner_roles_for_user(user=request.user, case=case)),
        "assignments": case_assignments(case=case) if reads_case else [],
        "transfers": transfers if reads_case else [],
        "open_transfer": open_transfer,
        "can_approve_transfer": open_transfer is not None
        and open_transfer.status == TransferStatus.AWAITING_APPROVAL
        and open_transfer.from_organization_id in supervised,
        # Without the consent to share, a partner reads its own organization's reports.
        "progress_reports": case_progress_reports(
            case=case, organization_ids=None if reads_case else own_organizations
        ),
        "team_notes": case_notes_for_case_team(case=case) if access == "partner" else [],
        "route_decisions": route_decisions_for_case(case=case)[:1] if access == "partner" else [],
        "may_report": is_open and case_may_report_progress(user=actor_of(request), case=case),
        "may_assign": is_open and access in {"lead", "supervisor"},
    }
    if lead and is_open:
        context["partner_form"] = forms.get("partner") or PartnerAddForm(
            organizations=partner_candidates(case=case), auto_id="id_partner_%s"
        )
        context["transfer_form"] = forms.get("transfer") or TransferRequestForm(
            organizations=transfer_candidates(case=case), auto_id="id_transfer_%s"
        )
    if context["may_assign"]:
        context["reassign_form"] = forms.get("reassign") or ReassignForm(
            caseworkers=lead_caseworkers(case=case),
            initial={"caseworker": case.caseworker_id},
            auto_id="id_assign_%s",
        )
    if context["can_approve_transfer"]:
        context["approval_form"] = forms.get("approval") or TransferApprovalForm(
            auto_id="id_approve_%s"
        )
    if context["may_report"]:
        context["progress_form"] = forms.get("progress") or ProgressReportForm(
            organizations=progress_organizations_for_user(user=request.user, case=case),
            auto_id="id_progress_%s",
        )
    return render(request, "cases/team/case_team.html", context, status=status)


@require_GET
@role_required(*TEAM_PAGE_ROLES)
def case_team(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_team_or_404(request, case_id)
    return _render_team(request, case, access)


def _lead_only(request: HttpRequest, case_id: UUID) -> Case:
    case, access = _case_team_or_404(request, case_id)
    if access != "lead":
        raise PermissionDenied(_("Only the team that leads the case can do this."))
    return case


def _audit_write(
    request: HttpRequest, *, case: Case, record_type: str, record_id: Any, detail: str
) -> None:
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=record_type,
        record_id=record_id,
        case=case,
        detail=detail,
    )


@require_POST
@role_required(Role.CASEWORKER)
def partner_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _lead_only(request, case_id)
    form = PartnerAddForm(
        request.POST, organizations=partner_candidates(case=case), auto_id="id_partner_%s"
    )
    if not form.is_valid():
        return _render_team(request, case, "lead", forms={"partner": form}, status=400)
    try:
        partner = case_partner_add(
            actor=actor_of(request),
            case=case,
            organization_id=UUID(form.cleaned_data["organization"]),
            role=form.cleaned_data["role"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_team(
            request, case, "lead", forms={"partner": form}, status=refusal_status(error)
        )
    _audit_write(
        request,
        case=case,
        record_type=AuditRecordType.CASE_TEAM,
        record_id=partner.pk,
        detail=f"partner added role={partner.role}",
    )
    messages.success(
        request,
        _("%(organization)s is on the case team.") % {"organization": partner.organization.name},
    )
    return redirect("cases:case_team", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def partner_end(request: HttpRequest, case_id: UUID, partner_id: UUID) -> HttpResponse:
    case = _lead_only(request, case_id)
    try:
        partner = case_partner_end(actor=actor_of(request), case=case, partner_id=partner_id)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_team(request, case, "lead", status=refusal_status(error))
    _audit_write(
        request,
        case=case,
        record_type=AuditRecordType.CASE_TEAM,
        record_id=partner.pk,
        detail="partner ended",
    )
    messages.success(
        request,
        _("%(organization)s left the case team.") % {"organization": partner.organization.name},
    )
    return redirect("cases:case_team", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def case_reassign_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_team_or_404(request, case_id)
    if access not in {"lead", "supervisor"}:
        raise PermissionDenied
    form = ReassignForm(
        request.POST, caseworkers=lead_caseworkers(case=case), auto_id="id_assign_%s"
    )
    if not form.is_valid():
        return _render_team(request, case, access, forms={"reassign": form}, status=400)
    try:
        assignment = case_reassign(
            actor=actor_of(request),
            case=case,
            caseworker_id=form.cleaned_data["caseworker"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_team(
            request, case, access, forms={"reassign": form}, status=refusal_status(error)
        )
    _audit_write(
        request,
        case=case,
        record_type=AuditRecordType.CASE_TEAM,
        record_id=assignment.pk,
        detail="reassigned",
    )
    messages.success(request, _("The case is reassigned."))
    return redirect("cases:case_team", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def transfer_request(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _lead_only(request, case_id)
    form = TransferRequestForm(
        request.POST, organizations=transfer_candidates(case=case), auto_id="id_transfer_%s"
    )
    if not form.is_valid():
        return _render_team(request, case, "lead", forms={"transfer": form}, status=400)
    try:
        transfer = case_transfer_request(
            actor=actor_of(request),
            case=case,
            to_organization_id=UUID(form.cleaned_data["to_organization"]),
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_team(
            request, case, "lead", forms={"transfer": form}, status=refusal_status(error)
        )
    _audit_write(
        request,
        case=case,
        record_type=AuditRecordType.TRANSFER,
        record_id=transfer.pk,
        detail=f"requested status={transfer.status}",
    )
    messages.success(
        request,
        _("The transfer waits for a supervisor's approval.")
        if transfer.status == TransferStatus.AWAITING_APPROVAL
        else _("The receiving team is asked to take the case."),
    )
    return redirect("cases:case_team", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER, Role.PROVIDER)
def progress_report_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_team_or_404(request, case_id)
    organizations = progress_organizations_for_user(user=request.user, case=case)
    form = ProgressReportForm(request.POST, organizations=organizations, auto_id="id_progress_%s")
    if not form.is_valid():
        return _render_team(request, case, access, forms={"progress": form}, status=400)
    chosen = form.cleaned_data["organization"]
    try:
        report = case_progress_report(
            actor=actor_of(request),
            case=case,
            organization_id=UUID(chosen) if chosen else None,
            done=form.cleaned_data["done"],
            changed=form.cleaned_data["changed"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_team(
            request, case, access, forms={"progress": form}, status=refusal_status(error)
        )
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.PROGRESS_REPORT,
        record_id=report.pk,
        case=case,
    )
    messages.success(request, _("The progress report is sent to the case team."))
    return redirect("cases:case_team", case_id=case.pk)


# --- a transfer, as each side sees it ------------------------------------------------------


def _transfer_or_404(request: HttpRequest, transfer_id: UUID) -> CaseTransfer:
    transfer = transfer_get_for_user(user=request.user, transfer_id=transfer_id)
    if transfer is None:
        audit_refused(request, record_type=AuditRecordType.TRANSFER, record_id=transfer_id)
        raise Http404
    return transfer


def _render_transfer(
    request: HttpRequest,
    transfer: CaseTransfer,
    *,
    answer_form: TransferAnswerForm | None = None,
    approval_form: TransferApprovalForm | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.TRANSFER,
        record_id=transfer.pk,
        case_id=transfer.case_id,
        case_code=transfer.case.code,
    )
    user = actor_of(request)
    context = {
        "transfer": transfer,
        "case": transfer.case,
        "can_answer": transfer.status == TransferStatus.OFFERED
        and transfer_can_answer(user=user, transfer=transfer),
        "can_approve": transfer.status == TransferStatus.AWAITING_APPROVAL
        and transfer.from_organization_id in case_supervisor_organization_ids(user=user),
        "can_withdraw": transfer.status in OPEN_TRANSFER_STATUSES
        and transfer.case.organization_id == transfer.from_organization_id
        and transfer.from_organization_id
        in case_member_organization_ids(user=user) & {transfer.case.organization_id},
        "answer_form": answer_form or TransferAnswerForm(auto_id="id_answer_%s"),
        "approval_form": approval_form or TransferApprovalForm(auto_id="id_approve_%s"),
    }
    return render(request, "cases/team/transfer.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def transfer_detail(request: HttpRequest, transfer_id: UUID) -> HttpResponse:
    return _render_transfer(request, _transfer_or_404(request, transfer_id))


@require_POST
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def transfer_answer(request: HttpRequest, transfer_id: UUID) -> HttpResponse:
    transfer = _transfer_or_404(request, transfer_id)
    form = TransferAnswerForm(request.POST, auto_id="id_answer_%s")
    if not form.is_valid():
        return _render_transfer(request, transfer, answer_form=form, status=400)
    try:
        answered = case_transfer_answer(
            actor=actor_of(request),
            transfer=transfer,
            accept=form.cleaned_data["decision"] == "accept",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        transfer.refresh_from_db()
        return _render_transfer(request, transfer, answer_form=form, status=refusal_status(error))
    _audit_write(
        request,
        case=answered.case,
        record_type=AuditRecordType.TRANSFER,
        record_id=answered.pk,
        detail=f"answered status={answered.status}",
    )
    if answered.status == TransferStatus.ACCEPTED:
        messages.success(
            request, _("Your team leads case %(code)s now.") % {"code": answered.case.code}
        )
        return redirect("cases:case_team", case_id=answered.case_id)
    messages.success(request, _("The transfer is refused."))
    return redirect("cases:transfer_detail", transfer_id=answered.pk)


@require_POST
@role_required(Role.SUPERVISOR)
def transfer_approve(request: HttpRequest, transfer_id: UUID) -> HttpResponse:
    transfer = _transfer_or_404(request, transfer_id)
    form = TransferApprovalForm(request.POST, auto_id="id_approve_%s")
    if not form.is_valid():
        return _render_transfer(request, transfer, approval_form=form, status=400)
    try:
        decided = case_transfer_approve(
            actor=actor_of(request),
            transfer=transfer,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        transfer.refresh_from_db()
        return _render_transfer(request, transfer, approval_form=form, status=refusal_status(error))
    _audit_write(
        request,
        case=decided.case,
        record_type=AuditRecordType.TRANSFER,
        record_id=decided.pk,
        detail=f"approval status={decided.status}",
    )
    messages.success(
        request,
        _("The receiving team is asked to take the case.")
        if decided.status == TransferStatus.OFFERED
        else _("The transfer is stopped."),
    )
    return redirect("cases:transfer_detail", transfer_id=decided.pk)


@require_POST
@role_required(Role.CASEWORKER)
def transfer_withdraw(request: HttpRequest, transfer_id: UUID) -> HttpResponse:
    transfer = _transfer_or_404(request, transfer_id)
    try:
        withdrawn = case_transfer_withdraw(actor=actor_of(request), transfer=transfer)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        transfer.refresh_from_db()
        return _render_transfer(request, transfer, status=refusal_status(error))
    _audit_write(
        request,
        case=withdrawn.case,
        record_type=AuditRecordType.TRANSFER,
        record_id=withdrawn.pk,
        detail="withdrawn",
    )
    messages.success(request, _("The transfer is withdrawn."))
    return redirect("cases:case_team", case_id=withdrawn.case_id)


# --- a supervisor's caseload ------------------------------------------------------------


@require_GET
@role_required(Role.SUPERVISOR)
def caseload(request: HttpRequest) -> HttpResponse:
    cases = caseload_for_supervisor(user=request.user, today=timezone.localdate())
    page = Paginator(cases, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    audit_list(request, record_type=AuditRecordType.CASE, count=len(page.object_list))
    context = {
        "page": page,
        "by_caseworker": caseload_by_caseworker(user=request.user),
        "backlog": casework_backlog_by_team(
            today=timezone.localdate(),
            organization_ids=case_supervisor_organization_ids(user=request.user),
        ),
    }
    return render(request, "cases/team/caseload.html", context)
