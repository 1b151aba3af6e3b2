"""Map pages. ``maps`` owns no rules: it draws what ``directory`` selects."""

from __future__ import annotations

import json
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from directory.forms import ServiceSearchForm
from directory.selectors import (
    service_at_site_list_for_map,
    service_search,
    taxonomy_term_list,
    territory_list,
    territory_list_for_map,
)


def _territory_filter(request: HttpRequest) -> uuid.UUID | None:
    raw = request.GET.get("territory", "")
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@require_GET
def service_map(request: HttpRequest) -> HttpResponse:
    context = {
        "categories": taxonomy_term_list(),
        "territories": territory_list(),
        "selected_category": request.GET.get("category", ""),
        "selected_territory": request.GET.get("territory", ""),
        "map_i18n": {
            "slots": _("Slots"),
            "count": _("%(services)s services at %(places)s places"),
            "error": _("The services could not be loaded. Please try again."),
        },
    }
    return render(request, "maps/service_map.html", context)


@require_GET
def service_search_page(request: HttpRequest) -> HttpResponse:
    """The search for families and caseworkers; works without JavaScript."""
    form = ServiceSearchForm(request.GET or None)
    results = None
    near = False
    if form.is_bound and form.is_valid():
        arguments = form.search_arguments()
        results = service_search(**arguments)
        near = arguments["near"] is not None
    context = {
        "form": form,
        "results": results,
        "near": near,
        "first_number": ((results.page - 1) * results.per_page + 1) if results else 1,
        "query_prev": _page_query(request, -1),
        "query_next": _page_query(request, +1),
        "search_i18n": {
            "locating": _("Finding your location…"),
            "located": _("Location found: results will be sorted by distance."),
            "denied": _("Your location could not be read; search by territory instead."),
            "unavailable": _("This browser cannot share its location."),
        },
    }
    return render(
        request,
        "maps/service_search.html",
        context,
        status=200 if form.is_valid() or not form.is_bound else 400,
    )


def _page_query(request: HttpRequest, step: int) -> str:
    query = request.GET.copy()
    try:
        current = max(1, int(query.get("page", "1")))
    except ValueError:
        current = 1
    query["page"] = str(max(1, current + step))
    return query.urlencode()


@require_GET
def service_map_data(request: HttpRequest) -> JsonResponse:
    """GeoJSON of active services at their sites, filtered like the page."""
    rows = service_at_site_list_for_map(
        category_code=request.GET.get("category") or None,
        territory_id=_territory_filter(request),
    )
    features = [
        {
            "type": "Feature",
            "id": str(row.id),
            "geometry": {"type": "Point", "coordinates": [row.site.point.x, row.site.point.y]},
            "properties": {
                "service_id": str(row.service_id),
                "name": row.service.name,
                "organization": row.service.organization.name,
                "site": row.site.name,
                "address": row.site.address_1,
                "territory": row.site.territory.name,
                "categories": [term.name for term in row.service.categories.all()],
                "modality": row.service.get_modality_display(),
                "capacity": row.capacity,
            },
        }
        for row in rows
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Content-Type"] = "application/geo+json"
    return response


@require_GET
def territory_map_data(request: HttpRequest) -> HttpResponse:
    """Sector boundaries, drawn under the markers so the map reads even without tiles."""
    features = [
        {
            "type": "Feature",
            "id": str(row.id),
            "geometry": json.loads(row.simplified.geojson),  # type: ignore[attr-defined]
            "properties": {"name": row.name, "code": row.code, "level": row.level},
        }
        for row in territory_list_for_map()
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    response["Content-Type"] = "application/geo+json"
    return response
