"""Provider staff: the referrals sent to their services, as packets and nothing more."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_refused
from matching.api.common import audit
from matching.models import ReferralStatus
from matching.selectors import (
    referral_get_for_provider,
    referral_list_for_provider,
    referral_packet,
)
from web.pagination import PaginatedListMixin


class PacketSerializer(serializers.Serializer[Any]):
    referral_id = serializers.UUIDField()
    case_code = serializers.CharField()
    age_band = serializers.CharField()
    sex = serializers.CharField()
    risk_level = serializers.CharField()
    urgent_safety = serializers.BooleanField()
    needs = serializers.ListField(child=serializers.CharField())
    shared_note = serializers.CharField()
    priority_score = serializers.IntegerField()
    status = serializers.CharField()
    # A placement decided at a case-review meeting is recorded already answered,
    # never sent (referral_record_meeting_decision).
    sent_at = serializers.DateTimeField(allow_null=True)
    response_due = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    service_name = serializers.CharField()
    site_name = serializers.CharField(allow_null=True)


class ProviderReferralListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ReferralStatus.values)],
        responses=PacketSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status")
        if status and status not in ReferralStatus.values:
            raise serializers.ValidationError({"status": ["Unknown status."]})
        referrals = referral_list_for_provider(user=request.user)
        if status:
            referrals = referrals.filter(status=status)
        # Most recently sent first.
        page = self.paginate(request, referrals.order_by("-sent_at"))
        packets = [referral_packet(referral=r) for r in page]
        audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(packets))
        return self.paginated_response(PacketSerializer(packets, many=True).data)


class ProviderReferralDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PacketSerializer)
    def get(self, request: Request, referral_id: UUID) -> Response:
        referral = referral_get_for_provider(user=request.user, referral_id=referral_id)
        if referral is None:
            audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
            raise NotFound()
        audit(request, AuditAction.READ, AuditRecordType.REFERRAL, referral, referral.case)
        return Response(PacketSerializer(referral_packet(referral=referral)).data)
