"""Fixed-window counters in the cache (Redis): concurrent workers never lose a count."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _parse_rate(rate: str) -> tuple[int, int]:
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


def rate_exceeded(*, scope: str, key: str, rate: str) -> bool:
    """Count one use of ``key`` in ``scope``; True once over ``rate`` ("5/hour").

    The key is hashed: an email address never reaches the cache in clear.
    """
    limit, period = _parse_rate(rate)
    window = int(time.time()) // period
    hashed = hashlib.sha256(key.encode()).hexdigest()[:32]
    full = f"{scope}:{hashed}:{window}"
    cache.add(full, 0, timeout=period + 1)
    try:
        used = cache.incr(full)
    except ValueError:  # expired between add and incr
        cache.set(full, 1, timeout=period + 1)
        used = 1
    return used > limit
