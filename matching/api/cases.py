"""The API of a team's cases: list, register, read, correct, the priority, consents."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list
from cases.models import Case, ConsentScope, VulnerabilityFactor
from cases.selectors import case_team_organization_ids
from cases.selectors_intake import case_duplicates_for_case
from cases.services import case_create, case_update, consent_record
from directory.models import AccessRoute, RiskLevel, Sex
from matching.api.common import audit, case_or_404
from matching.selectors import (
    case_need_list,
    case_priority_explain,
    case_worklist,
    organization_get,
    taxonomy_term_choices,
)
from web.api import CodeRelatedField
from web.pagination import PaginatedListMixin

# A consent recorded through the API happened in this service's lifetime: nothing
# before the network kept records, nothing later than now give or take a clock's drift.
CONSENT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


class PriorityComponentSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    points = serializers.IntegerField()
    sentence = serializers.CharField()


class CasePrioritySerializer(serializers.Serializer[Any]):
    score = serializers.IntegerField()
    policy_version = serializers.IntegerField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    components = PriorityComponentSerializer(many=True)


class CaseSerializer(serializers.Serializer[Case]):
    id = serializers.UUIDField(read_only=True)
    code = serializers.CharField(read_only=True)
    organization = serializers.UUIDField(source="organization_id", read_only=True)
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    latitude = serializers.FloatField(min_value=-90, max_value=90, source="home.y")
    longitude = serializers.FloatField(min_value=-180, max_value=180, source="home.x")
    territory = serializers.CharField(source="territory.name", read_only=True)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices)
    urgent_safety = serializers.BooleanField(default=False)
    vulnerability_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=VulnerabilityFactor.choices), default=list
    )
    has_judicial_order = serializers.BooleanField(default=False)
    access_route = serializers.ChoiceField(choices=AccessRoute.choices)
    admissibility = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    needs = serializers.SerializerMethodField()
    priority_score = serializers.IntegerField(read_only=True)
    priority_policy_version = serializers.IntegerField(
        source="priority_policy.version", read_only=True, default=None
    )
    multiple_alerts = serializers.BooleanField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)

    def get_needs(self, case: Case) -> list[dict[str, str]]:
        return [
            {"id": str(n.pk), "code": n.term.code, "name": n.term.name, "status": n.status}
            for n in case_need_list(case=case)
        ]


class CaseCreateSerializer(CaseSerializer):
    organization_id = serializers.UUIDField(
        write_only=True, required=False, help_text="Your team; needed if you belong to several."
    )
    need_codes = serializers.ListField(
        child=CodeRelatedField(slug_field="code", queryset=taxonomy_term_choices()),
        write_only=True,
        default=list,
    )
    # The identity is kept apart from the case (and never answered back); with it the
    # registration computes the duplicate key, as the intake page does.
    full_name = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=200, default=""
    )
    national_id = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=20, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("national_id") and not attrs.get("full_name", "").strip():
            raise serializers.ValidationError(
                {"full_name": [_("Give the child's name with the national id.")]}
            )
        return attrs


class PossibleDuplicateSerializer(serializers.Serializer[Any]):
    organization_id = serializers.UUIDField()
    organization_name = serializers.CharField()


class CaseCreatedSerializer(CaseSerializer):
    possible_duplicates = PossibleDuplicateSerializer(
        many=True,
        read_only=True,
        help_text="Other teams that may hold a case of the same child (nothing of theirs).",
    )


def _home(data: dict[str, Any]) -> Point:
    home = data.pop("home")
    return Point(home["x"], home["y"], srid=4326)


class CaseListView(PaginatedListMixin, APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        """The team's open cases, most urgent first, a page at a time."""
        cases = case_worklist(user=request.user).select_related("territory", "priority_policy")
        rows = self.paginate(request, cases)
        audit_list(request, record_type=AuditRecordType.CASE, count=len(rows))
        return self.paginated_response(CaseSerializer(rows, many=True).data)  # type: ignore[arg-type]

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseCreatedSerializer})
    def post(self, request: Request) -> Response:
        teams = case_team_organization_ids(user=request.user)
        if not teams:
            raise PermissionDenied()
        serializer = CaseCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        team_id = data.pop("organization_id", None) or (
            next(iter(teams)) if len(teams) == 1 else None
        )
        if team_id not in teams:
            raise serializers.ValidationError({"organization_id": [_("Choose one of your teams.")]})
        case = case_create(
            actor=request_user(request),
            organization=organization_get(organization_id=team_id),
            home=_home(data),
            needs=data.pop("need_codes"),
            **data,
        )
        audit(request, AuditAction.CREATE, AuditRecordType.CASE, case, case)
        body = dict(CaseSerializer(case).data)
        body["possible_duplicates"] = PossibleDuplicateSerializer(
            case_duplicates_for_case(case=case), many=True
        ).data
        return Response(body, status=201)


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
        return Response(CaseSerializer(case).data)

    @extend_schema(request=CaseSerializer, responses=CaseSerializer)
    def patch(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        serializer = CaseSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "home" in data:
            home = data.pop("home")
            if set(home) != {"x", "y"}:
                raise serializers.ValidationError(
                    {"latitude": ["Give latitude and longitude together."]}
                )
            data["home"] = Point(home["x"], home["y"], srid=4326)
        case = case_update(actor=request_user(request), case=case, **data)
        audit(request, AuditAction.UPDATE, AuditRecordType.CASE, case, case)
        return Response(CaseSerializer(case).data)


class CasePriorityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CasePrioritySerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
        return Response(
            CasePrioritySerializer(
                {
                    "score": case.priority_score,
                    "policy_version": (
                        case.priority_policy.version if case.priority_policy else None
                    ),
                    "computed_at": case.priority_computed_at,
                    "components": case_priority_explain(case=case),
                }
            ).data
        )


class ConsentSerializer(serializers.Serializer[Any]):
    given_by = serializers.CharField(max_length=100)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=ConsentScope.choices), allow_empty=False
    )
    given_at = serializers.DateTimeField(required=False)

    def validate_given_at(self, value: datetime) -> datetime:
        # Far dates are typing slips, and before 1900 the local zone is a city's mean
        # solar time: the answer would carry an offset such as -04:42:45.
        if value < CONSENT_EARLIEST:
            raise serializers.ValidationError(_("A consent cannot be dated before 2000."))
        if value > timezone.now() + CONSENT_CLOCK_SKEW:
            raise serializers.ValidationError(_("A consent cannot be dated in the future."))
        return value


class CaseConsentView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=ConsentSerializer, responses={201: ConsentSerializer})
    def post(self, request: Request, case_id: UUID) -> Response:
        case = case_or_404(request, case_id)
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_record(
            actor=request_user(request), case=case, **serializer.validated_data
        )
        audit(request, AuditAction.CREATE, AuditRecordType.CONSENT, consent, case)
        return Response({"id": consent.pk, **ConsentSerializer(consent).data}, status=201)
