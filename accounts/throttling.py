"""Rate limits: the API's (DRF throttles) and the sign-in page's, counted in Redis."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from web.client import client_address


def _configured_rate(scope: str | None) -> str | None:
    """Read the rate at each request, not once at import as DRF's classes do.

    DRF binds THROTTLE_RATES when rest_framework.throttling is imported, so changing
    REST_FRAMEWORK afterwards (a deployment's override, a test's) would be ignored.
    """
    rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope or "")
    return str(rate) if rate else None


class _ClientAddressIdent:
    def get_ident(self, request: Any) -> str:
        # DRF's own reads the whole X-Forwarded-For when NUM_PROXIES is None: a client
        # sending a new header each time would never be counted twice.
        return client_address(request) or "unknown"


class AnonThrottle(_ClientAddressIdent, AnonRateThrottle):
    def get_rate(self) -> str | None:
        return _configured_rate(self.scope)


class UserThrottle(_ClientAddressIdent, UserRateThrottle):
    def get_rate(self) -> str | None:
        return _configured_rate(self.scope)


def _parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
    return int(count), seconds


def login_rate_exceeded(*, request: HttpRequest) -> bool:
    """Count this sign-in attempt for the client's address; True once over the limit.

    A fixed window per address: Redis increments atomically, so concurrent workers
    never lose a count.
    """
    limit, period = _parse_rate(settings.LOGIN_RATE_LIMIT)
    address = client_address(request) or "unknown"
    window = int(time.time()) // period
    key = f"login-rate:{address}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        attempts = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        attempts = 1
    return attempts > limit
