"""The pages of possible duplicates and their links: what a team learns of another
team's case (its name; once linked, its code) and the requests it is asked to answer."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction
from audit.services import audit_list, audit_record, audit_refused
from cases.forms_intake import LinkAnswerForm, LinkAskForm
from cases.models import Case
from cases.selectors_intake import (
    AUDIT_LINK_REQUEST,
    case_duplicates_for_case,
    case_links_for_case,
    link_request_get_for_user,
    link_requests_to_answer,
)
from cases.services.intake import case_link_answer, case_link_request
from cases.views import case_or_404
from cases.views.intake import decided_status

# --- possible duplicates and links -------------------------------------------------------


def _render_links(request: HttpRequest, case: Case, status: int = 200) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AUDIT_LINK_REQUEST,
        record_id=case.pk,
        case=case,
    )
    links = case_links_for_case(case=case)
    asked = {link.other_team for link in links if not link.incoming}
    duplicates = [
        {"team": dup, "asked": dup.organization_name in asked}
        for dup in case_duplicates_for_case(case=case)
        if dup.organization_id != case.organization_id
    ]
    same_team = any(
        dup.organization_id == case.organization_id for dup in case_duplicates_for_case(case=case)
    )
    return render(
        request,
        "cases/intake/case_links.html",
        {"case": case, "duplicates": duplicates, "same_team": same_team, "links": links},
        status=status,
    )


@require_GET
@role_required(Role.CASEWORKER)
def case_links(request: HttpRequest, case_id: UUID) -> HttpResponse:
    """Possible duplicates of a case (other teams' names only) and its links."""
    return _render_links(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def case_link_ask(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = LinkAskForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the team to ask."))
        return _render_links(request, case, status=400)
    try:
        link = case_link_request(
            actor=actor_of(request), case=case, organization=form.cleaned_data["organization"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return _render_links(request, case, status=400)
    audit_record(
        request=request,
        action=AuditAction.CREATE,
        record_type=AUDIT_LINK_REQUEST,
        record_id=link.pk,
        case=case,
    )
    messages.success(request, _("The other team was asked to link the cases."))
    return redirect("cases:case_links", case_id=case.pk)


@require_GET
@role_required(Role.CASEWORKER)
def link_requests(request: HttpRequest) -> HttpResponse:
    """Link requests the team is asked to answer: the asking team, and the team's case."""
    return _render_link_requests(request)


def _render_link_requests(request: HttpRequest, status: int = 200) -> HttpResponse:
    pending = [
        (link, LinkAnswerForm(auto_id=f"id_answer_{link.pk}_%s"))
        for link in link_requests_to_answer(user=request.user)
    ]
    audit_list(request, record_type=AUDIT_LINK_REQUEST, count=len(pending))
    return render(request, "cases/intake/link_requests.html", {"pending": pending}, status=status)


@require_POST
@role_required(Role.CASEWORKER)
def link_request_answer(request: HttpRequest, request_id: UUID) -> HttpResponse:
    link = link_request_get_for_user(user=request.user, request_id=request_id)
    if link is None:
        audit_refused(request, record_type=AUDIT_LINK_REQUEST, record_id=request_id)
        raise Http404
    form = LinkAnswerForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            link = case_link_answer(
                actor=actor_of(request),
                link_request=link,
                accept=form.cleaned_data["decision"] == "accept",
            )
        except PermissionDenied as error:
            messages.error(request, str(error))
            status = 403
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            status = decided_status(error)
        else:
            audit_record(
                request=request,
                action=AuditAction.UPDATE,
                record_type=AUDIT_LINK_REQUEST,
                record_id=link.pk,
                case_id=link.to_case_id,
                case_code=link.to_case.code,
                detail=f"status={link.status}",
            )
            messages.success(request, _("Your answer was sent to the other team."))
            return redirect("cases:link_requests")
    else:
        messages.error(request, _("Choose an answer."))
    return _render_link_requests(request, status=status)
