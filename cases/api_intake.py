"""The API of the front door: reports, outreach lists and findings, the duplicate
check, and link requests between possible duplicates.

The same services and rules as the intake pages. A report or list one may not see
answers 404 as if it did not exist; a decision by someone outside the case team 403;
a refused input 400 naming the field; a decision someone else took first 409.
"""

from __future__ import annotations

from typing import NoReturn
from uuid import UUID

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction
from audit.services import audit_list, audit_record, audit_refused
from cases.api import case_or_404
from cases.api_intake_serializers import (
    CaseFromReportResultSerializer,
    CaseFromReportSerializer,
    CaseLinksSerializer,
    DismissSerializer,
    DuplicateCheckResultSerializer,
    DuplicateCheckSerializer,
    DuplicateSerializer,
    FindingConvertSerializer,
    FindingSerializer,
    LinkAnswerSerializer,
    LinkAskSerializer,
    LinkRequestSerializer,
    LinkToAnswerSerializer,
    OutreachListSerializer,
    ReportCreateSerializer,
    ReportLinkSerializer,
    ReportSerializer,
)
from cases.models import (
    OutreachFinding,
    OutreachList,
    Report,
)
from cases.selectors import case_list_for_user, case_team_organization_ids
from cases.selectors_intake import (
    AUDIT_LINK_REQUEST,
    AUDIT_OUTREACH,
    AUDIT_REPORT,
    PossibleDuplicate,
    case_duplicate_find,
    case_duplicates_for_case,
    case_links_for_case,
    duplicate_key_compute,
    finding_get_for_list,
    intake_organization_ids,
    link_request_get_for_user,
    link_requests_to_answer,
    outreach_get_for_user,
    outreach_list_for_user,
    report_get_for_user,
    report_list_for_user,
)
from cases.services.intake import (
    AlreadyDecided,
    case_link_answer,
    case_link_request,
    outreach_finding_add,
    outreach_finding_convert,
    outreach_finding_dismiss,
    outreach_list_create,
    report_convert,
    report_dismiss,
    report_link,
    report_register,
)
from directory.models import Organization
from directory.selectors import territory_for_point
from web.pagination import PaginatedListMixin


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def _conflict(error: AlreadyDecided) -> NoReturn:
    raise Conflict(error.message_dict)


def _report_or_404(request: Request, report_id: UUID) -> Report:
    report = report_get_for_user(user=request.user, report_id=report_id)
    if report is None:
        audit_refused(request, record_type=AUDIT_REPORT, record_id=report_id)
        raise NotFound()
    return report


def _outreach_or_404(request: Request, outreach_id: UUID) -> OutreachList:
    outreach = outreach_get_for_user(user=request.user, outreach_id=outreach_id)
    if outreach is None:
        audit_refused(request, record_type=AUDIT_OUTREACH, record_id=outreach_id)
        raise NotFound()
    return outreach


def _finding_or_404(outreach: OutreachList, finding_id: UUID) -> OutreachFinding:
    finding = finding_get_for_list(outreach=outreach, finding_id=finding_id)
    if finding is None:
        raise NotFound()
    return finding


def _audit_report(request: Request, action: str, report: Report, detail: str = "") -> None:
    audit_record(
        request=request,
        action=action,
        record_type=AUDIT_REPORT,
        record_id=report.pk,
        case_id=report.case_id,
        case_code=report.case.code if report.case_id and report.case else "",
        detail=detail,
    )


def _intake_member_require(request: Request) -> None:
    if not intake_organization_ids(user=request.user):
        raise PermissionDenied()


def _organization_of_user(
    request: Request, organization_id: UUID | None, field: str
) -> Organization:
    """One of the user's intake organizations: the one named, or the only one."""
    own = intake_organization_ids(user=request.user)
    if organization_id is None and len(own) == 1:
        organization_id = next(iter(own))
    if organization_id not in own:
        raise serializers.ValidationError({field: ["Choose one of your organizations."]})
    return Organization.objects.get(pk=organization_id)


# --- reports ---------------------------------------------------------------------------


class ReportListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(responses=ReportSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Reports received by the user's organizations or addressed to their case teams."""
        rows = self.paginate(
            request, report_list_for_user(user=request.user).order_by("-reported_at", "pk")
        )
        audit_list(request, record_type=AUDIT_REPORT, count=len(rows))
        return self.paginated_response(ReportSerializer(rows, many=True).data)

    @extend_schema(
        request={
            "application/json": ReportCreateSerializer,
            "multipart/form-data": ReportCreateSerializer,
        },
        responses={201: ReportSerializer},
    )
    def post(self, request: Request) -> Response:
        """Register a report (any modality); a written report's document as multipart."""
        _intake_member_require(request)
        serializer = ReportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["receiving_organization"] = _organization_of_user(
            request, data.pop("receiving_organization_id", None), "receiving_organization_id"
        )
        report = report_register(actor=request_user(request), **data)
        _audit_report(request, AuditAction.CREATE, report, f"modality={report.modality}")
        return Response(ReportSerializer(report).data, status=201)


class ReportDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ReportSerializer)
    def get(self, request: Request, report_id: UUID) -> Response:
        report = _report_or_404(request, report_id)
        _audit_report(request, AuditAction.READ, report)
        return Response(ReportSerializer(report).data)


class ReportDocumentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    def get(self, request: Request, report_id: UUID) -> FileResponse:
        """The written report's document, to those who may see the report."""
        report = _report_or_404(request, report_id)
        if not report.document:
            raise NotFound()
        _audit_report(request, AuditAction.READ, report, "document")
        extension = report.document.name.rsplit(".", 1)[-1]
        return FileResponse(
            report.document.open("rb"),
            as_attachment=True,
            filename=f"informe-{report.reported_at:%Y%m%d}.{extension}",
        )


class ReportConvertView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CaseFromReportSerializer, responses={201: CaseFromReportResultSerializer}
    )
    def post(self, request: Request, report_id: UUID) -> Response:
        """Open a case from the report: its request time is the report's time."""
        report = _report_or_404(request, report_id)
        serializer = CaseFromReportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["home"] = Point(data.pop("longitude"), data.pop("latitude"), srid=4326)
        data["needs"] = data.pop("need_codes")
        data.setdefault("risk_level", report.urgency)
        try:
            case = report_convert(actor=request_user(request), report=report, **data)
        except AlreadyDecided as error:
            _conflict(error)
        report.refresh_from_db()
        _audit_report(request, AuditAction.UPDATE, report, "converted")
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type="case",
            record_id=case.pk,
            case=case,
            detail=f"from report={report.pk}",
        )
        return Response(
            CaseFromReportResultSerializer(
                {
                    "case_id": case.pk,
                    "case_code": case.code,
                    "requested_at": case.requested_at,
                    "possible_duplicates": [
                        d
                        for d in case_duplicates_for_case(case=case)
                        if d.organization_id != case.organization_id
                    ],
                }
            ).data,
            status=201,
        )


class ReportLinkView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReportLinkSerializer, responses=ReportSerializer)
    def post(self, request: Request, report_id: UUID) -> Response:
        """Add the report to a case the team already has."""
        report = _report_or_404(request, report_id)
        serializer = ReportLinkSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        case = (
            case_list_for_user(user=request.user)
            .filter(code=serializer.validated_data["case_code"].strip().upper())
            .first()
        )
        if case is None:
            raise serializers.ValidationError(
                {"case_code": ["No case of your team has this code."]}
            )
        try:
            linked = report_link(actor=request_user(request), report=report, case=case)
        except AlreadyDecided as error:
            _conflict(error)
        _audit_report(request, AuditAction.UPDATE, linked, "linked")
        return Response(ReportSerializer(linked).data)


class ReportDismissView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DismissSerializer, responses=ReportSerializer)
    def post(self, request: Request, report_id: UUID) -> Response:
        report = _report_or_404(request, report_id)
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            dismissed = report_dismiss(
                actor=request_user(request),
                report=report,
                reason=serializer.validated_data["dismissal_reason"],
            )
        except AlreadyDecided as error:
            _conflict(error)
        _audit_report(request, AuditAction.UPDATE, dismissed, "dismissed")
        return Response(ReportSerializer(dismissed).data)


# --- outreach ------------------------------------------------------------------------------


class OutreachListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OutreachListSerializer(many=True))
    def get(self, request: Request) -> Response:
        lists = outreach_list_for_user(user=request.user).prefetch_related("findings")
        rows = self.paginate(request, lists.order_by("-carried_out_on", "-created", "pk"))
        audit_list(request, record_type=AUDIT_OUTREACH, count=len(rows))
        return self.paginated_response(OutreachListSerializer(rows, many=True).data)

    @extend_schema(request=OutreachListSerializer, responses={201: OutreachListSerializer})
    def post(self, request: Request) -> Response:
        _intake_member_require(request)
        serializer = OutreachListSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = _organization_of_user(
            request, data.pop("organization_id", None), "organization_id"
        )
        outreach = outreach_list_create(
            actor=request_user(request), organization=organization, **data
        )
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AUDIT_OUTREACH,
            record_id=outreach.pk,
        )
        return Response(OutreachListSerializer(outreach).data, status=201)


class OutreachDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OutreachListSerializer)
    def get(self, request: Request, outreach_id: UUID) -> Response:
        outreach = _outreach_or_404(request, outreach_id)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AUDIT_OUTREACH,
            record_id=outreach.pk,
        )
        return Response(OutreachListSerializer(outreach).data)


class FindingListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=FindingSerializer, responses={201: FindingSerializer})
    def post(self, request: Request, outreach_id: UUID) -> Response:
        outreach = _outreach_or_404(request, outreach_id)
        serializer = FindingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        finding = outreach_finding_add(
            actor=request_user(request), outreach=outreach, **serializer.validated_data
        )
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AUDIT_OUTREACH,
            record_id=finding.pk,
            detail=f"finding list={outreach.pk}",
        )
        return Response(FindingSerializer(finding).data, status=201)


class FindingConvertView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=FindingConvertSerializer, responses={201: ReportSerializer})
    def post(self, request: Request, outreach_id: UUID, finding_id: UUID) -> Response:
        """Turn the finding into an intake: a report (outreach) for a case team."""
        finding = _finding_or_404(_outreach_or_404(request, outreach_id), finding_id)
        serializer = FindingConvertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            report = outreach_finding_convert(
                actor=request_user(request), finding=finding, **serializer.validated_data
            )
        except AlreadyDecided as error:
            _conflict(error)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AUDIT_OUTREACH,
            record_id=finding.pk,
            detail=f"finding converted report={report.pk}",
        )
        _audit_report(request, AuditAction.CREATE, report, "modality=outreach")
        return Response(ReportSerializer(report).data, status=201)


class FindingDismissView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DismissSerializer, responses=FindingSerializer)
    def post(self, request: Request, outreach_id: UUID, finding_id: UUID) -> Response:
        finding = _finding_or_404(_outreach_or_404(request, outreach_id), finding_id)
        serializer = DismissSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            dismissed = outreach_finding_dismiss(
                actor=request_user(request),
                finding=finding,
                reason=serializer.validated_data["dismissal_reason"],
            )
        except AlreadyDecided as error:
            _conflict(error)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AUDIT_OUTREACH,
            record_id=finding.pk,
            detail="finding dismissed",
        )
        return Response(FindingSerializer(dismissed).data)


# --- duplicates and links ------------------------------------------------------------


def _others(duplicates: list[PossibleDuplicate], own: set[UUID]) -> list[PossibleDuplicate]:
    return [d for d in duplicates if d.organization_id not in own]


class DuplicateCheckView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=DuplicateCheckSerializer, responses=DuplicateCheckResultSerializer)
    def post(self, request: Request) -> Response:
        """Teams that hold a case with this identity, before registering one: names only."""
        teams = case_team_organization_ids(user=request.user)
        if not teams:
            raise PermissionDenied()
        serializer = DuplicateCheckSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        territory = territory_for_point(point=Point(data["longitude"], data["latitude"], srid=4326))
        if territory is None:
            raise serializers.ValidationError(
                {"latitude": ["The home location is outside every territory of the map."]}
            )
        key = duplicate_key_compute(
            full_name=data["full_name"],
            national_id=data["national_id"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            territory_id=territory.pk,
        )
        found = case_duplicate_find(key=key) if key else []
        # Logged without the identity: only that a check was made, and how many teams.
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AUDIT_LINK_REQUEST,
            detail=f"duplicate check teams={len(found)}",
        )
        return Response({"possible_duplicates": DuplicateSerializer(found, many=True).data})


class CaseLinksView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseLinksSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        """A case's possible duplicates in other teams (their names) and its links."""
        case = case_or_404(request, case_id)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AUDIT_LINK_REQUEST,
            record_id=case.pk,
            case=case,
        )
        return Response(
            {
                "possible_duplicates": DuplicateSerializer(
                    _others(case_duplicates_for_case(case=case), {case.organization_id}), many=True
                ).data,
                "links": LinkRequestSerializer(case_links_for_case(case=case), many=True).data,
            }
        )

    @extend_schema(request=LinkAskSerializer, responses={201: LinkRequestSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        """Ask a team shown as a possible duplicate to link the cases."""
        case = case_or_404(request, case_id)
        serializer = LinkAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        organization = Organization.objects.filter(
            pk=serializer.validated_data["organization_id"]
        ).first()
        if organization is None:
            raise serializers.ValidationError(
                {"organization_id": ["That team has no possible duplicate of this case."]}
            )
        try:
            link = case_link_request(
                actor=request_user(request), case=case, organization=organization
            )
        except DjangoValidationError as error:
            detail = (
                error.message_dict if hasattr(error, "error_dict") else {"detail": error.messages}
            )
            if "organization" in detail:
                detail["organization_id"] = detail.pop("organization")
            raise serializers.ValidationError(detail) from None
        audit_record(
            request=request,
            action=AuditAction.CREATE,
            record_type=AUDIT_LINK_REQUEST,
            record_id=link.pk,
            case=case,
        )
        view = next(v for v in case_links_for_case(case=case) if v.request.pk == link.pk)
        return Response(LinkRequestSerializer(view).data, status=201)


class LinkRequestListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=LinkToAnswerSerializer(many=True))
    def get(self, request: Request) -> Response:
        """Link requests the user's teams are asked to answer."""
        rows = self.paginate(request, link_requests_to_answer(user=request.user))
        audit_list(request, record_type=AUDIT_LINK_REQUEST, count=len(rows))
        return self.paginated_response(LinkToAnswerSerializer(rows, many=True).data)


class LinkRequestAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=LinkAnswerSerializer, responses=LinkToAnswerSerializer)
    def post(self, request: Request, request_id: UUID) -> Response:
        """Accept or refuse, once: a second answer is a 409."""
        link = link_request_get_for_user(user=request.user, request_id=request_id)
        if link is None:
            audit_refused(request, record_type=AUDIT_LINK_REQUEST, record_id=request_id)
            raise NotFound()
        serializer = LinkAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            answered = case_link_answer(
                actor=request_user(request),
                link_request=link,
                accept=serializer.validated_data["accept"],
            )
        except AlreadyDecided as error:
            _conflict(error)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AUDIT_LINK_REQUEST,
            record_id=answered.pk,
            case_id=answered.to_case_id,
            case_code=answered.to_case.code,
            detail=f"status={answered.status}",
        )
        return Response(LinkToAnswerSerializer(answered).data)
