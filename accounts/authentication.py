"""API access by token: ``Authorization: Token <key>`` (or ``Bearer <key>``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.selectors import api_token_by_digest
from accounts.services import api_token_digest, api_token_touch

KEYWORDS = {b"token", b"bearer"}


class TokenRejected(exceptions.APIException):
    """401 whatever the order of the authentication classes.

    DRF turns AuthenticationFailed into 403 unless the *first* class names a
    WWW-Authenticate scheme; session authentication comes first (anonymous calls keep
    their 403), so a bad token raises this instead and says how to authenticate.
    """

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = _("Invalid or revoked token.")
    default_code = "authentication_failed"
    auth_header = 'Token realm="api"'


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise TokenRejected(_("The Authorization header must be “Token <key>”."))
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise TokenRejected from error
        token = api_token_by_digest(digest=api_token_digest(key=key))
        if token is None or token.revoked is not None or not token.user.is_active:
            raise TokenRejected
        api_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return 'Token realm="api"'


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Lets the OpenAPI schema (and the fuzz run reading it) say how tokens are sent."""

    target_class = "accounts.authentication.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(_("“Token <key>”, with a key created at /cuenta/tokens/.")),
        }
