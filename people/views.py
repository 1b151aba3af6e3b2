"""The invitations page (administrators, supervisors), the invitation's link, and
password reset through Django's own views."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.gates import actor_of
from accounts.models import User
from accounts.selectors import user_two_factor_required
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from people.forms import InvitationAcceptForm, InvitationForm, QueuedPasswordResetForm
from people.ratelimit import rate_exceeded
from people.selectors import invitation_may_manage, invitations_visible
from people.services import (
    InvitationUnusable,
    invitation_accept,
    invitation_resend,
    invitation_resolve,
    invitation_revoke,
    invitation_send,
)
from web.client import client_address

MASKED_PATH = "/invitacion/…/"
BACKEND = "django.contrib.auth.backends.ModelBackend"


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"  # no-referrer would make the form post Origin: null
    return response


def _add_errors(form: Any, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """Who was invited, and a form to invite someone."""
    actor = actor_of(request)
    if not invitation_may_manage(user=actor):
        raise PermissionDenied
    form = InvitationForm(request.POST or None, user=actor)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_send(
                actor=actor,
                email=form.cleaned_data["email"],
                organization=form.cleaned_data["organization"],
                role=form.cleaned_data["role"],
                request=request,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The invitation is on its way."))
            return redirect("people:invitations")
    status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "invitations": invitations_visible(user=actor)}
    return render(request, "people/invitations.html", context, status=status)


@login_required
@require_POST
def invitation_manage(request: HttpRequest, invitation_id: Any) -> HttpResponse:
    """Resend or revoke one invitation."""
    actor = actor_of(request)
    if not invitation_may_manage(user=actor):
        raise PermissionDenied
    invitation = invitations_visible(user=actor).filter(pk=invitation_id).first()
    if invitation is None:
        raise Http404
    action = request.POST.get("action", "")
    try:
        if action == "resend":
            invitation_resend(actor=actor, invitation=invitation, request=request)
            messages.success(request, _("The invitation was sent again with a new link."))
        elif action == "revoke":
            invitation_revoke(actor=actor, invitation=invitation, request=request)
            messages.success(request, _("The invitation is revoked: its link no longer works."))
        else:
            messages.error(request, _("Choose to resend or to revoke the invitation."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("people:invitations")


def _unusable(request: HttpRequest, error: InvitationUnusable) -> HttpResponse:
    messages_by_reason = {
        "unknown": _(
            "This invitation link is not valid. Check that it was copied whole; if it was "
            "sent again, use the latest message."
        ),
        "expired": _("This invitation has expired. Ask whoever invited you to send it again."),
        "used": _("This invitation was already used. Sign in with the user name you chose."),
        "revoked": _("This invitation was withdrawn. Ask whoever invited you if you need access."),
    }
    if error.invitation is not None:
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.INVITATION,
            record_id=error.invitation.pk,
            detail=error.reason,
        )
    status = 404 if error.reason == "unknown" else 410
    context = {"message": messages_by_reason[error.reason], "reason": error.reason}
    return _private(render(request, "people/invitation_unusable.html", context, status=status))


@require_http_methods(["GET", "POST"])
def invitation_accept_page(request: HttpRequest, token: str) -> HttpResponse:
    """The invited person chooses a user name and password; two-factor follows if their
    role requires it."""
    request.path = MASKED_PATH  # before anything logs or audits the request
    address = client_address(request) or "unknown"
    if rate_exceeded(scope="invitation-ip", key=address, rate=settings.INVITATION_LINK_RATE_LIMIT):
        limited = {"message": _("Too many attempts. Wait a minute and try again."), "reason": ""}
        return _private(render(request, "people/invitation_unusable.html", limited, status=429))
    try:
        invitation = invitation_resolve(token=token)
    except InvitationUnusable as error:
        return _unusable(request, error)
    form = InvitationAcceptForm(
        request.POST or None,
        email=invitation.email,
        initial={"username": invitation.email.split("@")[0]},
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(
                token=token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                request=request,
            )
        except InvitationUnusable as error:
            return _unusable(request, error)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("Welcome to Puente. Your account is ready."))
            if user_two_factor_required(user=user):
                query = urlencode({"next": reverse(settings.LOGIN_REDIRECT_URL)})
                return redirect(f"{reverse('accounts:otp_setup')}?{query}")
            return redirect(settings.LOGIN_REDIRECT_URL)
    context: dict[str, Any] = {
        "form": form,
        "invitation": invitation,
        "expires_at": invitation.expires_at,
    }
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "people/invitation_accept.html", context, status=status))


class PasswordResetView(auth_views.PasswordResetView):
    """The same answer whether or not the address has an account; rate-limited per
    address and per client address."""

    form_class = QueuedPasswordResetForm
    template_name = "people/password_reset_form.html"
    email_template_name = "people/email/password_reset.txt"
    subject_template_name = "people/email/password_reset_subject.txt"
    success_url = reverse_lazy("people:password_reset_done")

    @property
    def extra_email_context(self) -> dict[str, Any]:  # read at each request (tests change it)
        return {"site_url": settings.SITE_URL}

    def form_valid(self, form: QueuedPasswordResetForm) -> HttpResponse:
        email = str(form.cleaned_data["email"]).strip().lower()
        address = client_address(self.request) or "unknown"
        by_ip = rate_exceeded(
            scope="password-reset-ip", key=address, rate=settings.PASSWORD_RESET_IP_RATE_LIMIT
        )
        by_email = rate_exceeded(
            scope="password-reset-email", key=email, rate=settings.PASSWORD_RESET_RATE_LIMIT
        )
        if by_ip or by_email:
            context = self.get_context_data(form=form, rate_limited=True)
            return TemplateResponse(self.request, self.template_name, context, status=429)
        users: list[User | None] = list(form.get_users(email))
        for user in users or [None]:
            # The entry names the account (if any), never the address typed.
            audit_record(
                request=self.request,
                action=AuditAction.REQUEST,
                record_type=AuditRecordType.PASSWORD_RESET,
                record_id=user.pk if user is not None else "",
                detail="account" if user is not None else "no account",
            )
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "people/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "people/password_reset_confirm.html"
    success_url = reverse_lazy("people:password_reset_complete")

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        if not context.get("validlink"):
            kwargs["status"] = 400  # expired, used or made up: refused, with a way on
        return _private(super().render_to_response(context, **kwargs))

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user: User = form.user
        audit_record(
            request=self.request,
            user=user,
            action=AuditAction.COMPLETE,
            record_type=AuditRecordType.PASSWORD_RESET,
            record_id=user.pk,
        )
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "people/password_reset_complete.html"
