"""Map pages. ``maps`` owns no rules: it draws what ``directory`` selects."""

from __future__ import annotations

import json
import uuid

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from accounts.selectors import user_roles
from directory.confidential import sites_redact
from directory.forms import ServiceSearchForm
from directory.selectors import service_search, territory_list_for_map
from directory.tiles import BBox
from maps.forms import MapFilterForm, MapViewportForm
from maps.home import home_cards
from maps.selectors import service_card, service_map_index

_ZERO_UUID = "00000000-0000-0000-0000-000000000000"
_WORLD = BBox(west=-180.0, south=-85.0, east=180.0, north=85.0)


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where a signed-in person starts: a card per role, each with that role's pages."""
    cards = home_cards(roles=user_roles(user=request.user))
    return render(request, "maps/home.html", {"cards": cards})


@require_GET
def service_map(request: HttpRequest) -> HttpResponse:
    """The public map. Filters and view live in the URL, so a link shares exactly this map."""
    form = MapFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown beside their fields; the map shows everything
    context = {
        "form": form,
        "map_config": {
            "data_url": reverse("maps:service_map_data"),
            "list_url": reverse("maps:service_map_list"),
            "territories_url": reverse("maps:territory_map_data"),
            "card_url": reverse("maps:service_card", args=[_ZERO_UUID]),
            "zero_id": _ZERO_UUID,
        },
        "map_i18n": {
            "slots": _("Slots"),
            "count": _("%(services)s services in this part of the map"),
            "none": _("No service in this part of the map matches the filters."),
            "error": _("The services could not be loaded. Please try again."),
            "cluster": _("%(count)s services here: zoom in"),
            "place": _("%(count)s services at this place"),
            "copied": _("Link copied."),
            "page": _("Page %(page)s"),
            "loading": _("Loading…"),
        },
    }
    return render(request, "maps/service_map.html", context)


@require_GET
def service_map_data(request: HttpRequest) -> JsonResponse:
    """The services in view, clustered on the server for the map's zoom (GeoJSON)."""
    form = MapViewportForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    bbox = form.cleaned_data["bbox"] or _WORLD
    clusters = service_map_index().clusters(
        filters=form.map_filters(), bbox=bbox, zoom=form.cleaned_data["zoom"]
    )
    features = []
    for cluster in clusters:
        properties: dict[str, object] = {"count": cluster.count}
        if cluster.service_at_site_id is not None:
            properties["id"] = str(cluster.service_at_site_id)
            properties["name"] = cluster.name
        else:
            b = cluster.bounds
            properties["bounds"] = [b.west, b.south, b.east, b.north]
            properties["single_place"] = cluster.single_place
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [cluster.lon, cluster.lat]},
                "properties": properties,
            }
        )
    response = JsonResponse(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": sum(c.count for c in clusters),
        }
    )
    response["Content-Type"] = "application/geo+json"
    return response


@require_GET
def service_map_list_data(request: HttpRequest) -> JsonResponse:
    """The services in view, by name, one page at a time: the list beside the map."""
    form = MapViewportForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    result = service_map_index().page(
        filters=form.map_filters(),
        bbox=form.cleaned_data["bbox"],
        page=form.cleaned_data.get("page") or 1,
        per_page=form.cleaned_data.get("per_page") or 20,
    )
    sites_redact(row.site for row in result.rows)
    items = [
        {
            "id": str(row.pk),
            "name": row.service.name,
            "organization": row.service.organization.name,
            "address": row.site.address_1,
            "territory": row.site.territory.name,
            "categories": sorted(term.name for term in row.service.categories.all()),
            "modality": row.service.get_modality_display(),
            "capacity": row.capacity,
            "lat": row.site.point.y,
            "lon": row.site.point.x,
        }
        for row in result.rows
    ]
    return JsonResponse(
        {"items": items, "page": result.page, "has_next": result.has_next, "total": result.total}
    )


@require_GET
def service_card_page(request: HttpRequest, service_at_site_id: uuid.UUID) -> HttpResponse:
    """What, who, where, when, how to access, who may come, free slots; printable.

    ``?fragment=1`` returns the card alone, for the map's popup."""
    card = service_card(service_at_site_id=service_at_site_id, user=request.user, request=request)
    if card is None:
        raise Http404
    template = (
        "maps/_service_card.html" if request.GET.get("fragment") else "maps/service_card.html"
    )
    return render(request, template, {"card": card})


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
