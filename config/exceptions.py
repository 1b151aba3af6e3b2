"""The API's answer to a client's mistake is a 400 naming the field, never a 500."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler

from web.conflicts import conflict_log, conflict_message, conflict_of

logger = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Services raise Django's ValidationError (shared with forms and the admin);
    # DRF only knows its own, and would let Django's through as a server error.
    if isinstance(exc, DjangoValidationError):
        detail: Any = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        exc = ValidationError(detail)
    elif conflict_of(exc):
        conflict_log(where=type(context.get("view")).__name__, exc=exc)
        exc = Conflict(conflict_message())
    elif isinstance(exc, DataError):
        # A value PostgreSQL refuses (a NUL character in text, a number out of range)
        # that slipped past a serializer: it came from the request, so it is the client's
        # mistake. Logged without the value, so the field can be validated properly
        # (web.api.text_without_nul, CodeRelatedField), naming itself in the answer.
        view = type(context.get("view")).__name__
        logger.warning("%s: input refused by the database: %s", view, type(exc.__cause__))
        exc = ValidationError(
            {
                "detail": [
                    _(
                        "A value in the request cannot be used: it contains a NUL character "
                        "or is out of range."
                    )
                ]
            }
        )
    return exception_handler(exc, context)
