"""Import HSDS 3.0 (JSON, tabular JSON or a CSV datapackage) into the service map.

All or nothing: every record is checked before anything is written, the writes run in
one transaction, and any error rolls everything back. Records are matched by their HSDS
id, and a record whose values did not change is not saved, so importing the same file
twice adds no history.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import uuid
import zipfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker

from accounts.models import User
from directory.hsds.schemas import profiled_schema
from directory.hsds.serializers import free_of_charge_text
from directory.hsds.tabular import Row, Tables, flatten, layout_by_path, typed_row
from directory.models import (
    MAX_AGE_YEARS,
    AccessRoute,
    Eligibility,
    Modality,
    Organization,
    OrganizationIdentifier,
    OrganizationSector,
    Service,
    ServiceAtSite,
    ServiceKind,
    Site,
    Taxonomy,
    TaxonomyTerm,
    Territory,
)
from directory.selectors import territory_for_point

Json = dict[str, Any]
Progress = Callable[[str, int], None]
CHANGE_REASON = "HSDS import"
DEFAULT_ACCESS_ROUTES = [AccessRoute.SELF_REFERRAL.value, AccessRoute.REFERRAL.value]
# When a folder holds several JSON files, read the ones other records point at first.
FILE_ORDER = ["taxonom", "organization", "location", "service_at_location", "service"]


def _noop_progress(label: str, amount: int) -> None:
    return None


@dataclass(frozen=True)
class Issue:
    file: str
    where: str
    field: str
    message: str

    def __str__(self) -> str:
        place = " ".join(p for p in (self.file, self.where) if p)
        subject = f"{place} [{self.field}]" if self.field else place
        return f"{subject}: {self.message}" if subject else self.message


@dataclass
class ImportReport:
    dry_run: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    counts: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, row: Row | None, field_name: str, message: str) -> None:
        self.errors.append(
            Issue(row.file if row else "", row.where if row else "", field_name, message)
        )

    def warn(self, row: Row | None, field_name: str, message: str) -> None:
        issue = Issue(row.file if row else "", row.where if row else "", field_name, message)
        if issue not in self.warnings:
            self.warnings.append(issue)

    def count(self, kind: str, outcome: str) -> None:
        self.counts[kind][outcome] += 1

    def summary(self) -> str:
        lines = []
        for kind in sorted(self.counts):
            parts = ", ".join(f"{outcome} {n}" for outcome, n in sorted(self.counts[kind].items()))
            lines.append(f"{kind}: {parts}")
        return "\n".join(lines)


class _Rollback(Exception):
    """Raised inside the transaction to undo a dry run or a failed import."""


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
        parsed[name] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
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


def read_sources(*, path: Path, report: ImportReport) -> Tables:
    """Every record in ``path`` as flat tables; schema errors go to the report."""
    tables = Tables()
    texts: dict[str, str] = {}
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.suffix in (".json", ".csv", ".ndjson"):
                texts[child.name] = child.read_text(encoding="utf-8")
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if Path(info.filename).suffix in (".json", ".csv", ".ndjson"):
                    texts[Path(info.filename).name] = archive.read(info).decode("utf-8")
    elif path.exists():
        texts[path.name] = path.read_text(encoding="utf-8")
    else:
        report.errors.append(Issue(str(path), "", "", _("No such file or folder.")))
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


# --- checking and writing -------------------------------------------------------------


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value not in (None, "") else None
    except ValueError:
        return None


def _free_texts() -> set[str]:
    texts = set()
    for language in ("en", "es"):
        with translation.override(language):
            texts.add(free_of_charge_text())
    return texts


MODEL_TO_HSDS = {
    Site: {
        "address_1": "addresses.address_1",
        "city": "addresses.city",
        "region": "addresses.region",
        "postal_code": "addresses.postal_code",
        "country": "addresses.country",
        "point": "latitude",
        "accessibility_notes": "accessibility",
    },
    Organization: {"website": "website"},
    Service: {"verified_on": "assured_date"},
    Eligibility: {"min_age": "minimum_age", "max_age": "maximum_age"},
    ServiceAtSite: {"capacity": "capacities", "schedule_description": "schedules"},
}


def _same(current: Any, new: Any) -> bool:
    if isinstance(current, Point) and isinstance(new, Point):
        return bool(current.coords == new.coords)
    return bool(current == new)


class _Writer:
    """Upserts one model instance at a time, saving only what changed."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def upsert(
        self, model: type[models.Model], pk: uuid.UUID, values: Json, *, record: Record, kind: str
    ) -> models.Model | None:
        instance = model._default_manager.filter(pk=pk).first()
        created = instance is None
        if instance is None:
            instance = model(pk=pk, **values)
            changed = True
        else:
            changed = False
            for name, value in values.items():
                if not _same(getattr(instance, name), value):
                    setattr(instance, name, value)
                    changed = True
        if not changed:
            self.report.count(kind, "unchanged")
            return instance
        if not self.clean(instance, record=record):
            return None
        instance._change_reason = CHANGE_REASON  # type: ignore[attr-defined]
        instance.save()
        self.report.count(kind, "created" if created else "updated")
        return instance

    def clean(self, instance: models.Model, *, record: Record, exclude: Iterable[str] = ()) -> bool:
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False)
        except ValidationError as error:
            names = MODEL_TO_HSDS.get(type(instance), {})
            for name, messages in error.message_dict.items():
                for message in messages:
                    self.report.error(record.row, names.get(name, name), message)
            return False
        return True


class _Importer:
    def __init__(
        self,
        *,
        records: dict[str, dict[uuid.UUID, Record]],
        tables: Tables,
        report: ImportReport,
        progress: Progress,
    ) -> None:
        self.r = records
        self.tables = tables
        self.report = report
        self.progress = progress
        self.writer = _Writer(report)
        self.by_parent: dict[tuple[str, str, uuid.UUID], list[Record]] = defaultdict(list)
        for table, fk in (
            ("organization_identifier", "organization_id"),
            ("address", "location_id"),
            ("accessibility", "location_id"),
            ("language", "service_id"),
            ("required_document", "service_id"),
            ("service_area", "service_id"),
            ("schedule", "service_at_location_id"),
            ("service_capacity", "service_id"),
            ("attribute", "link_id"),
            ("service_at_location", "location_id"),
        ):
            for rec in self.r.get(table, {}).values():
                parent = _uuid_or_none(rec.data.get(fk))
                if parent is not None:
                    self.by_parent[(table, fk, parent)].append(rec)
        # Which records already exist, read once: new ones get Puente's defaults.
        self.in_db: dict[str, set[Any]] = {
            kind: set(
                model._default_manager.filter(pk__in=list(self.r.get(kind, {}))).values_list(
                    "pk", flat=True
                )
            )
            for kind, model in (
                ("organization", Organization),
                ("location", Site),
                ("service", Service),
            )
        }
        self.term_ids_in_db: set[uuid.UUID] = set()
        self.taxonomy_for_term: dict[uuid.UUID, uuid.UUID] = {}
        self.org_for_location: dict[uuid.UUID, uuid.UUID] = {}
        self.org_for_service: dict[uuid.UUID, uuid.UUID] = {}
        self.points: dict[uuid.UUID, Point] = {}
        self.categories: dict[uuid.UUID, set[uuid.UUID]] = {}
        self.defaults_used: Counter[str] = Counter()

    def children(self, table: str, fk: str, parent: uuid.UUID) -> list[Record]:
        return self.by_parent.get((table, fk, parent), [])

    def known(self, kind: str, pk: uuid.UUID | None, model: type[models.Model]) -> bool:
        if pk is None:
            return False
        return pk in self.r.get(kind, {}) or model._default_manager.filter(pk=pk).exists()

    # -- checks before any write ---------------------------------------------------

    def check(self) -> None:
        for table in ("organization", "service", "taxonomy", "taxonomy_term", "location"):
            for rec in self.r.get(table, {}).values():
                if "name" in rec.data and not str(rec.data["name"] or "").strip():
                    self.report.error(rec.row, "name", _("The name cannot be empty."))
        self.check_taxonomies()
        self.check_organizations()
        self.check_services()
        self.check_locations()
        self.check_service_at_locations()
        self.check_attributes()

    def check_taxonomies(self) -> None:
        for rec in self.r.get("taxonomy", {}).values():
            clash = Taxonomy.objects.filter(name=rec.data.get("name")).exclude(pk=rec.id).first()
            if clash is not None:
                self.report.error(
                    rec.row,
                    "name",
                    _("Another taxonomy (id %(id)s) already has the name %(name)r.")
                    % {"id": clash.pk, "name": clash.name},
                )
        codes: dict[str, uuid.UUID] = {}
        for rec in self.r.get("taxonomy_term", {}).values():
            taxonomy_id = _uuid_or_none(rec.data.get("taxonomy_id"))
            if taxonomy_id is not None and self.known("taxonomy", taxonomy_id, Taxonomy):
                self.taxonomy_for_term[rec.id] = taxonomy_id
            elif rec.data.get("taxonomy"):
                name = str(rec.data["taxonomy"])
                existing = Taxonomy.objects.filter(name=name).first()
                self.taxonomy_for_term[rec.id] = (
                    existing.pk if existing else uuid.uuid5(uuid.NAMESPACE_URL, f"taxonomy:{name}")
                )
                if taxonomy_id is not None:
                    self.report.warn(
                        rec.row,
                        "taxonomy_id",
                        _(
                            "Unknown taxonomy %(id)s; the term is filed under the taxonomy named "
                            "%(name)r."
                        )
                        % {"id": taxonomy_id, "name": name},
                    )
            else:
                self.report.error(
                    rec.row,
                    "taxonomy_id",
                    _(
                        "The term names no known taxonomy (taxonomy_id, taxonomy_detail or "
                        "taxonomy)."
                    ),
                )
            code = str(rec.data.get("code") or rec.id)
            if len(code) > 50:
                self.report.error(rec.row, "code", _("The code is longer than 50 characters."))
            if code in codes:
                self.report.error(
                    rec.row,
                    "code",
                    _("The code %(code)r is used by two terms in the file.") % {"code": code},
                )
            codes[code] = rec.id
            clash_term = TaxonomyTerm.objects.filter(code=code).exclude(pk=rec.id).first()
            if clash_term is not None:
                self.report.error(
                    rec.row,
                    "code",
                    _("Another term (id %(id)s) already has the code %(code)r.")
                    % {"id": clash_term.pk, "code": code},
                )
            parent = _uuid_or_none(rec.data.get("parent_id"))
            if parent is not None and not self.known("taxonomy_term", parent, TaxonomyTerm):
                self.report.warn(
                    rec.row,
                    "parent_id",
                    _(
                        "The parent term %(id)s is not in the file nor in the map; the term is "
                        "kept without a parent."
                    )
                    % {"id": parent},
                )

    def check_organizations(self) -> None:
        for rec in self.r.get("organization", {}).values():
            if "sector" not in rec.data and rec.id not in self.in_db["organization"]:
                self.defaults_used["sector"] += 1

    def check_services(self) -> None:
        for rec in self.r.get("service", {}).values():
            org = _uuid_or_none(rec.data.get("organization_id"))
            if org is None:
                existing = (
                    Service.objects.filter(pk=rec.id)
                    .values_list("organization_id", flat=True)
                    .first()
                )
                if existing is None:
                    self.report.error(
                        rec.row,
                        "organization_id",
                        _(
                            "The service names no organization (organization_id or a nested "
                            "organization)."
                        ),
                    )
                    continue
                org = existing
            elif not self.known("organization", org, Organization):
                self.report.error(
                    rec.row,
                    "organization_id",
                    _("Unknown organization %(id)s: it is neither in the file nor in the map.")
                    % {"id": org},
                )
                continue
            self.org_for_service[rec.id] = org
            for key in ("minimum_age", "maximum_age"):
                value = rec.data.get(key)
                if value is not None and "eligibility" not in rec.data:
                    if not float(value).is_integer() or value < 0:
                        self.report.error(
                            rec.row, key, _("An age must be a whole number of years.")
                        )
                    elif key == "minimum_age" and value > MAX_AGE_YEARS:
                        self.report.error(
                            rec.row,
                            key,
                            _(
                                "A minimum age of %(age)s is above %(max)s, the oldest age "
                                "Puente serves."
                            )
                            % {"age": value, "max": MAX_AGE_YEARS},
                        )
            eligibility = rec.data.get("eligibility")
            if isinstance(eligibility, dict):
                codes = eligibility.get("service_area") or []
                known = set(Territory.objects.filter(code__in=codes).values_list("code", flat=True))
                for code in codes:
                    if code not in known:
                        self.report.error(
                            rec.row,
                            "eligibility.service_area",
                            _("Unknown territory code %(code)r.") % {"code": code},
                        )
            if rec.data.get("assured_date") and parse_date(str(rec.data["assured_date"])) is None:
                self.report.error(
                    rec.row,
                    "assured_date",
                    _("%(value)r is not a date (YYYY-MM-DD).")
                    % {"value": rec.data["assured_date"]},
                )

    def _location_org(self, rec: Record) -> uuid.UUID | None:
        explicit = _uuid_or_none(rec.data.get("organization_id"))
        if explicit is not None and self.known("organization", explicit, Organization):
            return explicit
        candidates: list[uuid.UUID] = []
        hinted = _uuid_or_none(rec.row.hints.get("service_id"))
        if hinted is not None:
            candidates.append(hinted)
        candidates += [
            sid
            for link in self.children("service_at_location", "location_id", rec.id)
            if (sid := _uuid_or_none(link.data.get("service_id"))) is not None
        ]
        for service_id in candidates:
            org = self.org_for_service.get(service_id)
            if org is None:
                org = (
                    Service.objects.filter(pk=service_id)
                    .values_list("organization_id", flat=True)
                    .first()
                )
            if org is not None:
                if explicit is not None:
                    self.report.warn(
                        rec.row,
                        "organization_id",
                        _(
                            "Unknown organization %(id)s; the location is given to the "
                            "organization of the services offered there."
                        )
                        % {"id": explicit},
                    )
                return org
        existing = Site.objects.filter(pk=rec.id).values_list("organization_id", flat=True).first()
        if existing is not None:
            return existing
        if explicit is not None:
            self.report.error(
                rec.row,
                "organization_id",
                _("Unknown organization %(id)s: it is neither in the file nor in the map.")
                % {"id": explicit},
            )
        else:
            self.report.error(
                rec.row,
                "organization_id",
                _(
                    "A location needs an organization: give organization_id, or import it inside "
                    "its organization or its service."
                ),
            )
        return None

    def check_locations(self) -> None:
        for rec in self.r.get("location", {}).values():
            org = self._location_org(rec)
            if org is not None:
                self.org_for_location[rec.id] = org
            lat, lon = rec.data.get("latitude"), rec.data.get("longitude")
            if lat is None or lon is None:
                if rec.id not in self.in_db["location"]:
                    self.report.error(
                        rec.row,
                        "latitude",
                        _(
                            "Puente places every site on the map: latitude and longitude are "
                            "required."
                        ),
                    )
                continue
            if not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
                self.report.error(
                    rec.row,
                    "latitude",
                    _(
                        "The coordinates (latitude %(lat)s, longitude %(lon)s) are not on Earth: "
                        "latitude must be within ±90 and longitude within ±180."
                    )
                    % {"lat": lat, "lon": lon},
                )
                continue
            point = Point(float(lon), float(lat), srid=4326)
            if territory_for_point(point=point) is None:
                self.report.error(
                    rec.row,
                    "latitude",
                    _(
                        "The point (%(lat)s, %(lon)s) is outside every territory of the map. "
                        "Check the coordinates or add the territory first."
                    )
                    % {"lat": lat, "lon": lon},
                )
                continue
            self.points[rec.id] = point

    def check_service_at_locations(self) -> None:
        for rec in self.r.get("service_at_location", {}).values():
            service_id = _uuid_or_none(rec.data.get("service_id"))
            location_id = _uuid_or_none(rec.data.get("location_id"))
            existing = ServiceAtSite.objects.filter(pk=rec.id).first()
            if service_id is None and existing is None:
                self.report.error(rec.row, "service_id", _("The service is missing."))
            elif service_id is not None and not self.known("service", service_id, Service):
                self.report.error(
                    rec.row,
                    "service_id",
                    _("Unknown service %(id)s: it is neither in the file nor in the map.")
                    % {"id": service_id},
                )
            if location_id is None and existing is None:
                self.report.error(rec.row, "location_id", _("The location is missing."))
            elif location_id is not None and not self.known("location", location_id, Site):
                self.report.error(
                    rec.row,
                    "location_id",
                    _("Unknown location %(id)s: it is neither in the file nor in the map.")
                    % {"id": location_id},
                )
            if service_id and location_id:
                other = (
                    ServiceAtSite.objects.filter(service_id=service_id, site_id=location_id)
                    .exclude(pk=rec.id)
                    .first()
                )
                if other is not None:
                    self.report.error(
                        rec.row,
                        "id",
                        _("The service is already offered at this location under the id %(id)s.")
                        % {"id": other.pk},
                    )

    def check_attributes(self) -> None:
        for rec in self.r.get("attribute", {}).values():
            link = _uuid_or_none(rec.data.get("link_id"))
            is_service = link is not None and (
                link in self.r.get("service", {}) or Service.objects.filter(pk=link).exists()
            )
            if not is_service or rec.data.get("link_entity") not in (None, "service"):
                if rec.data.get("link_entity") not in (None, "service"):
                    self.report.warn(
                        rec.row,
                        "link_entity",
                        _(
                            "Puente keeps categories of services only; this attribute of a "
                            "%(entity)s is ignored."
                        )
                        % {"entity": rec.data.get("link_entity")},
                    )
                    continue
                if not is_service:
                    self.report.error(
                        rec.row,
                        "link_id",
                        _("The attribute points at %(id)s, which is not a known service.")
                        % {"id": rec.data.get("link_id")},
                    )
                    continue
            term = _uuid_or_none(rec.data.get("taxonomy_term_id"))
            if term is None or not self.known("taxonomy_term", term, TaxonomyTerm):
                self.report.error(
                    rec.row,
                    "taxonomy_term_id",
                    _("Unknown taxonomy term %(id)s: it is neither in the file nor in the map.")
                    % {"id": rec.data.get("taxonomy_term_id")},
                )
                continue
            assert link is not None
            self.categories.setdefault(link, set()).add(term)

    # -- writes --------------------------------------------------------------------

    def write(self) -> None:
        self.write_taxonomies()
        self.write_organizations()
        self.write_sites()
        self.write_services()
        self.write_service_at_locations()

    def write_taxonomies(self) -> None:
        wanted: dict[uuid.UUID, Json] = {}
        for rec in self.r.get("taxonomy", {}).values():
            wanted[rec.id] = {
                "name": str(rec.data.get("name", "")),
                "description": str(rec.data.get("description") or ""),
                "uri": str(rec.data.get("uri") or ""),
                "version": str(rec.data.get("version") or ""),
            }
        for term_id, taxonomy_id in self.taxonomy_for_term.items():
            name = self.r["taxonomy_term"][term_id].data.get("taxonomy")
            if taxonomy_id not in wanted and not Taxonomy.objects.filter(pk=taxonomy_id).exists():
                wanted[taxonomy_id] = {"name": str(name), "description": ""}
        for pk, values in wanted.items():
            rec = self.r.get("taxonomy", {}).get(pk) or next(
                self.r["taxonomy_term"][t] for t, x in self.taxonomy_for_term.items() if x == pk
            )
            self.writer.upsert(Taxonomy, pk, values, record=rec, kind="taxonomy")
        terms = self.r.get("taxonomy_term", {})
        for rec in terms.values():
            if rec.id not in self.taxonomy_for_term:
                continue
            values = {
                "taxonomy_id": self.taxonomy_for_term[rec.id],
                "code": str(rec.data.get("code") or rec.id),
                "name": str(rec.data.get("name", "")),
                "description": str(rec.data.get("description") or ""),
            }
            if rec.data.get("language"):
                values["language"] = str(rec.data["language"])
            self.writer.upsert(TaxonomyTerm, rec.id, values, record=rec, kind="taxonomy_term")
        for rec in terms.values():
            parent = _uuid_or_none(rec.data.get("parent_id"))
            if parent is not None and TaxonomyTerm.objects.filter(pk=parent).exists():
                TaxonomyTerm.objects.filter(pk=rec.id).exclude(parent_id=parent).update(
                    parent_id=parent
                )

    def write_organizations(self) -> None:
        for rec in self.r.get("organization", {}).values():
            d = rec.data
            values: Json = {}
            for key in ("name", "alternate_name", "description", "email"):
                if key in d:
                    values[key] = str(d[key] or "")
            if "website" in d:
                values["website"] = str(d["website"] or "")
            new = rec.id not in self.in_db["organization"]
            if "sector" in d:
                values["sector"] = d["sector"]
            elif new:
                values["sector"] = OrganizationSector.NGO
            if "is_public" in d:
                values["is_public"] = bool(d["is_public"])
            elif new:
                values["is_public"] = False
            self.writer.upsert(Organization, rec.id, values, record=rec, kind="organization")
            for ident in self.children("organization_identifier", "organization_id", rec.id):
                self.writer.upsert(
                    OrganizationIdentifier,
                    ident.id,
                    {
                        "organization_id": rec.id,
                        "identifier_scheme": str(ident.data.get("identifier_scheme") or ""),
                        "identifier_type": str(ident.data.get("identifier_type") or ""),
                        "identifier": str(ident.data.get("identifier") or ""),
                    },
                    record=ident,
                    kind="organization_identifier",
                )
        if self.defaults_used["sector"]:
            self.report.warn(
                None,
                "sector",
                _(
                    "%(n)s organizations came without a Puente sector: recorded as NGO, not "
                    "public. Review them in the admin."
                )
                % {"n": self.defaults_used["sector"]},
            )

    def write_sites(self) -> None:
        for rec in self.r.get("location", {}).values():
            if rec.id not in self.org_for_location:
                continue
            d = rec.data
            if d.get("location_type") not in (None, "physical"):
                self.report.warn(
                    rec.row,
                    "location_type",
                    _("Puente keeps physical sites; this %(type)s location is kept as one.")
                    % {"type": d.get("location_type")},
                )
            values: Json = {"organization_id": self.org_for_location[rec.id]}
            for key in ("name", "description"):
                if key in d:
                    values[key] = str(d[key] or "")
            if rec.id in self.points:
                values["point"] = self.points[rec.id]
            addresses = self.children("address", "location_id", rec.id)
            if addresses:
                physical = [a for a in addresses if a.data.get("address_type") == "physical"]
                address = (physical or addresses)[0].data
                if len(addresses) > 1:
                    self.report.warn(
                        rec.row,
                        "addresses",
                        _("Puente keeps one address per site; the others are ignored."),
                    )
                values.update(
                    {
                        "address_1": " ".join(
                            str(address.get(k) or "") for k in ("address_1", "address_2")
                        ).strip(),
                        "city": str(address.get("city") or ""),
                        "region": str(address.get("region") or address.get("state_province") or ""),
                        "postal_code": str(address.get("postal_code") or ""),
                        "country": str(address.get("country") or "").upper(),
                    }
                )
            accessibility = self.children("accessibility", "location_id", rec.id)
            if (
                accessibility
                or ("location", str(rec.id), "accessibility") in self.tables.present_lists
            ):
                values["accessibility_notes"] = "\n".join(
                    str(a.data.get("description") or a.data.get("details") or "")
                    for a in accessibility
                ).strip()
            instance = Site.objects.filter(pk=rec.id).first()
            if instance is None and "name" not in values:
                values["name"] = values.get("address_1", "")
            self.writer.upsert(Site, rec.id, values, record=rec, kind="location")

    def _languages(self, rec: Record) -> list[str] | None:
        rows = self.children("language", "service_id", rec.id)
        if not rows and ("service", str(rec.id), "languages") not in self.tables.present_lists:
            return None
        codes: list[str] = []
        for row in rows:
            code = str(row.data.get("code") or "").strip().lower()
            if not code:
                self.report.warn(row.row, "code", _("A language without a code is ignored."))
            elif len(code) > 8:
                self.report.error(row.row, "code", _("A language code is at most 8 characters."))
            elif code not in codes:
                codes.append(code)
        return codes

    def _documents(self, rec: Record) -> list[str] | None:
        rows = self.children("required_document", "service_id", rec.id)
        if (
            not rows
            and ("service", str(rec.id), "required_documents") not in self.tables.present_lists
        ):
            return None
        documents = []
        for row in rows:
            text = str(row.data.get("document") or "").strip()
            if len(text) > 200:
                self.report.warn(
                    row.row,
                    "document",
                    _("The document name was cut to 200 characters."),
                )
                text = text[:200]
            if text:
                documents.append(text)
        return documents

    def _service_values(self, rec: Record, *, new: bool) -> Json:
        d = rec.data
        values: Json = {"organization_id": self.org_for_service[rec.id]}
        for key in ("name", "alternate_name", "description", "application_process", "status"):
            if key in d:
                values[key] = str(d[key] or "")
        for key in ("url", "email"):
            if key in d:
                values[key] = str(d[key] or "")
        free_texts = _free_texts()
        fees = str(d.get("fees_description") or "")
        if "is_free" in d:
            values["is_free"] = bool(d["is_free"])
        elif new or "fees_description" in d:
            values["is_free"] = not fees or fees in free_texts
        if "fees_description" in d:
            values["fees_description"] = (
                "" if values.get("is_free") and fees in free_texts else fees
            )
        if "typical_duration_weeks" in d:
            values["typical_duration_weeks"] = d["typical_duration_weeks"]
        if "assured_date" in d:
            values["verified_on"] = (
                parse_date(str(d["assured_date"])) if d["assured_date"] else None
            )
        if d.get("assurer_email"):
            user = User.objects.filter(email__iexact=d["assurer_email"]).first()
            if user is None:
                self.report.warn(
                    rec.row,
                    "assurer_email",
                    _("No user has the email %(email)s; who verified the listing is not kept.")
                    % {"email": d["assurer_email"]},
                )
            else:
                values["verified_by"] = user
        categories = self.categories.get(rec.id)
        for key, default, message in (
            ("kind", None, None),
            ("modality", Modality.TRANSACTIONAL.value, _("modality set to transactional")),
            (
                "access_routes",
                DEFAULT_ACCESS_ROUTES,
                _("access routes set to self-referral and referral"),
            ),
        ):
            if key in d:
                values[key] = list(d[key]) if key == "access_routes" else d[key]
            elif new:
                if key == "kind":
                    codes = set(
                        TaxonomyTerm.objects.filter(pk__in=categories or ()).values_list(
                            "code", flat=True
                        )
                    )
                    specialized = any(c.startswith("specialized") for c in codes)
                    values[key] = ServiceKind.SPECIALIZED if specialized else ServiceKind.SOCIAL
                    message = _("kind set to %(kind)s from its categories") % {"kind": values[key]}
                else:
                    values[key] = default
                self.defaults_used[str(message)] += 1
        languages = self._languages(rec)
        if languages is not None:
            values["languages"] = languages
        documents = self._documents(rec)
        if documents is not None:
            values["required_documents"] = documents
        return values

    def _eligibility_values(self, rec: Record) -> tuple[Json, list[Territory] | None]:
        d = rec.data
        rules = d.get("eligibility")
        if isinstance(rules, dict):
            territories = list(Territory.objects.filter(code__in=rules.get("service_area") or []))
            return (
                {
                    "min_age": rules.get("min_age"),
                    "max_age": rules.get("max_age"),
                    "sexes": list(rules.get("sexes") or []),
                    "risk_levels": list(rules.get("risk_levels") or []),
                    "requires_judicial_order": bool(rules.get("requires_judicial_order")),
                    "notes": str(rules.get("notes") or ""),
                },
                territories,
            )
        values: Json = {}
        if "minimum_age" in d:
            values["min_age"] = int(d["minimum_age"]) if d["minimum_age"] is not None else None
        if "maximum_age" in d:
            high = d["maximum_age"]
            if high is not None and high > MAX_AGE_YEARS:
                self.report.warn(
                    rec.row,
                    "maximum_age",
                    _(
                        "A maximum age of %(age)s is beyond %(max)s, the oldest age Puente "
                        "serves: kept as no upper limit."
                    )
                    % {"age": high, "max": MAX_AGE_YEARS},
                )
                high = None
            values["max_age"] = int(high) if high is not None else None
        if d.get("eligibility_description"):
            values["notes"] = str(d["eligibility_description"])
        areas = self.children("service_area", "service_id", rec.id)
        matched: list[Territory] | None = None
        if areas:
            matched = []
            for area in areas:
                label = str(area.data.get("extent") or area.data.get("name") or "")
                territory = Territory.objects.filter(
                    models.Q(code=label) | models.Q(name__iexact=label)
                ).first()
                if territory is None:
                    self.report.warn(
                        area.row,
                        "name",
                        _(
                            "The service area %(name)r matches no territory of the map and is "
                            "ignored: the service is not restricted by it."
                        )
                        % {"name": label[:80]},
                    )
                else:
                    matched.append(territory)
        return values, matched

    def write_services(self) -> None:
        services = self.r.get("service", {})
        for rec in services.values():
            self.progress("services", 1)
            if rec.id not in self.org_for_service:
                continue
            new = rec.id not in self.in_db["service"]
            values = self._service_values(rec, new=new)
            service = self.writer.upsert(Service, rec.id, values, record=rec, kind="service")
            if service is None:
                continue
            assert isinstance(service, Service)
            categories = self.categories.get(rec.id)
            if (
                categories is not None
                or ("service", str(rec.id), "attributes") in self.tables.present_lists
            ):
                wanted = categories or set()
                current = set(service.categories.values_list("pk", flat=True))
                if wanted != current:
                    service.categories.set(list(TaxonomyTerm.objects.filter(pk__in=wanted)))
                    self.report.count("service_categories", "updated")
            eligibility_values, territories = self._eligibility_values(rec)
            eligibility = Eligibility.objects.filter(service=service).first()
            if eligibility is None:
                eligibility = Eligibility(service=service)
                changed = True
            else:
                changed = any(
                    not _same(getattr(eligibility, k), v) for k, v in eligibility_values.items()
                )
            for key, value in eligibility_values.items():
                setattr(eligibility, key, value)
            if changed and self.writer.clean(eligibility, record=rec, exclude=["service"]):
                eligibility._change_reason = CHANGE_REASON  # type: ignore[attr-defined]
                eligibility.save()
                self.report.count("eligibility", "saved")
            if territories is not None and eligibility.pk:
                current_areas = set(eligibility.service_area.values_list("pk", flat=True))
                if current_areas != {t.pk for t in territories}:
                    eligibility.service_area.set(territories)
        for message, n in self.defaults_used.items():
            if message == "sector":
                continue
            self.report.warn(
                None,
                "",
                _("%(n)s services had no Puente %(what)s.") % {"n": n, "what": message},
            )

    def write_service_at_locations(self) -> None:
        capacities: dict[uuid.UUID, int] = {}
        for rec in self.r.get("service_capacity", {}).values():
            link = _uuid_or_none(rec.data.get("service_at_location_id"))
            if link is None:
                service_id = _uuid_or_none(rec.data.get("service_id"))
                location_id = _uuid_or_none(rec.data.get("location_id"))
                link = next(
                    (
                        sal.id
                        for sal in self.r.get("service_at_location", {}).values()
                        if _uuid_or_none(sal.data.get("service_id")) == service_id
                        and _uuid_or_none(sal.data.get("location_id")) == location_id
                    ),
                    None,
                )
            amount = rec.data.get("maximum", rec.data.get("available"))
            if link is None:
                self.report.warn(
                    rec.row,
                    "service_at_location_id",
                    _(
                        "Puente counts slots per service and location; this capacity names no "
                        "location and is ignored."
                    ),
                )
                continue
            if amount is None or float(amount) < 0 or not float(amount).is_integer():
                self.report.error(
                    rec.row, "maximum", _("Slots must be a whole number, zero or more.")
                )
                continue
            capacities[link] = capacities.get(link, 0) + int(amount)
        for rec in self.r.get("service_at_location", {}).values():
            values: Json = {}
            service_id = _uuid_or_none(rec.data.get("service_id"))
            location_id = _uuid_or_none(rec.data.get("location_id"))
            if service_id:
                values["service_id"] = service_id
            if location_id:
                values["site_id"] = location_id
            if rec.id in capacities:
                values["capacity"] = capacities[rec.id]
            schedules = self.children("schedule", "service_at_location_id", rec.id)
            if (
                schedules
                or ("service_at_location", str(rec.id), "schedules") in self.tables.present_lists
            ):
                text = "; ".join(
                    str(s.data.get("description") or "").strip()
                    for s in schedules
                    if s.data.get("description")
                )
                if len(text) > 200:
                    self.report.warn(
                        rec.row, "schedules", _("The opening hours were cut to 200 characters.")
                    )
                    text = text[:200]
                values["schedule_description"] = text
            self.writer.upsert(
                ServiceAtSite, rec.id, values, record=rec, kind="service_at_location"
            )


def _warn_ignored(tables: Tables, report: ImportReport) -> None:
    for (file, table, name), n in sorted(tables.ignored.items()):
        report.warnings.append(
            Issue(
                file,
                "",
                f"{table}.{name}",
                _("Not kept by Puente; ignored in %(n)s objects.") % {"n": n},
            )
        )


@transaction.atomic
def _import_records(
    *,
    records: dict[str, dict[uuid.UUID, Record]],
    tables: Tables,
    report: ImportReport,
    dry_run: bool,
    progress: Progress,
) -> None:
    importer = _Importer(records=records, tables=tables, report=report, progress=progress)
    importer.check()
    if report.errors:
        raise _Rollback
    importer.write()
    if report.errors or dry_run:
        raise _Rollback


def hsds_import(
    *, path: Path, dry_run: bool = False, progress: Progress = _noop_progress
) -> ImportReport:
    """Import ``path`` (a JSON file, a folder of JSON files, a CSV datapackage or a zip).

    Nothing is saved when the report has errors or ``dry_run`` is set.
    """
    report = ImportReport(dry_run=dry_run)
    tables = read_sources(path=Path(path), report=report)
    records = _merge(tables, report)
    _warn_ignored(tables, report)
    # The checks read only: they run even after reading errors, so one report lists all.
    # _Rollback carries no news: the report already says why nothing was kept.
    with contextlib.suppress(_Rollback):
        _import_records(
            records=records, tables=tables, report=report, dry_run=dry_run, progress=progress
        )
    return report


__all__ = ["ImportReport", "Issue", "hsds_import", "read_sources"]
