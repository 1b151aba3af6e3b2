"""CSV and XLSX downloads of the gap inventory and the network indicators.

The figures come from ``gaps.selectors`` already suppressed ("<5", "n<5"): a download holds
what the pages show. Text that a spreadsheet would read as a formula is quoted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from gaps.selectors import (
    CASEWORK_FIGURES,
    GAP_FIGURES,
    CaseworkRow,
    CaseworkSummary,
    GapRow,
    HotspotRow,
    NetworkSummary,
    casework_figure_labels,
    gap_figure_labels,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Table = tuple[str, list[str], list[list[Any]]]


def _cell(value: Any) -> Any:
    """A value safe for a spreadsheet: no formulas, plain types."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if value is None or isinstance(value, int | float | str):
        return value
    return str(value)


def gap_inventory_table(*, rows: Iterable[GapRow]) -> Table:
    labels = gap_figure_labels()
    header = [
        _("Snapshot"),
        _("Territory code"),
        _("Territory"),
        _("Category code"),
        _("Category"),
        *[labels[key] for key in GAP_FIGURES],
    ]
    body = [
        [
            row.day.isoformat(),
            row.territory_code,
            row.territory_name,
            row.category_code,
            row.category_name,
            *[row.value(key) for key in GAP_FIGURES],
        ]
        for row in rows
    ]
    return _("Gap inventory"), header, body


def gap_hotspot_table(*, rows: Iterable[HotspotRow], category_names: dict[str, str]) -> Table:
    header = [
        _("Category code"),
        _("Category"),
        _("Children"),
        _("Radius (m)"),
        _("Suggested site: latitude"),
        _("Suggested site: longitude"),
    ]
    body = [
        [
            h.category_code,
            category_names.get(h.category_code, h.category_code),
            h.size,
            h.radius_m,
            h.site_lat,
            h.site_lon,
        ]
        for h in rows
    ]
    return _("Hotspots"), header, body


def network_indicator_table(*, summary: NetworkSummary) -> Table:
    header = [_("From"), _("To (included)"), _("Indicator"), _("Value")]
    start = summary.start.isoformat() if summary.start else ""
    end = summary.end.isoformat() if summary.end else ""
    body: list[list[Any]] = [
        [start, end, label, value] for _key, label, value in summary.indicators()
    ]
    body += [[start, end, _("Isolated organization"), name] for name in summary.isolated]
    return _("Indicators"), header, body


def network_organization_table(*, summary: NetworkSummary) -> Table:
    header = [
        _("Organization"),
        _("Referrals sent"),
        _("Referrals received"),
        _("Accepted"),
        _("Completed"),
        _("Answered late"),
        _("Acceptance rate"),
        _("Completion rate"),
        _("Share answered late"),
        _("Median days to first attention"),
        _("Betweenness"),
        _("Organizations referred to"),
        _("Organizations referring to it"),
        _("Isolated"),
    ]
    body = [
        [
            o.name,
            o.sent,
            o.received,
            o.accepted,
            o.completed,
            o.overdue,
            o.acceptance_rate,
            o.completion_rate,
            o.overdue_share,
            o.median_days_to_attention,
            o.betweenness,
            o.out_degree,
            o.in_degree,
            _("yes") if o.isolated else _("no"),
        ]
        for o in summary.per_organization
    ]
    return _("Organizations"), header, body


def network_pair_table(*, summary: NetworkSummary) -> Table:
    header = [
        _("Sending organization"),
        _("Receiving organization"),
        _("Referrals sent"),
        _("Accepted"),
        _("Completed"),
        _("Answered late"),
        _("Acceptance rate"),
        _("Completion rate"),
    ]
    body = [
        [
            p.sender,
            p.receiver,
            p.sent,
            p.accepted,
            p.completed,
            p.overdue,
            p.acceptance_rate,
            p.completion_rate,
        ]
        for p in summary.per_pair
    ]
    return _("Pairs"), header, body


def casework_indicator_table(*, summary: CaseworkSummary) -> Table:
    """The case file's network-wide figures of the period, one per line, as the page's."""
    header = [_("From"), _("To (included)"), _("Indicator"), _("Value")]
    start = summary.start.isoformat() if summary.start else ""
    end = summary.end.isoformat() if summary.end else ""
    body: list[list[Any]] = [
        [start, end, label, value] for _key, label, value in summary.indicators()
    ]
    if summary.cohort_start and summary.cohort_end:
        body += [
            [start, end, _("Re-entry cohort: closures from"), summary.cohort_start.isoformat()],
            [start, end, _("Re-entry cohort: closures to"), summary.cohort_end.isoformat()],
        ]
    return _("Case file indicators"), header, body


def casework_group_table(
    *, title: str, first: str, rows: Iterable[CaseworkRow], summary: CaseworkSummary
) -> Table:
    """Every figure of each territory or team, and its closures by reason."""
    labels = casework_figure_labels()
    header = [
        first,
        *[labels[key] for key, _kind in CASEWORK_FIGURES],
        *[_("Closures: %(reason)s") % {"reason": label} for _code, label in summary.reasons],
    ]
    body = [
        [
            row.name,
            *[row.value(key) for key, _kind in CASEWORK_FIGURES],
            *[row.reasons.get(code, 0) for code, _label in summary.reasons],
        ]
        for row in rows
    ]
    return title, header, body


def casework_tables(*, summary: CaseworkSummary) -> dict[str, Table]:
    return {
        "casework": casework_indicator_table(summary=summary),
        "casework_territories": casework_group_table(
            title=_("Cases by territory"),
            first=_("Territory"),
            rows=summary.territories,
            summary=summary,
        ),
        "casework_teams": casework_group_table(
            title=_("Cases by team"), first=_("Team"), rows=summary.teams, summary=summary
        ),
    }


def csv_response(*, filename: str, table: Table) -> HttpResponse:
    _title, header, body = table
    buffer = io.StringIO()
    # A byte-order mark lets spreadsheet programs read the accents as UTF-8.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow([_cell(h) for h in header])
    writer.writerows([[_cell(v) for v in row] for row in body])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(*, filename: str, tables: Sequence[Table]) -> HttpResponse:
    workbook = Workbook()
    default = workbook.active
    for title, header, body in tables:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in body:
            sheet.append([_cell(v) for v in row])
        sheet.freeze_panes = "A2"
    if default is not None:
        workbook.remove(default)
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
