"""REST API of slots, waitlists, offers and allocation rounds. Thin: services decide."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import coordinator_require, request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from directory.selectors import taxonomy_term_list, territory_list
from matching.selectors import referral_get_for_provider
from waitlists.models import EnrolmentStatus
from waitlists.rounds import (
    allocation_round_confirm,
    allocation_round_propose,
    allocation_round_rows,
)
from waitlists.selectors import (
    allocation_round_get,
    enrolment_get_for_provider,
    slot_offer_get_for_case_team,
    waitlist_can_read,
    waitlist_history,
    waitlist_network_summary,
    waitlist_positions,
)
from waitlists.services import enrolment_end, referral_place, slot_offer_answer
from waitlists.views.common import (
    audit_enrolment_ended,
    audit_placement,
    audit_round_placements,
    audit_round_proposed,
)
from web.api import CodeRelatedField
from web.pagination import PaginatedListMixin


class PlaceSerializer(serializers.Serializer[Any]):
    referral_id = serializers.UUIDField()


class EnrolmentCreateView(APIView):
    """Enrol an accepted referral's child, or put the child on the waitlist when full."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=PlaceSerializer, responses={201: None, 200: None})
    def post(self, request: Request) -> Response:
        data = PlaceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        referral = referral_get_for_provider(
            user=request.user, referral_id=data.validated_data["referral_id"]
        )
        if referral is None:
            audit_refused(
                request,
                record_type=AuditRecordType.REFERRAL,
                record_id=data.validated_data["referral_id"],
            )
            raise NotFound()
        placement = referral_place(actor=request_user(request), referral=referral)
        audit_placement(request, referral=referral, placement=placement)
        if placement.enrolment is not None:
            return Response(
                {"result": "enrolled", "enrolment_id": placement.enrolment.pk}, status=201
            )
        assert placement.entry is not None
        return Response({"result": "waitlisted", "entry_id": placement.entry.pk}, status=200)


class EndSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(
        choices=[c for c in EnrolmentStatus.choices if c[0] != EnrolmentStatus.ACTIVE]
    )
    feedback = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EnrolmentEndView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EndSerializer, responses={200: None})
    def post(self, request: Request, enrolment_id: UUID) -> Response:
        enrolment = enrolment_get_for_provider(user=request.user, enrolment_id=enrolment_id)
        if enrolment is None:
            audit_refused(request, record_type=AuditRecordType.ENROLMENT, record_id=enrolment_id)
            raise NotFound()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = enrolment_end(
            actor=request_user(request), enrolment=enrolment, **data.validated_data
        )
        audit_enrolment_ended(request, enrolment=enrolment)
        return Response({"status": enrolment.status})


class AnswerSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OfferAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AnswerSerializer, responses={200: None})
    def post(self, request: Request, offer_id: UUID) -> Response:
        offer = slot_offer_get_for_case_team(user=request.user, offer_id=offer_id)
        if offer is None:
            audit_refused(request, record_type=AuditRecordType.OFFER, record_id=offer_id)
            raise NotFound()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        case = offer.entry.case
        offer = slot_offer_answer(actor=request_user(request), offer=offer, **data.validated_data)
        audit_record(
            request=request,
            action=AuditAction.UPDATE,
            record_type=AuditRecordType.OFFER,
            record_id=offer.pk,
            case=case,
            detail=f"status={offer.status}",
        )
        return Response({"status": offer.status})


class WaitlistSummarySerializer(serializers.Serializer[Any]):
    service_id = serializers.UUIDField()
    service_name = serializers.CharField()
    organization_name = serializers.CharField()
    waiting = serializers.IntegerField()
    oldest_wait_days = serializers.FloatField(allow_null=True)
    median_wait_days = serializers.FloatField(allow_null=True)


class WaitlistNetworkView(PaginatedListMixin, APIView):
    """Every waitlist of the network: length, oldest and median wait (coordinators)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="waitlists_list", responses=WaitlistSummarySerializer(many=True))
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        rows = self.paginate(request, waitlist_network_summary())
        return self.paginated_response(WaitlistSummarySerializer(rows, many=True).data)


class QueuePlaceSerializer(serializers.Serializer[Any]):
    entry_id = serializers.UUIDField(source="entry.pk")
    case_code = serializers.CharField(source="entry.case.code")
    priority_score = serializers.IntegerField(source="entry.case.priority_score")
    position = serializers.IntegerField()
    waiting_since = serializers.DateTimeField(source="entry.requested_at")
    # None: nobody has left the list lately, so there is no pace to estimate from.
    estimated_wait_days = serializers.FloatField(allow_null=True)
    status = serializers.CharField(source="entry.status")


class WaitlistServiceView(PaginatedListMixin, APIView):
    """One service's queue, by case code: its provider's staff and coordinators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="waitlists_service_queue", responses=QueuePlaceSerializer(many=True)
    )
    def get(self, request: Request, service_id: UUID) -> Response:
        if not waitlist_can_read(user=request.user, service_id=service_id):
            raise NotFound()
        # Positions are counted over the whole queue, then a page of it is shown.
        places = self.paginate(request, waitlist_positions(service_id=service_id))
        audit_list(request, record_type=AuditRecordType.WAITLIST, count=len(places))
        return self.paginated_response(QueuePlaceSerializer(places, many=True).data)


class HistoryParams(serializers.Serializer[Any]):
    service = serializers.UUIDField(required=False)
    category = CodeRelatedField(slug_field="code", queryset=taxonomy_term_list(), required=False)
    days = serializers.IntegerField(min_value=1, max_value=3660, default=180)


class WaitlistDaySerializer(serializers.Serializer[Any]):
    day = serializers.DateField()
    waiting = serializers.IntegerField()
    slots = serializers.IntegerField()
    inflow = serializers.IntegerField()
    outflow = serializers.IntegerField()


class WaitlistHistoryView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("service", UUID),
            OpenApiParameter("category", str),
            OpenApiParameter("days", int),
        ],
        responses=WaitlistDaySerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        params = HistoryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = params.validated_data.get("category")
        history = waitlist_history(
            service_id=params.validated_data.get("service"),
            category_code=category.code if category else None,
            days=params.validated_data["days"],
        )
        rows = self.paginate(request, history)
        return self.paginated_response(WaitlistDaySerializer(rows, many=True).data)


class RoundSerializer(serializers.Serializer[Any]):
    territory_id = serializers.PrimaryKeyRelatedField(queryset=territory_list())
    category_code = CodeRelatedField(slug_field="code", queryset=taxonomy_term_list())


class AllocationRoundCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RoundSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        data = RoundSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = allocation_round_propose(
            actor=request_user(request),
            territory=data.validated_data["territory_id"],
            category=data.validated_data["category_code"],
        )
        audit_round_proposed(request, found=round)
        return Response(
            {
                "id": round.pk,
                "comparison": round.comparison,
                "proposal": allocation_round_rows(round=round),
            },
            status=201,
        )


class AllocationRoundConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={200: None})
    def post(self, request: Request, round_id: UUID) -> Response:
        coordinator_require(user=request.user)
        round = allocation_round_get(round_id=round_id)
        if round is None:
            raise NotFound()
        placed = allocation_round_confirm(actor=request_user(request), round=round)
        audit_round_placements(request, round)
        return Response({"placed": placed})
