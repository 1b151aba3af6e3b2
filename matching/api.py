"""REST API of cases, alerts, options and referrals. Thin: selectors read, services write.

Objects one may not see answer 404, as if they did not exist; a role that has no
business with a whole endpoint gets 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.gates import coordinator_require, request_user
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_list, audit_record, audit_refused
from cases.models import AlertType, Case, CaseStatus, ConsentScope, VulnerabilityFactor
from cases.selectors import (
    alert_organization_ids,
    case_get_for_user,
    case_list_for_user,
    case_list_multiple_alerts,
    case_team_organization_ids,
)
from cases.services import alert_raise, case_create, case_update, consent_record
from directory.models import (
    AccessRoute,
    Organization,
    RiskLevel,
    ServiceAtSite,
    Sex,
    TaxonomyTerm,
)
from matching.models import PriorityPolicy, Referral, ReferralStatus, RejectionReason
from matching.options import referral_options
from matching.selectors import (
    case_priority_explain,
    policy_current,
    referral_get_for_case_team,
    referral_get_for_provider,
    referral_list_for_provider,
    referral_list_overdue,
    referral_packet,
)
from matching.services import (
    POLICY_FIELDS,
    policy_publish,
    referral_create,
    referral_create_and_send,
    referral_send,
    referral_transition,
)
from matching.views.common import audit_referral_moved, audit_referral_sent
from web.api import CodeRelatedField

# As the page's form: long enough to explain (the audit log keeps its
# first 200 characters), short enough that nobody pastes a file into it.
OVERRIDE_REASON_MAX = 2000
# A consent recorded through the API happened in this service's lifetime: nothing
# before the network kept records, nothing later than now give or take a clock's drift.
CONSENT_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CONSENT_CLOCK_SKEW = timedelta(minutes=5)


def _case_or_404(request: Request, case_id: UUID) -> Case:
    case = case_get_for_user(user=request.user, case_id=case_id)
    if case is None:
        audit_refused(request, record_type=AuditRecordType.CASE, record_id=case_id)
        raise NotFound()
    return case


def _audit(request: Request, action: str, record_type: str, record: Any, case: Case) -> None:
    audit_record(
        request=request, action=action, record_type=record_type, record_id=record.pk, case=case
    )


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


# --- cases ---------------------------------------------------------------------------


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
            for n in case.needs.select_related("term").order_by("created")
        ]


class CaseCreateSerializer(CaseSerializer):
    organization_id = serializers.UUIDField(
        write_only=True, required=False, help_text="Your team; needed if you belong to several."
    )
    need_codes = serializers.ListField(
        child=CodeRelatedField(slug_field="code", queryset=TaxonomyTerm.objects),
        write_only=True,
        default=list,
    )


def _home(data: dict[str, Any]) -> Point:
    home = data.pop("home")
    return Point(home["x"], home["y"], srid=4326)


class CaseListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseSerializer(many=True))
    def get(self, request: Request) -> Response:
        cases = (
            case_list_for_user(user=request.user)
            .filter(status=CaseStatus.OPEN)
            .select_related("territory", "priority_policy")
            .order_by("-priority_score", "requested_at")[:200]
        )
        rows = list(cases)
        audit_list(request, record_type=AuditRecordType.CASE, count=len(rows))
        return Response(CaseSerializer(rows, many=True).data)  # type: ignore[arg-type]

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
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
            raise serializers.ValidationError({"organization_id": ["Choose one of your teams."]})
        case = case_create(
            actor=request_user(request),
            organization=Organization.objects.get(pk=team_id),
            home=_home(data),
            needs=data.pop("need_codes"),
            **data,
        )
        _audit(request, AuditAction.CREATE, AuditRecordType.CASE, case, case)
        return Response(CaseSerializer(case).data, status=201)


class CaseDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CaseSerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = _case_or_404(request, case_id)
        _audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
        return Response(CaseSerializer(case).data)

    @extend_schema(request=CaseSerializer, responses=CaseSerializer)
    def patch(self, request: Request, case_id: UUID) -> Response:
        case = _case_or_404(request, case_id)
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
        _audit(request, AuditAction.UPDATE, AuditRecordType.CASE, case, case)
        return Response(CaseSerializer(case).data)


class CasePriorityView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=CasePrioritySerializer)
    def get(self, request: Request, case_id: UUID) -> Response:
        case = _case_or_404(request, case_id)
        _audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
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
        case = _case_or_404(request, case_id)
        serializer = ConsentSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        consent = consent_record(
            actor=request_user(request), case=case, **serializer.validated_data
        )
        _audit(request, AuditAction.CREATE, AuditRecordType.CONSENT, consent, case)
        return Response({"id": consent.pk, **ConsentSerializer(consent).data}, status=201)


class ReasonSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    points = serializers.FloatField()
    sentence = serializers.CharField()


class OptionSerializer(serializers.Serializer[Any]):
    service_id = serializers.UUIDField(source="service_at_site.service_id")
    service_at_site_id = serializers.UUIDField(source="service_at_site.id")
    service = serializers.CharField(source="service_at_site.service.name")
    organization = serializers.CharField(source="service_at_site.service.organization.name")
    site = serializers.CharField(source="service_at_site.site.name")
    latitude = serializers.FloatField(source="service_at_site.site.point.y")
    longitude = serializers.FloatField(source="service_at_site.site.point.x")
    distance_m = serializers.FloatField()
    score = serializers.FloatField()
    free_slots = serializers.IntegerField()
    completion_probability = serializers.FloatField(allow_null=True)
    reasons = ReasonSerializer(many=True)
    excluded_because = serializers.ListField(child=serializers.CharField())


class CaseOptionsSerializer(serializers.Serializer[Any]):
    eligible = OptionSerializer(many=True)
    # The same shape: an excluded option fails a rule, named in excluded_because.
    excluded = OptionSerializer(many=True)


class CaseOptionsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "need", UUID, description="A need of the case; all open needs if absent"
            ),
            OpenApiParameter("limit", int, description="1–50, default 10"),
        ],
        responses=CaseOptionsSerializer,
    )
    def get(self, request: Request, case_id: UUID) -> Response:
        case = _case_or_404(request, case_id)
        params = _OptionsParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        need = None
        if params.validated_data.get("need"):
            need = (
                case.needs.select_related("term").filter(pk=params.validated_data["need"]).first()
            )
            if need is None:
                raise serializers.ValidationError({"need": ["That need is not in this case."]})
        options = referral_options(case=case, need=need, limit=params.validated_data["limit"])
        _audit(request, AuditAction.READ, AuditRecordType.CASE, case, case)
        return Response(CaseOptionsSerializer(options).data)


class _OptionsParams(serializers.Serializer[Any]):
    need = serializers.UUIDField(required=False)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


# --- alerts --------------------------------------------------------------------------


class AlertSerializer(serializers.Serializer[Any]):
    organization_id = serializers.UUIDField()
    alert_type = serializers.ChoiceField(choices=AlertType.choices)
    severity = serializers.ChoiceField(choices=RiskLevel.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    case_code = serializers.CharField(required=False, allow_blank=True)
    intake_organization_id = serializers.UUIDField(required=False)
    birth_date = serializers.DateField(required=False)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False)
    longitude = serializers.FloatField(min_value=-180, max_value=180, required=False)


class AlertCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=AlertSerializer, responses={201: None})
    def post(self, request: Request) -> Response:
        serializer = AlertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data["organization_id"] not in alert_organization_ids(user=request.user):
            raise PermissionDenied()
        case = None
        if data.get("case_code"):
            # The raiser may not read the case: only its code, and only open cases.
            case = Case.objects.filter(code=data["case_code"], status=CaseStatus.OPEN).first()
            if case is None:
                raise serializers.ValidationError({"case_code": ["No open case has that code."]})
        home = None
        if data.get("latitude") is not None and data.get("longitude") is not None:
            home = Point(data["longitude"], data["latitude"], srid=4326)
        intake = None
        if data.get("intake_organization_id"):
            intake = Organization.objects.filter(pk=data["intake_organization_id"]).first()
            if intake is None:
                raise serializers.ValidationError(
                    {"intake_organization_id": ["No such organization."]}
                )
        alert = alert_raise(
            actor=request_user(request),
            organization=Organization.objects.get(pk=data["organization_id"]),
            alert_type=data["alert_type"],
            severity=data["severity"],
            note=data["note"],
            case=case,
            intake_organization=intake,
            birth_date=data.get("birth_date"),
            sex=data.get("sex"),
            home=home,
        )
        _audit(request, AuditAction.CREATE, AuditRecordType.ALERT, alert, alert.case)
        # Only that it arrived: the raiser learns nothing about the case.
        return Response({"id": alert.pk, "started_intake": alert.started_intake}, status=201)


# --- referrals -----------------------------------------------------------------------


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
        offer = (
            ServiceAtSite.objects.select_related("service")
            .filter(pk=data["service_at_site_id"])
            .first()
        )
        if offer is None:
            raise serializers.ValidationError({"service_at_site_id": ["No such service site."]})
        need = None
        if data.get("need_id"):
            need = case.needs.filter(pk=data["need_id"]).first()
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
                    **arguments, consent_override_reason=data["consent_override_reason"]
                )
            audit_referral_sent(request, referral=referral)
        else:
            referral = referral_create(**arguments)
            _audit(request, AuditAction.CREATE, AuditRecordType.REFERRAL, referral, case)
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
        if data["to_status"] == ReferralStatus.SENT:
            with _consent_error_named():
                referral = referral_send(
                    actor=request_user(request),
                    referral=referral,
                    consent_override_reason=override,
                    note=data["note"],
                )
            audit_referral_sent(request, referral=referral)
        else:
            referral = referral_transition(actor=request_user(request), referral=referral, **data)
            audit_referral_moved(request, referral=referral, to_status=referral.status)
        return Response(ReferralSerializer(referral).data)


class PacketSerializer(serializers.Serializer[Any]):
    referral_id = serializers.UUIDField()
    case_code = serializers.CharField()
    age_band = serializers.CharField()
    sex = serializers.CharField()
    risk_level = serializers.CharField()
    urgent_safety = serializers.BooleanField()
    needs = serializers.ListField(child=serializers.CharField())
    shared_note = serializers.CharField()
    priority_score = serializers.IntegerField()
    status = serializers.CharField()
    # A placement decided at a case-review meeting is recorded already answered,
    # never sent (referral_record_meeting_decision).
    sent_at = serializers.DateTimeField(allow_null=True)
    response_due = serializers.DateTimeField(allow_null=True)
    is_overdue = serializers.BooleanField()
    service_name = serializers.CharField()
    site_name = serializers.CharField(allow_null=True)


class ProviderReferralListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=ReferralStatus.values)],
        responses=PacketSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        status = request.query_params.get("status")
        referrals = referral_list_for_provider(user=request.user)
        if status:
            if status not in ReferralStatus.values:
                raise serializers.ValidationError({"status": ["Unknown status."]})
            referrals = referrals.filter(status=status)
        packets = [referral_packet(referral=r) for r in referrals.order_by("-sent_at")[:200]]
        audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(packets))
        return Response(PacketSerializer(packets, many=True).data)


class ProviderReferralDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PacketSerializer)
    def get(self, request: Request, referral_id: UUID) -> Response:
        referral = referral_get_for_provider(user=request.user, referral_id=referral_id)
        if referral is None:
            audit_refused(request, record_type=AuditRecordType.REFERRAL, record_id=referral_id)
            raise NotFound()
        _audit(request, AuditAction.READ, AuditRecordType.REFERRAL, referral, referral.case)
        return Response(PacketSerializer(referral_packet(referral=referral)).data)


# --- coordination ----------------------------------------------------------------------


class OverdueReferralSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    case_code = serializers.CharField(source="case.code")
    team = serializers.CharField(source="case.organization.name")
    service = serializers.CharField(source="service.name")
    provider = serializers.CharField(source="service.organization.name")
    response_due = serializers.DateTimeField()


class OverdueReferralsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=OverdueReferralSerializer(many=True))
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        rows = list(referral_list_overdue()[:500])
        audit_list(request, record_type=AuditRecordType.REFERRAL, count=len(rows))
        return Response(OverdueReferralSerializer(rows, many=True).data)


class MultipleAlertsSerializer(serializers.Serializer[Any]):
    case_code = serializers.CharField(source="code")
    team = serializers.CharField(source="organization.name")
    territory = serializers.CharField(source="territory.name")
    open_alerts = serializers.IntegerField()
    priority_score = serializers.IntegerField()


class MultipleAlertsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MultipleAlertsSerializer(many=True))
    def get(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        rows = list(case_list_multiple_alerts()[:500])
        audit_list(request, record_type=AuditRecordType.CASE, count=len(rows))
        return Response(MultipleAlertsSerializer(rows, many=True).data)


class PolicySerializer(serializers.ModelSerializer[PriorityPolicy]):
    class Meta:
        model = PriorityPolicy
        fields = ["version", "created", "change_note", *POLICY_FIELDS]
        read_only_fields = ["version", "created"]


class PolicyView(APIView):
    """The prioritization policy in force; coordinators publish the next version."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PolicySerializer)
    def get(self, request: Request) -> Response:
        return Response(PolicySerializer(policy_current()).data)

    @extend_schema(request=PolicySerializer, responses={201: PolicySerializer})
    def post(self, request: Request) -> Response:
        coordinator_require(user=request.user)
        serializer = PolicySerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        policy = policy_publish(
            actor=request_user(request), change_note=data.pop("change_note", ""), **data
        )
        return Response(PolicySerializer(policy).data, status=201)
