"""Coordinators update the map from a spreadsheet (CSV or XLSX, Spanish headers).

One row per service at a site. A row with an ``id_prestacion`` updates that service;
without one, it creates a service (rows with the same institution and service name
are the same new service). The same for sites with ``id_sede``. Nothing is written
until the plan has been previewed: ``spreadsheet_plan`` reads and checks every row and
says what would be created, changed and refused; ``spreadsheet_apply`` writes a plan
with no refusals, all or nothing.

By concern, each depending only on the ones before it: ``template`` (the columns, the
limits, the empty template), ``reading`` (a file into rows), ``plan`` (checking the
rows), ``apply`` (writing a plan). Import from here.
"""

from django.core.exceptions import PermissionDenied

from directory.models import Eligibility
from directory.spreadsheet.apply import spreadsheet_apply
from directory.spreadsheet.plan import PlannedRow, RowError, SpreadsheetPlan, spreadsheet_plan
from directory.spreadsheet.reading import SpreadsheetError
from directory.spreadsheet.template import (
    COLUMNS,
    FORMULA_PREFIXES,
    HEADERS,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED_BYTES,
    NO,
    REQUIRED,
    YES,
    cell_looks_like_formula,
    spreadsheet_max_bytes,
    spreadsheet_template,
)

__all__ = [
    "COLUMNS",
    "FORMULA_PREFIXES",
    "HEADERS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "MAX_XLSX_ENTRIES",
    "MAX_XLSX_RATIO",
    "MAX_XLSX_UNPACKED_BYTES",
    "NO",
    "REQUIRED",
    "YES",
    "Eligibility",
    "PermissionDenied",
    "PlannedRow",
    "RowError",
    "SpreadsheetError",
    "SpreadsheetPlan",
    "cell_looks_like_formula",
    "spreadsheet_apply",
    "spreadsheet_max_bytes",
    "spreadsheet_plan",
    "spreadsheet_template",
]
