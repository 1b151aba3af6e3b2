"""Raising a vulnerability alert: any member of the network, for one of their organizations.

The raiser learns only that the alert arrived, nothing about the case.
"""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from cases.models import AlertType
from cases.selectors import alert_organization_ids
from cases.services import alert_raise
from directory.models import RiskLevel, Sex
from matching.api.common import audit
from matching.selectors import case_get_for_alert_by_code, organization_find, organization_get


class AlertSerializer(serializers.Serializer[Any]):
    organization_id = serializers.UUIDField()
    alert_type = serializers.ChoiceField(choices=AlertType.choices)
    severity = serializers.ChoiceField(choices=RiskLevel.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    case_code = serializers.CharField(required=False, allow_blank=True)
    intake_organization_id = serializers.UUIDField(required=False)
    birth_date = serializers.DateField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False)


class AlertCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AlertSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        serializer = AlertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["organization_id"] not in alert_organization_ids(user=request.user):
            raise PermissionDenied()
        case = None
        if data.get("case_code"):
            # The raiser may not read the case: only its code.
            case = case_get_for_alert_by_code(code=data["case_code"])
            if case is None:
                raise serializers.ValidationError({"case_code": [_("No case has that code.")]})
        home = None
        if data.get("latitude") is not None and data.get("longitude") is not None:
            home = Point(data["longitude"], data["latitude"], srid=4326)
        intake = None
        if data.get("intake_organization_id"):
            intake = organization_find(organization_id=data["intake_organization_id"])
            if intake is None:
                raise serializers.ValidationError(
                    {"intake_organization_id": ["No such organization."]}
                )
        alert = alert_raise(
            actor=request_user(request),
            organization=organization_get(organization_id=data["organization_id"]),
            alert_type=data["alert_type"],
            severity=data["severity"],
            note=data["note"],
            case=case,
            intake_organization=intake,
            birth_date=data.get("birth_date"),
            sex=data.get("sex"),
            home=home,
        )
        audit(request, AuditAction.CREATE, AuditRecordType.ALERT, alert, alert.case)
        # Only that it arrived: the raiser learns nothing about the case.
        return Response({"id": alert.pk, "started_intake": alert.started_intake}, status=201)
