"""REST API of an organization's webhook subscriptions. Thin: services decide.

The secret is in the answer to the creation only: Puente never shows it again.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditRecordType
from audit.services import audit_refused
from web.pagination import PaginatedListMixin
from webhooks.models import WebhookDelivery, WebhookEvent, WebhookSubscription
from webhooks.selectors import (
    webhook_can_manage,
    webhook_deliveries,
    webhook_organizations,
    webhook_subscription_get,
    webhook_subscriptions_for,
)
from webhooks.services import (
    webhook_subscription_create,
    webhook_subscription_delete,
    webhook_subscription_pause,
    webhook_subscription_resume,
)


class DeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    class Meta:
        model = WebhookDelivery
        fields = [
            "event_id",
            "event_type",
            "attempt",
            "at",
            "status_code",
            "error",
            "duration_ms",
            "succeeded",
        ]


class SubscriptionSerializer(serializers.ModelSerializer[WebhookSubscription]):
    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "organization",
            "url",
            "description",
            "events",
            "status",
            "consecutive_failures",
            "created",
            "paused_at",
        ]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]


class SubscriptionCreateSerializer(serializers.Serializer[Any]):
    organization = serializers.UUIDField()
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), allow_empty=False
    )
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


def _manager_require(request: Request) -> None:
    if not webhook_can_manage(user=request.user):
        raise PermissionDenied(
            _("Only an organization's administrator or coordinator manages its webhooks.")
        )


def _subscription_or_404(request: Request, subscription_id: UUID) -> WebhookSubscription:
    subscription = webhook_subscription_get(user=request.user, subscription_id=subscription_id)
    if subscription is None:
        audit_refused(request, record_type=AuditRecordType.WEBHOOK, record_id=subscription_id)
        raise NotFound()
    return subscription


class SubscriptionListView(PaginatedListMixin, APIView):
    """The subscriptions of the organizations one manages; a new one (secret shown once)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SubscriptionSerializer(many=True)})
    def get(self, request: Request) -> Response:
        _manager_require(request)
        page = self.paginate(request, webhook_subscriptions_for(user=request.user))
        return self.paginated_response(SubscriptionSerializer(page, many=True).data)

    @extend_schema(
        request=SubscriptionCreateSerializer, responses={201: SubscriptionCreatedSerializer}
    )
    def post(self, request: Request) -> Response:
        _manager_require(request)
        data = SubscriptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = (
            webhook_organizations(user=request.user)
            .filter(pk=data.validated_data["organization"])
            .first()
        )
        if organization is None:
            # The same answer as for an id that does not exist.
            raise serializers.ValidationError(
                {"organization": [_("No organization of yours has this id.")]}
            )
        subscription = webhook_subscription_create(
            actor=request_user(request),
            organization=organization,
            url=data.validated_data["url"],
            events=data.validated_data["events"],
            description=data.validated_data["description"],
            request=request,
        )
        return Response(SubscriptionCreatedSerializer(subscription).data, status=201)


class SubscriptionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: SubscriptionSerializer})
    def get(self, request: Request, subscription_id: UUID) -> Response:
        subscription = _subscription_or_404(request, subscription_id)
        return Response(
            {
                **SubscriptionSerializer(subscription).data,
                "deliveries": DeliverySerializer(
                    webhook_deliveries(subscription=subscription), many=True
                ).data,
            }
        )

    @extend_schema(responses={204: None})
    def delete(self, request: Request, subscription_id: UUID) -> Response:
        subscription = _subscription_or_404(request, subscription_id)
        webhook_subscription_delete(
            actor=request_user(request), subscription=subscription, request=request
        )
        return Response(status=204)


class SubscriptionPauseView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: SubscriptionSerializer})
    def post(self, request: Request, subscription_id: UUID) -> Response:
        subscription = webhook_subscription_pause(
            actor=request_user(request),
            subscription=_subscription_or_404(request, subscription_id),
            request=request,
        )
        return Response(SubscriptionSerializer(subscription).data)


class SubscriptionResumeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: SubscriptionSerializer})
    def post(self, request: Request, subscription_id: UUID) -> Response:
        subscription = webhook_subscription_resume(
            actor=request_user(request),
            subscription=_subscription_or_404(request, subscription_id),
            request=request,
        )
        return Response(SubscriptionSerializer(subscription).data)
