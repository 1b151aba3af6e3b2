"""Merging the rows read into one record per HSDS id."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from directory.hsds.importer.report import ImportReport, Json
from directory.hsds.tabular import Row, Tables

# --- merging ------------------------------------------------------------------------


@dataclass
class Record:
    table: str
    id: uuid.UUID
    data: Json
    row: Row
    rows: list[Row]

    def has(self, key: str) -> bool:
        return key in self.data


def _merge(tables: Tables, report: ImportReport) -> dict[str, dict[uuid.UUID, Record]]:
    """One record per (table, id); the same id twice at the top level is an error.

    Nested documents repeat the objects they point at (a location inside each of its
    services); those copies are merged, the top-level or first copy winning.
    """
    records: dict[str, dict[uuid.UUID, Record]] = defaultdict(dict)
    for row in sorted(tables.rows, key=lambda r: not r.top_level):
        raw_id = row.data.get("id")
        if raw_id is None:
            report.error(row, "id", _("The required field id is missing."))
            continue
        try:
            pk = uuid.UUID(str(raw_id))
        except ValueError:
            report.error(row, "id", _("%(value)r is not a UUID.") % {"value": raw_id})
            continue
        existing = records[row.table].get(pk)
        if existing is None:
            records[row.table][pk] = Record(row.table, pk, dict(row.data), row, [row])
            continue
        if row.top_level and existing.row.top_level:
            report.error(
                row,
                "id",
                _("Duplicate id %(id)s: the same %(kind)s is also at %(other)s.")
                % {
                    "id": pk,
                    "kind": row.table,
                    "other": f"{existing.row.file} {existing.row.where}",
                },
            )
            continue
        for key, value in row.data.items():
            existing.data.setdefault(key, value)
        existing.rows.append(row)
        for key, value in row.hints.items():
            existing.row.hints.setdefault(key, value)
    return records
