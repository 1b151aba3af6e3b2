"""Export the whole directory as HSDS 3.0: JSON documents and the tabular datapackage."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from directory.hsds import queries
from directory.hsds.schemas import HSDS_VERSION
from directory.hsds.serializers import (
    capacity_states_attach,
    organization_to_hsds,
    service_at_location_to_hsds,
    service_to_hsds,
    taxonomy_term_to_hsds,
    taxonomy_to_hsds,
)
from directory.hsds.tabular import Tables, flatten, layouts, to_cell
from directory.models import Service

Json = dict[str, Any]
Progress = Callable[[str, int], None]
FORMATS = ("json", "csv", "both")
CHUNK = 500


def _noop_progress(label: str, amount: int) -> None:
    return None


@dataclass
class ExportSummary:
    files: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _services(progress: Progress) -> Iterator[Json]:
    # In chunks: the capacity states of a chunk are read together (a few queries).
    chunk: list[Service] = []
    for service in queries.service_queryset(full=True).iterator(chunk_size=CHUNK):
        chunk.append(service)
        if len(chunk) == CHUNK:
            yield from _service_chunk(chunk, progress)
            chunk = []
    yield from _service_chunk(chunk, progress)


def _service_chunk(chunk: list[Service], progress: Progress) -> Iterator[Json]:
    capacity_states_attach(services=chunk)  # a few queries per chunk, not per service
    for service in chunk:
        progress("services", 1)
        yield service_to_hsds(service, full=True)


def hsds_documents(*, progress: Progress = _noop_progress) -> dict[str, list[Json]]:
    """Every record as HSDS JSON, one list per file name."""
    return {
        "taxonomies.json": [taxonomy_to_hsds(t) for t in queries.taxonomy_queryset()],
        "taxonomy_terms.json": [taxonomy_term_to_hsds(t) for t in queries.taxonomy_term_queryset()],
        "organizations.json": [
            organization_to_hsds(o, full=True)
            for o in queries.organization_queryset(full=True).iterator(chunk_size=CHUNK)
        ],
        "services.json": list(_services(progress)),
        "service_at_locations.json": [
            service_at_location_to_hsds(link, full=True)
            for link in queries.service_at_site_queryset(full=True).iterator(chunk_size=CHUNK)
        ],
    }


def hsds_tables(documents: dict[str, list[Json]]) -> dict[str, list[Json]]:
    """The documents as HSDS tables (one row per object, nested objects by id)."""
    tables = Tables()
    kinds = {
        "taxonomies.json": "taxonomy",
        "taxonomy_terms.json": "taxonomy_term",
        "organizations.json": "organization",
        "services.json": "service",
        "service_at_locations.json": "service_at_location",
    }
    for name, items in documents.items():
        for i, item in enumerate(items):
            flatten(item, kinds[name], tables=tables, file=name, where=f"$[{i}]", top_level=True)
    merged: dict[str, dict[str, Json]] = {}
    for row in tables.rows:
        by_id = merged.setdefault(row.table, {})
        current = by_id.setdefault(str(row.data.get("id")), {})
        for key, value in row.data.items():
            current.setdefault(key, value)
    return {table: list(rows.values()) for table, rows in merged.items()}


def _csv_text(columns: list[str], rows: list[Json]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    # Document order, not id order: languages and documents are ordered lists.
    for row in rows:
        writer.writerow([to_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def datapackage_files(documents: dict[str, list[Json]]) -> dict[str, str]:
    """``datapackage.json`` and one CSV per HSDS table, as file name -> text."""
    tables = hsds_tables(documents)
    files: dict[str, str] = {}
    resources = []
    for layout in layouts():
        columns = [name for name, _type in layout.columns]
        files[layout.path] = _csv_text(columns, tables.get(layout.table, []))
        resources.append(
            {
                "name": layout.table,
                "path": layout.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [
                        {
                            "name": name,
                            "type": kind if kind != "array" and kind != "object" else "string",
                            **({"format": "json"} if kind in ("array", "object") else {}),
                            **(
                                {"constraints": {"required": True}}
                                if name in layout.schema.get("required", [])
                                else {}
                            ),
                        }
                        for name, kind in layout.columns
                    ],
                    "primaryKey": "id",
                },
            }
        )
    files["datapackage.json"] = json.dumps(
        {
            "profile": "tabular-data-package",
            "name": "puente-hsds",
            "title": "Puente service map (HSDS 3.0, Puente profile)",
            "version": HSDS_VERSION,
            "resources": resources,
        },
        indent=2,
        ensure_ascii=False,
    )
    return files


def _json_text(items: list[Json]) -> str:
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def hsds_export(
    *, output: Path, format: str = "both", progress: Progress = _noop_progress
) -> ExportSummary:
    """Write the directory under ``output``: JSON documents, the CSV datapackage, or both."""
    if format not in FORMATS:
        raise ValueError(format)
    output = Path(output)
    documents = hsds_documents(progress=progress)
    summary = ExportSummary(counts={name: len(items) for name, items in documents.items()})
    if format in ("json", "both"):
        output.mkdir(parents=True, exist_ok=True)
        for name, items in documents.items():
            (output / name).write_text(_json_text(items), encoding="utf-8")
            summary.files.append(str(output / name))
    if format in ("csv", "both"):
        # Beside the JSON, the datapackage gets its own folder: an importer given the
        # export folder should not have to guess which of the two copies to read.
        target = output / "datapackage" if format == "both" else output
        target.mkdir(parents=True, exist_ok=True)
        for name, text in datapackage_files(documents).items():
            (target / name).write_text(text, encoding="utf-8")
            summary.files.append(str(target / name))
    return summary


def hsds_export_zip() -> io.BytesIO:
    """The same export as one zip: ``json/`` documents and the ``datapackage/``."""
    documents = hsds_documents()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, items in documents.items():
            archive.writestr(f"json/{name}", _json_text(items))
        for name, text in datapackage_files(documents).items():
            archive.writestr(f"datapackage/{name}", text)
    buffer.seek(0)
    return buffer
