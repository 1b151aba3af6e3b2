"""The official HSDS 3.0 schemas (kept outside the repository, in ``shared/hsds``).

The schemas are the Open Referral project's, CC BY-SA 4.0; they are read from disk rather
than copied so an update of the standard is one directory swap.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker

PROFILE_DIR = Path(__file__).resolve().parent / "profile"
HSDS_VERSION = "3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"


def hsds_dir() -> Path:
    configured = getattr(settings, "HSDS_SCHEMA_DIR", None)
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "hsds"


@cache
def _load(relative: str) -> dict[str, Any]:
    with (hsds_dir() / relative).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def compiled_schema(name: str) -> dict[str, Any]:
    """``service``, ``organization``, ``service_at_location`` or their ``*_list`` forms."""
    return _load(f"schema/compiled/{name}.json")


def tabular_schema() -> dict[str, Any]:
    return _load("schema/compiled/tabular.json")


def capacity_schemas() -> tuple[dict[str, Any], dict[str, Any]]:
    """HSDS 3.1 ``service_capacity`` with its ``unit`` inlined, and ``unit``."""
    unit = _load("schema-3.1/unit.json")
    capacity = copy.deepcopy(_load("schema-3.1/service_capacity.json"))
    capacity["properties"]["unit"] = unit
    # attribute/metadata refs point at 3.0 files we do not need to resolve for our output.
    for schema in (capacity, unit):
        schema["properties"].pop("attributes", None)
        schema["properties"].pop("metadata", None)
    return capacity, unit


def _subschema(name: str, *path: str) -> dict[str, Any]:
    node: dict[str, Any] = compiled_schema(name)
    for key in path:
        node = node[key]
    return node


def object_schema(kind: str) -> dict[str, Any]:
    """A self-contained schema for one HSDS object kind, taken from the compiled ones."""
    if kind in {"service", "organization", "service_at_location"}:
        return compiled_schema(kind)
    if kind in {"service_list", "organization_list", "service_at_location_list"}:
        return compiled_schema(kind)
    if kind == "location":
        return _subschema("service", "properties", "service_at_locations", "items")["properties"][
            "location"
        ]
    if kind == "taxonomy_term":
        return _subschema("service", "properties", "attributes", "items")["properties"][
            "taxonomy_term"
        ]
    if kind == "taxonomy":
        return object_schema("taxonomy_term")["properties"]["taxonomy_detail"]
    if kind == "service_capacity":
        return capacity_schemas()[0]
    raise KeyError(kind)


@cache
def validator(kind: str) -> Draft202012Validator:
    return Draft202012Validator(object_schema(kind), format_checker=FormatChecker())


def page_schema(item_kind: str) -> dict[str, Any]:
    """The OpenAPI ``Page`` wrapper with ``contents`` items of ``item_kind``."""
    openapi = _load("schema/openapi.json")
    page = copy.deepcopy(openapi["components"]["schemas"]["Page"])
    page["properties"]["contents"] = {"type": "array", "items": object_schema(item_kind)}
    page["required"] = [
        "total_items",
        "total_pages",
        "page_number",
        "size",
        "first_page",
        "last_page",
        "empty",
        "contents",
    ]
    return page


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def profile_files() -> list[str]:
    return sorted(p.name for p in PROFILE_DIR.glob("*.json"))


def profile_patch(name: str) -> dict[str, Any]:
    with (PROFILE_DIR / name).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


def profiled_schema(kind: str) -> dict[str, Any]:
    """The compiled HSDS schema with the Puente profile's patch applied."""
    base = object_schema(kind)
    name = f"{kind.removesuffix('_list')}.json"
    if (PROFILE_DIR / name).exists():
        patched: dict[str, Any] = merge_patch(base, profile_patch(name))
        return patched
    return base


@cache
def _checker(kind: str, profiled: bool, page: bool) -> Draft202012Validator:
    if page:
        schema = page_schema(kind)
        if profiled:
            schema["properties"]["contents"]["items"] = profiled_schema(kind)
    else:
        schema = profiled_schema(kind) if profiled else object_schema(kind)
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validation_errors(
    document: Any, kind: str, *, page: bool = False, profiled: bool = False
) -> list[str]:
    """Every way ``document`` breaks the HSDS schema of ``kind`` (or of a page of them).

    ``profiled`` checks against the schema with the Puente profile applied.
    """
    return [
        f"{error.json_path}: {error.message}"
        for error in _checker(kind, profiled, page).iter_errors(document)
    ]
