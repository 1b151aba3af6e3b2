"""The ranked referral options of a case: eligible services near the child, and why not the rest."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditAction, AuditRecordType
from matching.api.common import audit, case_or_404
from matching.confidential import options_redact_for
from matching.options import referral_options
from matching.selectors import case_need_get


class ReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    points = serializers.FloatField()
    sentence = serializers.CharField()


class OptionSerializer(serializers.Serializer[Any]):
    service_id = serializers.UUIDField(source="service_at_site.service_id")
    service_at_site_id = serializers.UUIDField(source="service_at_site.id")
    service = serializers.CharField(source="service_at_site.service.name")
    organization = serializers.CharField(source="service_at_site.service.organization.name")
    site = serializers.CharField(source="service_at_site.site.name")
    latitude = serializers.FloatField(source="service_at_site.site.point.y")
    longitude = serializers.FloatField(source="service_at_site.site.point.x")
    distance_m = serializers.FloatField()
    score = serializers.FloatField()
    free_slots = serializers.IntegerField()
    completion_probability = serializers.FloatField(allow_null=True)
    reasons = ReasonSerializer(many=True)
    excluded_because = serializers.ListField(child=serializers.CharField())


class CaseOptionsSerializer(serializers.Serializer[Any]):
    eligible = OptionSerializer(many=True)
    # The same shape: an excluded option fails a rule, named in excluded_because.
    excluded = OptionSerializer(many=True)


class CaseOptionsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "need", UUID, description="A need of the case; all open needs if absent"
            ),
            OpenApiParameter("limit", int, description="1–50, default 10"),
        ],
        responses=CaseOptionsSerializer,
    )
    def get(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        params = _OptionsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        need = None
        if params.validated_data.get("need"):
            need = case_need_get(case=case, need_id=params.validated_data["need"])
            if need is None:
                raise serializers.ValidationError({"need": ["That need is not in this case."]})
        options = referral_options(case=case, need=need, limit=params.validated_data["limit"])
        options_redact_for(user=request.user, options=options, home=case.home)
        audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
        return Response(CaseOptionsSerializer(options).data)


class _OptionsParams(serializers.Serializer[Any]):
    need = serializers.UUIDField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)
