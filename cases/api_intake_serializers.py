"""Serializers of the front door's API (cases.api_intake)."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import QuerySet
from rest_framework import serializers

from cases.forms import TEXT_MAX
from cases.models import (
    AlertType,
    CaseLinkRequest,
    OutreachFinding,
    OutreachList,
    Report,
    VulnerabilityFactor,
)
from cases.selectors_intake import case_team_choices
from directory.models import AccessRoute, Organization, RiskLevel, Sex, TaxonomyTerm, Territory


class _TeamField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self) -> QuerySet[Organization]:
        return case_team_choices()


class ReportSerializer(serializers.ModelSerializer[Report]):
    receiving_organization_name = serializers.CharField(
        source="receiving_organization.name", read_only=True
    )
    addressed_to_name = serializers.CharField(source="addressed_to.name", read_only=True)
    case_code = serializers.CharField(source="case.code", read_only=True, default=None)
    has_document = serializers.SerializerMethodField()
    latitude = serializers.SerializerMethodField()
    longitude = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "modality",
            "reporter_anonymous",
            "reporter_organization",
            "reporter_institution",
            "reporter_role",
            "reported_at",
            "observed",
            "concern_types",
            "urgency",
            "child_full_name",
            "child_national_id",
            "child_birth_date",
            "child_age_years",
            "child_sex",
            "latitude",
            "longitude",
            "child_description",
            "receiving_organization",
            "receiving_organization_name",
            "receiving_attends",
            "addressed_to",
            "addressed_to_name",
            "document_reference",
            "document_date",
            "has_document",
            "status",
            "dismissal_reason",
            "case",
            "case_code",
            "decided_at",
        ]
        read_only_fields = fields

    def get_has_document(self, report: Report) -> bool:
        return bool(report.document)

    def get_latitude(self, report: Report) -> float | None:
        return report.child_home.y if report.child_home is not None else None

    def get_longitude(self, report: Report) -> float | None:
        return report.child_home.x if report.child_home is not None else None


class ReportCreateSerializer(serializers.Serializer[Any]):
    modality = serializers.ChoiceField(choices=AccessRoute.choices)
    receiving_organization_id = serializers.UUIDField(
        required=False, help_text="Your organization; needed if you belong to several."
    )
    addressed_to = _TeamField(help_text="The case team the report goes to.")
    receiving_attends = serializers.BooleanField(default=False)
    reporter_anonymous = serializers.BooleanField(default=False)
    reporter_organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True, default=None
    )
    reporter_institution = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    reporter_role = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    reported_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    observed = serializers.CharField(max_length=TEXT_MAX)
    concern_types = serializers.ListField(
        child=serializers.ChoiceField(choices=AlertType.choices), allow_empty=False
    )
    urgency = serializers.ChoiceField(choices=RiskLevel.choices)
    child_full_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    child_national_id = serializers.CharField(
        max_length=20, required=False, allow_blank=True, default=""
    )
    child_birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    child_age_years = serializers.IntegerField(
        min_value=0, max_value=17, required=False, allow_null=True, default=None
    )
    child_sex = serializers.ChoiceField(
        choices=Sex.choices, required=False, allow_blank=True, default=""
    )
    latitude = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, required=False, allow_null=True
    )
    child_description = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    document = serializers.FileField(required=False, allow_null=True, default=None)
    document_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    document_date = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        latitude, longitude = attrs.pop("latitude", None), attrs.pop("longitude", None)
        if (latitude is None) != (longitude is None):
            raise serializers.ValidationError(
                {"latitude": ["Give latitude and longitude together."]}
            )
        attrs["child_home"] = (
            Point(longitude, latitude, srid=4326) if latitude is not None else None
        )
        return attrs


class CaseFromReportSerializer(serializers.Serializer[Any]):
    """What a case needs beyond the report (the team, the time and the route come from it)."""

    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    risk_level = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    urgent_safety = serializers.BooleanField(default=False)
    vulnerability_factors = serializers.ListField(
        child=serializers.ChoiceField(choices=VulnerabilityFactor.choices), default=list
    )
    has_judicial_order = serializers.BooleanField(default=False)
    need_codes = serializers.ListField(
        child=serializers.SlugRelatedField(
            slug_field="code", queryset=TaxonomyTerm.objects.filter(children__isnull=True)
        ),
        default=list,
    )
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    national_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")


class DuplicateSerializer(serializers.Serializer[Any]):
    team = serializers.CharField(source="organization_name")
    team_id = serializers.UUIDField(source="organization_id")


class CaseFromReportResultSerializer(serializers.Serializer[Any]):
    case_id = serializers.UUIDField()
    case_code = serializers.CharField()
    requested_at = serializers.DateTimeField()
    possible_duplicates = DuplicateSerializer(many=True)


class ReportLinkSerializer(serializers.Serializer[Any]):
    case_code = serializers.CharField(max_length=20)


class DismissSerializer(serializers.Serializer[Any]):
    dismissal_reason = serializers.CharField(max_length=TEXT_MAX)


class FindingSerializer(serializers.ModelSerializer[OutreachFinding]):
    class Meta:
        model = OutreachFinding
        fields = [
            "id",
            "description",
            "approximate_age",
            "place",
            "status",
            "dismissal_reason",
            "report",
            "decided_at",
        ]
        read_only_fields = ["id", "status", "dismissal_reason", "report", "decided_at"]
        extra_kwargs = {"approximate_age": {"min_value": 0, "max_value": 17}}


class OutreachListSerializer(serializers.ModelSerializer[OutreachList]):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    organization_id = serializers.UUIDField(write_only=True, required=False)
    territory = serializers.PrimaryKeyRelatedField(queryset=Territory.objects.all())
    findings = FindingSerializer(many=True, read_only=True)

    class Meta:
        model = OutreachList
        fields = [
            "id",
            "organization",
            "organization_id",
            "organization_name",
            "territory",
            "title",
            "carried_out_on",
            "findings",
        ]
        read_only_fields = ["id", "organization", "findings"]


class FindingConvertSerializer(serializers.Serializer[Any]):
    addressed_to = _TeamField()
    urgency = serializers.ChoiceField(choices=RiskLevel.choices)
    concern_types = serializers.ListField(
        child=serializers.ChoiceField(choices=AlertType.choices), allow_empty=False
    )
    observed = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class DuplicateCheckSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=200)
    national_id = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField()
    sex = serializers.ChoiceField(choices=Sex.choices)
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)


class DuplicateCheckResultSerializer(serializers.Serializer[Any]):
    possible_duplicates = DuplicateSerializer(many=True)


class LinkRequestSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField(source="request.id")
    status = serializers.CharField(source="request.status")
    incoming = serializers.BooleanField()
    other_team = serializers.CharField()
    other_case_code = serializers.CharField(source="other_code", allow_blank=True)
    requested_at = serializers.DateTimeField(source="request.requested_at")
    answered_at = serializers.DateTimeField(source="request.answered_at", allow_null=True)


class CaseLinksSerializer(serializers.Serializer[Any]):
    possible_duplicates = DuplicateSerializer(many=True)
    links = LinkRequestSerializer(many=True)


class LinkAskSerializer(serializers.Serializer[Any]):
    organization_id = serializers.UUIDField(help_text="The team shown as a possible duplicate.")


class LinkToAnswerSerializer(serializers.ModelSerializer[CaseLinkRequest]):
    asking_team = serializers.CharField(source="from_case.organization.name")
    your_case_code = serializers.CharField(source="to_case.code")

    class Meta:
        model = CaseLinkRequest
        fields = ["id", "status", "asking_team", "your_case_code", "requested_at"]
        read_only_fields = fields


class LinkAnswerSerializer(serializers.Serializer[Any]):
    accept = serializers.BooleanField()
