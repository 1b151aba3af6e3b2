"""Reading an uploaded CSV or XLSX into rows keyed by (folded) header, within the limits."""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import load_workbook

from directory.archives import zip_too_large
from directory.spreadsheet.template import (
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_XLSX_ENTRIES,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNPACKED_BYTES,
    REQUIRED,
    fold,
    spreadsheet_max_bytes,
)


class SpreadsheetError(Exception):
    """The file itself cannot be read (not a row problem)."""


def _check_xlsx_archive(content: bytes) -> None:
    """Refuse what is not a workbook, or would unpack to far more than it weighs."""
    not_a_workbook = _("The file is not a valid XLSX workbook.")
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise SpreadsheetError(not_a_workbook) from error
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise SpreadsheetError(not_a_workbook)
    if zip_too_large(
        entries,
        max_entries=MAX_XLSX_ENTRIES,
        max_bytes=MAX_XLSX_UNPACKED_BYTES,
        max_ratio=MAX_XLSX_RATIO,
    ):
        raise SpreadsheetError(
            _(
                "The workbook would unpack to far more data than a spreadsheet of services "
                "holds; it was not opened. Save it again from your spreadsheet program, or "
                "upload it as CSV."
            )
        )


def _read_xlsx(content: bytes) -> list[list[str]]:
    _check_xlsx_archive(content)
    try:
        # read_only streams rows; openpyxl does not evaluate formulas or run macros.
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        return [
            ["" if v is None else str(v) for v in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS)
        ]
    except Exception as error:  # openpyxl raises many types for a broken file
        raise SpreadsheetError(_("The file is not a valid XLSX workbook.")) from error


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SpreadsheetError(_("The CSV file must be saved as UTF-8.")) from error
    if "\x00" in text:
        raise SpreadsheetError(_("The file is not a CSV text file."))
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):  # Excel in Spanish locales writes ";"
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    try:
        return [row[:MAX_COLUMNS] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:  # e.g. a field over the csv module's size limit
        raise SpreadsheetError(
            _("The CSV file cannot be read: %(reason)s.") % {"reason": error}
        ) from error


def read_rows(*, content: bytes, filename: str) -> list[dict[str, str]]:
    limit = spreadsheet_max_bytes()
    if len(content) > limit:
        raise SpreadsheetError(
            _("The file is larger than %(mb)s MB.") % {"mb": limit // (1024 * 1024)}
        )
    name = filename.lower()
    table: list[list[str]]
    if name.endswith(".xlsx"):
        table = _read_xlsx(content)
    elif name.endswith(".csv"):
        table = _read_csv(content)
    else:
        raise SpreadsheetError(_("Upload a .csv or .xlsx file."))
    if not table:
        raise SpreadsheetError(_("The file is empty."))
    headers = [fold(h) for h in table[0]]
    missing = [h for h in REQUIRED if h not in headers]
    if missing:
        raise SpreadsheetError(
            _("Missing columns: %(columns)s. Download the template to see them all.")
            % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > MAX_ROWS:
        raise SpreadsheetError(_("At most %(n)s rows per file.") % {"n": MAX_ROWS})
    rows = []
    for values in table[1:]:
        if not any(v.strip() for v in values):
            continue
        rows.append(
            {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(headers)}
        )
    return rows
