"""The HSDS 3.0 read API: public, paged per the HSDS ``Page`` schema, NDJSON on request."""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, time
from typing import Any, TypeVar

from django.contrib.gis.geos import Point
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpResponseBase, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from directory.confidential import public_distance_m
from directory.hsds import queries
from directory.hsds.schemas import HSDS_VERSION, OPENAPI_URL, profile_files, profile_patch
from directory.hsds.serializers import (
    capacity_states_attach,
    iso_datetime,
    organization_to_hsds,
    service_at_location_to_hsds,
    service_to_hsds,
    taxonomy_term_to_hsds,
    taxonomy_to_hsds,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
# minimal=true "aims to return all services within one call": one page holds them all.
MAX_MINIMAL = 100_000
NDJSON = "application/x-ndjson"
M = TypeVar("M", bound=Model)
R = TypeVar("R")


class NDJSONRenderer(BaseRenderer):
    """Lets ``?format=ndjson`` through content negotiation; the view streams the body."""

    media_type = NDJSON
    format = "ndjson"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        return (json.dumps(data, ensure_ascii=False) + "\n").encode()


class HsdsNegotiation(DefaultContentNegotiation):
    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: str | None = None,
    ) -> tuple[BaseRenderer, str]:
        # The query's ?format= wins over the Accept header: HSDS clients send
        # ``Accept: application/json`` out of habit and still ask for ndjson.
        wanted = format_suffix or request.query_params.get(api_settings.URL_FORMAT_OVERRIDE or "")
        for renderer in renderers:
            if wanted and renderer.format == wanted:
                return renderer, renderer.media_type
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            # DRF answers an unknown ?format= with a bare 404; say which parameter is wrong.
            raise ValidationError(
                {
                    "format": [
                        _("Unknown format %(value)r: use json or ndjson.")
                        % {"value": request.query_params.get("format")}
                    ]
                }
            ) from None


class HsdsView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[type] = []
    renderer_classes = [JSONRenderer, NDJSONRenderer]
    content_negotiation_class = HsdsNegotiation


# --- query parameters -------------------------------------------------------------


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError({name: [message]})


def _int_param(request: Request, name: str, *, default: int, low: int, high: int) -> int:
    raw = request.query_params.get(name) or ""
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(
            name,
            _("%(name)s must be a whole number, not %(value)r.") % {"name": name, "value": raw},
        ) from None
    if not low <= value <= high:
        raise _bad(
            name,
            _("%(name)s must be between %(low)s and %(high)s.")
            % {"name": name, "low": low, "high": high},
        )
    return value


def _text_param(request: Request, name: str) -> str | None:
    raw = request.query_params.get(name, "").strip()
    # PostgreSQL text cannot hold NUL: refused here, or the query itself would fail.
    if "\x00" in raw:
        raise _bad(name, _("%(name)s must not contain NUL characters.") % {"name": name})
    return raw or None


def _uuid_param(request: Request, name: str) -> uuid.UUID | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise _bad(
            name, _("%(name)s must be a UUID, not %(value)r.") % {"name": name, "value": raw}
        ) from None


def _float_param(request: Request, name: str, *, low: float, high: float) -> float | None:
    raw = request.query_params.get(name) or ""
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and low <= value <= high):
        raise _bad(
            name,
            _("%(name)s must be a number between %(low)s and %(high)s, not %(value)r.")
            % {"name": name, "low": low, "high": high, "value": raw},
        )
    return value


def _datetime_param(request: Request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    # A "+" in a query string arrives as a space when the client did not encode it.
    text = raw.strip().replace(" ", "+") if "T" in raw else raw.strip()
    try:
        value = parse_datetime(text)
        if value is None:
            day = parse_date(text)
            value = datetime.combine(day, time.min) if day else None
    except ValueError:
        value = None
    if value is None:
        raise _bad(
            name,
            _("%(name)s must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z, not %(value)r.")
            % {"name": name, "value": raw},
        )
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _proximity(request: Request) -> tuple[Point | None, float | None, bool]:
    """The point and radius a list is measured from, and whether ``postcode`` gave it.

    HSDS: ``proximity`` is metres from the centroid of ``postcode``. Puente adds
    ``lat``/``lon`` (with ``radius`` or ``proximity``) for a point of the client's own.
    """
    lat = _float_param(request, "lat", low=-90, high=90)
    lon = _float_param(request, "lon", low=-180, high=180)
    radius = _float_param(request, "radius", low=0, high=1_000_000)
    proximity = _float_param(request, "proximity", low=0, high=1_000_000)
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        raise _bad(missing, _("lat and lon must be given together."))
    if lat is not None and lon is not None:
        return Point(lon, lat, srid=4326), radius if radius is not None else proximity, False
    if radius is not None:
        raise _bad("radius", _("A radius needs lat and lon."))
    if proximity is None:
        return None, None, False
    postcode = _text_param(request, "postcode")
    if not postcode:
        raise _bad("proximity", _("proximity needs a postcode (or lat and lon)."))
    centroid = queries.hsds_postcode_centroid(postcode=postcode)
    if centroid is None:
        raise _bad(
            "postcode",
            _("No site has the postcode %(postcode)r, so it has no centroid to measure from.")
            % {"postcode": postcode},
        )
    return centroid, proximity, True


def _filters(request: Request) -> dict[str, Any]:
    point, radius, from_postcode = _proximity(request)
    return {
        "search": _text_param(request, "search"),
        "taxonomy_term_id": _uuid_param(request, "taxonomy_term_id"),
        "taxonomy_id": _uuid_param(request, "taxonomy_id"),
        "organization_id": _uuid_param(request, "organization_id"),
        "modified_after": _datetime_param(request, "modified_after"),
        # Measured from the postcode's centroid, the postcode is a place, not a filter.
        "postcode": None if from_postcode else _text_param(request, "postcode"),
        "point": point,
        "radius_m": radius,
    }


def _bool_param(request: Request, name: str) -> bool:
    raw = request.query_params.get(name, "").strip().lower()
    if raw in ("", "false", "0", "no"):
        return False
    if raw in ("true", "1", "yes"):
        return True
    raise _bad(name, _("%(name)s must be true or false.") % {"name": name})


# --- paging -----------------------------------------------------------------------


def _ndjson(items: Iterable[dict[str, Any]]) -> StreamingHttpResponse:
    def lines() -> Iterator[bytes]:
        for item in items:
            yield (json.dumps(item, ensure_ascii=False) + "\n").encode()

    return StreamingHttpResponse(lines(), content_type=NDJSON)


def _each_prepared(
    qs: QuerySet[Any, R],
    to_hsds: Callable[[R], dict[str, Any]],
    prepare: Callable[[list[R]], None] | None,
    chunk: int = 500,
) -> Iterator[dict[str, Any]]:
    rows: list[R] = []
    for obj in qs.iterator(chunk_size=chunk):
        rows.append(obj)
        if len(rows) == chunk:
            if prepare is not None:
                prepare(rows)
            yield from (to_hsds(row) for row in rows)
            rows = []
    if prepare is not None and rows:
        prepare(rows)
    yield from (to_hsds(row) for row in rows)


def paged(
    request: Request,
    qs: QuerySet[Any, R],
    to_hsds: Callable[[R], dict[str, Any]],
    *,
    default_per_page: int = DEFAULT_PER_PAGE,
    max_per_page: int = MAX_PER_PAGE,
    prepare: Callable[[list[R]], None] | None = None,
) -> HttpResponseBase:
    if request.query_params.get("format") == "ndjson":
        return _ndjson(_each_prepared(qs, to_hsds, prepare))
    page = _int_param(request, "page", default=1, low=1, high=10_000_000)
    per_page = _int_param(request, "per_page", default=default_per_page, low=1, high=max_per_page)
    total = qs.count()
    start = (page - 1) * per_page
    rows = list(qs[start : start + per_page]) if start < total else []
    if prepare is not None:  # batch what each row would otherwise read alone
        prepare(rows)
    contents = [to_hsds(obj) for obj in rows]
    total_pages = math.ceil(total / per_page)
    return Response(
        {
            "total_items": total,
            "total_pages": total_pages,
            "page_number": page,
            "size": len(contents),
            "first_page": page == 1,
            "last_page": page >= total_pages,
            "empty": not contents,
            "contents": contents,
        }
    )


def _minimal(request: Request, rows: QuerySet[Any, dict[str, Any]]) -> HttpResponseBase:
    """HSDS ``minimal=true``: each service's id and modified date, all in one page."""

    def item(row: dict[str, Any]) -> dict[str, Any]:
        return {"id": str(row["id"]), "modified_date": iso_datetime(row["last_modified"])}

    return paged(request, rows, item, default_per_page=MAX_MINIMAL, max_per_page=MAX_MINIMAL)


def _one(raw_id: str, get: Callable[[uuid.UUID], M | None]) -> M:
    """The record a selector finds by the id in the URL; a malformed id is as absent."""
    try:
        pk = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound(_("No record has the id %(id)r.") % {"id": raw_id}) from None
    obj = get(pk)
    if obj is None:
        raise NotFound(_("No record has the id %(id)r.") % {"id": raw_id})
    return obj


def _with_distance(obj: Any, data: dict[str, Any], *, near: Point | None = None) -> dict[str, Any]:
    distance = getattr(obj, "distance", None)
    if distance is not None:
        site = getattr(obj, "site", None)
        if site is not None and site.confidential and near is not None:
            data["distance"] = public_distance_m(site=site, near=near, true_distance_m=distance.m)
        else:
            data["distance"] = round(distance.m, 1)
    return data


# --- OpenAPI description (for /api/schema/ and the clients and fuzzers that read it) -----

_PAGE = inline_serializer(
    "HsdsPage",
    fields={
        "total_items": serializers.IntegerField(),
        "total_pages": serializers.IntegerField(),
        "page_number": serializers.IntegerField(),
        "size": serializers.IntegerField(),
        "first_page": serializers.BooleanField(),
        "last_page": serializers.BooleanField(),
        "empty": serializers.BooleanField(),
        "contents": serializers.ListField(child=serializers.DictField()),
    },
)
_PAGING = [
    OpenApiParameter("page", int, description="1 or more"),
    OpenApiParameter("per_page", int, description=f"1–{MAX_PER_PAGE}"),
    OpenApiParameter(
        "format", str, enum=["json", "ndjson"], description="ndjson: every record, one a line"
    ),
]
_SEARCH = [OpenApiParameter("search", str, description="Words in the name")]
_FILTERS = [
    *_SEARCH,
    OpenApiParameter("taxonomy_term_id", uuid.UUID),
    OpenApiParameter("taxonomy_id", uuid.UUID),
    OpenApiParameter("organization_id", uuid.UUID),
    OpenApiParameter("modified_after", datetime),
    OpenApiParameter("postcode", str),
    OpenApiParameter("lat", float, description="With lon: nearest first"),
    OpenApiParameter("lon", float),
    OpenApiParameter("radius", float, description="Metres from lat/lon"),
    OpenApiParameter(
        "proximity", float, description="Metres from the centroid of postcode (or from lat/lon)"
    ),
]


def _hsds_list(name: str, parameters: list[OpenApiParameter]) -> Callable[[Any], Any]:
    return extend_schema(
        operation_id=f"hsds_{name}_list",
        parameters=[*parameters, *_PAGING],
        responses={200: _PAGE, (200, NDJSON): OpenApiTypes.STR},
    )


def _hsds_one(name: str, parameters: list[OpenApiParameter] | None = None) -> Callable[[Any], Any]:
    return extend_schema(
        operation_id=f"hsds_{name}_retrieve",
        parameters=parameters or [],
        responses={200: OpenApiTypes.OBJECT},
    )


# --- views ------------------------------------------------------------------------


class RootView(HsdsView):
    @extend_schema(operation_id="hsds_root", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "version": HSDS_VERSION,
                "profile": request.build_absolute_uri(reverse("directory:hsds:profile")),
                "openapi_url": OPENAPI_URL,
            }
        )


class ProfileIndexView(HsdsView):
    @extend_schema(operation_id="hsds_profile_list", responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        return Response(
            {
                "name": "Puente",
                "description": _(
                    "The Puente profile of HSDS 3.0: JSON Merge Patches (RFC 7386) adding the "
                    "kind, modality, access routes, structured eligibility and capacity of "
                    "child-protection services."
                ),
                "hsds_version": HSDS_VERSION,
                "schemas": [
                    {
                        "name": name.removesuffix(".json"),
                        "url": request.build_absolute_uri(
                            reverse("directory:hsds:profile_schema", kwargs={"name": name})
                        ),
                    }
                    for name in profile_files()
                ],
            }
        )


class ProfileSchemaView(HsdsView):
    @_hsds_one("profile")
    def get(self, request: Request, name: str) -> Response:
        if name not in profile_files():
            raise NotFound(_("The profile has no schema %(name)r.") % {"name": name})
        return Response(profile_patch(name))


class ServiceListView(HsdsView):
    @_hsds_list(
        "services",
        [
            *_FILTERS,
            OpenApiParameter(
                "minimal", bool, description="Just each id and modified_date, all in one page"
            ),
        ],
    )
    def get(self, request: Request) -> HttpResponseBase:
        if _bool_param(request, "minimal"):
            return _minimal(request, queries.hsds_service_minimal_list(**_filters(request)))
        qs = queries.hsds_service_list(**_filters(request))

        def item(service: Any) -> dict[str, Any]:
            return _with_distance(service, service_to_hsds(service, full=False))

        return paged(request, qs, item, prepare=lambda page: capacity_states_attach(services=page))


class ServiceDetailView(HsdsView):
    @_hsds_one("services")
    def get(self, request: Request, id: str) -> Response:
        service = _one(id, lambda pk: queries.hsds_service_get(service_id=pk))
        return Response(service_to_hsds(service, full=True))


class OrganizationListView(HsdsView):
    @_hsds_list("organizations", _SEARCH)
    def get(self, request: Request) -> HttpResponseBase:
        qs = queries.hsds_organization_list(search=_text_param(request, "search"))
        return paged(request, qs, organization_to_hsds)


class OrganizationDetailView(HsdsView):
    @_hsds_one("organizations", [OpenApiParameter("full_service", bool)])
    def get(self, request: Request, id: str) -> Response:
        organization = _one(id, lambda pk: queries.hsds_organization_get(organization_id=pk))
        full_service = _bool_param(request, "full_service")
        services = list(
            queries.hsds_service_list_for_organization(
                organization_id=organization.pk, full=full_service
            )
        )
        capacity_states_attach(services=services)
        return Response(
            organization_to_hsds(
                organization,
                full=True,
                services=[service_to_hsds(s, full=full_service) for s in services],
            )
        )


class ServiceAtLocationListView(HsdsView):
    @_hsds_list("service_at_locations", _FILTERS)
    def get(self, request: Request) -> HttpResponseBase:
        filters = _filters(request)
        qs = queries.hsds_service_at_site_list(**filters)

        def item(link: Any) -> dict[str, Any]:
            data = service_at_location_to_hsds(link, full=False, with_service=True)
            return _with_distance(link, data, near=filters.get("point"))

        def prepare(page: list[Any]) -> None:
            capacity_states_attach(services=[link.service for link in page])

        return paged(request, qs, item, prepare=prepare)


class ServiceAtLocationDetailView(HsdsView):
    @_hsds_one("service_at_locations")
    def get(self, request: Request, id: str) -> Response:
        link = _one(id, lambda pk: queries.hsds_service_at_site_get(service_at_site_id=pk))
        return Response(service_at_location_to_hsds(link, full=True, with_service=True))


class TaxonomyListView(HsdsView):
    @_hsds_list("taxonomies", _SEARCH)
    def get(self, request: Request) -> HttpResponseBase:
        qs = queries.hsds_taxonomy_list(search=_text_param(request, "search"))
        return paged(request, qs, taxonomy_to_hsds)


class TaxonomyDetailView(HsdsView):
    @_hsds_one("taxonomies")
    def get(self, request: Request, id: str) -> Response:
        taxonomy = _one(id, lambda pk: queries.hsds_taxonomy_get(taxonomy_id=pk))
        return Response(taxonomy_to_hsds(taxonomy))


class TaxonomyTermListView(HsdsView):
    @_hsds_list(
        "taxonomy_terms",
        [
            *_SEARCH,
            OpenApiParameter("taxonomy_id", uuid.UUID),
            OpenApiParameter("parent_id", uuid.UUID),
            OpenApiParameter("top_only", bool),
        ],
    )
    def get(self, request: Request) -> HttpResponseBase:
        qs = queries.hsds_taxonomy_term_list(
            search=_text_param(request, "search"),
            taxonomy_id=_uuid_param(request, "taxonomy_id"),
            parent_id=_uuid_param(request, "parent_id"),
            top_only=_bool_param(request, "top_only"),
        )
        return paged(request, qs, taxonomy_term_to_hsds)


class TaxonomyTermDetailView(HsdsView):
    @_hsds_one("taxonomy_terms")
    def get(self, request: Request, id: str) -> Response:
        term = _one(id, lambda pk: queries.hsds_taxonomy_term_get(taxonomy_term_id=pk))
        return Response(taxonomy_term_to_hsds(term))


class ExportZipView(HsdsView):
    @extend_schema(
        operation_id="hsds_export_zip", responses={(200, "application/zip"): OpenApiTypes.BINARY}
    )
    def get(self, request: Request) -> FileResponse:
        from directory.hsds.exporter import hsds_export_zip

        return FileResponse(
            hsds_export_zip(),
            as_attachment=True,
            filename="puente-hsds.zip",
            content_type="application/zip",
        )
