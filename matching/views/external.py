"""Referrals to services not yet on Puente: the link's page, and the caseworker's side.

The link's page needs no account. The token in its address is the credential, so:
the page is rate-limited per token and per client address; the token is masked out of
``request.path`` before anything reads it (Django's request log, the audit log); the
answer forms post back to the same address without a CSRF cookie (a forger would need
the token itself); responses are ``no-store`` and send no Referer.
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
from django.views.decorators.http import require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from matching.forms import ReferralMoveForm, add_service_errors
from matching.models import Referral, ReferralLink, ReferralStatus
from matching.selectors import (
    referral_contact_email,
    referral_get_for_case_team,
    referral_packet,
)
from matching.services import (
    PROVIDER,
    LinkUnusable,
    referral_allowed_moves,
    referral_answer_by_link,
    referral_link_email,
    referral_link_place,
    referral_link_print,
    referral_link_resolve,
    referral_link_revoke,
    referral_link_viewed,
)
from matching.services.links import token_digest
from web.client import client_address

# What the link's holder may answer: the provider's moves but withdrawing (the case
# team's word, or the provider's once signed in) and the slot moves (the Place button).
LINK_MOVES = (
    ReferralStatus.ACCEPTED,
    ReferralStatus.REJECTED,
    ReferralStatus.NO_SHOW,
    ReferralStatus.COMPLETED,
)
PLACE = "place"
MASKED_PATH = "/derivacion-externa/…/"


def _rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]


def _over(key: str, rate: str) -> bool:
    limit, period = _rate(rate)
    window = int(time.time()) // period
    full = f"referral-link-rate:{key}:{window}"
    cache.add(full, 0, timeout=period + 1)
    try:
        used = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=period + 1)
        used = 1
    return used > limit


def _rate_exceeded(request: HttpRequest, digest: str) -> bool:
    # Both counters count every use: a client guessing tokens is slowed by its address,
    # a token passed around by many addresses by the token.
    by_ip = _over(
        f"ip:{client_address(request) or 'unknown'}", settings.REFERRAL_LINK_IP_RATE_LIMIT
    )
    by_token = _over(f"token:{digest[:32]}", settings.REFERRAL_LINK_RATE_LIMIT)
    return by_ip or by_token


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _audit(request: HttpRequest, *, action: str, link: ReferralLink, detail: str) -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AuditRecordType.REFERRAL,
        record_id=link.referral_id,
        case=link.referral.case,
        detail=f"link={link.pk} {detail}".strip(),
    )


def _unusable(request: HttpRequest, error: LinkUnusable) -> HttpResponse:
    if error.link is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id="")
    else:
        _audit(request, action=AuditAction.REFUSED, link=error.link, detail=error.reason)
    messages_by_reason = {
        "unknown": _(
            "This link is not valid. Check that it was copied whole, or ask the case team "
            "that sent the referral for a new one."
        ),
        "expired": _(
            "This link has expired. Ask the case team that sent the referral for a new one."
        ),
        "revoked": _("The case team withdrew this link. Ask them if you still need to answer."),
        "replaced": _(
            "A newer link was sent for this referral: use the latest letter you received."
        ),
        "closed": _("This referral is closed: there is nothing more to answer through this link."),
    }
    status = 404 if error.reason == "unknown" else 410
    context = {"message": messages_by_reason[error.reason], "reason": error.reason}
    return _private(render(request, "matching/external/unusable.html", context, status=status))


def _conflict(request: HttpRequest, referral: Referral) -> HttpResponse:
    referral.refresh_from_db(fields=["status"])
    message = _(
        "The referral of case %(code)s is now “%(status)s”: someone answered it first. "
        "This page shows it as it is now."
    ) % {"code": referral.case.code, "status": referral.get_status_display()}
    context = {"message": message, "back_url": request.get_full_path_info()}
    return _private(render(request, "matching/external/conflict.html", context, status=409))


def _forms(
    referral: Referral, bound: ReferralMoveForm | None
) -> list[tuple[str, ReferralMoveForm]]:
    allowed = _link_moves(referral)
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


def _link_moves(referral: Referral) -> list[str]:
    return [m for m in referral_allowed_moves(referral=referral, side=PROVIDER) if m in LINK_MOVES]


@csrf_exempt
@require_http_methods(["GET", "POST"])
def external_referral(request: HttpRequest, token: str) -> HttpResponse:
    # Before anything logs or audits the request: its path holds the token.
    request.path = MASKED_PATH
    if _rate_exceeded(request, token_digest(token)):
        context = {"message": _("Too many attempts with this link. Wait a minute and try again.")}
        return _private(render(request, "matching/external/unusable.html", context, status=429))
    try:
        link = referral_link_resolve(token=token)
    except LinkUnusable as error:
        return _unusable(request, error)
    referral = link.referral
    bound: ReferralMoveForm | None = None
    place_error = ""
    if request.method == "POST":
        move = str(request.POST.get("to_status", ""))
        if move == PLACE:
            if referral.status != ReferralStatus.ACCEPTED:
                return _conflict(request, referral)
            try:
                referral_link_place(link=link)
            except LinkUnusable as error:
                return _unusable(request, error)
            except ValidationError as error:
                referral.refresh_from_db(fields=["status"])
                if referral.status != ReferralStatus.ACCEPTED:
                    return _conflict(request, referral)
                place_error = " ".join(error.messages)
            else:
                referral.refresh_from_db(fields=["status"])
                _audit(
                    request,
                    action=AuditAction.TRANSITION,
                    link=link,
                    detail=f"to={referral.status}",
                )
                messages.success(
                    request,
                    _("The referral is now “%(status)s”.")
                    % {"status": referral.get_status_display()},
                )
                return _private(redirect(request.get_full_path_info()))
        else:
            allowed = _link_moves(referral)
            if move in ReferralStatus.values and move not in allowed:
                return _conflict(request, referral)
            bound = ReferralMoveForm(request.POST, allowed=allowed, auto_id=f"id_{move}_%s")
            if bound.is_valid():
                data = bound.cleaned_data
                try:
                    referral_answer_by_link(
                        link=link,
                        to_status=data["to_status"],
                        note=data.get("note", ""),
                        rejection_reason=data.get("rejection_reason", ""),
                        feedback=data.get("feedback", ""),
                    )
                except LinkUnusable as error:
                    return _unusable(request, error)
                except PermissionDenied as error:
                    raise Http404 from error
                except ValidationError as error:
                    if "status" in getattr(error, "error_dict", {}):
                        return _conflict(request, referral)
                    add_service_errors(bound, error)
                else:
                    _audit(
                        request,
                        action=AuditAction.TRANSITION,
                        link=link,
                        detail=f"to={data['to_status']}",
                    )
                    messages.success(
                        request,
                        _("The referral is now “%(status)s”.")
                        % {"status": ReferralStatus(data["to_status"]).label},
                    )
                    return _private(redirect(request.get_full_path_info()))
    referral_link_viewed(link=link)
    _audit(request, action=AuditAction.READ, link=link, detail="packet")
    forms = _forms(referral, bound)
    stray = bound if bound is not None and all(f is not bound for _m, f in forms) else None
    page: dict[str, Any] = {
        "packet": referral_packet(referral=referral),
        "referral": referral,
        "forms": forms,
        "stray_form": stray,
        "can_place": referral.status == ReferralStatus.ACCEPTED,
        "place_error": place_error,
        "expires_at": link.expires_at,
        "team": referral.case.organization.name,
    }
    status = 400 if (bound is not None or place_error) else 200
    return _private(render(request, "matching/external/referral.html", page, status=status))


# --- the caseworker's side ---------------------------------------------------------------


def _case_team_referral(request: HttpRequest, referral_id: UUID) -> Referral:
    referral = referral_get_for_case_team(user=request.user, referral_id=referral_id)
    if referral is None:
        audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
        raise Http404
    return referral


def _back(referral: Referral) -> HttpResponse:
    url = reverse("matching:case_detail", kwargs={"case_id": referral.case_id})
    return redirect(f"{url}#referral-{referral.pk}")


@require_POST
@role_required(Role.CASEWORKER)
def referral_link_resend(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _case_team_referral(request, referral_id)
    try:
        issued = referral_link_email(actor=actor_of(request), referral=referral)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(referral)
    _audit(request, action=AuditAction.SEND, link=issued.link, detail="email")
    messages.success(
        request,
        _("A new link was emailed to %(email)s; the earlier one no longer works.")
        % {"email": issued.link.sent_to},
    )
    return _back(referral)


@require_POST
@role_required(Role.CASEWORKER)
def referral_link_revoke_view(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    referral = _case_team_referral(request, referral_id)
    revoked = referral_link_revoke(actor=actor_of(request), referral=referral)
    audit_record(
        request=request,
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail=f"link revoked ({revoked})",
    )
    if revoked:
        messages.success(request, _("The referral's link no longer works."))
    else:
        messages.info(request, _("The referral had no link that still worked."))
    return _back(referral)


@require_http_methods(["GET", "POST"])
@role_required(Role.CASEWORKER)
def referral_letter(request: HttpRequest, referral_id: UUID) -> HttpResponse:
    """The letter to print. A POST makes its link and shows it this once; GET, never."""
    referral = _case_team_referral(request, referral_id)
    url = ""
    status = 200
    link: ReferralLink | None = None
    error = ""
    if request.method == "POST":
        try:
            issued = referral_link_print(actor=actor_of(request), referral=referral)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
            status = 400
        else:
            link, url = issued.link, issued.url
            _audit(request, action=AuditAction.EXPORT, link=link, detail="printed letter")
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.REFERRAL,
        record_id=referral.pk,
        case=referral.case,
        detail="letter",
    )
    context = {
        "referral": referral,
        "packet": referral_packet(referral=referral),
        "url": url,
        "link": link,
        "error": error,
        "contact_email": referral_contact_email(referral=referral),
        "team": referral.case.organization.name,
    }
    return _private(render(request, "matching/external/letter.html", context, status=status))


__all__ = [
    "external_referral",
    "referral_letter",
    "referral_link_resend",
    "referral_link_revoke_view",
]
