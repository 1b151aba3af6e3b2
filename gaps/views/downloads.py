"""CSV and XLSX of the gap inventory and of the network indicators, as the pages show them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gaps.exports import (
    Table,
    casework_tables,
    csv_response,
    gap_hotspot_table,
    gap_inventory_table,
    network_indicator_table,
    network_organization_table,
    network_pair_table,
    xlsx_response,
)
from gaps.forms import GapDownloadForm, NetworkDownloadForm
from gaps.selectors import (
    NetworkSummary,
    casework_period_summary,
    gap_category_names,
    gap_hotspot_rows,
    gap_rows,
    gap_snapshot_get,
    network_period_summary,
    network_snapshot_latest,
    network_snapshot_summary,
)
from gaps.views.common import planner_required

FORMATS = ("csv", "xlsx")


def _bad_request(form_errors: Mapping[str, Any]) -> HttpResponseBadRequest:
    text = "\n".join(f"{field}: {' '.join(errors)}" for field, errors in form_errors.items())
    return HttpResponseBadRequest(text, content_type="text/plain; charset=utf-8")


@require_GET
@planner_required
def gap_inventory_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    form = GapDownloadForm(request.GET)
    if not form.is_valid():
        return _bad_request(form.errors)
    snapshot = gap_snapshot_get(day=form.cleaned_data["day"])
    if snapshot is None:
        raise Http404(_("There is no gap snapshot for that day."))
    category = form.cleaned_data["category"]
    code = category.code if category else None
    table = gap_inventory_table(rows=gap_rows(snapshot=snapshot, category_code=code))
    name = f"brechas-{snapshot.day.isoformat()}{'-' + code if code else ''}"
    if fmt == "csv":
        return csv_response(filename=f"{name}.csv", table=table)
    hotspots = []
    names = gap_category_names(snapshot=snapshot)
    for category_code in [code] if code else sorted(names):
        hotspots += gap_hotspot_rows(snapshot=snapshot, category_code=category_code)
    return xlsx_response(
        filename=f"{name}.xlsx",
        tables=[table, gap_hotspot_table(rows=hotspots, category_names=names)],
    )


def _network_tables(summary: NetworkSummary) -> dict[str, Table]:
    return {
        "indicators": network_indicator_table(summary=summary),
        "organizations": network_organization_table(summary=summary),
        "pairs": network_pair_table(summary=summary),
    }


@require_GET
@planner_required
def network_download(request: HttpRequest, fmt: str) -> HttpResponse:
    """The period asked for, or the latest nightly snapshot when no period is given."""
    if fmt not in FORMATS:
        raise Http404
    form = NetworkDownloadForm(request.GET)
    if not form.is_valid():
        return _bad_request(form.errors)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    table = form.cleaned_data["table"] or "organizations"
    if start and end and table.startswith("casework") and fmt == "csv":
        # Only the case file's figures: the network's are not computed for nothing.
        tables = casework_tables(summary=casework_period_summary(start=start, end=end))
        name = f"casos-{start.isoformat()}-{end.isoformat()}"
        return csv_response(filename=f"{name}-{table}.csv", table=tables[table])
    if start and end:
        summary = network_period_summary(start=start, end=end)
        name = f"red-{start.isoformat()}-{end.isoformat()}"
    else:
        snapshot = network_snapshot_latest()
        if snapshot is None:
            raise Http404(_("There is no network snapshot yet; choose a period."))
        summary = network_snapshot_summary(snapshot)
        name = f"red-{snapshot.start.isoformat()}-{snapshot.end.isoformat()}"
    tables = _network_tables(summary)
    if fmt == "csv":
        return csv_response(filename=f"{name}-{table}.csv", table=tables[table])
    if start and end:
        # A period's workbook is the management report: the case file's sheets follow.
        tables.update(casework_tables(summary=casework_period_summary(start=start, end=end)))
    return xlsx_response(filename=f"{name}.xlsx", tables=list(tables.values()))
