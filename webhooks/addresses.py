"""Which URLs a subscription may deliver to.

Only http(s), and, unless ``WEBHOOK_ALLOW_PRIVATE`` (the tests', which post to
127.0.0.1), only public addresses: a webhook must not become a way to make Puente's
server call the services of its own network (its database, Redis, a cloud's metadata
address). Checked when the subscription is saved and again before each delivery, since
a name may resolve elsewhere later.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def _address_is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return ip.is_global and not ip.is_multicast


def webhook_url_check(*, url: str) -> str:
    """The URL, stripped, or a ValidationError on ``url`` saying what is wrong with it."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": _("Enter an http:// or https:// address.")})
    if parts.username or parts.password:
        raise ValidationError(
            {"url": _("The address cannot carry a user name or password: the secret signs.")}
        )
    try:
        port = parts.port
    except ValueError as error:
        raise ValidationError({"url": _("The address's port is not a number.")}) from error
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return url
    try:
        found = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise ValidationError({"url": _("The address's host name cannot be found.")}) from error
    if not all(_address_is_public(str(info[4][0])) for info in found):
        raise ValidationError(
            {"url": _("The address points to a private or local network: use a public one.")}
        )
    return url
