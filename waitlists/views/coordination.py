"""Local coordination: every waitlist of the network, its trend, and allocation rounds.

Coordinators see case codes, priorities and figures, never a case file.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.gates import actor_of, role_required
from accounts.models import Role
from audit.models import AuditAction, AuditRecordType
from audit.services import audit_record
from directory.selectors import format_distance
from matching.forms import add_service_errors
from waitlists.forms import (
    DEFAULT_HISTORY_DAYS,
    HISTORY_DAYS,
    HistoryFilterForm,
    RoundProposeForm,
)
from waitlists.models import AllocationRound, RoundStatus
from waitlists.rounds import (
    allocation_round_confirm,
    allocation_round_discard,
    allocation_round_propose,
    allocation_round_rows,
)
from waitlists.selectors import (
    allocation_round_get,
    allocation_round_list,
    service_list_with_waitlist,
    waitlist_history,
    waitlist_network_summary,
)
from waitlists.views.common import audit_round_placements, audit_round_proposed
from web.charts import line_chart

ROUNDS_SHOWN = 30


# --- the network's waitlists ---------------------------------------------------------------


def _chartable_since() -> date:
    """The first day of the longest period offered: a service charted in none is left out."""
    return timezone.localdate() - timedelta(days=max(days for days, _label in HISTORY_DAYS))


def _series() -> list[tuple[str, str]]:
    return [("waiting", _("Children waiting")), ("slots", _("Slots"))]


@require_GET
@role_required(Role.COORDINATOR)
def network_waitlists(request: HttpRequest) -> HttpResponse:
    data = None
    if request.GET:
        # A link with only ?service= still shows (and keeps) the default period.
        data = request.GET.copy()
        data.setdefault("days", str(DEFAULT_HISTORY_DAYS))
    form = HistoryFilterForm(data, services=service_list_with_waitlist(since=_chartable_since()))
    days, service, category = DEFAULT_HISTORY_DAYS, None, None
    status = 200
    if form.is_bound:
        if form.is_valid():
            days = form.cleaned_data["days"] or DEFAULT_HISTORY_DAYS
            service = form.cleaned_data["service"]
            category = form.cleaned_data["category"]
        else:
            status = 400
    charts = [
        line_chart(
            chart_id="chart-network",
            title=_("The whole network"),
            rows=waitlist_history(days=days),
            series=_series(),
            whole_numbers=True,
        )
    ]
    if service is not None:
        charts.append(
            line_chart(
                chart_id="chart-service",
                title=_("Service: %(name)s") % {"name": service.name},
                rows=waitlist_history(service_id=service.pk, days=days),
                series=_series(),
                whole_numbers=True,
            )
        )
    if category is not None:
        charts.append(
            line_chart(
                chart_id="chart-category",
                title=_("Category: %(name)s") % {"name": category.name},
                rows=waitlist_history(category_code=category.code, days=days),
                series=_series(),
                whole_numbers=True,
            )
        )
    context = {
        "summary": waitlist_network_summary(),
        "form": form,
        "charts": charts,
        "days": days,
    }
    return render(request, "waitlists/network.html", context, status=status)


# --- allocation rounds -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(Role.COORDINATOR)
def rounds(request: HttpRequest) -> HttpResponse:
    form = RoundProposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            proposed = allocation_round_propose(
                actor=actor_of(request),
                territory=form.cleaned_data["territory"],
                category=form.cleaned_data["category"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_round_proposed(request, found=proposed)
            messages.success(
                request,
                _("A round was proposed for %(territory)s · %(category)s. Review it, then confirm.")
                % {"territory": proposed.territory.name, "category": proposed.category.name},
            )
            return redirect("waitlists:round_detail", round_id=proposed.pk)
    recent = [
        {"round": r, "served": (r.comparison.get("allocate") or {}).get("served")}
        for r in allocation_round_list()[:ROUNDS_SHOWN]
    ]
    return render(
        request,
        "waitlists/rounds.html",
        {"form": form, "recent": recent},
        status=400 if form.is_bound else 200,
    )


METHODS = ("allocate", "fcfs", "greedy")


def _method_label(method: str) -> str:
    return {
        "allocate": _("Proposed allocation (priority, then distance)"),
        "fcfs": _("First come, first served"),
        "greedy": _("Nearest free slot"),
    }[method]


def _comparison(found: AllocationRound) -> list[dict[str, Any]]:
    rows = []
    for method in METHODS:
        figures = found.comparison.get(method)
        if not isinstance(figures, dict):
            continue
        cost = figures.get("mean_cost")
        priority = figures.get("mean_priority")
        rows.append(
            {
                "method": method,
                "label": _method_label(method),
                "served": figures.get("served", 0),
                "mean_priority": _rounded(priority),
                "mean_distance": format_distance(cost) if cost is not None else None,
            }
        )
    return rows


def _rounded(value: Any) -> int | None:
    # Priorities are whole points; the fraction is the round's tie-break by arrival.
    return round(float(value)) if value is not None else None


def _round_or_404(round_id: UUID) -> AllocationRound:
    found = allocation_round_get(round_id=round_id)
    if found is None:
        raise Http404
    return found


@require_GET
@role_required(Role.COORDINATOR)
def round_detail(request: HttpRequest, round_id: UUID) -> HttpResponse:
    return _render_round(request, _round_or_404(round_id))


def _refused(request: HttpRequest, found: AllocationRound, error: ValidationError) -> HttpResponse:
    """A decision that lost to another one (or to a slot taken since) answers 409 on the round.

    Not a redirect: the coordinator who lost must see at once, with a status a client can
    read, that the round is not what they decided on; the page shows it as it is now.
    """
    for message in error.messages:
        messages.error(request, message)
    found.refresh_from_db()
    return _render_round(request, found, status=409)


def _render_round(
    request: HttpRequest, found: AllocationRound, *, status: int = 200
) -> HttpResponse:
    rows = allocation_round_rows(round=found)
    audit_record(
        request=request,
        action=AuditAction.READ,
        record_type=AuditRecordType.ALLOCATION_ROUND,
        record_id=found.pk,
        detail=f"rows={len(rows)}",
    )
    context = {
        "round": found,
        "rows": rows,
        "comparison": _comparison(found),
        "waiting": found.comparison.get("waiting"),
        "free_slots": found.comparison.get("free_slots"),
        "is_proposed": found.status == RoundStatus.PROPOSED,
    }
    return render(request, "waitlists/round_detail.html", context, status=status)


@require_POST
@role_required(Role.COORDINATOR)
def round_confirm(request: HttpRequest, round_id: UUID) -> HttpResponse:
    found = _round_or_404(round_id)
    try:
        placed = allocation_round_confirm(actor=actor_of(request), round=found)
    except ValidationError as error:
        return _refused(request, found, error)
    else:
        audit_round_placements(request, found)
        messages.success(
            request,
            ngettext(
                "The round is confirmed: %(n)s child was given a slot.",
                "The round is confirmed: %(n)s children were given a slot.",
                placed,
            )
            % {"n": placed},
        )
    return redirect("waitlists:round_detail", round_id=found.pk)


@require_POST
@role_required(Role.COORDINATOR)
def round_discard(request: HttpRequest, round_id: UUID) -> HttpResponse:
    found = _round_or_404(round_id)
    try:
        allocation_round_discard(actor=actor_of(request), round=found)
    except ValidationError as error:
        return _refused(request, found, error)
    else:
        messages.success(request, _("The round was discarded; nobody was placed."))
    return redirect("waitlists:round_detail", round_id=found.pk)
