"""Pages of the network's case-review meetings. Thin: selectors and services decide."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from cases.models import Case
from network.forms import (
    AddCaseForm,
    AgreementForm,
    AgreementStatusForm,
    DiscussionForm,
    MeetingForm,
    RoundLinkForm,
)
from network.models import AgendaItem, Agreement, Meeting
from network.selectors import (
    agenda_item_can_read,
    agenda_items_for_user,
    agenda_proposal,
    agreement_can_mark,
    agreements_for_user,
    attendance_by_organization,
    meeting_can_manage,
    meeting_get_for_user,
    meeting_list_for_user,
    meeting_previous,
)
from network.services import (
    agenda_item_add,
    agenda_item_record,
    agenda_proposal_accept,
    agreement_add,
    agreement_mark,
    meeting_attendance_record,
    meeting_convene,
    meeting_create,
    meeting_round_link,
)
from web.forms import add_service_errors

MEMBER_ROLES = (Role.COORDINATOR, Role.CASEWORKER, Role.SUPERVISOR, Role.PROVIDER)
LIST_ROWS = 50


def _meeting_or_404(request: HttpRequest, meeting_id: UUID) -> Meeting:
    meeting = meeting_get_for_user(user=request.user, meeting_id=meeting_id)
    if meeting is None:
        audit_refused(request, record_type=AuditRecordType.MEETING, record_id=meeting_id)
        raise Http404
    return meeting


@require_http_methods(["GET", "POST"])
@role_required(*MEMBER_ROLES)
def meeting_list(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    manager = meeting_can_manage(user=user, meeting=Meeting())
    form = MeetingForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                meeting = meeting_create(
                    actor=user,
                    title=data["title"],
                    held_on=data["held_on"],
                    territory=data["territory"],
                    place=data["place"],
                    organizations=data["organizations"],
                    people=[
                        (person.memberships.select_related("organization")[0].organization, person)
                        for person in data["people"]
                    ],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The meeting was created. Prepare its agenda."))
                return redirect("network:meeting_detail", meeting_id=meeting.pk)
    meetings = meeting_list_for_user(user=user)
    year = timezone.localdate().year
    shown = list(meetings[:LIST_ROWS])
    audit_list(request, record_type=AuditRecordType.MEETING, count=len(shown))
    return render(
        request,
        "network/meeting_list.html",
        {
            "meetings": shown,
            "form": form if manager else None,
            "year": year,
            "attendance": attendance_by_organization(meetings=meetings, year=year),
        },
        status=400 if form.is_bound else 200,
    )


def _detail_context(request: HttpRequest, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    user = actor_of(request)
    manager = meeting_can_manage(user=user, meeting=meeting)
    items = agenda_items_for_user(user=user, meeting=meeting)
    previous = meeting_previous(meeting=meeting)
    previous_agreements = agreements_for_user(user=user, meeting=previous) if previous else []
    proposal = (
        agenda_proposal(territory_id=meeting.territory_id, exclude=[item.case_id for item in items])
        if manager and meeting.status != "held"
        else []
    )
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.MEETING,
        record_id=meeting.pk,
        detail=f"agenda items={len(items)} proposed={len(proposal)}",
    )
    return {
        "meeting": meeting,
        "manager": manager,
        "items": [
            {
                "item": item,
                "discussion": forms.get(f"discussion-{item.pk}")
                or DiscussionForm(
                    prefix=f"d-{item.pk}",
                    initial={"challenges": item.challenges, "progress": item.progress},
                ),
                "agreement_form": forms.get(f"agreement-{item.pk}")
                or AgreementForm(prefix=f"a-{item.pk}", meeting=meeting),
            }
            for item in items
        ],
        "previous": previous,
        "previous_agreements": [
            {"agreement": a, "can_mark": agreement_can_mark(user=user, agreement=a)}
            for a in previous_agreements
        ],
        "proposal": proposal,
        "add_form": forms.get("add") or AddCaseForm(),
        "round_form": forms.get("round") or RoundLinkForm(meeting=meeting),
        "invitations": meeting.invitations.select_related("organization", "user"),
        "status_form": AgreementStatusForm(),
    }


@require_http_methods(["GET", "POST"])
@role_required(*MEMBER_ROLES)
def meeting_detail(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    meeting = _meeting_or_404(request, meeting_id)
    user = actor_of(request)
    forms: dict[str, Any] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "add":
                form = AddCaseForm(request.POST)
                forms["add"] = form
                if form.is_valid():
                    case = Case.objects.filter(code=form.cleaned_data["code"].strip()).first()
                    if case is None:
                        raise ValidationError({"code": _("No case has this code.")})
                    agenda_item_add(actor=user, meeting=meeting, case=case)
                    messages.success(request, _("The case is on the agenda."))
                    return redirect("network:meeting_detail", meeting_id=meeting.pk)
            elif action == "propose":
                added = agenda_proposal_accept(actor=user, meeting=meeting)
                messages.success(request, _("%(n)s proposed cases were added.") % {"n": added})
                return redirect("network:meeting_detail", meeting_id=meeting.pk)
            elif action == "convene":
                told = meeting_convene(actor=user, meeting=meeting)
                messages.success(
                    request, _("The meeting was convened; %(n)s people were told.") % {"n": told}
                )
                return redirect("network:meeting_detail", meeting_id=meeting.pk)
            elif action == "attendance":
                meeting_attendance_record(
                    actor=user, meeting=meeting, present_ids=request.POST.getlist("present")
                )
                messages.success(request, _("Attendance was recorded."))
                return redirect("network:meeting_detail", meeting_id=meeting.pk)
            elif action == "round":
                round_form = RoundLinkForm(request.POST, meeting=meeting)
                forms["round"] = round_form
                if round_form.is_valid():
                    meeting_round_link(
                        actor=user,
                        meeting=meeting,
                        allocation_round=round_form.cleaned_data["allocation_round"],
                    )
                    messages.success(request, _("The allocation round was linked."))
                    return redirect("network:meeting_detail", meeting_id=meeting.pk)
            else:
                return HttpResponse(_("Unknown action."), status=400)
        except ValidationError as error:
            target = forms.get("add") or forms.get("round")
            if target is None:
                messages.error(request, " ".join(error.messages))
            else:
                add_service_errors(target, error)
    context = _detail_context(request, meeting, **forms)
    return render(request, "network/meeting_detail.html", context, status=400 if forms else 200)


@require_POST
@role_required(*MEMBER_ROLES)
def agenda_item_update(request: HttpRequest, meeting_id: UUID, item_id: UUID) -> HttpResponse:
    """Record a case's discussion, and an agreement if one is written."""
    meeting = _meeting_or_404(request, meeting_id)
    user = actor_of(request)
    item = (
        AgendaItem.objects.select_related("case", "meeting")
        .filter(pk=item_id, meeting=meeting)
        .first()
    )
    if item is None or not agenda_item_can_read(user=user, item=item):
        audit_refused(request, record_type=AuditRecordType.MEETING, record_id=item_id)
        raise Http404
    discussion = DiscussionForm(request.POST, prefix=f"d-{item.pk}")
    agreement = AgreementForm(request.POST, prefix=f"a-{item.pk}", meeting=meeting)
    wants_agreement = bool(request.POST.get(f"a-{item.pk}-text", "").strip())
    if discussion.is_valid() and (not wants_agreement or agreement.is_valid()):
        try:
            agenda_item_record(
                actor=user,
                item=item,
                challenges=discussion.cleaned_data["challenges"],
                progress=discussion.cleaned_data["progress"],
            )
            if wants_agreement:
                data = agreement.cleaned_data
                agreement_add(
                    actor=user,
                    item=item,
                    text=data["text"],
                    organization=data["organization"],
                    responsible=data["responsible"],
                    due_on=data["due_on"],
                )
        except ValidationError as error:
            add_service_errors(agreement, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.UPDATE,
                record_type=AuditRecordType.MEETING,
                record_id=meeting.pk,
                case=item.case,
            )
            messages.success(request, _("The discussion was recorded."))
            return redirect(f"/reuniones/{meeting.pk}/#item-{item.pk}")
    context = _detail_context(
        request,
        meeting,
        **{f"discussion-{item.pk}": discussion, f"agreement-{item.pk}": agreement},
    )
    return render(request, "network/meeting_detail.html", context, status=400)


@require_POST
@role_required(*MEMBER_ROLES)
def agreement_status(request: HttpRequest, agreement_id: UUID) -> HttpResponse:
    user = actor_of(request)
    agreement = (
        Agreement.objects.select_related("case", "item__meeting").filter(pk=agreement_id).first()
    )
    if agreement is None or not agreement_can_mark(user=user, agreement=agreement):
        audit_refused(request, record_type=AuditRecordType.MEETING, record_id=agreement_id)
        raise Http404
    form = AgreementStatusForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Choose a valid status."), status=400)
    agreement_mark(actor=user, agreement=agreement, status=form.cleaned_data["status"])
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.MEETING,
        record_id=agreement.item.meeting_id,
        case=agreement.case,
    )
    messages.success(request, _("The agreement was updated."))
    # Marked from the next meeting's page (its previous agreements): back there.
    try:
        back = UUID(request.POST.get("from_meeting", ""))
    except ValueError:
        back = agreement.item.meeting_id
    return redirect("network:meeting_detail", meeting_id=back)


@require_http_methods(["GET"])
@role_required(*MEMBER_ROLES)
def meeting_minutes(request: HttpRequest, meeting_id: UUID) -> HttpResponse:
    """The minutes, to print: case codes only, the items the reader may see."""
    meeting = _meeting_or_404(request, meeting_id)
    user = actor_of(request)
    items = agenda_items_for_user(user=user, meeting=meeting)
    audit_record(
        request=request,
        action=AuditAction.EXPORT,
        record_type=AuditRecordType.MEETING,
        record_id=meeting.pk,
        detail=f"minutes items={len(items)}",
    )
    return render(
        request,
        "network/meeting_minutes.html",
        {
            "meeting": meeting,
            "items": items,
            "invitations": meeting.invitations.select_related("organization", "user"),
        },
    )
