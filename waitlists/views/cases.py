"""The caseworker's view of a case's waitlists: places, offers of a freed slot, leaving lists."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.models import Case
from cases.views import case_or_404
from matching.forms import add_service_errors
from waitlists.forms import OfferAnswerForm, WaitlistWithdrawForm
from waitlists.selectors import (
    case_waitlist_places,
    slot_offer_get_for_case,
    slot_offers_pending_for_case,
    waitlist_entries_for_case,
)
from waitlists.services import slot_offer_answer, waitlist_withdraw

Bound = tuple[str, forms.Form]


def _render(
    request: HttpRequest, case: Case, *, bound: Bound | None = None, status: int = 200
) -> HttpResponse:
    entries = waitlist_entries_for_case(case_id=case.pk)
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.WAITLIST,
        record_id=case.pk,
        case=case,
    )
    places = sorted(case_waitlist_places(case_id=case.pk), key=lambda p: p.entry.requested_at)
    organizations = {entry.pk: entry.service.organization.name for entry in entries}
    offers = []
    shown = set()
    for offer in slot_offers_pending_for_case(case_id=case.pk):
        key = f"offer-{offer.pk}"
        shown.add(key)
        form = (
            bound[1]
            if bound is not None and bound[0] == key
            else OfferAnswerForm(auto_id=f"id_offer_{offer.pk}_%s")
        )
        offers.append((offer, form))
    withdraw_form: forms.Form
    if bound is not None and bound[0] == "withdraw":
        withdraw_form = bound[1]
    else:
        withdraw_form = WaitlistWithdrawForm(
            entries=entries,
            initial={"keep": [str(e.pk) for e in entries]},
            auto_id="id_withdraw_%s",
        )
    if entries:
        shown.add("withdraw")
    context = {
        "case": case,
        "places": [(place, organizations.get(place.entry.pk, "")) for place in places],
        "offers": offers,
        "withdraw_form": withdraw_form,
        "has_entries": bool(entries),
        "stray_form": bound[1] if bound is not None and bound[0] not in shown else None,
    }
    return render(request, "waitlists/case_waitlists.html", context, status=status)


@require_GET
@role_required(Role.CASEWORKER)
def case_waitlists(request: HttpRequest, case_id: UUID) -> HttpResponse:
    return _render(request, case_or_404(request, case_id))


@require_POST
@role_required(Role.CASEWORKER)
def offer_answer(request: HttpRequest, case_id: UUID, offer_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    offer = slot_offer_get_for_case(case_id=case.pk, offer_id=offer_id)
    if offer is None:
        audit_refused(request, record_type=AuditRecordType.OFFER, record_id=offer_id)
        raise Http404
    form = OfferAnswerForm(request.POST, auto_id=f"id_offer_{offer.pk}_%s")
    if form.is_valid():
        try:
            slot_offer_answer(
                actor=actor_of(request),
                offer=offer,
                accept=form.accepted,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.UPDATE,
                record_type=AuditRecordType.OFFER,
                record_id=offer.pk,
                case=case,
                detail="accepted" if form.accepted else "declined",
            )
            if form.accepted:
                text = _("Case %(code)s took the slot at %(site)s.")
            else:
                text = _(
                    "The slot at %(site)s was declined; case %(code)s left that waitlist "
                    "and the slot goes to the next in line."
                )
            messages.success(
                request,
                text % {"code": case.code, "site": offer.service_at_site.site.name},
            )
            return redirect("waitlists:case_waitlists", case_id=case.pk)
    return _render(request, case, bound=(f"offer-{offer.pk}", form), status=400)


@require_POST
@role_required(Role.CASEWORKER)
def withdraw(request: HttpRequest, case_id: UUID) -> HttpResponse:
    case = case_or_404(request, case_id)
    form = WaitlistWithdrawForm(
        request.POST, entries=waitlist_entries_for_case(case_id=case.pk), auto_id="id_withdraw_%s"
    )
    if form.is_valid():
        try:
            left = waitlist_withdraw(
                actor=actor_of(request),
                case=case,
                keep_entry_ids={UUID(value) for value in form.cleaned_data["keep"]},
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request=request,
                action=AuditAction.UPDATE,
                record_type=AuditRecordType.WAITLIST,
                record_id=case.pk,
                case=case,
                detail=f"left={left}",
            )
            messages.success(
                request,
                ngettext(
                    "Case %(code)s left %(n)s waitlist.",
                    "Case %(code)s left %(n)s waitlists.",
                    left,
                )
                % {"code": case.code, "n": left},
            )
            return redirect("waitlists:case_waitlists", case_id=case.pk)
    return _render(request, case, bound=("withdraw", form), status=400)
