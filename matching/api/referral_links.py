"""A referral letter's link through the API: its state, a new one mailed, or revoked.

The token never leaves through the API: a new link goes to the directory's address, and
the printed letter (the page) is the only other place it is shown.
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
from matching.models import Referral
from matching.selectors import (
    referral_contact_email,
    referral_get_for_case_team,
    referral_is_external,
    referral_link_latest,
)
from matching.services import referral_link_email, referral_link_revoke


class ReferralLinkSerializer(serializers.Serializer[Any]):
    referral_id = serializers.UUIDField()
    outside = serializers.BooleanField(help_text="The service's organization has no one on Puente.")
    contact_email = serializers.CharField(help_text="Where a new link is mailed; empty: print it.")
    state = serializers.CharField(
        allow_null=True, help_text="sent, viewed, answered, expired, revoked"
    )
    channel = serializers.CharField(allow_null=True)
    sent_to = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    first_viewed_at = serializers.DateTimeField(allow_null=True)


class ReferralLinkActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(choices=[("resend", "resend"), ("revoke", "revoke")])


def _state(referral: Referral) -> dict[str, Any]:
    link = referral_link_latest(referral=referral)
    return {
        "referral_id": referral.pk,
        "outside": referral_is_external(referral=referral),
        "contact_email": referral_contact_email(referral=referral),
        "state": link.state() if link else None,
        "channel": link.channel if link else None,
        "sent_to": link.sent_to if link else None,
        "expires_at": link.expires_at if link else None,
        "first_viewed_at": link.first_viewed_at if link else None,
    }


class ReferralLinkView(APIView):
    permission_classes = [IsAuthenticated]

    def _referral(self, request: Request, referral_id: UUID) -> Referral:
        referral = referral_get_for_case_team(user=request.user, referral_id=referral_id)
        if referral is None:
            audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
            raise NotFound()
        return referral

    @extend_schema(responses=ReferralLinkSerializer)
    def get(self, request: Request, referral_id: UUID) -> Response:
        referral = self._referral(request, referral_id)
        audit_record(
            request=request,
            action=AuditAction.READ,
            record_type=AuditRecordType.REFERRAL,
            record_id=referral.pk,
            case=referral.case,
            detail="link state",
        )
        return Response(ReferralLinkSerializer(_state(referral)).data)

    @extend_schema(request=ReferralLinkActionSerializer, responses=ReferralLinkSerializer)
    def post(self, request: Request, referral_id: UUID) -> Response:
        referral = self._referral(request, referral_id)
        serializer = ReferralLinkActionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request_user(request)
        if serializer.validated_data["action"] == "resend":
            issued = referral_link_email(actor=actor, referral=referral)
            action, detail = AuditAction.SEND, f"link={issued.link.pk} email"
        else:
            count = referral_link_revoke(actor=actor, referral=referral)
            action, detail = AuditAction.UPDATE, f"link revoked ({count})"
        audit_record(
            request=request,
            action=action,
            record_type=AuditRecordType.REFERRAL,
            record_id=referral.pk,
            case=referral.case,
            detail=detail,
        )
        return Response(ReferralLinkSerializer(_state(referral)).data)
