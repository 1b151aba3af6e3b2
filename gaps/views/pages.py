"""The gap map, the trends across snapshots and the referral network, for planners.

Every figure comes from ``gaps.selectors`` already suppressed; the views only choose.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gaps.forms import GapMapForm, PeriodForm, TrendForm
from gaps.listings import listing_verification_for_period
from gaps.selectors import (
    DEFAULT_MEASURE,
    GAP_FIGURES,
    WITHHELD,
    NetworkSummary,
    casework_period_summary,
    gap_category_default,
    gap_category_list,
    gap_equity_history,
    gap_figure_labels,
    gap_lorenz,
    gap_map_data,
    gap_rows,
    gap_snapshot_latest,
    gap_territory_default,
    gap_trend_rows,
    management_report_list,
    measure_get,
    network_period_summary,
    network_snapshot_latest,
    network_snapshot_summary,
)
from gaps.views.casework import casework_block
from gaps.views.common import planner_required
from gaps.views.drawing import lorenz_chart, network_graph
from web.charts import Chart, line_chart

#: Rows of the organization and pair tables on the page; the downloads hold every row.
TABLE_ROWS = 200


def _with_defaults(request: HttpRequest, defaults: dict[str, str]) -> QueryDict:
    data = request.GET.copy()
    for key, value in defaults.items():
        if not data.get(key):
            data[key] = value
    return data


def _leaflet() -> dict[str, Any]:
    config: dict[str, Any] = settings.LEAFLET_CONFIG
    return config


def _tiles() -> dict[str, str]:
    tiles = _leaflet().get("TILES") or []
    if not tiles:
        return {"url": "", "attribution": ""}
    _name, url, options = tiles[0]
    return {"url": url, "attribution": options.get("attribution", "")}


# --- the gap map ---------------------------------------------------------------------------


@require_GET
@planner_required
def gap_map(request: HttpRequest) -> HttpResponse:
    snapshot = gap_snapshot_latest()
    categories = gap_category_list(snapshot=snapshot)
    first = gap_category_default(snapshot=snapshot)
    defaults = {"category": first.code if first else "", "measure": DEFAULT_MEASURE}
    form = GapMapForm(_with_defaults(request, defaults), categories=categories)
    status = 200
    if form.is_valid():
        category = form.cleaned_data["category"]
        measure = measure_get(form.cleaned_data["measure"])
    else:
        status = 400 if request.GET else 200
        category, measure = first, measure_get(DEFAULT_MEASURE)
    context: dict[str, Any] = {
        "form": form,
        "snapshot": snapshot,
        "category": category,
        "measure": measure,
        "labels": gap_figure_labels(),
        "figures": GAP_FIGURES,
        "withheld": WITHHELD,
        "tiles": _tiles(),
        "center": _leaflet().get("DEFAULT_CENTER"),
        "zoom": _leaflet().get("DEFAULT_ZOOM"),
        "map_i18n": {
            "hotspot": _("Hotspot %(number)s: %(size)s children"),
            "site": _("suggested site"),
            "error": _("The map could not be loaded; the figures are in the table below."),
        },
    }
    if snapshot is not None and category is not None:
        data = gap_map_data(
            snapshot=snapshot,
            category_code=category.code,
            measure_key=measure.key,
            with_geometry=False,
        )
        context.update(
            {
                "legend": data["legend"],
                "map_class": {
                    f["properties"]["territory_id"]: f["properties"]
                    for f in data["territories"]["features"]
                },
                "hotspots": [f["properties"] for f in data["hotspots"]["features"]],
                "rows": gap_rows(snapshot=snapshot, category_code=category.code),
                "data_url": reverse("gaps:api_map")
                + f"?category={category.code}&measure={measure.key}",
            }
        )
    return render(request, "gaps/gap_map.html", context, status=status)


# --- trends ----------------------------------------------------------------------------------


def _chart_block(
    *,
    chart: Chart,
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    decimals: int = 2,
) -> dict[str, Any]:
    """A chart with its table: the figures as shown (suppressed ones as "<5")."""
    return {
        "chart": chart,
        "columns": [label for _key, label in columns],
        "table": [(row["day"], [row[key] for key, _label in columns]) for row in rows],
        "decimals": decimals,
    }


@require_GET
@planner_required
def gap_trends(request: HttpRequest) -> HttpResponse:
    snapshot = gap_snapshot_latest()
    categories = gap_category_list(snapshot=snapshot)
    first = gap_category_default(snapshot=snapshot)
    territory = gap_territory_default()
    defaults = {
        "category": first.code if first else "",
        "territory": str(territory.pk) if territory else "",
    }
    form = TrendForm(_with_defaults(request, defaults), categories=categories)
    status = 200
    if form.is_valid():
        category, territory = form.cleaned_data["category"], form.cleaned_data["territory"]
    else:
        status = 400 if request.GET else 200
        category = first
    labels = gap_figure_labels()
    charts: list[dict[str, Any]] = []
    equity: dict[str, Any] = {}
    if category is not None and territory is not None:
        rows = gap_trend_rows(category_code=category.code, territory_id=territory.pk)

        def block(chart_id: str, title: str, keys: Sequence[str], decimals: int = 2) -> None:
            chart = line_chart(
                chart_id=chart_id,
                title=title,
                rows=rows,
                series=[(f"{key}_plot", labels[key]) for key in keys],
                whole_numbers=decimals == 0,
            )
            charts.append(
                _chart_block(
                    chart=chart,
                    rows=rows,
                    columns=[(key, labels[key]) for key in keys],
                    decimals=decimals,
                )
            )

        block("chart-accessibility", _("Accessibility"), ["accessibility"])
        block(
            "chart-zero-access", _("Children with no service within reach"), ["zero_access_share"]
        )
        block(
            "chart-shortfall",
            _("Slots short of the norm and cases without a service"),
            ["shortfall_slots", "unmet_cases"],
            decimals=0,
        )
        block("chart-waitlist", _("Waitlist pressure"), ["waitlist_pressure"])
        # A step here is a new population year imported: the figures above move with it.
        block("chart-children", _("Children (latest population year)"), ["children"], 0)

        history = gap_equity_history(category_code=category.code)
        gini_rows = [{"day": p.day, "gini": p.gini} for p in history]
        gini_chart = line_chart(
            chart_id="chart-gini",
            title=_("Inequality of accessibility across territories (Gini)"),
            rows=gini_rows,
            series=[("gini", _("Gini coefficient"))],
        )
        x, y = gap_lorenz(snapshot=snapshot, category_code=category.code) if snapshot else ([], [])
        equity = {
            "gini": _chart_block(
                chart=gini_chart,
                rows=gini_rows,
                columns=[("gini", _("Gini coefficient"))],
                decimals=3,
            ),
            "lorenz": lorenz_chart(
                chart_id="chart-lorenz",
                title=_("Lorenz curve of accessibility, latest snapshot"),
                x=x,
                y=y,
                gini=history[-1].gini if history else None,
            ),
        }
    context = {
        "form": form,
        "snapshot": snapshot,
        "category": category,
        "territory": territory,
        "charts": charts,
        "equity": equity,
    }
    return render(request, "gaps/trends.html", context, status=status)


# --- the referral network --------------------------------------------------------------------


def _network_block(*, summary: NetworkSummary, prefix: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "prefix": prefix,
        "graph": network_graph(graph_id=f"{prefix}-graph", summary=summary),
        # Organizations without referrals are named in the list of isolated ones instead.
        "organizations": [o for o in summary.per_organization if o.volume > 0][:TABLE_ROWS],
        "pairs": [p for p in summary.per_pair if p.sender_id != p.receiver_id][:TABLE_ROWS],
        "more_organizations": sum(1 for o in summary.per_organization if o.volume > 0) > TABLE_ROWS,
        "more_pairs": len(summary.per_pair) > TABLE_ROWS
        or summary.pairs_total > len(summary.per_pair),
    }


def _download_query(*, start: date | None, end: date | None) -> str:
    if start is None or end is None:
        return ""
    return f"start={start.isoformat()}&end={end.isoformat()}"


@require_GET
@planner_required
def network(request: HttpRequest) -> HttpResponse:
    snapshot = network_snapshot_latest()
    snapshot_block = (
        _network_block(summary=network_snapshot_summary(snapshot), prefix="snapshot")
        if snapshot is not None
        else None
    )
    start, end = PeriodForm.default_period()
    asked = "start" in request.GET or "end" in request.GET
    form = PeriodForm(
        request.GET if asked else {"start": start.isoformat(), "end": end.isoformat()}
    )
    period_block = None
    casework = None
    listings = None
    status = 200
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        period_block = _network_block(
            summary=network_period_summary(start=start, end=end), prefix="period"
        )
        casework = casework_block(summary=casework_period_summary(start=start, end=end))
        listings = listing_verification_for_period(start=start, end=end)
    else:
        status = 400
    context = {
        "snapshot": snapshot,
        "snapshot_block": snapshot_block,
        "form": form,
        "period_block": period_block,
        "casework_block": casework,
        "listings": listings,
        "period_query": _download_query(start=start, end=end) if period_block else "",
        "reports": management_report_list(),
    }
    return render(request, "gaps/network.html", context, status=status)
