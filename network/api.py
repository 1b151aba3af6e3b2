"""REST API of case-review meetings. Thin: selectors decide who sees what."""

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
from network.models import Agreement, Meeting
from network.selectors import (
    agenda_items_for_user,
    agenda_proposal,
    agreements_for_user,
    meeting_can_manage,
    meeting_get_for_user,
    meeting_list_for_user,
    meeting_previous,
)
from web.pagination import PaginatedListMixin


class AgreementSerializer(serializers.ModelSerializer[Agreement]):
    organization = serializers.CharField(source="organization.name")
    case_code = serializers.CharField(source="case.code")

    class Meta:
        model = Agreement
        fields = ["id", "case_code", "text", "organization", "due_on", "status", "done_on"]


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    territory = serializers.CharField(source="territory.name", default=None)

    class Meta:
        model = Meeting
        fields = ["id", "title", "held_on", "place", "status", "territory"]


def _meeting_or_404(request: Request, meeting_id: UUID) -> Meeting:
    meeting = meeting_get_for_user(user=request_user(request), meeting_id=meeting_id)
    if meeting is None:
        audit_refused(request, record_type=AuditRecordType.MEETING, record_id=meeting_id)
        raise NotFound()
    return meeting


class MeetingListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeetingSerializer(many=True))
    def get(self, request: Request) -> Response:
        meetings = self.paginate(request, meeting_list_for_user(user=request_user(request)))
        audit_list(request, record_type=AuditRecordType.MEETING, count=len(meetings))
        return self.paginated_response(MeetingSerializer(meetings, many=True).data)


class MeetingDetailView(APIView):
    """A meeting, the agenda items the user may read, and the last meeting's agreements."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeetingSerializer)
    def get(self, request: Request, meeting_id: UUID) -> Response:
        user = request_user(request)
        meeting = _meeting_or_404(request, meeting_id)
        items = agenda_items_for_user(user=user, meeting=meeting)
        previous = meeting_previous(meeting=meeting)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.MEETING,
            record_id=meeting.pk,
            detail=f"agenda items={len(items)}",
        )
        data: dict[str, Any] = dict(MeetingSerializer(meeting).data)
        data["agenda"] = [
            {
                "case_code": item.case.code,
                "reasons": item.reasons,
                "challenges": item.challenges,
                "progress": item.progress,
                "agreements": AgreementSerializer(item.agreements.all(), many=True).data,
            }
            for item in items
        ]
        data["previous_agreements"] = (
            AgreementSerializer(agreements_for_user(user=user, meeting=previous), many=True).data
            if previous
            else []
        )
        return Response(data)


class MeetingProposalView(APIView):
    """The cases Puente proposes for the meeting's agenda, each with its reasons."""

    permission_classes = [IsAuthenticated]

    def get(self, request: Request, meeting_id: UUID) -> Response:
        meeting = _meeting_or_404(request, meeting_id)
        if not meeting_can_manage(user=request_user(request), meeting=meeting):
            raise PermissionDenied()
        present = meeting.items.values_list("case_id", flat=True)
        rows = agenda_proposal(territory_id=meeting.territory_id, exclude=present)
        audit_list(request, record_type=AuditRecordType.MEETING, count=len(rows))
        return Response([{"case_code": r.case.code, "reasons": r.reasons} for r in rows])
