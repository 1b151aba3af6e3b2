"""Reads of webhook subscriptions: who may manage which organization's."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet

from accounts.models import Role
from accounts.selectors import AnyUser
from directory.models import Organization
from webhooks.models import WebhookDelivery, WebhookSubscription

# An organization's administrator or coordinator connects its own systems.
MANAGER_ROLES = (Role.ADMINISTRATOR, Role.COORDINATOR)


def webhook_organizations(*, user: AnyUser) -> QuerySet[Organization]:
    """The organizations whose subscriptions ``user`` manages (a superuser: all)."""
    if not user.is_authenticated:
        return Organization.objects.none()
    if getattr(user, "is_superuser", False):
        return Organization.objects.all()
    return Organization.objects.filter(
        memberships__user_id=user.pk, memberships__role__in=MANAGER_ROLES
    ).distinct()


def webhook_can_manage(*, user: AnyUser) -> bool:
    return webhook_organizations(user=user).exists()


def webhook_subscriptions_for(*, user: AnyUser) -> QuerySet[WebhookSubscription]:
    return WebhookSubscription.objects.filter(
        organization__in=webhook_organizations(user=user)
    ).select_related("organization", "created_by")


def webhook_subscription_get(*, user: AnyUser, subscription_id: UUID) -> WebhookSubscription | None:
    """The subscription, or ``None`` when it does not exist or is another organization's."""
    return webhook_subscriptions_for(user=user).filter(pk=subscription_id).first()


def webhook_deliveries(
    *, subscription: WebhookSubscription, limit: int = 50
) -> QuerySet[WebhookDelivery]:
    return subscription.deliveries.all()[:limit]
