"""The API of the integrated plan: a case's plan versions and actions (paginated lists),
adding and updating an action, approving a version.

The same services and rules as the pages: a case the user is not on answers 404; a
partner without the family's consent to share, or anyone updating another
organization's action, 403; a refused write 400 naming the field; a version no longer
in force or already decided, 409.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.models import ActionStatus, Case, CasePlanVersion, PlanAction
from cases.selectors import case_get_for_case_team
from cases.selectors_plan import (
    PLAN_READERS,
    PLAN_WRITERS,
    plan_action_get,
    plan_actions,
    plan_for_case,
    plan_goal_get,
    plan_version_current,
    plan_versions,
)
from cases.services.plan import plan_action_add, plan_action_update, plan_approve
from web.pagination import PaginatedListMixin

CONFLICT_KEYS = frozenset({"version", "case"})


class PlanConflict(APIException):
    status_code = 409
    default_code = "conflict"


def _refusal(error: ValidationError) -> Exception:
    keys = set(getattr(error, "error_dict", {}))
    if keys & CONFLICT_KEYS:
        return PlanConflict(error.message_dict)
    return error


def _audit(request: Request, case: Case, action: str, record_id: Any, detail: str) -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AuditRecordType.CASE_PLAN,
        record_id=record_id,
        case=case,
        detail=detail,
    )


def _case_or_refuse(request: Request, case_id: UUID, *, write: bool = False) -> tuple[Case, str]:
    found = case_get_for_case_team(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.CASE_PLAN, record_id=case_id)
        raise NotFound()
    case, access = found
    if access not in (PLAN_WRITERS if write else PLAN_READERS):
        _audit(request, case, AuditAction.REFUSED, case.pk, f"access={access}")
        raise PermissionDenied()
    return case, access


def _current_or_404(case: Case) -> CasePlanVersion:
    plan = plan_for_case(case=case)
    version = plan_version_current(plan=plan) if plan is not None else None
    if version is None:
        raise NotFound()
    return version


class PlanVersionSerializer(serializers.ModelSerializer[CasePlanVersion]):
    class Meta:
        model = CasePlanVersion
        fields = [
            "id",
            "number",
            "status",
            "review_on",
            "review_reason",
            "submitted_at",
            "approved_at",
            "superseded_at",
        ]
        read_only_fields = fields


class PlanActionSerializer(serializers.ModelSerializer[PlanAction]):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    goal_description = serializers.CharField(source="goal.description", read_only=True)

    class Meta:
        model = PlanAction
        fields = [
            "id",
            "goal",
            "goal_description",
            "organization",
            "organization_name",
            "responsible",
            "description",
            "due_on",
            "status",
            "note",
            "referral",
            "enrolment",
            "follow_up",
            "done_on",
        ]
        read_only_fields = fields


class ActionCreateSerializer(serializers.Serializer[Any]):
    goal = serializers.UUIDField()
    description = serializers.CharField(max_length=4000)
    responsible = serializers.CharField(max_length=200)
    due_on = serializers.DateField()
    organization = serializers.UUIDField(required=False, allow_null=True, default=None)
    referral = serializers.UUIDField(required=False, allow_null=True, default=None)
    enrolment = serializers.UUIDField(required=False, allow_null=True, default=None)
    follow_up = serializers.UUIDField(required=False, allow_null=True, default=None)


class ActionUpdateSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=ActionStatus.choices)
    due_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default=None)


class ApprovalSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class PlanVersionListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PlanVersionSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id)
        plan = plan_for_case(case=case)
        rows = self.paginate(request, plan_versions(plan=plan) if plan is not None else [])
        _audit(request, case, AuditAction.READ, case.pk, f"access={access} versions={len(rows)}")
        return self.paginated_response(PlanVersionSerializer(rows, many=True).data)


class PlanActionListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PlanActionSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id)
        version = _current_or_404(case)
        rows = self.paginate(request, plan_actions(version=version))
        _audit(request, case, AuditAction.READ, version.pk, f"access={access} actions={len(rows)}")
        return self.paginated_response(PlanActionSerializer(rows, many=True).data)

    @extend_schema(request=ActionCreateSerializer, responses={201: PlanActionSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case, _access = _case_or_refuse(request, case_id, write=True)
        version = _current_or_404(case)
        body = ActionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        goal = plan_goal_get(version=version, goal_id=data["goal"])
        if goal is None:
            raise serializers.ValidationError({"goal": ["This goal is not in the plan in force."]})
        try:
            action = plan_action_add(
                actor=request_user(request),
                goal=goal,
                description=data["description"],
                responsible=data["responsible"],
                due_on=data["due_on"],
                organization_id=data["organization"],
                referral_id=data["referral"],
                enrolment_id=data["enrolment"],
                follow_up_id=data["follow_up"],
            )
        except DjangoPermissionDenied as error:
            _audit(request, case, AuditAction.REFUSED, case.pk, "action add")
            raise PermissionDenied() from error
        except ValidationError as error:
            raise _refusal(error) from error
        _audit(request, case, AuditAction.CREATE, action.pk, f"action org={action.organization_id}")
        return Response(PlanActionSerializer(action).data, status=201)


class PlanActionDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ActionUpdateSerializer, responses=PlanActionSerializer)
    def patch(self, request: Request, case_id: UUID, action_id: UUID) -> Response:
        case, _access = _case_or_refuse(request, case_id, write=True)
        version = _current_or_404(case)
        action = plan_action_get(version=version, action_id=action_id)
        if action is None:
            raise NotFound()
        body = ActionUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            action = plan_action_update(
                actor=request_user(request),
                action=action,
                status=data["status"],
                due_on=data["due_on"],
                note=data["note"],
            )
        except DjangoPermissionDenied as error:
            _audit(request, case, AuditAction.REFUSED, action.pk, "not the action's organization")
            raise PermissionDenied() from error
        except ValidationError as error:
            raise _refusal(error) from error
        _audit(request, case, AuditAction.UPDATE, action.pk, f"action status={action.status}")
        return Response(PlanActionSerializer(action).data)


class PlanApprovalView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ApprovalSerializer, responses=PlanVersionSerializer)
    def post(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id)
        if access != "supervisor":
            _audit(request, case, AuditAction.REFUSED, case.pk, f"access={access} approve")
            raise PermissionDenied()
        version = _current_or_404(case)
        body = ApprovalSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            version = plan_approve(
                actor=request_user(request),
                version=version,
                approve=body.validated_data["approve"],
                note=body.validated_data["note"],
            )
        except ValidationError as error:
            raise _refusal(error) from error
        _audit(request, case, AuditAction.UPDATE, version.pk, f"approval status={version.status}")
        return Response(PlanVersionSerializer(version).data)
