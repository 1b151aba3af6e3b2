"""REST API of the service map: search, and GeoJSON for maps. Thin: selectors decide."""

from __future__ import annotations

from typing import Any

from django.contrib.gis.geos import Point
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometrySerializerMethodField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from directory.models import AccessRoute, Modality, ServiceAtSite, Sex, Site, TaxonomyTerm
from directory.selectors import SearchHit, SearchPage, service_search, site_list

MAX_PER_PAGE = 100
MAX_GEO_PER_PAGE = 1000


class ServiceSearchParams(serializers.Serializer[dict[str, Any]]):
    q = serializers.CharField(required=False, allow_blank=True, max_length=200)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=TaxonomyTerm.objects.all(), required=False
    )
    age = serializers.IntegerField(required=False, min_value=0, max_value=25)
    sex = serializers.ChoiceField(choices=Sex.choices, required=False)
    territory = serializers.UUIDField(required=False)
    modality = serializers.ChoiceField(choices=Modality.choices, required=False)
    access_route = serializers.ChoiceField(choices=AccessRoute.choices, required=False)
    open_slots = serializers.BooleanField(required=False, default=False)
    lat = serializers.FloatField(required=False, min_value=-90, max_value=90)
    lon = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius = serializers.FloatField(required=False, min_value=1, max_value=200_000)
    page = serializers.IntegerField(required=False, min_value=1, default=1)
    per_page = serializers.IntegerField(required=False, min_value=1, default=20)

    def __init__(self, *args: Any, max_per_page: int = MAX_PER_PAGE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["per_page"] = serializers.IntegerField(
            required=False, min_value=1, max_value=max_per_page, default=20
        )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_lat, has_lon = "lat" in attrs, "lon" in attrs
        if has_lat != has_lon:
            missing = "lon" if has_lat else "lat"
            raise serializers.ValidationError(
                {missing: _("Give both lat and lon to search near a point.")}
            )
        if "radius" in attrs and not has_lat:
            raise serializers.ValidationError(
                {"radius": _("A radius needs a point: give lat and lon too.")}
            )
        return attrs


def search_from_params(params: dict[str, Any]) -> SearchPage:
    near = None
    if "lat" in params:
        near = Point(params["lon"], params["lat"], srid=4326)
    category = params.get("category")
    return service_search(
        text=params.get("q", ""),
        category_code=category.code if category else None,
        age=params.get("age"),
        sex=params.get("sex"),
        territory_id=params.get("territory"),
        modality=params.get("modality"),
        access_route=params.get("access_route"),
        open_slots_only=params["open_slots"],
        near=near,
        radius_m=params.get("radius"),
        page=params["page"],
        per_page=params["per_page"],
    )


class SearchHitSerializer(serializers.Serializer[SearchHit]):
    service_id = serializers.UUIDField(source="service_at_site.service_id")
    service_at_site_id = serializers.UUIDField(source="service_at_site.id")
    name = serializers.CharField(source="service_at_site.service.name")
    organization = serializers.CharField(source="service_at_site.service.organization.name")
    site = serializers.CharField(source="service_at_site.site.name")
    address = serializers.CharField(source="service_at_site.site.address_1")
    territory = serializers.CharField(source="service_at_site.site.territory.name")
    latitude = serializers.FloatField(source="service_at_site.site.point.y")
    longitude = serializers.FloatField(source="service_at_site.site.point.x")
    modality = serializers.CharField(source="service_at_site.service.modality")
    access_routes = serializers.ListField(
        child=serializers.CharField(), source="service_at_site.service.access_routes"
    )
    capacity = serializers.IntegerField(source="service_at_site.capacity")
    distance_m = serializers.FloatField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class SearchPageSerializer(serializers.Serializer[SearchPage]):
    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    results = SearchHitSerializer(many=True, source="hits")


class ServiceSearchView(APIView):
    """Find services: Spanish text (accents and typos forgiven), filters, nearest first."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[ServiceSearchParams], responses=SearchPageSerializer)
    def get(self, request: Request) -> Response:
        params = ServiceSearchParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        return Response(SearchPageSerializer(search_from_params(params.validated_data)).data)


class ServiceAtSiteGeoSerializer(GeoFeatureModelSerializer):
    point = GeometrySerializerMethodField()
    name = serializers.CharField(source="service.name")
    service_id = serializers.UUIDField()
    organization = serializers.CharField(source="service.organization.name")
    site = serializers.CharField(source="site.name")
    address = serializers.CharField(source="site.address_1")
    modality = serializers.CharField(source="service.modality")

    class Meta:
        model = ServiceAtSite
        geo_field = "point"
        fields = (
            "id",
            "service_id",
            "name",
            "organization",
            "site",
            "address",
            "modality",
            "capacity",
        )

    def get_point(self, obj: ServiceAtSite) -> Point:
        return obj.site.point


class ServiceGeoView(APIView):
    """The search as GeoJSON features, for maps (same filters as the search)."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[ServiceSearchParams], responses=ServiceAtSiteGeoSerializer(many=True)
    )
    def get(self, request: Request) -> Response:
        params = ServiceSearchParams(data=request.query_params, max_per_page=MAX_GEO_PER_PAGE)
        params.is_valid(raise_exception=True)
        page = search_from_params(params.validated_data)
        data = ServiceAtSiteGeoSerializer([h.service_at_site for h in page.hits], many=True).data
        return Response({**data, "page": page.page, "has_next": page.has_next})


class SiteGeoSerializer(GeoFeatureModelSerializer):
    organization = serializers.CharField(source="organization.name")
    territory = serializers.CharField(source="territory.name")

    class Meta:
        model = Site
        geo_field = "point"
        fields = (
            "id",
            "name",
            "organization",
            "address_1",
            "city",
            "territory",
            "accessibility_notes",
        )


class SiteGeoParams(serializers.Serializer[dict[str, Any]]):
    territory = serializers.UUIDField(required=False)
    organization = serializers.UUIDField(required=False)


class SiteGeoView(APIView):
    """Sites as GeoJSON, filterable by territory (with its sub-territories) or organization."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=[SiteGeoParams], responses=SiteGeoSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = SiteGeoParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = site_list(**params.validated_data)
        return Response(SiteGeoSerializer(rows, many=True).data)
