"""The API of the common assessment: a case's assessments, assessing a domain, deciding.

The same services and rules as the pages: a case the user is not on answers 404; a
partner without the family's consent to share, or a partner deciding, 403; a refused
write 400 naming the field; someone having acted first 409.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

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
from cases.models import Assessment, AssessmentDomain, AssessmentDomainEntry, Case
from cases.selectors_assessment import (
    ASSESSMENT_READERS,
    ASSESSMENT_WRITERS,
    assessment_case_for_user,
    assessment_domain_recent,
    assessment_get_for_case,
    assessments_for_case,
)
from cases.services.assessment import (
    assessment_decide,
    assessment_domain_record,
    assessment_start,
)
from directory.models import TaxonomyTerm
from web.pagination import PaginatedListMixin

CONFLICT_KEYS = frozenset({"assessment", "case"})


class AssessmentConflict(APIException):
    status_code = 409
    default_code = "conflict"


def _refusal(error: ValidationError) -> Exception:
    """Someone acted first (409), or the request is wrong (400 naming the field)."""
    keys = set(getattr(error, "error_dict", {}))
    if keys & CONFLICT_KEYS:
        return AssessmentConflict(error.message_dict)
    return error


def _case_or_refuse(request: Request, case_id: UUID, *, write: bool = False) -> tuple[Case, str]:
    found = assessment_case_for_user(user=request.user, case_id=case_id)
    if found is None:
        audit_refused(request, record_type=AuditRecordType.ASSESSMENT, record_id=case_id)
        raise NotFound()
    case, access = found
    if access not in (ASSESSMENT_WRITERS if write else ASSESSMENT_READERS):
        audit_record(
            request=request,
            action=AuditAction.REFUSED,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=case.pk,
            case=case,
            detail=f"access={access}",
        )
        raise PermissionDenied()
    return case, access


def _assessment_or_404(case: Case, assessment_id: UUID) -> Assessment:
    assessment = assessment_get_for_case(case=case, assessment_id=assessment_id)
    if assessment is None:
        raise NotFound()
    return assessment


class EntrySerializer(serializers.ModelSerializer[AssessmentDomainEntry]):
    domain = serializers.CharField(source="domain.code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    answers = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentDomainEntry
        fields = [
            "id",
            "domain",
            "organization",
            "organization_name",
            "assessed_at",
            "score",
            "is_repeat",
            "repeat_reason",
            "note",
            "answers",
        ]
        read_only_fields = fields

    def get_answers(self, entry: AssessmentDomainEntry) -> dict[str, int]:
        return {answer.item.code: answer.value for answer in entry.answers.all()}


class AssessmentSerializer(serializers.ModelSerializer[Assessment]):
    instrument_code = serializers.CharField(source="instrument.code", read_only=True)
    instrument_version = serializers.IntegerField(source="instrument.version", read_only=True)
    entries = EntrySerializer(many=True, read_only=True)
    accepted_needs = serializers.SerializerMethodField()
    # Blank until suggested or decided: a plain string, not the levels' enum.
    suggested_risk_level = serializers.CharField(read_only=True)
    accepted_risk_level = serializers.CharField(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "instrument",
            "instrument_code",
            "instrument_version",
            "assessed_on",
            "suggested_risk_level",
            "suggestion",
            "decision",
            "accepted_risk_level",
            "accepted_needs",
            "override_reason",
            "decided_at",
            "entries",
        ]
        read_only_fields = fields

    def get_accepted_needs(self, assessment: Assessment) -> list[str]:
        return sorted(term.code for term in assessment.accepted_needs.all())


class DomainRecordSerializer(serializers.Serializer[Any]):
    domain = serializers.SlugField()
    answers = serializers.DictField(child=serializers.IntegerField(min_value=0))
    note = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    repeat_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=4000, default=""
    )


class DecisionSerializer(serializers.Serializer[Any]):
    risk_level = serializers.CharField()
    needs = serializers.ListField(
        child=serializers.SlugRelatedField(slug_field="code", queryset=TaxonomyTerm.objects.all()),
        required=False,
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class CaseAssessmentListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AssessmentSerializer(many=True))
    def get(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id)
        # The list is newest first and small (one per review), so it is cut after it
        # is read: its domains and answers are prefetched for the whole case at once.
        assessments = self.paginate(request, assessments_for_case(case=case))
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=case.pk,
            case=case,
            detail=f"access={access} rows={len(assessments)}",
        )
        return self.paginated_response(AssessmentSerializer(assessments, many=True).data)

    @extend_schema(request=None, responses={201: AssessmentSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id, write=True)
        if access != "lead":
            raise PermissionDenied()
        try:
            assessment = assessment_start(actor=request_user(request), case=case)
        except ValidationError as error:
            raise _refusal(error) from error
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=assessment.pk,
            case=case,
        )
        return Response(AssessmentSerializer(assessment).data, status=201)


class AssessmentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=AssessmentSerializer)
    def get(self, request: Request, case_id: UUID, assessment_id: UUID) -> Response:
        case, _access = _case_or_refuse(request, case_id)
        assessment = _assessment_or_404(case, assessment_id)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=assessment.pk,
            case=case,
        )
        full = next(a for a in assessments_for_case(case=case) if a.pk == assessment.pk)
        return Response(AssessmentSerializer(full).data)


class AssessmentDomainView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: None})
    def get(self, request: Request, case_id: UUID, assessment_id: UUID) -> Response:
        """What was assessed in the repeat window, per domain: ``?domain=<code>``."""
        case, _access = _case_or_refuse(request, case_id, write=True)
        _assessment_or_404(case, assessment_id)
        code = request.query_params.get("domain", "")
        earlier = assessment_domain_recent(case=case, domain_code=code)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=assessment_id,
            case=case,
            detail="recent domains",
        )
        return Response(
            [
                {"domain": e.domain, "organization": e.organization, "assessed_at": e.assessed_at}
                for e in earlier
            ]
        )

    @extend_schema(request=DomainRecordSerializer, responses={201: EntrySerializer})
    def post(self, request: Request, case_id: UUID, assessment_id: UUID) -> Response:
        case, _access = _case_or_refuse(request, case_id, write=True)
        assessment = _assessment_or_404(case, assessment_id)
        serializer = DomainRecordSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        domain = AssessmentDomain.objects.filter(
            instrument_id=assessment.instrument_id, code=data["domain"]
        ).first()
        if domain is None:
            raise serializers.ValidationError({"domain": ["Not a domain of this instrument."]})
        try:
            entry = assessment_domain_record(
                actor=request_user(request),
                assessment=assessment,
                domain=domain,
                answers=data["answers"],
                note=data["note"],
                repeat_reason=data["repeat_reason"],
            )
        except ValidationError as error:
            raise _refusal(error) from error
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=entry.pk,
            case=case,
            detail=f"domain={domain.code} repeat={entry.is_repeat}",
        )
        return Response(EntrySerializer(entry).data, status=201)


class AssessmentDecisionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DecisionSerializer, responses=AssessmentSerializer)
    def post(self, request: Request, case_id: UUID, assessment_id: UUID) -> Response:
        case, access = _case_or_refuse(request, case_id, write=True)
        if access != "lead":
            raise PermissionDenied()
        assessment = _assessment_or_404(case, assessment_id)
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            decided = assessment_decide(
                actor=request_user(request),
                assessment=assessment,
                risk_level=data["risk_level"],
                needs=data.get("needs", []),
                reason=data["reason"],
            )
        except ValidationError as error:
            raise _refusal(error) from error
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.ASSESSMENT,
            record_id=decided.pk,
            case=case,
            detail=f"decision={decided.decision}",
        )
        return Response(AssessmentSerializer(decided).data)
