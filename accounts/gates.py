"""The gates of pages, API views and services: who is signed in and what they may open.

Every app's views use these, so "may this user open a coordinator's page" has one
answer (``accounts.selectors.user_is_coordinator``) behind the pages, the API and the
services alike. Django's ``PermissionDenied`` rather than DRF's: the services raise it
for the pages too, and DRF's exception handler turns it into the same 403 (keeping the
message, or DRF's default one when there is none).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.request import Request

from accounts.models import Role, User
from accounts.selectors import AnyUser, user_has_role, user_is_coordinator

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

View = Callable[..., HttpResponse]


def actor_of(request: HttpRequest) -> User:
    """The signed-in user of a page (the views are all behind ``login_required``)."""
    return cast(User, request.user)


def request_user(request: Request) -> User:
    """The signed-in user of an API view behind ``IsAuthenticated``."""
    assert isinstance(request.user, User)  # IsAuthenticated ran first
    return request.user


def role_required(*roles: str) -> Callable[[View], View]:
    """Signed in, and holding one of ``roles``; a whole page of another role is a 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not user_has_role(user=request.user, roles=roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def coordinator_require(*, user: AnyUser, message: _StrOrPromise | None = None) -> None:
    """Refuse (403) anyone who does not coordinate the network."""
    if not user_is_coordinator(user=user):
        raise PermissionDenied(*([message] if message is not None else []))


def coordinator_required(view: View) -> View:
    """A coordinator's page (a superuser passes too, see ``user_roles``)."""
    return role_required(Role.COORDINATOR)(view)
