"""The coordinators' gate, shared by the API views and the services that need it.

Django's ``PermissionDenied`` rather than DRF's: the services raise it for the pages
too, and DRF's exception handler turns it into the same 403 (keeping the message,
or DRF's default one when there is none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from accounts.selectors import AnyUser
from matching.selectors import network_can_oversee

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise


def coordinator_require(*, user: AnyUser, message: _StrOrPromise | None = None) -> None:
    """Refuse (403) anyone who does not oversee the network."""
    if not network_can_oversee(user=user):
        raise PermissionDenied(*([message] if message is not None else []))
