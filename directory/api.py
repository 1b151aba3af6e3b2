"""REST API of the service map: search, and GeoJSON for maps. Thin: selectors decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.gis.geos import Point
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.fields import GeometrySerializerMethodField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from directory.confidential import sites_redact
from directory.forms import MAX_PER_PAGE, ServiceSearchForm
from directory.models import ServiceAtSite, Site
from directory.selectors import SearchHit, SearchPage, service_search, site_list
from web.pagination import MAX_GEO_PAGE_SIZE, GeoJsonPagePagination, PaginatedListMixin, page_links

MAX_GEO_PER_PAGE = MAX_GEO_PAGE_SIZE


def _form_parameters(*, max_per_page: int = MAX_PER_PAGE) -> list[OpenApiParameter]:
    """The search form's fields as OpenAPI query parameters: one definition of the filters.

    With ``page_size``, the name every other list of the API takes for ``per_page``.
    """
    kinds = {forms.IntegerField: int, forms.FloatField: float, forms.BooleanField: bool}
    fields = ServiceSearchForm(max_per_page=max_per_page).fields
    return [
        OpenApiParameter(
            name,
            type=next((t for k, t in kinds.items() if isinstance(field, k)), str),
            location=OpenApiParameter.QUERY,
            description=str(field.label or name),
        )
        for name, field in fields.items()
    ] + [
        OpenApiParameter(
            PAGE_SIZE,
            type=int,
            location=OpenApiParameter.QUERY,
            description=(
                f"Results per page, as per_page (and wins over it); at most {max_per_page}, "
                "a larger one is cut to it"
            ),
        )
    ]


class InvalidSearch(ValidationError):
    """400 with the form's messages, keyed by the parameter that is wrong."""


PAGE_SIZE = "page_size"


def _search_data(request: Request, *, max_per_page: int) -> tuple[Any, str]:
    """The query, with ``page_size`` read as ``per_page`` (cut to the maximum, as elsewhere).

    Also the name to report a bad page size under: the one the client sent.
    """
    data = request.query_params
    if PAGE_SIZE not in data:
        return data, "per_page"
    size = data[PAGE_SIZE]
    if size.strip().isdigit() and int(size) > max_per_page:
        size = str(max_per_page)
    renamed = data.copy()
    renamed["per_page"] = size
    return renamed, PAGE_SIZE


def search_from_request(request: Request, *, max_per_page: int = MAX_PER_PAGE) -> SearchPage:
    data, size_name = _search_data(request, max_per_page=max_per_page)
    form = ServiceSearchForm(data, max_per_page=max_per_page)
    if not form.is_valid():
        raise InvalidSearch(
            {
                size_name if field == "per_page" else field: [str(e) for e in errors]
                for field, errors in form.errors.items()
            }
        )
    return service_search(**form.search_arguments())


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


class SearchPageSerializer(serializers.Serializer[dict[str, Any]]):
    """A page of hits: next, previous and results as in every list of the API, but no
    count (the search looks one row ahead to know there is a next page; it never counts
    them all)."""

    page = serializers.IntegerField()
    per_page = serializers.IntegerField()
    has_next = serializers.BooleanField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = SearchHitSerializer(many=True, source="hits")


class ServiceSearchView(APIView):
    """Find services: Spanish text (accents and typos forgiven), filters, nearest first."""

    permission_classes = [AllowAny]

    @extend_schema(parameters=_form_parameters(), responses=SearchPageSerializer)
    def get(self, request: Request) -> Response:
        page = search_from_request(request)
        return Response(
            SearchPageSerializer(
                {
                    "page": page.page,
                    "per_page": page.per_page,
                    "has_next": page.has_next,
                    "hits": page.hits,
                    **page_links(request, page=page.page, has_next=page.has_next),
                }
            ).data
        )


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
        parameters=_form_parameters(max_per_page=MAX_GEO_PER_PAGE),
        responses=ServiceAtSiteGeoSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        page = search_from_request(request, max_per_page=MAX_GEO_PER_PAGE)
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
            "confidential",
        )


class SiteGeoParams(serializers.Serializer[dict[str, Any]]):
    territory = serializers.UUIDField(required=False)
    organization = serializers.UUIDField(required=False)


class SiteGeoView(PaginatedListMixin, APIView):
    """Sites as GeoJSON, filterable by territory (with its sub-territories) or organization."""

    permission_classes = [AllowAny]
    pagination_class = GeoJsonPagePagination

    @extend_schema(parameters=[SiteGeoParams], responses=SiteGeoSerializer(many=True))
    def get(self, request: Request) -> Response:
        params = SiteGeoParams(data=request.query_params)
        params.is_valid(raise_exception=True)
        rows = self.paginate(request, site_list(**params.validated_data))
        sites_redact(rows)
        return self.paginated_response(SiteGeoSerializer(rows, many=True).data)
