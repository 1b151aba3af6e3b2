"""Sign-in (password, then the code when the user has a device), two-factor, API tokens."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts.forms import ApiTokenCreateForm, OtpTokenForm
from accounts.middleware import SESSION_EXPIRED
from accounts.selectors import (
    user_api_tokens,
    user_is_verified,
    user_totp_device,
    user_two_factor_required,
)
from accounts.services import (
    api_token_create,
    api_token_revoke,
    totp_device_confirm,
    totp_device_remove,
    totp_device_start,
)
from accounts.throttling import login_rate_exceeded

LOGIN_TEMPLATE = "accounts/login.html"
# django-otp doubles the wait after each wrong code (OTP_TOTP_THROTTLE_FACTOR seconds
# after the first), so guessing six digits takes longer than the codes live.
TOO_MANY_CODES = gettext_lazy("Too many wrong codes. Wait a moment and try a new code.")
WRONG_CODE = gettext_lazy("That code is not right or has expired: codes change every 30 seconds.")


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


class LoginView(auth_views.LoginView):
    template_name = LOGIN_TEMPLATE
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_expired"] = self.request.session.pop(SESSION_EXPIRED, False)
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if login_rate_exceeded(request=request):
            form = AuthenticationForm(request, initial={"username": request.POST.get("username")})
            context = {"form": form, "next": _safe_next(request, ""), "rate_limited": True}
            return render(request, LOGIN_TEMPLATE, context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if user_totp_device(user=form.get_user()) is None:
            return response
        query = urlencode({"next": self.get_success_url()})
        return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?{query}")


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponseBase | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' answer to a locked-out user name and address: the sign-in page, 429."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    context = {
        "form": AuthenticationForm(request, initial={"username": username}),
        "next": _safe_next(request, ""),
        "locked": True,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, LOGIN_TEMPLATE, context, status=429)


@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the user's authenticator app."""
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    next_url = _safe_next(request)
    device = user_totp_device(user=request.user)
    if device is None or user_is_verified(user=request.user):
        return redirect(next_url)
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", TOO_MANY_CODES)
        elif device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(next_url)
        else:
            form.add_error("token", WRONG_CODE)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    svg: bytes | str = image.to_string(encoding="unicode")
    return svg.decode() if isinstance(svg, bytes) else svg


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app (TOTP): scan the QR code, confirm with a code."""
    user = request.user
    confirmed = user_totp_device(user=user)
    required = user_two_factor_required(user=user)
    if confirmed is not None:
        # Replacing or removing a device needs this session to have given a code, or a
        # stolen password alone could swap the victim's device for the thief's.
        if not user_is_verified(user=user):
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?{query}")
        if request.method == "POST" and request.POST.get("action") == "remove":
            if required:
                messages.error(request, _("Your role requires two-factor authentication."))
            else:
                totp_device_remove(user=user)  # type: ignore[arg-type]
                messages.success(request, _("Two-factor authentication is off."))
            return redirect("accounts:otp_setup")
        return render(request, "accounts/otp_setup.html", {"enabled": True, "required": required})
    device = totp_device_start(user=user)  # type: ignore[arg-type]
    form = OtpTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", TOO_MANY_CODES)
        elif totp_device_confirm(device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_safe_next(request, reverse("accounts:otp_setup")))
        else:
            form.add_error("token", WRONG_CODE)
    context = {
        "enabled": False,
        "required": required,
        "form": form,
        "qr_svg": mark_safe(_qr_svg(device.config_url)),  # noqa: S308 -- our own SVG
        "secret": base64.b32encode(device.bin_key).decode("ascii"),
        "next": _safe_next(request, ""),
    }
    return render(request, "accounts/otp_setup.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create one (its key shown once), revoke."""
    form = ApiTokenCreateForm(request.POST if request.POST.get("action") == "create" else None)
    new_key = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            token_id = request.POST.get("token", "")
            if not token_id.isdigit():
                raise Http404
            token = get_object_or_404(user_api_tokens(user=request.user), pk=int(token_id))
            api_token_revoke(token=token)
            messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
            return redirect("accounts:api_tokens")
        if form.is_valid():
            _token, new_key = api_token_create(user=request.user, name=form.cleaned_data["name"])  # type: ignore[arg-type]
            form = ApiTokenCreateForm()
    context = {"form": form, "tokens": user_api_tokens(user=request.user), "new_key": new_key}
    response = render(request, "accounts/api_tokens.html", context)
    if new_key:
        response["Cache-Control"] = "no-store"  # the key must not stay in any cache
    return response
