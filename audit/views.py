"""The audit search for coordinators and administrators, and its CSV export.

Other roles get a 403: the page as a whole is not theirs. Searching and exporting the
log are themselves recorded in it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Field
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import capfirst
from django.views.decorators.http import require_GET

from audit.forms import AuditSearchForm
from audit.models import AuditAction, AuditEntry, AuditRecordType
from audit.selectors import audit_can_search, audit_search
from audit.services import audit_record

ENTRIES_PER_PAGE = 50
# The export's columns: AuditEntry fields, headed by their verbose names.
CSV_COLUMNS = (
    "at",
    "username",
    "action",
    "record_type",
    "record_id",
    "case_code",
    "ip",
    "path",
    "detail",
)
# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _require_searcher(request: HttpRequest) -> None:
    if not audit_can_search(user=request.user):
        raise PermissionDenied


def _filters_text(filters: dict[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in filters.items() if v not in ("", None))


@require_GET
@login_required
def audit_search_page(request: HttpRequest) -> HttpResponse:
    _require_searcher(request)
    form = AuditSearchForm(request.GET or None)
    page = None
    query = ""
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = form.filters() if form.is_bound else {}
        page = Paginator(audit_search(**filters), ENTRIES_PER_PAGE).get_page(
            request.GET.get("page")
        )
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        audit_record(
            request=request,
            action=AuditAction.LIST,
            record_type=AuditRecordType.AUDIT,
            detail=f"rows={page.paginator.count} page={page.number} {_filters_text(filters)}",
        )
    return render(
        request,
        "audit/search.html",
        {"form": form, "page": page, "query": query},
        status=status,
    )


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _header() -> list[str]:
    """The columns' names in the user's language (the fields' verbose names)."""
    names = []
    for name in CSV_COLUMNS:
        field = AuditEntry._meta.get_field(name)
        assert isinstance(field, Field)  # every column is a concrete field of the entry
        names.append(str(capfirst(field.verbose_name)))
    return names


def _rows(entries: Iterable[AuditEntry]) -> Iterator[list[str]]:
    """The header and one row per entry, codes given as their labels.

    The names and labels are read here, in the request's language: the rows themselves
    are made while the body streams, after the view (and its language) has returned.
    """
    header = _header()
    actions = {code: str(label) for code, label in AuditAction.choices}
    record_types = {code: str(label) for code, label in AuditRecordType.choices}

    def rows() -> Iterator[list[str]]:
        yield header
        for entry in entries:
            yield [
                _cell(timezone.localtime(entry.at).isoformat()),
                _cell(entry.username),
                _cell(actions.get(entry.action, entry.action)),
                _cell(record_types.get(entry.record_type, entry.record_type)),
                _cell(entry.record_id),
                _cell(entry.case_code),
                _cell(entry.ip),
                _cell(entry.path),
                _cell(entry.detail),
            ]

    return rows()


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@login_required
def audit_export_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _require_searcher(request)
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        errors = "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in form.errors.items()
        )
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    filters = form.filters() if form.is_bound else {}
    audit_record(
        request=request,
        action=AuditAction.EXPORT,
        record_type=AuditRecordType.AUDIT,
        detail=_filters_text(filters),
    )
    # Streamed: a year of the log does not have to fit in memory.
    writer = csv.writer(_Echo())
    rows = _rows(audit_search(**filters).iterator(chunk_size=2000))
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="auditoria-{stamp}.csv"'
    return response
