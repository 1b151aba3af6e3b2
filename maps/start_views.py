"""The coordinator's start page (the checklist is in ``maps.start``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.gates import role_required
from accounts.models import Role
from maps.start import start_checklist


@require_GET
@role_required(Role.COORDINATOR, Role.ADMINISTRATOR)
def start_page(request: HttpRequest) -> HttpResponse:
    items = start_checklist(user=request.user)
    return render(
        request,
        "maps/start.html",
        {"items": items, "missing": sum(1 for item in items if not item.loaded)},
    )
