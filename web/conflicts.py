"""Two writers at once: the loser gets a 409 that says so, never a 500.

Services lock the rows they check (see ``referral_place``), so a race normally ends
in a ValidationError naming the field. This is the net under them: a unique
constraint that still fires, or PostgreSQL breaking a deadlock, is a conflict
between two requests, not a server error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import psycopg.errors
from django.db import IntegrityError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

# OperationalErrors that mean "another transaction got there first", and only those.
_CONCURRENCY_ERRORS = (
    psycopg.errors.DeadlockDetected,
    psycopg.errors.SerializationFailure,
    psycopg.errors.LockNotAvailable,
)


def conflict_of(exc: BaseException) -> bool:
    """Whether the exception is a write that lost to another one at the same moment."""
    if isinstance(exc, IntegrityError):
        return True
    return isinstance(exc, OperationalError) and isinstance(exc.__cause__, _CONCURRENCY_ERRORS)


def conflict_message() -> str:
    return _(
        "Someone else changed this record at the same moment. Reload the page to see "
        "it as it is now, then try again if it is still needed."
    )


def conflict_log(*, where: str, exc: BaseException) -> None:
    # The constraint's or error's name only: the values may be case data.
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None) or type(cause).__name__
    logger.warning("%s: concurrent write refused (%s)", where, name)


class ConflictMiddleware:
    """Pages: a lost race answers 409 with the site's layout and a way back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not conflict_of(exception):
            return None
        match = request.resolver_match
        conflict_log(where=match.view_name if match else "page", exc=exception)
        context = {"message": conflict_message(), "back_url": conflict_back_url(request)}
        return render(request, "conflict.html", context, status=409)


def conflict_back_url(request: HttpRequest) -> str:
    """Where a lost write came from, to go back and see the record as it is now.

    A POST cannot be reloaded (the action's URL answers 405 to a GET); the page that
    sent it can, if it is one of ours.
    """
    if request.method == "GET":
        return ""
    referer = request.headers.get("referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return ""
