"""One delivery attempt: sign, post, record the answer, pause a subscription that keeps
failing. Called by the Celery task, which retries with backoff."""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from notifications.email import email_queue
from notifications.models import NotificationKind
from notifications.services import notification_send
from webhooks.addresses import webhook_url_check
from webhooks.models import SubscriptionStatus, WebhookDelivery, WebhookSubscription
from webhooks.signing import (
    DELIVERY_HEADER,
    EVENT_HEADER,
    SIGNATURE_HEADER,
    webhook_signature_header,
)

logger = logging.getLogger(__name__)

ERROR_CHARS = WebhookDelivery._meta.get_field("error").max_length or 300


class WebhookAttemptFailed(Exception):
    """The receiver did not take the delivery; a later attempt may succeed."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect could lead to an address the URL check would have refused.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """(status code, error): a 2xx is success; anything else names what went wrong."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return None, f"{type(error).__name__}: {reason}"


def _subscription_pause_failing(*, subscription: WebhookSubscription) -> None:
    """Paused after too many failures in a row; its owner is told in Puente and by mail."""
    updated = WebhookSubscription.objects.filter(
        pk=subscription.pk, status=SubscriptionStatus.ACTIVE
    ).update(status=SubscriptionStatus.FAILING, paused_at=timezone.now())
    if not updated:
        return  # paused meanwhile, by hand or by another attempt: told once
    owner = subscription.created_by
    count = subscription.consecutive_failures
    link = f"/admin/webhooks/webhooksubscription/{subscription.pk}/change/"
    text = _(
        "The webhook to %(url)s was paused after %(count)s failed deliveries in a row. "
        "Fix the receiver and resume it."
    ) % {"url": subscription.url, "count": count}
    notification_send(users=[owner], text=text, kind=NotificationKind.WEBHOOK_PAUSED, link=link)
    if owner.email:
        email_queue(
            to=[owner.email],
            subject=_("Puente: a webhook was paused"),
            body=f"{text}\n\n{settings.SITE_URL}{link}\n",
            kind="webhook_paused",
        )
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=subscription.pk,
        user=None,
        detail=f"paused after {count} failures",
    )


def webhook_attempt(
    *, subscription_id: UUID | str, event_id: str, event_type: str, body: str, attempt: int
) -> bool:
    """Deliver once. True when delivered or nothing is left to do (the subscription was
    deleted or paused); raises ``WebhookAttemptFailed`` for the task to retry."""
    subscription = (
        WebhookSubscription.objects.select_related("created_by").filter(pk=subscription_id).first()
    )
    if subscription is None or not subscription.is_active:
        return True
    data = body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Puente-Webhooks/1",
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: event_id,
        SIGNATURE_HEADER: webhook_signature_header(
            secret=subscription.secret, timestamp=int(time.time()), body=data
        ),
    }
    started = time.monotonic()
    try:
        url = webhook_url_check(url=subscription.url)
    except ValidationError:
        status_code, error = None, "address refused: not a public http(s) address"
    else:
        status_code, error = _post(url=url, body=data, headers=headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    succeeded = not error and status_code is not None and 200 <= status_code < 300
    with transaction.atomic():
        WebhookDelivery.objects.create(
            subscription=subscription,
            event_id=event_id,
            event_type=event_type,
            attempt=attempt,
            status_code=status_code,
            error=error[:ERROR_CHARS],
            duration_ms=duration_ms,
            succeeded=succeeded,
        )
        if succeeded:
            WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
            logger.info("webhook %s delivered (%s)", event_type, status_code)
            return True
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=F("consecutive_failures") + 1
        )
        subscription.refresh_from_db(fields=["consecutive_failures", "status"])
        logger.warning("webhook %s attempt %s failed (%s)", event_type, attempt, error)
        if subscription.consecutive_failures >= settings.WEBHOOK_FAILURES_TO_PAUSE:
            _subscription_pause_failing(subscription=subscription)
            return True
    raise WebhookAttemptFailed(error)
