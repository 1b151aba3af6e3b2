"""What every matching page shares: who may open it, and how a record is looked up."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, cast
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import User
from accounts.selectors import user_has_role
from matching.models import Case
from matching.selectors import case_get_for_user

View = Callable[..., HttpResponse]


def actor_of(request: HttpRequest) -> User:
    """The signed-in user (the views are all behind ``login_required``)."""
    return cast(User, request.user)


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


def case_or_404(request: HttpRequest, case_id: UUID) -> Case:
    """A case the user works; any other answers as if it did not exist."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        raise Http404
    return case


def uuid_or_404(raw: str) -> UUID:
    try:
        return UUID(raw)
    except (TypeError, ValueError, AttributeError) as error:
        raise Http404 from error


def safe_link(link: str) -> str:
    """Links stored with notifications, kept only if they stay on this site."""
    return link if link.startswith("/") and not link.startswith("//") else ""
