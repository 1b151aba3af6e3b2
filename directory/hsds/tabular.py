"""Nested HSDS documents as flat tables, and the tables' CSV layout.

The importer reads every input (nested JSON, tabular JSON, a CSV datapackage) as the
same tables, and the exporter writes CSV from them, so both directions share one
definition of how HSDS objects nest.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from directory.hsds.schemas import capacity_schemas, tabular_schema

Json = dict[str, Any]

# Nested fields of each object: field -> (table, foreign key set on the child, is_list).
# A foreign key "!parent" means the parent points at the child instead (``organization``
# inside a service sets the service's ``organization_id``).
NESTING: dict[str, dict[str, tuple[str, str, bool]]] = {
    "organization": {
        "organization_identifiers": ("organization_identifier", "organization_id", True),
        "locations": ("location", "organization_id", True),
        "services": ("service", "organization_id", True),
        "attributes": ("attribute", "link_id", True),
    },
    "service": {
        "organization": ("organization", "!organization_id", False),
        "service_at_locations": ("service_at_location", "service_id", True),
        "languages": ("language", "service_id", True),
        "required_documents": ("required_document", "service_id", True),
        "service_areas": ("service_area", "service_id", True),
        "attributes": ("attribute", "link_id", True),
        "capacities": ("service_capacity", "service_id", True),
    },
    "service_at_location": {
        "service": ("service", "!service_id", False),
        "location": ("location", "!location_id", False),
        "schedules": ("schedule", "service_at_location_id", True),
        "attributes": ("attribute", "link_id", True),
    },
    "location": {
        "addresses": ("address", "location_id", True),
        "accessibility": ("accessibility", "location_id", True),
        "attributes": ("attribute", "link_id", True),
    },
    "attribute": {"taxonomy_term": ("taxonomy_term", "!taxonomy_term_id", False)},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "!taxonomy_id", False)},
    "service_capacity": {"unit": ("unit", "!unit_id", False)},
}
# Puente profile values that are lists or objects but belong to their row.
VALUE_FIELDS = {"service": {"access_routes", "eligibility"}}
LINK_ENTITY = {"organization": "organization", "service": "service", "location": "location"}

PUENTE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "organization": [("sector", "string"), ("is_public", "boolean")],
    "service": [
        ("kind", "string"),
        ("modality", "string"),
        ("access_routes", "array"),
        ("is_free", "boolean"),
        ("typical_duration_weeks", "integer"),
        ("capacity_status", "string"),
        ("verified_by", "string"),
        ("eligibility", "object"),
    ],
    "service_capacity": [
        ("service_at_location_id", "string"),
        ("location_id", "string"),
        ("capacity_status", "string"),
        ("median_wait_days", "number"),
        ("declared_capacity_status", "string"),
        ("declared_wait_days", "integer"),
    ],
}


@dataclass
class Row:
    table: str
    data: Json
    file: str
    where: str  # a JSON path or "row N"
    top_level: bool
    hints: Json = field(default_factory=dict)


@dataclass
class Tables:
    rows: list[Row] = field(default_factory=list)
    # (file, table, field) -> how many objects carried an HSDS field Puente does not keep
    ignored: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # (table, id, field): the document said something about this nested list, even if empty
    present_lists: set[tuple[str, str, str]] = field(default_factory=set)

    def add(self, row: Row) -> None:
        self.rows.append(row)


def flatten(
    obj: Json,
    table: str,
    *,
    tables: Tables,
    file: str,
    where: str,
    top_level: bool,
    context: Json | None = None,
) -> Row:
    """Add ``obj`` and everything nested in it to ``tables``; returns its flat row."""
    context = dict(context or {})
    data: Json = {}
    nested = NESTING.get(table, {})
    values = VALUE_FIELDS.get(table, set())
    children: list[tuple[str, Any]] = []
    for key, value in obj.items():
        if key in nested:
            children.append((key, value))
        elif isinstance(value, dict | list) and key not in values:
            if value:
                tables.ignored[(file, table, key)] += 1
        else:
            data[key] = value
    for key, fk in context.items():
        if key.startswith("!"):
            # An attribute nested in an object describes that object, whatever it says.
            data[key[1:]] = fk
        else:
            data.setdefault(key, fk)
    row = Row(table=table, data=data, file=file, where=where, top_level=top_level)
    tables.add(row)
    own_id = data.get("id")
    location_row: Row | None = None
    for key, value in children:
        child_table, fk, is_list = nested[key]
        if is_list:
            if own_id is not None:
                tables.present_lists.add((table, str(own_id), key))
            if not isinstance(value, list):
                continue  # schema validation reports the wrong type
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    continue
                child_context: Json = {fk: own_id} if own_id is not None else {}
                if child_table == "attribute":
                    child_context = {
                        "!link_id": own_id,
                        "!link_entity": LINK_ENTITY.get(table, table),
                    }
                flatten(
                    item,
                    child_table,
                    tables=tables,
                    file=file,
                    where=f"{where}.{key}[{i}]",
                    top_level=False,
                    context=child_context,
                )
        elif isinstance(value, dict):
            child = flatten(
                value,
                child_table,
                tables=tables,
                file=file,
                where=f"{where}.{key}",
                top_level=False,
            )
            if child.data.get("id") is not None:
                data.setdefault(fk.removeprefix("!"), child.data.get("id"))
            if child_table == "location":
                location_row = child
    # A location met inside a service belongs to the service's organization unless it says.
    if location_row is not None and data.get("service_id") is not None:
        location_row.hints.setdefault("service_id", data.get("service_id"))
    return row


# --- CSV layout -------------------------------------------------------------------


@dataclass(frozen=True)
class TableLayout:
    table: str
    path: str
    columns: list[tuple[str, str]]  # (name, type)
    schema: Json
    order: int


def layouts() -> list[TableLayout]:
    """Every HSDS 3.0 table (compiled/tabular.json) plus the 3.1 capacity tables."""
    items: list[tuple[str, Json]] = [
        (name, spec["items"]) for name, spec in tabular_schema()["properties"].items()
    ]
    capacity, unit = capacity_schemas()
    items += [("service_capacity", capacity), ("unit", unit)]
    result = []
    for name, schema in items:
        columns = [
            (column, spec.get("type", "string"))
            for column, spec in schema["properties"].items()
            if spec.get("type") not in ("array", "object") and "$ref" not in spec
        ]
        present = {c for c, _t in columns}
        columns += [c for c in PUENTE_COLUMNS.get(name, []) if c[0] not in present]
        flat_schema = {
            "type": "object",
            "properties": {
                c: s
                for c, s in schema["properties"].items()
                if s.get("type") not in ("array", "object") and "$ref" not in s
            },
            "required": [r for r in schema.get("required", []) if r in present],
        }
        result.append(
            TableLayout(
                table=name,
                path=schema["path"],
                columns=columns,
                schema=flat_schema,
                order=schema.get("datapackage_metadata", {}).get("order", 99),
            )
        )
    return sorted(result, key=lambda layout: (layout.order, layout.table))


def layout_by_path() -> dict[str, TableLayout]:
    return {layout.path: layout for layout in layouts()}


def to_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, float) and value.is_integer():
        return str(value)
    return str(value)


def from_cell(value: Any, kind: str) -> Any:
    """A CSV cell (or tabular JSON value) as the type its column declares.

    A value that does not convert is returned as it came, for the schema to report.
    """
    if value is None or value == "":
        return None
    if kind == "string":
        return (
            str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value
        )
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        if kind in ("number", "integer"):
            number = float(text)
            return int(number) if number.is_integer() else number
        if kind == "boolean":
            lowered = text.lower()
            if lowered in ("true", "1", "yes"):
                return True
            if lowered in ("false", "0", "no"):
                return False
            return value
        if kind in ("array", "object"):
            return json.loads(text)
    except ValueError:
        return value
    return value


def typed_row(layout: TableLayout, raw: Json) -> Json:
    """A CSV row as typed values; an empty cell is absent, or "" where a text is required.

    CSV cannot tell an empty text from a missing one, and HSDS requires some texts that
    may well be empty (a term's description, an address's postal code).
    """
    types = dict(layout.columns)
    required = set(layout.schema.get("required", []))
    data: Json = {}
    for column, value in raw.items():
        if column is None:
            continue
        kind = types.get(column, "string")
        converted = from_cell(value, kind)
        if converted is not None:
            data[column] = converted
        elif column in required and kind == "string":
            data[column] = ""
    return data
