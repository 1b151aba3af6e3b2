"""The family's pages: the family (children by code, caregivers, the family plan, the
family's alerts, the accompaniment flag), the accompaniment log, and each write as a
POST that returns to the page, with what was wrong told by field.

A user with no standing on any child's case gets a 404 (and the log keeps the try); a
partner without the family's consent to share gets a 403, as on the plan's pages.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role, User
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.forms_family import (
    AccompanimentEndForm,
    AccompanimentStartForm,
    CaregiverForm,
    FamilyGoalForm,
    FamilyGoalStatusForm,
    FamilyLinkForm,
    SessionForm,
)
from cases.models import Case, Family, FamilyAccompaniment, FamilyGoal
from cases.selectors import case_get_for_case_team
from cases.selectors_family import (
    ACCOMPANIMENT_STARTERS,
    FAMILY_READERS,
    FAMILY_WRITERS,
    SESSION_WRITERS,
    accompaniment_criteria,
    accompaniment_current,
    accompaniment_sessions,
    family_accompaniments,
    family_alerts,
    family_criteria_met,
    family_get_for_user,
    family_goals,
    family_siblings,
)
from cases.services.family import (
    accompaniment_end,
    accompaniment_session_log,
    accompaniment_start,
    accompanist_candidates,
    caregiver_add,
    family_child_link,
    family_create,
    family_goal_add,
    family_goal_update,
)

FAMILY_PAGE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)


def _refuse(request: HttpRequest, family: Family, access: str, what: str = "") -> None:
    audit_record(
        request=request,
        action=AuditAction.REFUSED,
        record_type=AuditRecordType.FAMILY,
        record_id=family.pk,
        detail=f"access={access}{' ' + what if what else ''}",
    )
    raise PermissionDenied


def _family_or_refuse(
    request: HttpRequest, family_id: UUID, *, standings: frozenset[str] = FAMILY_READERS
) -> tuple[Family, str]:
    found = family_get_for_user(user=request.user, family_id=family_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.FAMILY, record_id=family_id)
        raise Http404
    family, access = found
    if access not in standings:
        _refuse(request, family, access)
    return family, access


def _audit(request: HttpRequest, family: Family, action: str, detail: str) -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AuditRecordType.FAMILY,
        record_id=family.pk,
        detail=detail,
    )


def _tell(request: HttpRequest, form: forms.Form, error: ValidationError) -> None:
    """Each message of the service, named by the field's label."""
    named = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
    for field, texts in named.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in texts:
            messages.error(request, f"{label}: {text}" if label else text)


def _tell_form(request: HttpRequest, form: forms.Form) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for text in errors:
            messages.error(request, f"{label}: {text}" if label else str(text))


def _back(family: Family, anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("cases:family", args=[family.pk]) + anchor)


def _accompanist_choices(family: Family) -> list[tuple[str, str]]:
    return [
        (str(user.pk), user.get_full_name() or user.username)
        for user, _organization in accompanist_candidates(family=family)
    ]


def _goal_choices(family: Family) -> list[tuple[str, str]]:
    return [(str(goal.pk), goal.description[:80]) for goal in family_goals(family=family)]


@require_GET
@role_required(*FAMILY_PAGE_ROLES)
def family_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, access = _family_or_refuse(request, family_id)
    _audit(request, family, AuditAction.READ, f"access={access}")
    current = accompaniment_current(family=family)
    context: dict[str, Any] = {
        "family": family,
        "access": access,
        "may_write": access in FAMILY_WRITERS,
        "may_start": access in ACCOMPANIMENT_STARTERS and current is None,
        "may_log": access in SESSION_WRITERS and current is not None,
        "children": family_siblings(user=request.user, family=family),
        "caregivers": list(family.caregivers.all()),
        "goals": list(family_goals(family=family)),
        "alerts": family_alerts(family=family),
        "criteria_met": family_criteria_met(family=family, criteria=accompaniment_criteria()),
        "accompaniment": current,
        "caregiver_form": CaregiverForm(auto_id="id_caregiver_%s"),
        "goal_form": FamilyGoalForm(auto_id="id_goal_%s"),
        "goal_status_form": FamilyGoalStatusForm(auto_id=False),
        "start_form": AccompanimentStartForm(
            accompanists=_accompanist_choices(family), auto_id="id_start_%s"
        ),
    }
    return render(request, "cases/family/family.html", context)


@require_GET
@role_required(*FAMILY_PAGE_ROLES)
def accompaniment_log_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, access = _family_or_refuse(request, family_id)
    _audit(request, family, AuditAction.READ, f"access={access} accompaniment")
    current = accompaniment_current(family=family)
    accompaniments = [
        {"accompaniment": item, "sessions": list(accompaniment_sessions(accompaniment=item))}
        for item in family_accompaniments(family=family)
    ]
    context: dict[str, Any] = {
        "family": family,
        "access": access,
        "accompaniment": current,
        "accompaniments": accompaniments,
        "may_log": access in SESSION_WRITERS and current is not None,
        "session_form": SessionForm(goals=_goal_choices(family), auto_id="id_session_%s"),
        "end_form": AccompanimentEndForm(auto_id="id_end_%s"),
    }
    return render(request, "cases/family/accompaniment.html", context)


# --- from the child's case page -------------------------------------------------------


def _lead_case(request: HttpRequest, case_id: UUID) -> Case:
    found = case_get_for_case_team(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise Http404
    case, access = found
    if access != "lead":
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.FAMILY,
            record_id=case.pk,
            case=case,
            detail=f"access={access} lead-only",
        )
        raise PermissionDenied
    return case


@require_POST
@role_required(Role.CASEWORKER)
def family_create_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _lead_case(request, case_id)
    try:
        family = family_create(actor=actor_of(request), case=case)
    except ValidationError as error:
        _tell(request, FamilyLinkForm(), error)
        return redirect("matching:case_detail", case.pk)
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AuditRecordType.FAMILY,
        record_id=family.pk,
        case=case,
        detail="family created",
    )
    messages.success(request, _("Family %(code)s created.") % {"code": family.code})
    return _back(family)


@require_POST
@role_required(Role.CASEWORKER)
def family_link_page(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = _lead_case(request, case_id)
    form = FamilyLinkForm(request.POST)
    if not form.is_valid():
        _tell_form(request, form)
        return redirect("matching:case_detail", case.pk)
    try:
        family = family_child_link(
            actor=actor_of(request), case=case, family_code=form.cleaned_data["family_code"]
        )
    except ValidationError as error:
        _tell(request, form, error)
        return redirect("matching:case_detail", case.pk)
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.FAMILY,
        record_id=family.pk,
        case=case,
        detail="child linked",
    )
    messages.success(request, _("The case joined family %(code)s.") % {"code": family.code})
    return _back(family)


# --- the family's writes ----------------------------------------------------------------


@require_POST
@role_required(Role.CASEWORKER)
def caregiver_add_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=FAMILY_WRITERS)
    form = CaregiverForm(request.POST)
    if not form.is_valid():
        _tell_form(request, form)
        return _back(family, "#caregivers")
    try:
        caregiver = caregiver_add(actor=actor_of(request), family=family, **form.cleaned_data)
    except ValidationError as error:
        _tell(request, form, error)
        return _back(family, "#caregivers")
    _audit(request, family, AuditAction.CREATE, f"caregiver {caregiver.pk}")
    messages.success(request, _("Caregiver added."))
    return _back(family, "#caregivers")


@require_POST
@role_required(Role.CASEWORKER)
def family_goal_add_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=FAMILY_WRITERS)
    form = FamilyGoalForm(request.POST)
    if not form.is_valid():
        _tell_form(request, form)
        return _back(family, "#family-plan")
    try:
        goal = family_goal_add(
            actor=actor_of(request), family=family, description=form.cleaned_data["description"]
        )
    except ValidationError as error:
        _tell(request, form, error)
        return _back(family, "#family-plan")
    _audit(request, family, AuditAction.CREATE, f"goal {goal.pk}")
    messages.success(request, _("Goal added to the family plan."))
    return _back(family, "#family-plan")


@require_POST
@role_required(*FAMILY_PAGE_ROLES)
def family_goal_update_page(request: HttpRequest, family_id: UUID, goal_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=SESSION_WRITERS)
    goal = (
        FamilyGoal.objects.filter(pk=goal_id, plan__family=family)
        .select_related("plan__family")
        .first()
    )
    if goal is None:
        raise Http404
    form = FamilyGoalStatusForm(request.POST)
    if not form.is_valid():
        _tell_form(request, form)
        return _back(family, "#family-plan")
    try:
        family_goal_update(actor=actor_of(request), goal=goal, status=form.cleaned_data["status"])
    except ValidationError as error:
        _tell(request, form, error)
        return _back(family, "#family-plan")
    _audit(request, family, AuditAction.UPDATE, f"goal {goal.pk} status={goal.status}")
    messages.success(request, _("Goal updated."))
    return _back(family, "#family-plan")


@require_POST
@role_required(Role.CASEWORKER, Role.SUPERVISOR)
def accompaniment_start_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=ACCOMPANIMENT_STARTERS)
    form = AccompanimentStartForm(request.POST, accompanists=_accompanist_choices(family))
    if not form.is_valid():
        _tell_form(request, form)
        return _back(family, "#accompaniment")
    accompanist = User.objects.get(pk=form.cleaned_data["accompanist"])
    try:
        accompaniment = accompaniment_start(
            actor=actor_of(request),
            family=family,
            accompanist=accompanist,
            intensity=form.cleaned_data["intensity"],
            started_on=form.cleaned_data["started_on"],
        )
    except ValidationError as error:
        _tell(request, form, error)
        return _back(family, "#accompaniment")
    _audit(request, family, AuditAction.CREATE, f"accompaniment {accompaniment.pk}")
    messages.success(request, _("Family accompaniment started."))
    return _back(family, "#accompaniment")


def _current_or_404(family: Family) -> FamilyAccompaniment:
    current = accompaniment_current(family=family)
    if current is None:
        raise Http404
    return current


def _log(family: Family) -> HttpResponseRedirect:
    return redirect("cases:family_accompaniment", family.pk)


@require_POST
@role_required(*FAMILY_PAGE_ROLES)
def session_log_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=SESSION_WRITERS)
    current = _current_or_404(family)
    form = SessionForm(request.POST, goals=_goal_choices(family))
    if not form.is_valid():
        _tell_form(request, form)
        return _log(family)
    data = form.cleaned_data
    try:
        session = accompaniment_session_log(
            actor=actor_of(request),
            accompaniment=current,
            kind=data["kind"],
            held_on=data["held_on"],
            participants=data["participants"],
            progress=data["progress"],
            goal_ids=[UUID(value) for value in data["goals"]],
            next_step=data["next_step"],
        )
    except ValidationError as error:
        _tell(request, form, error)
        return _log(family)
    _audit(request, family, AuditAction.CREATE, f"session {session.pk}")
    messages.success(request, _("Session recorded."))
    return _log(family)


@require_POST
@role_required(*FAMILY_PAGE_ROLES)
def accompaniment_end_page(request: HttpRequest, family_id: UUID) -> HttpResponse:
    family, _access = _family_or_refuse(request, family_id, standings=SESSION_WRITERS)
    current = _current_or_404(family)
    form = AccompanimentEndForm(request.POST)
    if not form.is_valid():
        _tell_form(request, form)
        return _log(family)
    try:
        accompaniment_end(
            actor=actor_of(request),
            accompaniment=current,
            exit_reason=form.cleaned_data["exit_reason"],
            ended_on=form.cleaned_data["ended_on"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as error:
        _tell(request, form, error)
        return _log(family)
    _audit(request, family, AuditAction.UPDATE, f"accompaniment {current.pk} ended")
    messages.success(request, _("Family accompaniment ended."))
    return _log(family)
