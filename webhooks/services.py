"""Writes of webhooks: subscriptions, and the events the apps above emit.

``webhook_event_emit`` is what matching, waitlists and cases call after a write: the
deliveries are queued once the transaction commits, so a rolled-back write never
reaches another system.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import AuditAction, AuditRecordType
from audit.services import AnyRequest, audit_record
from directory.models import Organization
from webhooks.addresses import webhook_url_check
from webhooks.models import SubscriptionStatus, WebhookEvent, WebhookSubscription
from webhooks.selectors import webhook_organizations
from webhooks.tasks import webhook_deliver_task


def _events_check(events: Sequence[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    unknown = [e for e in chosen if e not in WebhookEvent.values]
    if unknown:
        raise ValidationError(
            {"events": _("Unknown event: %(event)s.") % {"event": ", ".join(unknown)}}
        )
    return chosen


@transaction.atomic
def webhook_subscription_create(
    *,
    actor: User,
    organization: Organization,
    url: str,
    events: Sequence[str],
    description: str = "",
    request: AnyRequest | None = None,
) -> WebhookSubscription:
    """A new subscription with a fresh secret: the caller shows it once, then never."""
    if not webhook_organizations(user=actor).filter(pk=organization.pk).exists():
        raise PermissionDenied(_("You can only connect systems of your own organization."))
    subscription = WebhookSubscription.objects.create(
        organization=organization,
        url=webhook_url_check(url=url),
        events=_events_check(events),
        description=description.strip(),
        secret=secrets.token_urlsafe(32),
        created_by=actor,
    )
    audit_record(
        action=AuditAction.CREATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=subscription.pk,
        user=actor,
        request=request,
        detail=f"organization={organization.pk} events={','.join(subscription.events)}",
    )
    return subscription


def _locked(subscription: WebhookSubscription) -> WebhookSubscription:
    return WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)


@transaction.atomic
def webhook_subscription_pause(
    *, actor: User, subscription: WebhookSubscription, request: AnyRequest | None = None
) -> WebhookSubscription:
    subscription = _locked(subscription)
    if subscription.status != SubscriptionStatus.ACTIVE:
        return subscription  # already paused: nothing to change, nothing to log
    subscription.status = SubscriptionStatus.PAUSED
    subscription.paused_at = timezone.now()
    subscription.save(update_fields=["status", "paused_at"])
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=subscription.pk,
        user=actor,
        request=request,
        detail="paused",
    )
    return subscription


@transaction.atomic
def webhook_subscription_resume(
    *, actor: User, subscription: WebhookSubscription, request: AnyRequest | None = None
) -> WebhookSubscription:
    """Active again, its failures forgotten: the owner says the receiver is fixed."""
    subscription = _locked(subscription)
    if subscription.status == SubscriptionStatus.ACTIVE:
        return subscription
    # The address is checked again: the rules may have changed since it was saved.
    webhook_url_check(url=subscription.url)
    subscription.status = SubscriptionStatus.ACTIVE
    subscription.paused_at = None
    subscription.consecutive_failures = 0
    subscription.save(update_fields=["status", "paused_at", "consecutive_failures"])
    audit_record(
        action=AuditAction.UPDATE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=subscription.pk,
        user=actor,
        request=request,
        detail="resumed",
    )
    return subscription


@transaction.atomic
def webhook_subscription_delete(
    *, actor: User, subscription: WebhookSubscription, request: AnyRequest | None = None
) -> None:
    audit_record(
        action=AuditAction.DELETE,
        record_type=AuditRecordType.WEBHOOK,
        record_id=subscription.pk,
        user=actor,
        request=request,
        detail=f"organization={subscription.organization_id}",
    )
    WebhookSubscription.objects.filter(pk=subscription.pk).delete()


def _deliveries_queue(
    *,
    event: str,
    organization_ids: set[UUID],
    data: dict[str, Any],
    at: str,
    case_id: UUID | None,
) -> None:
    subscriptions = WebhookSubscription.objects.filter(
        organization_id__in=organization_ids,
        status=SubscriptionStatus.ACTIVE,
        events__contains=[event],
    )
    for subscription in subscriptions:
        event_id = str(uuid.uuid4())
        body = json.dumps(
            {
                "id": event_id,
                "type": event,
                "created": at,
                "organization_id": str(subscription.organization_id),
                "data": data,
            },
            sort_keys=True,
            separators=(",", ":"),
        )
        # What left Puente, to whom, about which case: the audit log's question.
        audit_record(
            action=AuditAction.SEND,
            record_type=AuditRecordType.WEBHOOK,
            record_id=subscription.pk,
            user=None,
            case_id=case_id,
            case_code=str(data.get("case_code", "")),
            detail=f"{event} {event_id}",
        )
        webhook_deliver_task.delay(
            subscription_id=str(subscription.pk), event_id=event_id, event_type=event, body=body
        )


def webhook_event_emit(
    *,
    event: str,
    organization_ids: Iterable[UUID | None],
    data: dict[str, Any],
    link: str = "",
    case_id: UUID | None = None,
) -> None:
    """Queue ``event`` for the active subscriptions of ``organization_ids`` after commit.

    ``data`` holds ids and codes only (UUIDs become strings), never case contents;
    ``link`` is a path in Puente, sent as an absolute URL (``SITE_URL``). ``case_id``
    is for the audit log's entry of each delivery, not sent.
    """
    if event not in WebhookEvent.values:
        raise ValueError(f"unknown webhook event {event!r}")
    scope = {o for o in organization_ids if o is not None}
    if not scope:
        return
    payload = {k: str(v) if isinstance(v, UUID) else v for k, v in data.items()}
    if link:
        payload["link"] = f"{settings.SITE_URL}{link}"
    at = timezone.now().isoformat()
    transaction.on_commit(
        lambda: _deliveries_queue(
            event=event, organization_ids=scope, data=payload, at=at, case_id=case_id
        )
    )
