"""Local coordination: the network's follow-up lists, codes and figures only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import coordinator_require
from audit.models import AuditRecordType
from audit.services import audit_list
from cases.selectors import case_list_multiple_alerts
from matching.selectors import referral_list_overdue
from web.pagination import PaginatedListMixin


class OverdueReferralSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    case_code = serializers.CharField(source="case.code")
    team = serializers.CharField(source="case.organization.name")
    service = serializers.CharField(source="service.name")
    provider = serializers.CharField(source="service.organization.name")
    response_due = serializers.DateTimeField()


class OverdueReferralsView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OverdueReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        rows = self.paginate(request, referral_list_overdue())
        audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(rows))
        return self.paginated_response(OverdueReferralSerializer(rows, many=True).data)


class MultipleAlertsSerializer(serializers.Serializer[Any]):
    case_code = serializers.CharField(source="code")
    team = serializers.CharField(source="organization.name")
    territory = serializers.CharField(source="territory.name")
    open_alerts = serializers.IntegerField()
    priority_score = serializers.IntegerField()


class MultipleAlertsView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MultipleAlertsSerializer(many=True))
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        rows = self.paginate(request, case_list_multiple_alerts())
        audit_list(request, record_type=AuditRecordType.CASE, count=len(rows))
        return self.paginated_response(MultipleAlertsSerializer(rows, many=True).data)
