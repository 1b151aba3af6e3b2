"""The API of the case file's lifecycle: admissibility, and closing (the history, a
request, its verification, reopening).

The same services and rules as the closure page; a case of another team answers 404
as if it did not exist, a verification by who asked 403, a refused decision 400
naming the field (``case`` or ``closure`` when someone else decided first).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record, audit_refused
from cases.forms import TEXT_MAX
from cases.models import Admissibility, AdmissibilityDecision, Case, CaseClosure, CaseReopening
from cases.selectors import case_get_for_user
from cases.selectors_lifecycle import (
    admissibility_decisions_for_case,
    case_closure_history,
    closure_get_for_case,
)
from cases.services.admissibility import admissibility_checklist, case_admissibility_decide
from cases.services.closure import (
    REQUESTABLE_REASONS,
    case_closure_cancel,
    case_closure_request,
    case_closure_verify,
    case_get_for_verifier,
    case_reopen,
)


def case_or_404(request: Request, case_id: UUID) -> Case:
    """A case the user works; any other answers 404 as if it did not exist (and is audited)."""
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise NotFound()
    return case


def _verifier_case_or_404(request: Request, case_id: UUID) -> Case:
    case = case_get_for_verifier(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise NotFound()
    return case


def _closure_or_404(case: Case, closure_id: UUID) -> CaseClosure:
    closure = closure_get_for_case(case=case, closure_id=closure_id)
    if closure is None:
        raise NotFound()
    return closure


def _audit(request: Request, action: str, record: Any, case: Case, detail: str = "") -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AuditRecordType.CLOSURE,
        record_id=record.pk,
        case=case,
        detail=detail,
    )


class ClosureSerializer(serializers.ModelSerializer[CaseClosure]):
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    decided_by = serializers.CharField(
        source="decided_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = CaseClosure
        fields = [
            "id",
            "reason",
            "reason_text",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
            "resolved",
        ]
        read_only_fields = fields


class ReopeningSerializer(serializers.ModelSerializer[CaseReopening]):
    reopened_by = serializers.CharField(source="reopened_by.username", read_only=True)

    class Meta:
        model = CaseReopening
        fields = [
            "id",
            "reopened_by",
            "reopened_at",
            "reason",
            "alert",
            "previous_reason",
            "previous_closed_at",
        ]
        read_only_fields = fields


class ClosureHistorySerializer(serializers.Serializer[Any]):
    closures = ClosureSerializer(many=True)
    reopenings = ReopeningSerializer(many=True)


class ClosureRequestSerializer(serializers.Serializer[Any]):
    reason = serializers.ChoiceField(choices=[(r.value, r.label) for r in REQUESTABLE_REASONS])
    reason_text = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ClosureDecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ReopenSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=TEXT_MAX)


class CaseClosureListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ClosureHistorySerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        history = case_closure_history(case=case)
        _audit(request, AuditAction.READ, case, case)
        return Response(
            {
                "closures": ClosureSerializer(
                    [row.closure for row in history if row.closure], many=True
                ).data,
                "reopenings": ReopeningSerializer(
                    [row.reopening for row in history if row.reopening], many=True
                ).data,
            }
        )

    @extend_schema(request=ClosureRequestSerializer, responses={201: ClosureSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        serializer = ClosureRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closure = case_closure_request(
            actor=request_user(request), case=case, **serializer.validated_data
        )
        _audit(request, AuditAction.CREATE, closure, case, f"status={closure.status}")
        return Response(ClosureSerializer(closure).data, status=201)


class CaseClosureDecisionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ClosureDecisionSerializer, responses=ClosureSerializer)
    def post(self, request: Request, case_id: UUID, closure_id: UUID) -> Response:
        case = _verifier_case_or_404(request, case_id)
        closure = _closure_or_404(case, closure_id)
        serializer = ClosureDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = case_closure_verify(
            actor=request_user(request), closure=closure, **serializer.validated_data
        )
        _audit(request, AuditAction.UPDATE, decided, case, f"status={decided.status}")
        return Response(ClosureSerializer(decided).data)


class CaseClosureWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=ClosureSerializer)
    def post(self, request: Request, case_id: UUID, closure_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        closure = case_closure_cancel(
            actor=request_user(request), closure=_closure_or_404(case, closure_id)
        )
        _audit(request, AuditAction.UPDATE, closure, case, "status=cancelled")
        return Response(ClosureSerializer(closure).data)


class CaseReopenView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReopenSerializer, responses={201: ReopeningSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        serializer = ReopenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reopening = case_reopen(actor=request_user(request), case=case, **serializer.validated_data)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.CASE,
            record_id=case.pk,
            case=case,
            detail=f"reopened reopening={reopening.pk}",
        )
        return Response(ReopeningSerializer(reopening).data, status=201)


# --- admissibility ---------------------------------------------------------------------


class AdmissibilityAnswerSerializer(serializers.Serializer[Any]):
    criterion = serializers.UUIDField()
    met = serializers.BooleanField()


class AdmissibilityDecisionSerializer(serializers.ModelSerializer[AdmissibilityDecision]):
    decided_by = serializers.CharField(source="decided_by.username", read_only=True)
    admissibility = serializers.CharField(source="outcome", read_only=True)

    class Meta:
        model = AdmissibilityDecision
        fields = ["id", "admissibility", "reason", "answers", "decided_by", "decided_at"]
        read_only_fields = fields


class AdmissibilityRequestSerializer(serializers.Serializer[Any]):
    admissibility = serializers.ChoiceField(
        choices=[Admissibility.ADMITTED.value, Admissibility.NOT_ADMITTED.value]
    )
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    answers = AdmissibilityAnswerSerializer(
        many=True,
        help_text="One per criterion of the current checklist (GET it from this endpoint).",
    )


class AdmissibilityChecklistSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    text = serializers.CharField()
    how_to_judge = serializers.CharField(source="help_text")


class AdmissibilityStateSerializer(serializers.Serializer[Any]):
    admissibility = serializers.CharField()
    checklist = AdmissibilityChecklistSerializer(many=True)
    decisions = AdmissibilityDecisionSerializer(many=True)


class CaseAdmissibilityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AdmissibilityStateSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.ADMISSIBILITY,
            record_id=case.pk,
            case=case,
        )
        return Response(
            {
                "admissibility": case.admissibility,
                "checklist": AdmissibilityChecklistSerializer(
                    admissibility_checklist(), many=True
                ).data,
                "decisions": AdmissibilityDecisionSerializer(
                    admissibility_decisions_for_case(case=case), many=True
                ).data,
            }
        )

    @extend_schema(
        request=AdmissibilityRequestSerializer, responses={201: AdmissibilityDecisionSerializer}
    )
    def post(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        serializer = AdmissibilityRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case_admissibility_decide(
            actor=request_user(request),
            case=case,
            admissibility=data["admissibility"],
            reason=data["reason"],
            answers={answer["criterion"]: answer["met"] for answer in data["answers"]},
        )
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.ADMISSIBILITY,
            record_id=case.pk,
            case=case,
            detail=f"outcome={case.admissibility}",
        )
        decision = admissibility_decisions_for_case(case=case)[0]
        return Response(AdmissibilityDecisionSerializer(decision).data, status=201)
