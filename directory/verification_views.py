"""Listing verification pages: the provider's link (no account), the signed-in provider's
form, and the coordinator's review queue.

The link's page needs no account: its token is the credential. As the referral link's
page does, it masks the token out of ``request.path`` before anything logs it, is rate
limited per client address and per token, takes its POST without a CSRF cookie (a
forger would need the token itself), and answers ``no-store`` with no Referer.
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import actor_of, coordinator_required, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from directory.models import ListingUpdate, Organization, ServiceAtSite
from directory.selectors import organization_can_edit_offer
from directory.selectors.verification import (
    listing_current,
    listing_update_get_pending,
    listing_update_recent,
    listing_update_review_queue,
    organization_list_for_provider,
    verification_listing_rows,
    verification_request_list_unanswered,
)
from directory.verification import (
    VerificationLinkUnusable,
    listing_update_accept,
    listing_update_refuse,
    token_digest,
    verification_answer_by_link,
    verification_answer_signed_in,
    verification_request_resolve,
)
from directory.verification_forms import ListingForm, RefuseForm, RespondentForm
from web.client import client_address

MASKED_PATH = "/verificar/…/"


def _over(key: str, rate: str) -> bool:
    count, period_name = rate.split("/")
    period = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period_name[0]]
    full = f"verification-link-rate:{key}:{int(time.time()) // period}"
    cache.add(full, 0, timeout=period + 1)
    try:
        used = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=period + 1)
        used = 1
    return used > int(count)


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _listing_forms(
    rows: list[ServiceAtSite], data: Any = None
) -> list[tuple[ServiceAtSite, ListingForm]]:
    return [
        (row, ListingForm(data, initial=listing_current(service_at_site=row), prefix=str(row.pk)))
        for row in rows
    ]


def _answers(forms: list[tuple[ServiceAtSite, ListingForm]]) -> dict[UUID, dict[str, Any]]:
    return {row.pk: dict(form.cleaned_data) for row, form in forms}


def _unusable(request: HttpRequest, error: VerificationLinkUnusable) -> HttpResponse:
    audit_record(
        request=request,
        action=AuditAction.REFUSED,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=error.request.pk if error.request else "",
        detail=f"link {error.reason}",
    )
    messages_by_reason = {
        "unknown": _(
            "This link is not valid. Check that it was copied whole, or ask the network's "
            "coordination for a new one."
        ),
        "expired": _("This link has expired. Ask the network's coordination for a new one."),
        "used": _(
            "This link was already used: the listings were sent for review. Thank you. "
            "Sign in to Puente to verify them again."
        ),
    }
    status = 404 if error.reason == "unknown" else 410
    context = {"message": messages_by_reason[error.reason], "reason": error.reason}
    return _private(render(request, "directory/verification/unusable.html", context, status=status))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verification_link(request: HttpRequest, token: str) -> HttpResponse:
    # Before anything logs or audits the request: its path holds the token.
    request.path = MASKED_PATH
    address = client_address(request) or "unknown"
    by_ip = _over(f"ip:{address}", settings.REFERRAL_LINK_IP_RATE_LIMIT)
    by_token = _over(f"token:{token_digest(token)[:32]}", settings.REFERRAL_LINK_RATE_LIMIT)
    if by_ip or by_token:
        slow = {"message": _("Too many attempts with this link. Wait a minute and try again.")}
        return _private(render(request, "directory/verification/unusable.html", slow, status=429))
    try:
        verification = verification_request_resolve(token=token)
    except VerificationLinkUnusable as error:
        return _unusable(request, error)
    organization = verification.organization
    rows = list(verification_listing_rows(organization=organization))
    if request.method == "POST":
        respondent = RespondentForm(request.POST)
        forms = _listing_forms(rows, request.POST)
        if respondent.is_valid() and all(form.is_valid() for _row, form in forms):
            try:
                updates = verification_answer_by_link(
                    token=token,
                    respondent=respondent.cleaned_data["respondent"],
                    answers=_answers(forms),
                )
            except VerificationLinkUnusable as error:
                return _unusable(request, error)
            except ValidationError as error:
                respondent.add_error(None, " ".join(error.messages))
            else:
                pending = sum(u.status == "pending" for u in updates)
                thanks: dict[str, Any] = {
                    "organization": organization,
                    "pending": pending,
                    "total": len(updates),
                }
                return _private(render(request, "directory/verification/thanks.html", thanks))
        status = 400
    else:
        respondent = RespondentForm()
        forms = _listing_forms(rows)
        status = 200
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=verification.pk,
        detail="link",
    )
    context: dict[str, Any] = {
        "organization": organization,
        "respondent_form": respondent,
        "forms": forms,
        "expires_at": verification.expires_at,
        "by_link": True,
    }
    return _private(render(request, "directory/verification/listings.html", context, status=status))


@role_required(Role.PROVIDER)
@require_GET
def verification_mine(request: HttpRequest) -> HttpResponse:
    """The provider's organizations to verify (straight to the form when there is one)."""
    organizations = list(organization_list_for_provider(user=actor_of(request)))
    if len(organizations) == 1:
        return redirect("verification:signed_in", organization_id=organizations[0].pk)
    return render(request, "directory/verification/mine.html", {"organizations": organizations})


@role_required(Role.PROVIDER, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def verification_signed_in(request: HttpRequest, organization_id: UUID) -> HttpResponse:
    """Provider staff confirm or correct their own listings in Puente."""
    actor = actor_of(request)
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None or not organization_can_edit_offer(
        user=actor, organization_id=organization.pk
    ):
        audit_refused(
            request, record_type=AuditRecordType.LISTING_VERIFICATION, record_id=organization_id
        )
        raise Http404
    rows = list(verification_listing_rows(organization=organization))
    status = 200
    if request.method == "POST":
        forms = _listing_forms(rows, request.POST)
        if all(form.is_valid() for _row, form in forms):
            try:
                verification_answer_signed_in(
                    actor=actor, organization=organization, answers=_answers(forms)
                )
            except PermissionDenied as error:
                raise Http404 from error
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                messages.success(request, _("Thank you: the listings are verified."))
                return redirect(request.path)
        else:
            status = 400
    else:
        forms = _listing_forms(rows)
    context = {"organization": organization, "forms": forms, "by_link": False}
    return render(request, "directory/verification/listings.html", context, status=status)


@coordinator_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    pending = list(listing_update_review_queue())
    audit_list(request, record_type=AuditRecordType.LISTING_VERIFICATION, count=len(pending))
    context = {
        "pending": pending,
        "unanswered": list(verification_request_list_unanswered()),
        "recent": list(listing_update_recent()),
    }
    return render(request, "directory/verification/review_queue.html", context)


def _diff(update: ListingUpdate) -> list[tuple[str, Any, Any, bool]]:
    labels = {name: field.label for name, field in ListingForm.base_fields.items()}
    return [
        (str(labels[name]), update.current.get(name), value, update.current.get(name) != value)
        for name, value in update.proposed.items()
        if name in labels
    ]


@coordinator_required
@require_http_methods(["GET", "POST"])
def review_update(request: HttpRequest, update_id: UUID) -> HttpResponse:
    actor = actor_of(request)
    update = listing_update_get_pending(update_id=update_id)
    if update is None:
        done = ListingUpdate.objects.filter(pk=update_id).first()
        if done is None:
            raise Http404
        message = _("This update was already reviewed (“%(status)s”).") % {
            "status": done.get_status_display()
        }
        conflict = {"message": message, "back_url": reverse("verification:review_queue")}
        return render(request, "conflict.html", conflict, status=409)
    edit_form = ListingForm(initial=update.proposed, prefix="edit")
    refuse_form = RefuseForm()
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "accept":
                listing_update_accept(actor=actor, update=update)
                messages.success(request, _("Accepted: the listing is updated and verified."))
                return redirect("verification:review_queue")
            if action == "edit":
                edit_form = ListingForm(request.POST, initial=update.proposed, prefix="edit")
                if edit_form.is_valid():
                    listing_update_accept(
                        actor=actor, update=update, edited=dict(edit_form.cleaned_data)
                    )
                    messages.success(request, _("Accepted as edited: the listing is updated."))
                    return redirect("verification:review_queue")
            elif action == "refuse":
                refuse_form = RefuseForm(request.POST)
                if refuse_form.is_valid():
                    listing_update_refuse(
                        actor=actor, update=update, note=refuse_form.cleaned_data["note"]
                    )
                    messages.success(request, _("Refused: the provider's contact is told why."))
                    return redirect("verification:review_queue")
            else:
                messages.error(request, _("Choose accept, edit or refuse."))
        except ValidationError as error:
            if "status" in getattr(error, "error_dict", {}):
                raced = {"message": " ".join(error.messages), "back_url": request.path}
                return render(request, "conflict.html", raced, status=409)
            target = refuse_form if action == "refuse" else edit_form
            for field, errors in getattr(error, "error_dict", {"": error.error_list}).items():
                target.add_error(field if field in target.fields else None, errors)
        status = 400
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.LISTING_VERIFICATION,
        record_id=update.pk,
    )
    context: dict[str, Any] = {
        "update": update,
        "diff": _diff(update),
        "edit_form": edit_form,
        "refuse_form": refuse_form,
    }
    return render(request, "directory/verification/review_update.html", context, status=status)
