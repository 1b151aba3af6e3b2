"""The prioritization policy in force; coordinators publish the next version."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import coordinator_require, request_user
from matching.models import PriorityPolicy
from matching.selectors import policy_current
from matching.services import POLICY_FIELDS, policy_publish


class PolicySerializer(serializers.ModelSerializer[PriorityPolicy]):
    class Meta:
        model = PriorityPolicy
        fields = ["version", "created", "change_note", *POLICY_FIELDS]
        read_only_fields = ["version", "created"]


class PolicyView(APIView):
    """The prioritization policy in force; coordinators publish the next version."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PolicySerializer)
    def get(self, request: Request) -> Response:
        return Response(PolicySerializer(policy_current()).data)

    @extend_schema(request=PolicySerializer, responses={201: PolicySerializer})
    def post(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = policy_publish(
            actor=request_user(request), change_note=data.pop("change_note", ""), **data
        )
        return Response(PolicySerializer(policy).data, status=201)
