"""The API of the case team: who is on a case, partners, reassignment, transfers, progress.

The same services and rules as the case-team pages. A case or a transfer the user is
not on answers 404 as if it did not exist; an action of another member of the team
(a partner adding partners, a caseworker approving a transfer) 403; a refused write
400 naming the field (``case``, ``transfer`` or ``partner`` when someone else acted
first).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from cases.models import (
    Case,
    CaseAssignment,
    CasePartner,
    CaseProgressReport,
    CaseTransfer,
    PartnerRole,
)
from cases.selectors import case_get_for_case_team, case_member_organization_ids
from cases.selectors_lifecycle import transfers_to_answer_for_user
from cases.selectors_team import (
    case_assignments,
    case_partners,
    case_progress_reports_queryset,
    case_transfers,
    transfer_get_for_user,
)
from cases.services.partners import (
    TEXT_MAX,
    case_partner_add,
    case_partner_end,
    case_progress_report,
    case_reassign,
    case_transfer_answer,
    case_transfer_approve,
    case_transfer_request,
    case_transfer_withdraw,
)
from web.pagination import PaginatedListMixin


def _case_team_or_404(request: Request, case_id: UUID) -> tuple[Case, str]:
    found = case_get_for_case_team(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.CASE_TEAM, record_id=case_id)
        raise NotFound()
    return found


def _lead_case_or_403(request: Request, case_id: UUID) -> Case:
    case, access = _case_team_or_404(request, case_id)
    if access != "lead":
        raise PermissionDenied()
    return case


def _transfer_or_404(request: Request, transfer_id: UUID) -> CaseTransfer:
    transfer = transfer_get_for_user(user=request.user, transfer_id=transfer_id)
    if transfer is None:
        audit_refused(request, record_type=AuditRecordType.TRANSFER, record_id=transfer_id)
        raise NotFound()
    return transfer


def _audit(
    request: Request, *, action: str, record_type: str, record_id: Any, case: Case, detail: str = ""
) -> None:
    audit_record(
        request=request,
        action=action,
        record_type=record_type,
        record_id=record_id,
        case=case,
        detail=detail,
    )


class PartnerSerializer(serializers.ModelSerializer[CasePartner]):
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = CasePartner
        fields = ["id", "organization", "organization_name", "role", "added_at", "ended_at"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer[CaseAssignment]):
    caseworker = serializers.CharField(
        source="caseworker.username", read_only=True, allow_null=True, default=None
    )
    assigned_by = serializers.CharField(source="assigned_by.username", read_only=True)

    class Meta:
        model = CaseAssignment
        fields = ["id", "organization", "caseworker", "assigned_by", "assigned_at", "reason"]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer[CaseTransfer]):
    case_code = serializers.CharField(source="case.code", read_only=True)

    class Meta:
        model = CaseTransfer
        fields = [
            "id",
            "case",
            "case_code",
            "from_organization",
            "to_organization",
            "reason",
            "status",
            "requested_at",
            "approved_at",
            "answered_at",
            "answer_note",
        ]
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer[CaseProgressReport]):
    author = serializers.CharField(source="author.username", read_only=True)

    class Meta:
        model = CaseProgressReport
        fields = ["id", "organization", "author", "reported_at", "done", "changed"]
        read_only_fields = ["id", "author", "reported_at"]
        extra_kwargs = {"organization": {"required": False, "allow_null": True}}


class CaseTeamSerializer(serializers.Serializer[Any]):
    access = serializers.ChoiceField(choices=["lead", "supervisor", "partner", "packet"])
    lead_organization = serializers.UUIDField()
    caseworker = serializers.CharField(allow_null=True)
    partners = PartnerSerializer(many=True)
    assignments = AssignmentSerializer(many=True)
    transfers = TransferSerializer(many=True)


class PartnerAddSerializer(serializers.Serializer[Any]):
    organization = serializers.UUIDField()
    role = serializers.ChoiceField(choices=PartnerRole.choices)


class ReassignSerializer(serializers.Serializer[Any]):
    caseworker = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class TransferRequestSerializer(serializers.Serializer[Any]):
    to_organization = serializers.UUIDField()
    reason = serializers.CharField(max_length=TEXT_MAX)


class TransferDecisionSerializer(serializers.Serializer[Any]):
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class TransferAnswerSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ProgressWriteSerializer(serializers.Serializer[Any]):
    organization = serializers.UUIDField(required=False, allow_null=True, default=None)
    done = serializers.CharField(max_length=TEXT_MAX)
    changed = serializers.CharField(max_length=TEXT_MAX)


class CaseTeamView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseTeamSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_team_or_404(request, case_id)
        _audit(
            request,
            action=AuditAction.READ,
            record_type=AuditRecordType.CASE_TEAM,
            record_id=case.pk,
            case=case,
            detail=f"access={access}",
        )
        reads_case = access in {"lead", "supervisor", "partner"}
        return Response(
            {
                "access": access,
                "lead_organization": case.organization_id,
                "caseworker": case.caseworker.username if case.caseworker else None,
                "partners": PartnerSerializer(case_partners(case=case), many=True).data,
                "assignments": AssignmentSerializer(
                    case_assignments(case=case) if reads_case else [], many=True
                ).data,
                "transfers": TransferSerializer(
                    case_transfers(case=case) if reads_case else [], many=True
                ).data,
            }
        )


class CasePartnerListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PartnerAddSerializer, responses={201: PartnerSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case = _lead_case_or_403(request, case_id)
        serializer = PartnerAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        partner = case_partner_add(
            actor=request_user(request),
            case=case,
            organization_id=serializer.validated_data["organization"],
            role=serializer.validated_data["role"],
        )
        _audit(
            request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.CASE_TEAM,
            record_id=partner.pk,
            case=case,
            detail=f"partner added role={partner.role}",
        )
        return Response(PartnerSerializer(partner).data, status=201)


class CasePartnerEndView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=PartnerSerializer)
    def post(self, request: Request, case_id: UUID, partner_id: UUID) -> Response:
        case = _lead_case_or_403(request, case_id)
        partner = case_partner_end(actor=request_user(request), case=case, partner_id=partner_id)
        _audit(
            request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.CASE_TEAM,
            record_id=partner.pk,
            case=case,
            detail="partner ended",
        )
        return Response(PartnerSerializer(partner).data)


class CaseAssignmentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReassignSerializer, responses={201: AssignmentSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_team_or_404(request, case_id)
        if access not in {"lead", "supervisor"}:
            raise PermissionDenied()
        serializer = ReassignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assignment = case_reassign(
            actor=request_user(request),
            case=case,
            caseworker_id=serializer.validated_data["caseworker"],
            reason=serializer.validated_data["reason"],
        )
        _audit(
            request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.CASE_TEAM,
            record_id=assignment.pk,
            case=case,
            detail="reassigned",
        )
        return Response(AssignmentSerializer(assignment).data, status=201)


class CaseTransferListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TransferRequestSerializer, responses={201: TransferSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case = _lead_case_or_403(request, case_id)
        serializer = TransferRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        transfer = case_transfer_request(
            actor=request_user(request),
            case=case,
            to_organization_id=serializer.validated_data["to_organization"],
            reason=serializer.validated_data["reason"],
        )
        _audit(
            request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.TRANSFER,
            record_id=transfer.pk,
            case=case,
            detail=f"status={transfer.status}",
        )
        return Response(TransferSerializer(transfer).data, status=201)


class TransferInboxView(PaginatedListMixin, APIView):
    """Transfers offered to the user's teams, and those waiting for their approval."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TransferSerializer(many=True))
    def get(self, request: Request) -> Response:
        transfers = self.paginate(request, transfers_to_answer_for_user(user=request.user))
        audit_list(request, record_type=AuditRecordType.TRANSFER, count=len(transfers))
        return self.paginated_response(TransferSerializer(transfers, many=True).data)


class TransferDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TransferSerializer)
    def get(self, request: Request, transfer_id: UUID) -> Response:
        transfer = _transfer_or_404(request, transfer_id)
        _audit(
            request,
            action=AuditAction.READ,
            record_type=AuditRecordType.TRANSFER,
            record_id=transfer.pk,
            case=transfer.case,
        )
        return Response(TransferSerializer(transfer).data)


class TransferApprovalView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TransferDecisionSerializer, responses=TransferSerializer)
    def post(self, request: Request, transfer_id: UUID) -> Response:
        transfer = _transfer_or_404(request, transfer_id)
        serializer = TransferDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = case_transfer_approve(
            actor=request_user(request), transfer=transfer, **serializer.validated_data
        )
        _audit(
            request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.TRANSFER,
            record_id=decided.pk,
            case=decided.case,
            detail=f"approval status={decided.status}",
        )
        return Response(TransferSerializer(decided).data)


class TransferAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TransferAnswerSerializer, responses=TransferSerializer)
    def post(self, request: Request, transfer_id: UUID) -> Response:
        transfer = _transfer_or_404(request, transfer_id)
        serializer = TransferAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        answered = case_transfer_answer(
            actor=request_user(request), transfer=transfer, **serializer.validated_data
        )
        _audit(
            request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.TRANSFER,
            record_id=answered.pk,
            case=answered.case,
            detail=f"answered status={answered.status}",
        )
        return Response(TransferSerializer(answered).data)


class TransferWithdrawView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=TransferSerializer)
    def post(self, request: Request, transfer_id: UUID) -> Response:
        transfer = _transfer_or_404(request, transfer_id)
        withdrawn = case_transfer_withdraw(actor=request_user(request), transfer=transfer)
        _audit(
            request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.TRANSFER,
            record_id=withdrawn.pk,
            case=withdrawn.case,
            detail="withdrawn",
        )
        return Response(TransferSerializer(withdrawn).data)


class CaseProgressView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProgressReportSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_team_or_404(request, case_id)
        # Without the consent to share, a partner reads its own organization's reports.
        own = None if access != "packet" else case_member_organization_ids(user=request.user)
        reports = self.paginate(
            request, case_progress_reports_queryset(case=case, organization_ids=own)
        )
        audit_list(request, record_type=AuditRecordType.PROGRESS_REPORT, count=len(reports))
        return self.paginated_response(ProgressReportSerializer(reports, many=True).data)

    @extend_schema(request=ProgressWriteSerializer, responses={201: ProgressReportSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case, _access = _case_team_or_404(request, case_id)
        serializer = ProgressWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report = case_progress_report(
            actor=request_user(request),
            case=case,
            organization_id=serializer.validated_data["organization"],
            done=serializer.validated_data["done"],
            changed=serializer.validated_data["changed"],
        )
        _audit(
            request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.PROGRESS_REPORT,
            record_id=report.pk,
            case=case,
        )
        return Response(ProgressReportSerializer(report).data, status=201)
