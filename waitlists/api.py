"""REST API of slots, waitlists, offers and allocation rounds. Thin: services decide."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from directory.models import Service, TaxonomyTerm, Territory
from matching.selectors import (
    case_team_organization_ids,
    network_can_oversee,
    provider_organization_ids,
    referral_get_for_provider,
)
from waitlists.models import AllocationRound, Enrolment, EnrolmentStatus, SlotOffer
from waitlists.rounds import (
    allocation_round_confirm,
    allocation_round_propose,
    allocation_round_rows,
)
from waitlists.selectors import (
    waitlist_history,
    waitlist_network_summary,
    waitlist_positions,
)
from waitlists.services import enrolment_end, referral_place, slot_offer_answer


def _user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


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
            raise NotFound()
        placement = referral_place(actor=_user(request), referral=referral)
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
        enrolment = Enrolment.objects.filter(
            pk=enrolment_id,
            service_at_site__service__organization_id__in=provider_organization_ids(
                user=request.user
            ),
        ).first()
        if enrolment is None:
            raise NotFound()
        data = EndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = enrolment_end(actor=_user(request), enrolment=enrolment, **data.validated_data)
        return Response({"status": enrolment.status})


class AnswerSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class OfferAnswerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AnswerSerializer, responses={200: None})
    def post(self, request: Request, offer_id: UUID) -> Response:
        offer = SlotOffer.objects.filter(
            pk=offer_id,
            entry__case__organization_id__in=case_team_organization_ids(user=request.user),
        ).first()
        if offer is None:
            raise NotFound()
        data = AnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        offer = slot_offer_answer(actor=_user(request), offer=offer, **data.validated_data)
        return Response({"status": offer.status})


class WaitlistNetworkView(APIView):
    """Every waitlist of the network: length, oldest and median wait (coordinators)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        if not network_can_oversee(user=request.user):
            raise PermissionDenied()
        return Response([row.__dict__ for row in waitlist_network_summary()])


class WaitlistServiceView(APIView):
    """One service's queue, by case code: its provider's staff and coordinators."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, service_id: UUID) -> Response:
        service = Service.objects.filter(pk=service_id).first()
        allowed = service is not None and (
            network_can_oversee(user=request.user)
            or service.organization_id in provider_organization_ids(user=request.user)
        )
        if not allowed:
            raise NotFound()
        return Response(
            [
                {
                    "entry_id": p.entry.pk,
                    "case_code": p.entry.case.code,
                    "priority_score": p.entry.case.priority_score,
                    "position": p.position,
                    "waiting_since": p.entry.requested_at,
                    "estimated_wait_days": p.estimated_wait_days,
                    "status": p.entry.status,
                }
                for p in waitlist_positions(service_id=service_id)
            ]
        )


class HistoryParams(serializers.Serializer[Any]):
    service = serializers.UUIDField(required=False)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=TaxonomyTerm.objects, required=False
    )
    days = serializers.IntegerField(min_value=1, max_value=3660, default=180)


class WaitlistHistoryView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("service", UUID),
            OpenApiParameter("category", str),
            OpenApiParameter("days", int),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request: Request) -> Response:
        if not network_can_oversee(user=request.user):
            raise PermissionDenied()
        params = HistoryParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        category = params.validated_data.get("category")
        return Response(
            waitlist_history(
                service_id=params.validated_data.get("service"),
                category_code=category.code if category else None,
                days=params.validated_data["days"],
            )
        )


class RoundSerializer(serializers.Serializer[Any]):
    territory_id = serializers.PrimaryKeyRelatedField(queryset=Territory.objects)
    category_code = serializers.SlugRelatedField(slug_field="code", queryset=TaxonomyTerm.objects)


class AllocationRoundCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=RoundSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        if not network_can_oversee(user=request.user):
            raise PermissionDenied()
        data = RoundSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        round = allocation_round_propose(
            actor=_user(request),
            territory=data.validated_data["territory_id"],
            category=data.validated_data["category_code"],
        )
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
        if not network_can_oversee(user=request.user):
            raise PermissionDenied()
        round = AllocationRound.objects.filter(pk=round_id).first()
        if round is None:
            raise NotFound()
        placed = allocation_round_confirm(actor=_user(request), round=round)
        return Response({"placed": placed})
