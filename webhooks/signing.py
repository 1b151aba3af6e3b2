"""How a delivery is signed, and how a receiver checks it (docs/webhooks.md).

The signature is HMAC-SHA256, keyed with the subscription's secret, over
``"<timestamp>.<body>"``: the timestamp is signed too, so a receiver that refuses old
timestamps also refuses a delivery replayed later.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Puente-Signature"
EVENT_HEADER = "Puente-Event"
DELIVERY_HEADER = "Puente-Delivery"


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def webhook_signature_header(*, secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={webhook_signature(secret=secret, timestamp=timestamp, body=body)}"


def webhook_signature_verify(*, secret: str, header: str, body: bytes) -> bool:
    """What a receiver does: the same check the tests make on what their server got."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    expected = webhook_signature(secret=secret, timestamp=timestamp, body=body)
    return hmac.compare_digest(expected, parts.get("v1", ""))
