"""Who is on the other end of a request: the one answer for the lockout, the
throttles and the audit log."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request: Any) -> str | None:
    """The client's address: ``REMOTE_ADDR``, unless reverse proxies of ours stand in front.

    With ``TRUSTED_PROXY_COUNT`` = N > 0, the address our outermost proxy saw is the N-th
    entry of ``X-Forwarded-For`` from the right. The entries further left (and the whole
    header when N is 0) are whatever the client chose to send: believing them would let
    anyone choose where they come from, and so dodge every per-address limit.

    Positional, as django-axes calls ``AXES_CLIENT_IP_CALLABLE(request)``.
    """
    meta = request.META
    remote = _valid_ip(str(meta.get("REMOTE_ADDR", "")))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [h for h in str(meta.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote
