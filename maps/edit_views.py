"""The coordinator's map editing: draw a site's location and a service's area.

Only coordinators edit the whole map (README, Roles); everyone else gets a 403 for
these pages, and an unknown site or service a 404.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.contrib import messages
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.gates import actor_of, coordinator_required
from directory.confidential import site_exact_location_read
from directory.editing import service_area_set, site_move
from directory.selectors import (
    eligibility_service_area_names,
    service_area_territory_ids,
    service_edit_get,
    service_edit_search,
    site_edit_get,
    site_edit_search,
    territory_edit_choices,
)
from maps.forms import EditSearchForm, ServiceAreaForm, SiteLocationForm

View = Callable[..., HttpResponse]
SEARCH_LIMIT = 30


@require_GET
@coordinator_required
def edit_index(request: HttpRequest) -> HttpResponse:
    """Find the site or service to edit by name; a malformed name is a 400 naming ``q``."""
    form = EditSearchForm(request.GET)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    return render(
        request,
        "maps/edit_index.html",
        {
            "form": form,
            "query": query,
            "sites": site_edit_search(query=query, limit=SEARCH_LIMIT),
            "services": service_edit_search(query=query, limit=SEARCH_LIMIT),
        },
        status=200 if valid else 400,
    )


@require_http_methods(["GET", "POST"])
@coordinator_required
def site_edit(request: HttpRequest, site_id: uuid.UUID) -> HttpResponse:
    site = site_edit_get(site_id=site_id)
    if site is None:
        raise Http404
    if request.method == "GET":  # a coordinator's page: the exact point, audited if secret
        site_exact_location_read(user=request.user, site=site, request=request)
    form = SiteLocationForm(
        request.POST if request.method == "POST" else None,
        initial={"lat": site.point.y, "lon": site.point.x},
    )
    if request.method == "POST" and form.is_valid():
        point = Point(form.cleaned_data["lon"], form.cleaned_data["lat"], srid=4326)
        try:
            site_move(actor=actor_of(request), site=site, point=point)
        except ValidationError as error:
            for message in error.message_dict.get("point", error.messages):
                form.add_error("lat", message)
        else:
            messages.success(
                request,
                _("%(site)s is now in %(territory)s.")
                % {"site": site.name, "territory": site.territory.name},
            )
            return redirect("maps:site_edit", site_id=site.pk)
    return render(
        request,
        "maps/site_edit.html",
        {"site": site, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@coordinator_required
def service_area_edit(request: HttpRequest, service_id: uuid.UUID) -> HttpResponse:
    service = service_edit_get(service_id=service_id)
    if service is None:
        raise Http404
    served = service_area_territory_ids(service=service)
    form = ServiceAreaForm(
        request.POST if request.method == "POST" else None,
        territories=territory_edit_choices(),
        initial={"territories": served},
    )
    if request.method == "POST" and form.is_valid():
        result = service_area_set(
            actor=actor_of(request),
            service=service,
            territories=form.cleaned_data["territories"],
            shape=form.cleaned_data["shape"],
        )
        names = eligibility_service_area_names(eligibility=result)
        messages.success(
            request,
            _("%(service)s now serves: %(places)s.")
            % {"service": service.name, "places": ", ".join(names)}
            if names
            else _("%(service)s now has no territorial limit.") % {"service": service.name},
        )
        return redirect("maps:service_area_edit", service_id=service.pk)
    return render(
        request,
        "maps/service_area_edit.html",
        {"service": service, "form": form, "served": [str(pk) for pk in served]},
        status=400 if form.is_bound and form.errors else 200,
    )
