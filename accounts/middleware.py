from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.selectors import (
    membership_cache,
    user_is_verified,
    user_totp_device,
    user_two_factor_required,
)


class MembershipCacheMiddleware:
    """Each request reads the user's memberships once (``accounts.selectors``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with membership_cache():
            return self.get_response(request)


class DefaultLanguageMiddleware:
    """Spanish unless the user chose otherwise with the language switch.

    Django's LocaleMiddleware would follow the browser's Accept-Language; field
    teams share devices set up in English, so only an explicit choice (the
    language cookie set by ``set_language``) changes the interface language.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        # override() restores the previous language afterwards, so one request's
        # choice never leaks into the next one served by the same thread.
        with translation.override(language):
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequestSizeLimitMiddleware:
    """Refuse a request body over REQUEST_MAX_BYTES before anything reads it.

    Django would otherwise stream any multipart upload to a temporary file while
    parsing the form (the CSRF check alone parses it), whatever the view's limit.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.REQUEST_MAX_BYTES
        if length > limit:
            message = gettext("The request is too large: at most %(mb)s MB.") % {
                "mb": limit // (1024 * 1024)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


SESSION_STARTED = "puente_session_started"
SESSION_LAST_SEEN = "puente_session_last_seen"
SESSION_EXPIRED = "puente_session_expired"
# Writing the last-seen time on every request would save the session on every
# request; a minute's precision is plenty for a 30-minute idle limit.
LAST_SEEN_RESOLUTION = 60


class SessionExpiryMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT idle seconds or SESSION_COOKIE_AGE in all.

    Django's own expiry moves with every saved request (idle) or never moves (absolute)
    but cannot do both; the two times are kept in the session instead.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            too_old = now - started > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                logout(request)
                request.session[SESSION_EXPIRED] = True
            elif now - last_seen >= LAST_SEEN_RESOLUTION or SESSION_LAST_SEEN not in session:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


# Reachable by a signed-in user who still owes the second factor.
TWO_FACTOR_OPEN_URLS = (
    "accounts:login",
    "accounts:logout",
    "accounts:otp_verify",
    "accounts:otp_setup",
    "set_language",
    "admin:logout",
)


class TwoFactorMiddleware:
    """A user with a device gives its code; a user whose role requires one enrols first.

    Runs after django-otp's middleware (``request.user.is_verified``). The admin's own
    sign-in page is covered too: whatever page signed the user in, no other page opens
    before the code.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated or user_is_verified(user=user) or self._is_open(request):
            return self.get_response(request)
        if user_totp_device(user=user) is not None:
            target, message = "accounts:otp_verify", gettext("Enter the code from your app.")
        elif user_two_factor_required(user=user):
            target = "accounts:otp_setup"
            message = gettext("Your role requires two-factor authentication: set it up first.")
        else:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=403)
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse(target)}?{query}")

    @staticmethod
    def _is_open(request: HttpRequest) -> bool:
        if request.path.startswith(settings.STATIC_URL):
            return True
        return request.path in {reverse(name) for name in TWO_FACTOR_OPEN_URLS}
