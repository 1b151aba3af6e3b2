"""The integrated plan's pages: the plan in force with its goals, actions and agreement,
the earlier versions (read only), and each write as a POST that returns to the page.

The case team's standing decides, as on the assessment's pages: the lead team writes
the plan, partners (with the family's consent to share) add and update their own
actions, the lead's supervisors read and approve; a partner without that consent is
refused (403), anyone else gets a 404.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.forms_plan import (
    PlanActionForm,
    PlanActionUpdateForm,
    PlanAgreementForm,
    PlanApprovalForm,
    PlanGoalForm,
    PlanReviewForm,
    PlanStartForm,
)
from cases.models import Case, CasePlan, CasePlanVersion, CaseStatus, PlanStatus
from cases.selectors import case_get_for_case_team
from cases.selectors_family import family_summary_for_case
from cases.selectors_plan import (
    PLAN_READERS,
    PLAN_WRITERS,
    plan_action_get,
    plan_for_case,
    plan_goal_get,
    plan_goal_targets,
    plan_referral_choices,
    plan_team_organizations,
    plan_version_current,
    plan_version_full,
    plan_version_get,
    plan_versions,
)
from cases.services.plan import (
    plan_action_add,
    plan_action_update,
    plan_agreement_record,
    plan_approve,
    plan_goal_add,
    plan_organization_for,
    plan_review,
    plan_start,
    plan_submit,
)
from web.forms import add_service_errors

PLAN_PAGE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)


def _case_or_refuse(
    request: HttpRequest, case_id: UUID, *, write: bool = False
) -> tuple[Case, str]:
    found = case_get_for_case_team(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.CASE_PLAN, record_id=case_id)
        raise Http404
    case, access = found
    if access not in (PLAN_WRITERS if write else PLAN_READERS):
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.CASE_PLAN,
            record_id=case.pk,
            case=case,
            detail=f"access={access}",
        )
        raise PermissionDenied
    return case, access


def _lead_require(request: HttpRequest, case: Case, access: str) -> None:
    if access != "lead":
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.CASE_PLAN,
            record_id=case.pk,
            case=case,
            detail=f"access={access} lead-only",
        )
        raise PermissionDenied


def _plan_or_404(case: Case) -> tuple[CasePlan, CasePlanVersion]:
    plan = plan_for_case(case=case)
    version = plan_version_current(plan=plan) if plan is not None else None
    if plan is None or version is None:
        raise Http404
    return plan, version


def _audit_write(request: HttpRequest, case: Case, record_id: Any, detail: str) -> None:
    audit_record(
        request=request,
        action=AuditAction.UPDATE if detail.startswith("update") else AuditAction.CREATE,
        record_type=AuditRecordType.CASE_PLAN,
        record_id=record_id,
        case=case,
        detail=detail,
    )


def _forms_for(
    request: HttpRequest, case: Case, version: CasePlanVersion | None, access: str
) -> dict[str, forms.Form]:
    domains, needs = plan_goal_targets(case=case)
    result: dict[str, forms.Form] = {
        "start_form": PlanStartForm(auto_id="id_start_%s"),
        "goal_form": PlanGoalForm(domains=domains, needs=needs, auto_id="id_goal_%s"),
        "agreement_form": PlanAgreementForm(
            initial={"agreed_on": timezone.localdate()}, auto_id="id_agreement_%s"
        ),
        "approval_form": PlanApprovalForm(auto_id="id_approval_%s"),
        "review_form": PlanReviewForm(auto_id="id_review_%s"),
    }
    if version is not None:
        goals = [(str(goal.pk), goal.description[:80]) for goal in version.goals.all()]
        if access == "lead":
            organizations = [(str(org.pk), org.name) for org in plan_team_organizations(case=case)]
        else:
            try:
                own = plan_organization_for(actor=actor_of(request), case=case)
            except PermissionDenied:
                own = None
            organizations = [(str(own.pk), own.name)] if own is not None else []
        result["action_form"] = PlanActionForm(
            goals=goals,
            organizations=organizations,
            referrals=plan_referral_choices(case=case),
            auto_id="id_action_%s",
        )
    return result


def _render_plan(
    request: HttpRequest,
    case: Case,
    access: str,
    *,
    bound: dict[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE_PLAN,
        record_id=case.pk,
        case=case,
        detail=f"access={access}",
    )
    plan = plan_for_case(case=case)
    current = plan_version_current(plan=plan) if plan is not None else None
    version = plan_version_full(version_id=current.pk) if current is not None else None
    is_open = case.status == CaseStatus.OPEN
    own_org_id = None
    if access in PLAN_WRITERS:
        try:
            own_org_id = plan_organization_for(actor=actor_of(request), case=case).pk
        except PermissionDenied:
            own_org_id = None
    context: dict[str, Any] = {
        "case": case,
        "access": access,
        "lead": access == "lead",
        "is_open": is_open,
        "plan": plan,
        "version": version,
        "versions": list(plan_versions(plan=plan)) if plan is not None else [],
        "may_write": is_open and access in PLAN_WRITERS,
        "own_org_id": own_org_id,
        "is_draft": version is not None and version.status == PlanStatus.DRAFT,
        "may_approve": access == "supervisor"
        and version is not None
        and version.status == PlanStatus.AWAITING_APPROVAL,
        "today": timezone.localdate(),
        "PlanStatus": PlanStatus,
        "family_summary": family_summary_for_case(user=request.user, case=case),
        **_forms_for(request, case, version, access),
        **(bound or {}),
    }
    context["update_form"] = PlanActionUpdateForm(auto_id=False)
    return render(request, "cases/plan/case_plan.html", context, status=status)


CONFLICT_KEYS = frozenset({"version", "case"})


def _status_of(form: forms.Form) -> int:
    """409 when someone acted first (the version or the case moved on), else 400."""
    return 409 if any(key in CONFLICT_KEYS for key in getattr(form, "_conflicts", ())) else 400


def _service_errors(form: forms.Form, error: ValidationError) -> None:
    form._conflicts = set(getattr(error, "error_dict", {}))  # type: ignore[attr-defined]
    add_service_errors(form, error)


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@require_GET
@role_required(*PLAN_PAGE_ROLES)
def case_plan(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id)
    return _render_plan(request, case, access)


@require_GET
@role_required(*PLAN_PAGE_ROLES)
def plan_version_page(request: HttpRequest, case_id: UUID, number: int) -> HttpResponse:
    """An earlier version, read only, as it was when a review replaced it."""
    case, access = _case_or_refuse(request, case_id)
    plan = plan_for_case(case=case)
    found = plan_version_get(plan=plan, number=number) if plan is not None else None
    if found is None:
        raise Http404
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CASE_PLAN,
        record_id=found.pk,
        case=case,
        detail=f"access={access} version={number}",
    )
    return render(
        request,
        "cases/plan/version.html",
        {"case": case, "version": plan_version_full(version_id=found.pk), "access": access},
    )


@require_POST
@role_required(Role.CASEWORKER)
def plan_start_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _lead_require(request, case, access)
    form = PlanStartForm(request.POST, auto_id="id_start_%s")
    if form.is_valid():
        try:
            plan = plan_start(
                actor=actor_of(request), case=case, review_on=form.cleaned_data["review_on"]
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(request, case, plan.pk, "plan")
            messages.success(request, _("The plan was started."))
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(request, case, access, bound={"start_form": form}, status=_status_of(form))


@require_POST
@role_required(*PLAN_PAGE_ROLES)
def plan_goal_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _plan, version = _plan_or_404(case)
    domains, needs = plan_goal_targets(case=case)
    form = PlanGoalForm(request.POST, domains=domains, needs=needs, auto_id="id_goal_%s")
    if form.is_valid():
        try:
            goal = plan_goal_add(
                actor=actor_of(request),
                version=version,
                description=form.cleaned_data["description"],
                domain_code=form.cleaned_data["domain_code"],
                need=form.cleaned_data["need"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(request, case, goal.pk, "goal")
            messages.success(request, _("The goal was added."))
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(request, case, access, bound={"goal_form": form}, status=_status_of(form))


@require_POST
@role_required(*PLAN_PAGE_ROLES)
def plan_action_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _plan, version = _plan_or_404(case)
    unbound = _forms_for(request, case, version, access)["action_form"]
    assert isinstance(unbound, PlanActionForm)
    form = PlanActionForm(
        request.POST,
        goals=list(unbound.fields["goal"].choices),  # type: ignore[attr-defined]
        organizations=list(unbound.fields["organization"].choices),  # type: ignore[attr-defined]
        referrals=plan_referral_choices(case=case),
        auto_id="id_action_%s",
    )
    if form.is_valid():
        goal = plan_goal_get(version=version, goal_id=UUID(form.cleaned_data["goal"]))
        if goal is None:
            raise Http404
        referral = form.cleaned_data["referral"]
        try:
            action = plan_action_add(
                actor=actor_of(request),
                goal=goal,
                description=form.cleaned_data["description"],
                responsible=form.cleaned_data["responsible"],
                due_on=form.cleaned_data["due_on"],
                organization_id=UUID(form.cleaned_data["organization"]),
                referral_id=UUID(referral) if referral else None,
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(request, case, action.pk, f"action org={action.organization_id}")
            messages.success(request, _("The action was added."))
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(request, case, access, bound={"action_form": form}, status=_status_of(form))


@require_POST
@role_required(*PLAN_PAGE_ROLES)
def plan_action_update_page(request: HttpRequest, case_id: UUID, action_id: UUID) -> HttpResponse:
    case, _access = _case_or_refuse(request, case_id, write=True)
    _plan, version = _plan_or_404(case)
    action = plan_action_get(version=version, action_id=action_id)
    if action is None:
        raise Http404
    # Another organization's action is refused before its form is read.
    if plan_organization_for(actor=actor_of(request), case=case).pk != action.organization_id:
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.CASE_PLAN,
            record_id=action.pk,
            case=case,
            detail="not the action's organization",
        )
        raise PermissionDenied
    form = PlanActionUpdateForm(request.POST, auto_id=False)
    if not form.is_valid():
        for message in form.errors.get("status", []):
            messages.error(request, str(message))
        return redirect("cases:case_plan", case_id=case.pk)
    try:
        plan_action_update(
            actor=actor_of(request),
            action=action,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"] or None,
        )
    except PermissionDenied:
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.CASE_PLAN,
            record_id=action.pk,
            case=case,
            detail="not the action's organization",
        )
        raise
    except ValidationError as error:
        _refused(request, error)
    else:
        _audit_write(request, case, action.pk, f"update action status={action.status}")
        messages.success(request, _("The action was updated."))
    return redirect("cases:case_plan", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def plan_agreement_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _lead_require(request, case, access)
    _plan, version = _plan_or_404(case)
    form = PlanAgreementForm(request.POST, auto_id="id_agreement_%s")
    if form.is_valid():
        try:
            agreement = plan_agreement_record(
                actor=actor_of(request), version=version, **form.cleaned_data
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(request, case, agreement.pk, "agreement")
            messages.success(request, _("The agreement was recorded."))
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(
        request, case, access, bound={"agreement_form": form}, status=_status_of(form)
    )


@require_POST
@role_required(Role.CASEWORKER)
def plan_submit_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _lead_require(request, case, access)
    _plan, version = _plan_or_404(case)
    try:
        plan_submit(actor=actor_of(request), version=version)
    except ValidationError as error:
        _refused(request, error)
    else:
        _audit_write(request, case, version.pk, "update submitted")
        messages.success(request, _("The plan was sent to the supervisor for approval."))
    return redirect("cases:case_plan", case_id=case.pk)


@require_POST
@role_required(Role.SUPERVISOR)
def plan_approve_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id)
    if access != "supervisor":
        _lead_require(request, case, "not-supervisor")
    _plan, version = _plan_or_404(case)
    form = PlanApprovalForm(request.POST, auto_id="id_approval_%s")
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        try:
            plan_approve(
                actor=actor_of(request),
                version=version,
                approve=approve,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(
                request, case, version.pk, f"update {'approved' if approve else 'returned'}"
            )
            messages.success(
                request, _("The plan was approved.") if approve else _("The plan was sent back.")
            )
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(
        request, case, access, bound={"approval_form": form}, status=_status_of(form)
    )


@require_POST
@role_required(Role.CASEWORKER)
def plan_review_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case, access = _case_or_refuse(request, case_id, write=True)
    _lead_require(request, case, access)
    plan, _version = _plan_or_404(case)
    form = PlanReviewForm(request.POST, auto_id="id_review_%s")
    if form.is_valid():
        try:
            new = plan_review(
                actor=actor_of(request),
                plan=plan,
                review_on=form.cleaned_data["review_on"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            _service_errors(form, error)
        else:
            _audit_write(request, case, new.pk, f"review version={new.number}")
            messages.success(request, _("The plan is under review: a new version was opened."))
            return redirect("cases:case_plan", case_id=case.pk)
    return _render_plan(request, case, access, bound={"review_form": form}, status=_status_of(form))
