"""Provider staff: the referrals sent to their services, as packets, and their answers.

A provider sees the packet only (``matching.selectors.referral_packet``): never the
birth date, the home, the identity or the case's other referrals.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from matching.forms import ProviderFilterForm, ReferralMoveForm, add_service_errors
from matching.models import Referral, ReferralStatus
from matching.selectors import (
    referral_get_for_provider,
    referral_inbox_for_provider,
    referral_packet,
)
from matching.services import PROVIDER, referral_allowed_moves, referral_transition
from matching.views.common import audit_referral_moved

REFERRALS_PER_PAGE = 25


@require_GET
@role_required(Role.PROVIDER)
def provider_inbox(request: HttpRequest) -> HttpResponse:
    form = ProviderFilterForm(request.GET or None)
    status = 200
    chosen: str | None = None
    if form.is_bound:
        if form.is_valid():
            chosen = form.cleaned_data["status"] or None
        else:
            status = 400
    referrals = referral_inbox_for_provider(user=request.user, status=chosen)
    page = Paginator(referrals, REFERRALS_PER_PAGE).get_page(request.GET.get("page"))
    packets = [referral_packet(referral=referral) for referral in page.object_list]
    audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(packets), page=page.number)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/provider_inbox.html",
        {"form": form, "page": page, "packets": packets, "query": query.urlencode()},
        status=status,
    )


def _move_forms(
    referral: Referral, bound: ReferralMoveForm | None = None
) -> list[tuple[str, ReferralMoveForm]]:
    """One form per move the provider may make now; the posted one keeps its errors."""
    allowed = referral_allowed_moves(referral=referral, side=PROVIDER)
    forms = []
    for move in allowed:
        if bound is not None and bound.data.get("to_status") == move:
            forms.append((move, bound))
        else:
            form = ReferralMoveForm(
                initial={"to_status": move}, allowed=allowed, auto_id=f"id_{move}_%s"
            )
            forms.append((move, form))
    return forms


@require_http_methods(["GET", "POST"])
@role_required(Role.PROVIDER)
def provider_referral(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = referral_get_for_provider(user=request.user, referral_id=referral_id)
    if referral is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
        raise Http404
    bound: ReferralMoveForm | None = None
    if request.method == "POST":
        allowed = referral_allowed_moves(referral=referral, side=PROVIDER)
        move = str(request.POST.get("to_status", ""))
        bound = ReferralMoveForm(request.POST, allowed=allowed, auto_id=f"id_{move}_%s")
        if bound.is_valid():
            data = bound.cleaned_data
            try:
                referral_transition(
                    actor=actor_of(request),
                    referral=referral,
                    to_status=data["to_status"],
                    note=data.get("note", ""),
                    rejection_reason=data.get("rejection_reason", ""),
                    feedback=data.get("feedback", ""),
                )
            except ValidationError as error:
                add_service_errors(bound, error)
            else:
                audit_referral_moved(request, referral=referral, to_status=data["to_status"])
                messages.success(
                    request,
                    _("The referral is now “%(status)s”.")
                    % {"status": ReferralStatus(data["to_status"]).label},
                )
                return redirect("matching:provider_referral", referral_id=referral.pk)
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail="packet",
    )
    forms = _move_forms(referral, bound)
    # A move that is not (or no longer) allowed has no form of its own to show it.
    stray = bound if bound is not None and all(f is not bound for _m, f in forms) else None
    context = {
        "packet": referral_packet(referral=referral),
        "referral": referral,
        "forms": forms,
        "stray_form": stray,
    }
    return render(request, "matching/provider_referral.html", context, status=400 if bound else 200)
