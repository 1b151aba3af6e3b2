"""The API of the family: the family (children by code as the user may see them,
caregivers, the family plan's goals, the family's alerts, the accompaniment flag), its
accompaniment sessions (a paginated list, and logging one), starting and ending the
accompaniment.

The same services and rules as the pages: a family the user has no standing on
answers 404; a partner without the family's consent to share, or a write by someone
whose standing does not allow it, 403; a refused write 400 naming the field.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from accounts.models import User
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.models import (
    AccompanimentExit,
    AccompanimentIntensity,
    AccompanimentSession,
    Family,
    FamilyAccompaniment,
    SessionKind,
    SessionProgress,
)
from cases.selectors_family import (
    ACCOMPANIMENT_STARTERS,
    FAMILY_READERS,
    SESSION_WRITERS,
    accompaniment_current,
    accompaniment_sessions,
    family_alerts,
    family_criteria_met,
    family_get_for_user,
    family_goals,
    family_siblings,
)
from cases.services.family import (
    accompaniment_end,
    accompaniment_session_log,
    accompaniment_start,
)
from web.pagination import PaginatedListMixin


def _audit(request: Request, family: Family, action: str, detail: str) -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AuditRecordType.FAMILY,
        record_id=family.pk,
        detail=detail,
    )


def _family_or_refuse(
    request: Request, family_id: UUID, *, standings: frozenset[str] = FAMILY_READERS
) -> tuple[Family, str]:
    found = family_get_for_user(user=request.user, family_id=family_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.FAMILY, record_id=family_id)
        raise NotFound()
    family, access = found
    if access not in standings:
        _audit(request, family, AuditAction.REFUSED, f"access={access}")
        raise PermissionDenied()
    return family, access


class AccompanimentSerializer(serializers.ModelSerializer[FamilyAccompaniment]):
    accompanist_name = serializers.SerializerMethodField()
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = FamilyAccompaniment
        fields = [
            "id",
            "accompanist",
            "accompanist_name",
            "organization",
            "organization_name",
            "intensity",
            "started_on",
            "ended_on",
            "exit_reason",
            "exit_note",
        ]
        read_only_fields = fields

    def get_accompanist_name(self, obj: FamilyAccompaniment) -> str:
        return obj.accompanist.get_full_name() or obj.accompanist.username


class SessionSerializer(serializers.ModelSerializer[AccompanimentSession]):
    goals: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = AccompanimentSession
        fields = ["id", "kind", "held_on", "participants", "goals", "progress", "next_step"]
        read_only_fields = fields


class SessionCreateSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=SessionKind.choices, default=SessionKind.VISIT)
    held_on = serializers.DateField()
    participants = serializers.CharField(max_length=300)
    progress = serializers.ChoiceField(choices=SessionProgress.choices)
    goals = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    next_step = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StartSerializer(serializers.Serializer[Any]):
    accompanist = serializers.IntegerField(min_value=1)
    intensity = serializers.ChoiceField(choices=AccompanimentIntensity.choices)
    started_on = serializers.DateField(required=False, allow_null=True, default=None)


class EndSerializer(serializers.Serializer[Any]):
    exit_reason = serializers.ChoiceField(choices=AccompanimentExit.choices)
    ended_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FamilyDetailView(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, family_id: UUID) -> Response:
        family, access = _family_or_refuse(request, family_id)
        _audit(request, family, AuditAction.READ, f"access={access}")
        alerts = family_alerts(family=family)
        current = accompaniment_current(family=family)
        return Response(
            {
                "id": str(family.pk),
                "code": family.code,
                "access": access,
                "children": [
                    {"code": child.code or None, "team": child.team, "label": child.label}
                    for child in family_siblings(user=request.user, family=family)
                ],
                "caregivers": [
                    {
                        "relationship": caregiver.relationship,
                        "name": caregiver.name,
                        "lives_in_household": caregiver.lives_in_household,
                        "note": caregiver.note,
                    }
                    for caregiver in family.caregivers.all()
                ],
                "goals": [
                    {"id": str(goal.pk), "description": goal.description, "status": goal.status}
                    for goal in family_goals(family=family)
                ],
                "alerts": {
                    "count": alerts.count,
                    "children": alerts.children,
                    "simultaneous": alerts.simultaneous,
                },
                "accompaniment_criteria_met": family_criteria_met(family=family),
                "accompaniment": AccompanimentSerializer(current).data if current else None,
            }
        )


class AccompanimentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=StartSerializer, responses={201: AccompanimentSerializer})
    def post(self, request: Request, family_id: UUID) -> Response:
        family, _access = _family_or_refuse(request, family_id, standings=ACCOMPANIMENT_STARTERS)
        body = StartSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        accompanist = User.objects.filter(pk=body.validated_data["accompanist"]).first()
        if accompanist is None:
            raise serializers.ValidationError({"accompanist": ["No such user."]})
        try:
            accompaniment = accompaniment_start(
                actor=request_user(request),
                family=family,
                accompanist=accompanist,
                intensity=body.validated_data["intensity"],
                started_on=body.validated_data["started_on"],
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied() from error
        _audit(request, family, AuditAction.CREATE, f"accompaniment {accompaniment.pk}")
        return Response(AccompanimentSerializer(accompaniment).data, status=status.HTTP_201_CREATED)


class AccompanimentExitView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EndSerializer, responses=AccompanimentSerializer)
    def post(self, request: Request, family_id: UUID) -> Response:
        family, _access = _family_or_refuse(request, family_id, standings=SESSION_WRITERS)
        current = accompaniment_current(family=family)
        if current is None:
            raise NotFound()
        body = EndSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            ended = accompaniment_end(
                actor=request_user(request),
                accompaniment=current,
                exit_reason=body.validated_data["exit_reason"],
                ended_on=body.validated_data["ended_on"],
                note=body.validated_data["note"],
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied() from error
        _audit(request, family, AuditAction.UPDATE, f"accompaniment {ended.pk} ended")
        return Response(AccompanimentSerializer(ended).data)


class SessionListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=SessionSerializer(many=True))
    def get(self, request: Request, family_id: UUID) -> Response:
        family, access = _family_or_refuse(request, family_id)
        current = accompaniment_current(family=family)
        sessions = (
            accompaniment_sessions(accompaniment=current)
            if current is not None
            else AccompanimentSession.objects.none()
        )
        rows = self.paginate(request, sessions)
        _audit(request, family, AuditAction.READ, f"access={access} sessions={len(rows)}")
        return self.paginated_response(SessionSerializer(rows, many=True).data)

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer})
    def post(self, request: Request, family_id: UUID) -> Response:
        family, _access = _family_or_refuse(request, family_id, standings=SESSION_WRITERS)
        current = accompaniment_current(family=family)
        if current is None:
            raise NotFound()
        body = SessionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            session = accompaniment_session_log(
                actor=request_user(request),
                accompaniment=current,
                kind=data["kind"],
                held_on=data["held_on"],
                participants=data["participants"],
                progress=int(data["progress"]),
                goal_ids=data["goals"],
                next_step=data["next_step"],
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied() from error
        _audit(request, family, AuditAction.CREATE, f"session {session.pk}")
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)
