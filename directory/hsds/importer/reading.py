"""Reading the sources: a JSON file, a folder, a zip or a CSV datapackage, as flat tables.

Every object is checked against the profile's schema as it is read; errors go to the report.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from directory.archives import zip_too_large
from directory.hsds.importer.report import ImportReport, Issue, Json
from directory.hsds.schemas import profiled_schema
from directory.hsds.tabular import Row, Tables, flatten, layout_by_path, typed_row

# When a folder holds several JSON files, read the ones other records point at first.
FILE_ORDER = ["taxonom", "organization", "location", "service_at_location", "service"]


# --- reading ------------------------------------------------------------------------


def _detect_kind(obj: Json, *, file: str) -> str | None:
    name = Path(file).name.lower()
    for hint, kind in (
        ("taxonomy_term", "taxonomy_term"),
        ("taxonom", "taxonomy"),
        ("service_at_location", "service_at_location"),
        ("organization", "organization"),
        ("location", "location"),
        ("service", "service"),
    ):
        if hint in name:
            return kind
    keys = set(obj)
    if keys & {"status", "service_at_locations", "eligibility_description", "fees_description"}:
        return "service"
    if keys & {"location_type", "addresses", "latitude", "longitude"}:
        return "location"
    if keys & {"service", "location", "service_id", "location_id"}:
        return "service_at_location"
    if keys & {"taxonomy_detail", "taxonomy_id", "parent_id", "term_uri", "code", "taxonomy"}:
        return "taxonomy_term"
    if "version" in keys and keys <= {"id", "name", "description", "uri", "version", "metadata"}:
        return "taxonomy"
    if "name" in keys:
        return "organization"
    return None


_VALIDATORS: dict[str, Draft202012Validator] = {}


def _validator(kind: str) -> Draft202012Validator:
    # The profile's schema, so Puente's own properties are type-checked too.
    if kind not in _VALIDATORS:
        _VALIDATORS[kind] = Draft202012Validator(
            profiled_schema(kind), format_checker=FormatChecker()
        )
    return _VALIDATORS[kind]


def _schema_errors(obj: Any, kind: str, *, file: str, where: str, report: ImportReport) -> bool:
    found = False
    for error in sorted(_validator(kind).iter_errors(obj), key=lambda e: list(e.absolute_path)):
        found = True
        path = where + error.json_path.removeprefix("$")
        field_name = str(error.absolute_path[-1]) if error.absolute_path else ""
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            field_name = missing
            message = _("The required field %(field)s is missing.") % {"field": missing}
        elif error.validator == "type":
            message = _("Wrong type: expected %(expected)s, got %(value)s.") % {
                "expected": error.validator_value,
                "value": json.dumps(error.instance, ensure_ascii=False)[:80],
            }
        elif error.validator == "enum":
            message = _("%(value)s is not one of the allowed values: %(allowed)s.") % {
                "value": json.dumps(error.instance, ensure_ascii=False)[:80],
                "allowed": ", ".join(str(v) for v in error.validator_value),
            }
        else:
            message = _("Invalid value: %(reason)s") % {"reason": error.message}
        report.errors.append(Issue(file, path, field_name, message))
    return found


def _read_json_items(payload: Any, *, file: str, tables: Tables, report: ImportReport) -> None:
    if isinstance(payload, dict) and any(str(k).endswith(".csv") for k in payload):
        _read_tabular(
            {k: v for k, v in payload.items() if isinstance(v, list)},
            file=file,
            tables=tables,
            report=report,
            typed=True,
        )
        return
    if isinstance(payload, dict) and "contents" in payload and "total_items" in payload:
        items, base = payload["contents"], "$.contents"
        if not isinstance(items, list):
            report.errors.append(
                Issue(file, "$.contents", "contents", _("A page's contents must be a list."))
            )
            return
    elif isinstance(payload, dict) and "openapi_url" in payload and "version" in payload:
        report.warnings.append(
            Issue(file, "$", "", _("This is an HSDS API root document; it holds no records."))
        )
        return
    elif isinstance(payload, list):
        items, base = payload, "$"
    elif isinstance(payload, dict):
        items, base = [payload], ""
    else:
        report.errors.append(
            Issue(file, "$", "", _("Expected an HSDS object, a list of them or a page."))
        )
        return
    for i, item in enumerate(items):
        where = f"{base}[{i}]" if base else "$"
        if not isinstance(item, dict):
            report.errors.append(Issue(file, where, "", _("Expected an HSDS object.")))
            continue
        kind = _detect_kind(item, file=file)
        if kind is None:
            report.errors.append(
                Issue(file, where, "", _("Cannot tell which HSDS object this is."))
            )
            continue
        if _schema_errors(item, kind, file=file, where=where, report=report):
            continue
        flatten(item, kind, tables=tables, file=file, where=where, top_level=True)


def _read_tabular(
    files: dict[str, list[Json]],
    *,
    file: str,
    tables: Tables,
    report: ImportReport,
    typed: bool,
) -> None:
    by_path = layout_by_path()
    for path, rows in files.items():
        name = Path(path).name
        layout = by_path.get(name)
        if layout is None:
            report.warnings.append(
                Issue(name, "", "", _("Not an HSDS table Puente reads; ignored."))
            )
            continue
        row_validator = Draft202012Validator(layout.schema, format_checker=FormatChecker())
        for number, raw in enumerate(rows, start=1 if typed else 2):
            where = f"[{number - 1}]" if typed else _("row %(n)s") % {"n": number}
            label = f"{file}:{name}" if typed else name
            data = typed_row(layout, raw)
            errors = sorted(row_validator.iter_errors(data), key=lambda e: e.json_path)
            for error in errors:
                field_name = str(error.absolute_path[-1]) if error.absolute_path else ""
                if error.validator == "required":
                    field_name = error.message.split("'")[1] if "'" in error.message else ""
                    message = _("The required field %(field)s is missing.") % {"field": field_name}
                else:
                    message = _("Invalid value: %(reason)s") % {"reason": error.message}
                report.errors.append(Issue(label, where, field_name, message))
            if not errors:
                tables.add(Row(layout.table, data, label, where, top_level=True))


def _read_csv_files(files: dict[str, str], *, tables: Tables, report: ImportReport) -> None:
    parsed: dict[str, list[Json]] = {}
    for name, text in files.items():
        try:
            parsed[name] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        except csv.Error as error:  # e.g. a field over the csv module's size limit
            report.errors.append(
                Issue(
                    name, "", "", _("The CSV file cannot be read: %(reason)s.") % {"reason": error}
                )
            )
            return
    _read_tabular(parsed, file="", tables=tables, report=report, typed=False)


def _load_json(text: str, *, file: str, report: ImportReport) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        report.errors.append(
            Issue(
                file,
                _("line %(line)s, column %(column)s")
                % {"line": error.lineno, "column": error.colno},
                "",
                _("The file is not valid JSON (%(reason)s). Is it truncated?")
                % {"reason": error.msg},
            )
        )
        return None


def _file_rank(name: str) -> tuple[int, str]:
    lowered = Path(name).name.lower()
    for rank, hint in enumerate(FILE_ORDER):
        if hint in lowered:
            return rank, lowered
    return len(FILE_ORDER), lowered


# A zip entry unpacking to this many times its packed size is a "zip bomb", not data:
# JSON and CSV compress well, but not beyond this.
MAX_ZIP_RATIO = 200
MAX_ZIP_ENTRIES = 10_000


def import_max_bytes() -> int:
    return int(settings.HSDS_IMPORT_MAX_MB) * 1024 * 1024


def _too_large(name: str, report: ImportReport) -> None:
    report.errors.append(
        Issue(
            name,
            "",
            "",
            _("Too large to import: at most %(mb)s MB of data (HSDS_IMPORT_MAX_MB).")
            % {"mb": settings.HSDS_IMPORT_MAX_MB},
        )
    )


def _decode(name: str, data: bytes, report: ImportReport) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        report.errors.append(
            Issue(name, "", "", _("The file is not UTF-8 text; save it as UTF-8 and try again."))
        )
        return None


def _read_zip(path: Path, texts: dict[str, str], report: ImportReport) -> None:
    """Read the JSON and CSV members, refusing an archive that unpacks out of bounds.

    zipfile never inflates a member past its declared size, so the declared sizes
    checked here bound the memory the import takes.
    """
    limit = import_max_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            members = [
                info
                for info in archive.infolist()
                if Path(info.filename).suffix in (".json", ".csv", ".ndjson")
            ]
            if zip_too_large(
                members, max_entries=MAX_ZIP_ENTRIES, max_bytes=limit, max_ratio=MAX_ZIP_RATIO
            ):
                _too_large(path.name, report)
                return
            for info in members:
                text = _decode(info.filename, archive.read(info), report)
                if text is not None:
                    texts[Path(info.filename).name] = text
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
        report.errors.append(
            Issue(path.name, "", "", _("The zip file is damaged (%(reason)s).") % {"reason": error})
        )


def read_sources(*, path: Path, report: ImportReport) -> Tables:
    """Every record in ``path`` as flat tables; schema errors go to the report."""
    tables = Tables()
    texts: dict[str, str] = {}
    limit = import_max_bytes()
    if path.is_dir():
        children = [c for c in sorted(path.iterdir()) if c.suffix in (".json", ".csv", ".ndjson")]
        if sum(child.stat().st_size for child in children) > limit:
            _too_large(path.name, report)
            return tables
        for child in children:
            text = _decode(child.name, child.read_bytes(), report)
            if text is not None:
                texts[child.name] = text
    elif zipfile.is_zipfile(path):
        _read_zip(path, texts, report)
    elif path.exists():
        if path.stat().st_size > limit:
            _too_large(path.name, report)
            return tables
        text = _decode(path.name, path.read_bytes(), report)
        if text is not None:
            texts[path.name] = text
    else:
        report.errors.append(Issue(str(path), "", "", _("No such file or folder.")))
        return tables
    if report.errors:
        return tables
    if "datapackage.json" in texts:
        _read_csv_files(
            {n: t for n, t in texts.items() if n.endswith(".csv")}, tables=tables, report=report
        )
        return tables
    if any(n.endswith(".csv") for n in texts):
        _read_csv_files(
            {n: t for n, t in texts.items() if n.endswith(".csv")}, tables=tables, report=report
        )
    for name in sorted((n for n in texts if not n.endswith(".csv")), key=_file_rank):
        if name.endswith(".ndjson"):
            for number, line in enumerate(texts[name].splitlines(), start=1):
                if not line.strip():
                    continue
                payload = _load_json(line, file=f"{name}:{number}", report=report)
                if payload is not None:
                    _read_json_items(payload, file=f"{name}:{number}", tables=tables, report=report)
            continue
        payload = _load_json(texts[name], file=name, report=report)
        if payload is not None:
            _read_json_items(payload, file=name, tables=tables, report=report)
    return tables
