"""The case file's own pages (admissibility, follow-up, closing, reopening) and what
every page about a case shares: looking the case up for the signed-in user."""

from __future__ import annotations

from uuid import UUID

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
from cases.forms import (
    AdmissibilityForm,
    CaseNoteForm,
    ClosureDecisionForm,
    ClosureRequestForm,
    FollowUpRecordForm,
    FollowUpScheduleForm,
    ReopenForm,
    RouteDecisionForm,
)
from cases.models import (
    VERIFIED_CLOSE_REASONS,
    Admissibility,
    Case,
    CaseClosure,
    CaseStatus,
    ClosureStatus,
)
from cases.selectors import case_can_work, case_get_for_user
from cases.selectors_lifecycle import (
    admissibility_decisions_for_case,
    case_closure_history,
    case_notes_for_user,
    closure_get_for_case,
    closure_pending_for_case,
    follow_up_get_for_case,
    follow_ups_for_case,
    route_decisions_for_case,
)
from cases.services.admissibility import admissibility_checklist, case_admissibility_decide
from cases.services.closure import (
    case_closure_cancel,
    case_closure_request,
    case_closure_verify,
    case_get_for_verifier,
    case_reopen,
    closure_can_verify,
    closure_verifier_kind,
)
from cases.services.follow_up import follow_up_record, follow_up_schedule
from cases.services.notes import case_note_write
from cases.services.route import case_route_decide
from web.forms import add_service_errors


def case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    """A case the user works; any other answers as if it did not exist (and is audited)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    return case


# --- closing and reopening -----------------------------------------------------------


def _closure_case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    """The lead team's case, or one whose waiting closure the user verifies."""
    case = case_get_for_verifier(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    return case


def _render_closure(
    request: HttpRequest,
    case: Case,
    *,
    request_form: ClosureRequestForm | None = None,
    decision_form: ClosureDecisionForm | None = None,
    reopen_form: ReopenForm | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.CLOSURE,
        record_id=case.pk,
        case=case,
    )
    pending = closure_pending_for_case(case=case)
    context = {
        "case": case,
        "is_open": case.status == CaseStatus.OPEN,
        "works_case": case_can_work(user=request.user, case=case),
        "verifier": closure_verifier_kind(case=case),
        "pending": pending,
        "can_verify": pending is not None
        and closure_can_verify(user=request.user, closure=pending),
        "request_form": request_form or ClosureRequestForm(auto_id="id_close_%s"),
        "decision_form": decision_form or ClosureDecisionForm(auto_id="id_decide_%s"),
        "reopen_form": reopen_form or ReopenForm(auto_id="id_reopen_%s"),
        "history": case_closure_history(case=case),
        "verified_reasons": [str(reason) for reason in VERIFIED_CLOSE_REASONS],
        "ClosureStatus": ClosureStatus,
    }
    return render(request, "cases/case_closure.html", context, status=status)


# Fields a service names when the record changed under the form (someone else decided
# or acted first): a conflict with the record as it is now, not a mistake in what was
# typed.
CONFLICT_FIELDS = frozenset({"case", "closure", "follow_up", "transfer", "partner"})


def refusal_status(error: ValidationError) -> int:
    keys = set(getattr(error, "error_dict", {}))
    return 409 if keys & CONFLICT_FIELDS else 400


def _resolved_message(closure: CaseClosure) -> str:
    counts = closure.resolved or {}
    return _(
        "Case %(code)s is closed. Closing withdrew %(referrals)s referral(s), ended "
        "%(enrolments)s enrolment(s), took the child off %(entries)s waitlist(s) and "
        "declined %(offers)s slot offer(s)."
    ) % {
        "code": closure.case.code,
        "referrals": counts.get("referrals", 0),
        "enrolments": counts.get("enrolments", 0),
        "entries": counts.get("waitlist_entries", 0),
        "offers": counts.get("slot_offers", 0),
    }


def _audit_closure(request: HttpRequest, *, case: Case, closure: CaseClosure, what: str) -> None:
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.CLOSURE,
        record_id=closure.pk,
        case=case,
        detail=f"{what} reason={closure.reason} status={closure.status}",
    )


@require_GET
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def case_closure(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_closure(request, _closure_case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def case_closure_ask(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = ClosureRequestForm(request.POST, auto_id="id_close_%s")
    if not form.is_valid():
        return _render_closure(request, case, request_form=form, status=400)
    try:
        closure = case_closure_request(
            actor=actor_of(request),
            case=case,
            reason=form.cleaned_data["reason"],
            reason_text=form.cleaned_data["reason_text"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_closure(request, case, request_form=form, status=refusal_status(error))
    _audit_closure(request, case=case, closure=closure, what="requested")
    if closure.status == ClosureStatus.CLOSED:
        messages.success(request, _resolved_message(closure))
    else:
        messages.success(
            request,
            _("The closure waits for a colleague of the team to verify it; the case stays open."),
        )
    return redirect("cases:case_closure", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def case_closure_decide(request: HttpRequest, case_id: UUID, closure_id: UUID) -> HttpResponse:
    case = _closure_case_or_404(request, case_id)
    closure = closure_get_for_case(case=case, closure_id=closure_id)
    if closure is None:
        raise Http404
    form = ClosureDecisionForm(request.POST, auto_id="id_decide_%s")
    if not form.is_valid():
        return _render_closure(request, case, decision_form=form, status=400)
    try:
        decided = case_closure_verify(
            actor=actor_of(request),
            closure=closure,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data["note"],
        )
    except PermissionDenied as error:
        form.add_error(None, str(error))
        return _render_closure(request, case, decision_form=form, status=403)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_closure(request, case, decision_form=form, status=refusal_status(error))
    _audit_closure(request, case=case, closure=decided, what="decided")
    if decided.status == ClosureStatus.CLOSED:
        messages.success(request, _resolved_message(decided))
    else:
        messages.success(request, _("The closure was refused; the case stays open."))
    return redirect("cases:case_closure", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def case_closure_withdraw(request: HttpRequest, case_id: UUID, closure_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    closure = closure_get_for_case(case=case, closure_id=closure_id)
    if closure is None:
        raise Http404
    try:
        withdrawn = case_closure_cancel(actor=actor_of(request), closure=closure)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_closure(request, case, status=refusal_status(error))
    _audit_closure(request, case=case, closure=withdrawn, what="withdrawn")
    messages.success(request, _("The closure request was withdrawn."))
    return redirect("cases:case_closure", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def case_reopen_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = ReopenForm(request.POST, auto_id="id_reopen_%s")
    if not form.is_valid():
        return _render_closure(request, case, reopen_form=form, status=400)
    try:
        reopening = case_reopen(
            actor=actor_of(request), case=case, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_closure(request, case, reopen_form=form, status=refusal_status(error))
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.CASE,
        record_id=case.pk,
        case=case,
        detail=f"reopened reopening={reopening.pk}",
    )
    messages.success(request, _("Case %(code)s is open again.") % {"code": case.code})
    return redirect("cases:case_closure", case_id=case.pk)


# --- admissibility ---------------------------------------------------------------------


def _render_admissibility(
    request: HttpRequest, case: Case, *, form: AdmissibilityForm | None = None, status: int = 200
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.ADMISSIBILITY,
        record_id=case.pk,
        case=case,
    )
    context = {
        "case": case,
        "is_open": case.status == CaseStatus.OPEN,
        "form": form
        or AdmissibilityForm(criteria=admissibility_checklist(), auto_id="id_admit_%s"),
        "decisions": admissibility_decisions_for_case(case=case),
    }
    return render(request, "cases/case_admissibility.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_admissibility(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_admissibility(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def case_admissibility_post(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = AdmissibilityForm(
        request.POST, criteria=admissibility_checklist(), auto_id="id_admit_%s"
    )
    if not form.is_valid():
        return _render_admissibility(request, case, form=form, status=400)
    try:
        case_admissibility_decide(
            actor=actor_of(request),
            case=case,
            admissibility=form.cleaned_data["admissibility"],
            reason=form.cleaned_data["reason"],
            answers=form.answers(),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_admissibility(request, case, form=form, status=refusal_status(error))
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.ADMISSIBILITY,
        record_id=case.pk,
        case=case,
        detail=f"outcome={case.admissibility}",
    )
    if case.admissibility == Admissibility.ADMITTED:
        messages.success(request, _("Case %(code)s is admitted.") % {"code": case.code})
        return redirect("matching:case_detail", case_id=case.pk)
    messages.success(
        request, _("Case %(code)s was not admitted and is closed.") % {"code": case.code}
    )
    return redirect("cases:case_admissibility", case_id=case.pk)


# --- follow-up -------------------------------------------------------------------------


def _render_follow_up(
    request: HttpRequest,
    case: Case,
    *,
    schedule_form: FollowUpScheduleForm | None = None,
    bound: tuple[UUID, FollowUpRecordForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.FOLLOW_UP,
        record_id=case.pk,
        case=case,
    )
    rows = []
    for follow_up in follow_ups_for_case(case=case):
        form = None
        if follow_up.done_on is None:
            form = (
                bound[1]
                if bound is not None and bound[0] == follow_up.pk
                else FollowUpRecordForm(auto_id=f"id_record_{follow_up.pk}_%s")
            )
        rows.append((follow_up, form))
    context = {
        "case": case,
        "is_open": case.status == CaseStatus.OPEN,
        "rows": rows,
        "schedule_form": schedule_form
        or FollowUpScheduleForm(needs=case.needs.select_related("term"), auto_id="id_plan_%s"),
        "today": timezone.localdate(),
    }
    return render(request, "cases/case_follow_up.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_follow_up(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_follow_up(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def follow_up_plan(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = FollowUpScheduleForm(
        request.POST, needs=case.needs.select_related("term"), auto_id="id_plan_%s"
    )
    if not form.is_valid():
        return _render_follow_up(request, case, schedule_form=form, status=400)
    try:
        follow_up = follow_up_schedule(actor=actor_of(request), case=case, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_follow_up(request, case, schedule_form=form, status=refusal_status(error))
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.FOLLOW_UP,
        record_id=follow_up.pk,
        case=case,
    )
    messages.success(request, _("The contact is planned."))
    return redirect("cases:case_follow_up", case_id=case.pk)


@require_POST
@role_required(Role.CASEWORKER)
def follow_up_done(request: HttpRequest, case_id: UUID, follow_up_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    follow_up = follow_up_get_for_case(case=case, follow_up_id=follow_up_id)
    if follow_up is None:
        raise Http404
    form = FollowUpRecordForm(request.POST, auto_id=f"id_record_{follow_up.pk}_%s")
    if not form.is_valid():
        return _render_follow_up(request, case, bound=(follow_up.pk, form), status=400)
    try:
        follow_up_record(actor=actor_of(request), follow_up=follow_up, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_follow_up(
            request, case, bound=(follow_up.pk, form), status=refusal_status(error)
        )
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.FOLLOW_UP,
        record_id=follow_up.pk,
        case=case,
        detail=f"result={follow_up.result}",
    )
    messages.success(request, _("The contact is recorded."))
    return redirect("cases:case_follow_up", case_id=case.pk)


# --- notes -----------------------------------------------------------------------------


def _render_notes(
    request: HttpRequest, case: Case, *, form: CaseNoteForm | None = None, status: int = 200
) -> HttpResponse:
    notes = case_notes_for_user(case=case, user=request.user)
    audit_record(
        request=request,
        action=AuditAction.LIST,
        record_type=AuditRecordType.NOTE,
        record_id=case.pk,
        case=case,
        detail=f"count={len(notes)}",
    )
    context = {
        "case": case,
        "notes": notes,
        "form": form or CaseNoteForm(auto_id="id_note_%s"),
    }
    return render(request, "cases/case_notes.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_notes(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_notes(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def case_note_add(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = CaseNoteForm(request.POST, auto_id="id_note_%s")
    if not form.is_valid():
        return _render_notes(request, case, form=form, status=400)
    try:
        note = case_note_write(actor=actor_of(request), case=case, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_notes(request, case, form=form, status=400)
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.NOTE,
        record_id=note.pk,
        case=case,
    )
    messages.success(request, _("The note is saved."))
    return redirect("cases:case_notes", case_id=case.pk)


# --- route -----------------------------------------------------------------------------


def _render_route(
    request: HttpRequest, case: Case, *, form: RouteDecisionForm | None = None, status: int = 200
) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.ADMISSIBILITY,
        record_id=case.pk,
        case=case,
        detail="route",
    )
    context = {
        "case": case,
        "may_decide": case.status == CaseStatus.OPEN
        and case.admissibility == Admissibility.ADMITTED,
        "form": form or RouteDecisionForm(auto_id="id_route_%s"),
        "decisions": route_decisions_for_case(case=case),
    }
    return render(request, "cases/case_route.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_route(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render_route(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def case_route_post(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = RouteDecisionForm(request.POST, auto_id="id_route_%s")
    if not form.is_valid():
        return _render_route(request, case, form=form, status=400)
    try:
        decision = case_route_decide(actor=actor_of(request), case=case, **form.cleaned_data)
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_route(request, case, form=form, status=refusal_status(error))
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.ADMISSIBILITY,
        record_id=decision.pk,
        case=case,
        detail=f"route={decision.route}",
    )
    messages.success(request, _("The route decision is recorded."))
    return redirect("cases:case_route", case_id=case.pk)
