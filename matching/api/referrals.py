"""Referrals through the API: the case team drafts and sends, either side moves one on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_refused
from cases.selectors import case_get_for_user
from matching.api.common import audit
from matching.models import Referral, ReferralStatus, RejectionReason
from matching.selectors import (
    case_need_get,
    referral_get_for_case_team,
    referral_get_for_provider,
    service_at_site_get,
)
from matching.services import (
    referral_create,
    referral_create_and_send,
    referral_send,
    referral_transition,
)
from matching.views.common import audit_referral_moved, audit_referral_sent

# As the page's form: long enough to explain (the audit log keeps its
# first 200 characters), short enough that nobody pastes a file into it.
OVERRIDE_REASON_MAX = 2000


@contextmanager
def _consent_error_named() -> Iterator[None]:
    """The send service says ``consent``; the field the client fills is the reason."""
    try:
        yield
    except DjangoValidationError as error:
        if not hasattr(error, "error_dict") or "consent" not in error.error_dict:
            raise
        detail = error.message_dict
        detail["consent_override_reason"] = detail.pop("consent")
        raise serializers.ValidationError(detail) from error


class ReferralCreateSerializer(serializers.Serializer[Any]):
    case_id = serializers.UUIDField()
    service_at_site_id = serializers.UUIDField()
    need_id = serializers.UUIDField(required=False)
    shared_note = serializers.CharField(required=False, allow_blank=True, default="")
    send = serializers.BooleanField(default=True)
    consent_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=OVERRIDE_REASON_MAX,
        help_text="Needed to send when the case has no consent for referral on record.",
    )
    admissibility_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=OVERRIDE_REASON_MAX,
        help_text=(
            "Needed to send a case still pending admissibility; only a case with an "
            "urgent safety concern may be sent before it is admitted."
        ),
    )


class ReferralSerializer(serializers.Serializer[Referral]):
    id = serializers.UUIDField()
    case_code = serializers.CharField(source="case.code")
    service = serializers.CharField(source="service.name")
    status = serializers.CharField()
    # A draft has neither yet.
    sent_at = serializers.DateTimeField(allow_null=True)
    response_due = serializers.DateTimeField(allow_null=True)
    feedback = serializers.CharField()
    rejection_reason = serializers.CharField()


class ReferralCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReferralCreateSerializer, responses={201: ReferralSerializer})
    def post(self, request: Request) -> Response:
        serializer = ReferralCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        case = case_get_for_user(user=request.user, case_id=data["case_id"])
        if case is None:
            audit_refused(request, record_type=AuditRecordType.CASE, record_id=data["case_id"])
            raise serializers.ValidationError({"case_id": ["No such case in your team."]})
        offer = service_at_site_get(service_at_site_id=data["service_at_site_id"])
        if offer is None:
            raise serializers.ValidationError({"service_at_site_id": ["No such service site."]})
        need = None
        if data.get("need_id"):
            need = case_need_get(case=case, need_id=data["need_id"])
            if need is None:
                raise serializers.ValidationError({"need_id": ["That need is not in this case."]})
        arguments = {
            "actor": request_user(request),
            "case": case,
            "service": offer.service,
            "service_at_site": offer,
            "need": need,
            "shared_note": data["shared_note"],
        }
        if data["send"]:
            with _consent_error_named():
                referral = referral_create_and_send(
                    **arguments,
                    consent_override_reason=data["consent_override_reason"],
                    admissibility_override_reason=data["admissibility_override_reason"],
                )
            audit_referral_sent(request, referral=referral)
        else:
            referral = referral_create(**arguments)
            audit(request, AuditAction.CREATE, AuditRecordType.REFERRAL, referral, case)
        return Response(ReferralSerializer(referral).data, status=201)


class TransitionSerializer(serializers.Serializer[Any]):
    to_status = serializers.ChoiceField(choices=ReferralStatus.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    rejection_reason = serializers.ChoiceField(
        choices=RejectionReason.choices, required=False, allow_blank=True, default=""
    )
    feedback = serializers.CharField(required=False, allow_blank=True, default="")
    consent_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=OVERRIDE_REASON_MAX,
        help_text="Needed to send when the case has no consent for referral on record.",
    )
    admissibility_override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=OVERRIDE_REASON_MAX,
        help_text=(
            "Needed to send a case still pending admissibility; only a case with an "
            "urgent safety concern may be sent before it is admitted."
        ),
    )


class ReferralTransitionView(APIView):
    """Move a referral: the case team sends or withdraws, the provider answers."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=TransitionSerializer, responses=ReferralSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        referral = referral_get_for_case_team(
            user=request.user, referral_id=referral_id
        ) or referral_get_for_provider(user=request.user, referral_id=referral_id)
        if referral is None:
            audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
            raise NotFound()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        override = data.pop("consent_override_reason")
        admissibility_override = data.pop("admissibility_override_reason")
        if data["to_status"] == ReferralStatus.SENT:
            with _consent_error_named():
                referral = referral_send(
                    actor=request_user(request),
                    referral=referral,
                    consent_override_reason=override,
                    admissibility_override_reason=admissibility_override,
                    note=data["note"],
                )
            audit_referral_sent(request, referral=referral)
        else:
            referral = referral_transition(actor=request_user(request), referral=referral, **data)
            audit_referral_moved(request, referral=referral, to_status=referral.status)
        return Response(ReferralSerializer(referral).data)
