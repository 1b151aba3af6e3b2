"""Coordinators update the map from a spreadsheet (CSV or XLSX, Spanish headers).

One row per service at a site. A row with an ``id_prestacion`` updates that service;
without one, it creates a service (rows with the same institution and service name
are the same new service). The same for sites with ``id_sede``. Nothing is written
until the plan has been previewed: ``spreadsheet_plan`` reads and checks every row and
says what would be created, changed and refused; ``spreadsheet_apply`` writes a plan
with no refusals, all or nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook

from accounts.models import User
from directory.archives import zip_too_large
from directory.models import (
    AccessRoute,
    Eligibility,
    Modality,
    Organization,
    RiskLevel,
    Service,
    ServiceAtSite,
    ServiceKind,
    ServiceStatus,
    Sex,
    Site,
    TaxonomyTerm,
    Territory,
)
from directory.selectors import organization_can_edit_offer

MAX_ROWS = 20_000
MAX_COLUMNS = 100
# An XLSX is a zip of XML. 20,000 rows of the template take about 25 MB unpacked; a
# "zip bomb" declares gigabytes in a few kilobytes. zipfile never inflates an entry
# past its declared size, so checking the declared sizes bounds what openpyxl reads.
MAX_XLSX_UNPACKED_BYTES = 150 * 1024 * 1024
MAX_XLSX_ENTRIES = 500
MAX_XLSX_RATIO = 200  # unpacked/packed per entry; real sheets stay well under 50
# A cell starting with these is run as a formula when the file is opened again in a
# spreadsheet program (CSV injection); "+" and "-" only when the cell is not a number.
FORMULA_PREFIXES = ("=", "@", "\t", "\r")


def spreadsheet_max_bytes() -> int:
    return int(settings.SPREADSHEET_MAX_MB) * 1024 * 1024


def cell_looks_like_formula(value: str) -> bool:
    if value.startswith(FORMULA_PREFIXES):
        return True
    if value[:1] in {"+", "-"}:
        try:
            float(value.replace(",", "."))
        except ValueError:
            return True
    return False


# (header, help shown in the template's second sheet)
COLUMNS: list[tuple[str, str]] = [
    ("id_prestacion", "UUID de la prestación; vacío para crear una nueva"),
    ("institucion", "Nombre exacto de la institución (debe existir)"),
    ("prestacion", "Nombre de la prestación"),
    ("descripcion", "Descripción"),
    ("categorias", "Códigos de categoría separados por ; (p. ej. social.health)"),
    ("tipo", "social | specialized"),
    ("modalidad", "transactional | individual | family_accompaniment"),
    ("modalidades_acceso", "self_referral ; referral ; outreach"),
    ("estado", "active | inactive | temporarily closed | defunct"),
    ("edad_minima", "Años, vacío sin mínimo"),
    ("edad_maxima", "Años, vacío sin máximo"),
    ("sexos", "female ; male ; other — vacío para todos"),
    ("niveles_riesgo", "low ; moderate ; high ; very_high — vacío para todos"),
    ("territorios_atendidos", "Códigos de territorio separados por ; — vacío sin restricción"),
    ("requiere_orden_judicial", "si | no"),
    ("id_sede", "UUID de la sede; vacío para crear una nueva"),
    ("sede", "Nombre de la sede"),
    ("direccion", "Dirección"),
    ("ciudad", "Ciudad o comuna"),
    ("latitud", "Grados decimales, p. ej. -33.45"),
    ("longitud", "Grados decimales, p. ej. -70.60"),
    ("cupos", "Número entero de cupos en esta sede (0 o más)"),
]
HEADERS = [name for name, _help in COLUMNS]
REQUIRED = [
    "institucion",
    "prestacion",
    "sede",
    "direccion",
    "ciudad",
    "latitud",
    "longitud",
    "cupos",
]
YES = {"si", "sí", "s", "yes", "true", "1", "x"}
NO = {"no", "n", "false", "0", ""}


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class PlannedRow:
    row: int
    service_action: str  # "create" | "update" | "unchanged"
    site_action: str
    capacity_action: str
    service_name: str
    site_name: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class SpreadsheetPlan:
    rows: list[PlannedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, kind: str, action: str) -> int:
        return sum(1 for r in self.rows if getattr(r, f"{kind}_action") == action)


class SpreadsheetError(Exception):
    """The file itself cannot be read (not a row problem)."""


def spreadsheet_template(*, fmt: str) -> bytes:
    """An empty template with one example row, as CSV or XLSX."""
    example = [
        "",
        "Nombre de su institución",
        "Taller de parentalidad positiva",
        "Sesiones grupales para cuidadores",
        "specialized.positive_parenting",
        "specialized",
        "family_accompaniment",
        "referral;self_referral",
        "active",
        "0",
        "11",
        "",
        "",
        "",
        "no",
        "",
        "Sede central",
        "Av. Central 123",
        "Río Claro",
        "-33.45",
        "-70.60",
        "15",
    ]
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(HEADERS)
        writer.writerow(example)
        return out.getvalue().encode("utf-8-sig")  # BOM: Excel opens accents correctly
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "prestaciones"
    sheet.append(HEADERS)
    sheet.append(example)
    guide = book.create_sheet("instrucciones")
    guide.append(["columna", "contenido", "obligatoria"])
    for name, help_text in COLUMNS:
        guide.append([name, help_text, "sí" if name in REQUIRED else "no"])
    out_bytes = io.BytesIO()
    book.save(out_bytes)
    return out_bytes.getvalue()


def _fold(value: str) -> str:
    text = unicodedata.normalize("NFKD", value.strip().lower())
    return "".join(c for c in text if not unicodedata.combining(c))


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


def _read_rows(*, content: bytes, filename: str) -> list[dict[str, str]]:
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
    headers = [_fold(h) for h in table[0]]
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


def _choice_lookup(choices: type[Any]) -> dict[str, str]:
    """Accept a choice by its code or its label, whatever the case or accents."""
    by_code = {_fold(code): code for code in choices.values}
    by_label = {_fold(str(label)): code for code, label in choices.choices}
    return by_code | by_label


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]


class _RowChecker:
    def __init__(self, number: int, row: dict[str, str], errors: list[RowError]) -> None:
        self.row_number, self.row, self.errors = number, row, errors

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row_number, column, message))

    def text(self, column: str, *, required: bool = False) -> str:
        value = self.row.get(column, "")
        if required and not value:
            self.fail(column, _("This column is required."))
        if value and cell_looks_like_formula(value):
            # Refused rather than rewritten: the text would reach the map and its exports.
            self.fail(
                column,
                _(
                    "“%(value)s” starts like a spreadsheet formula (=, +, -, @); formulas are "
                    "not accepted. Remove the leading sign or write the text differently."
                )
                % {"value": value[:40]},
            )
            return ""
        return value

    def integer(self, column: str, *, minimum: int = 0, required: bool = False) -> int | None:
        value = self.text(column, required=required)
        if not value:
            return None
        try:
            number = int(float(value.replace(",", ".")))
            if number != float(value.replace(",", ".")):
                raise ValueError
        except ValueError:
            self.fail(column, _("“%(value)s” is not a whole number.") % {"value": value})
            return None
        if number < minimum:
            self.fail(column, _("It cannot be below %(min)s.") % {"min": minimum})
            return None
        return number

    def number(self, column: str, low: float, high: float) -> float | None:
        value = self.text(column, required=True)
        if not value:
            return None
        try:
            number = float(value.replace(",", "."))
        except ValueError:
            self.fail(column, _("“%(value)s” is not a number.") % {"value": value})
            return None
        if not low <= number <= high:
            self.fail(
                column, _("It must be between %(low)s and %(high)s.") % {"low": low, "high": high}
            )
            return None
        return number

    def choice(self, column: str, choices: type[Any], default: str) -> str:
        value = self.text(column)
        if not value:
            return default
        by_key = _choice_lookup(choices)
        found = by_key.get(_fold(value))
        if found is None:
            self.fail(
                column,
                _("“%(value)s” is not one of: %(options)s.")
                % {"value": value, "options": ", ".join(choices.values)},
            )
            return default
        return str(found)

    def choices(self, column: str, choices: type[Any]) -> list[str]:
        by_key = _choice_lookup(choices)
        result = []
        for value in _split(self.text(column)):
            found = by_key.get(_fold(value))
            if found is None:
                self.fail(
                    column,
                    _("“%(value)s” is not one of: %(options)s.")
                    % {"value": value, "options": ", ".join(choices.values)},
                )
            else:
                result.append(str(found))
        return result

    def uuid(self, column: str) -> uuid.UUID | None:
        value = self.text(column)
        if not value:
            return None
        try:
            return uuid.UUID(value)
        except ValueError:
            self.fail(column, _("“%(value)s” is not a valid id.") % {"value": value})
            return None


def spreadsheet_plan(*, actor: User, content: bytes, filename: str) -> SpreadsheetPlan:
    """Read and check every row; say what would change. Writes nothing."""
    plan = SpreadsheetPlan()
    rows = _read_rows(content=content, filename=filename)
    if not rows:
        raise SpreadsheetError(_("The file has headers but no rows."))
    orgs = {_fold(o.name): o for o in Organization.objects.all()}
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    territories = {t.code: t for t in Territory.objects.all()}
    new_services: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows, start=2):  # row 1 holds the headers
        check = _RowChecker(index, row, plan.errors)
        errors_before = len(plan.errors)
        org = orgs.get(_fold(check.text("institucion", required=True)))
        if org is None and row.get("institucion"):
            check.fail(
                "institucion",
                _("No institution is called “%(name)s”.") % {"name": row["institucion"]},
            )
        if org is not None and not organization_can_edit_offer(user=actor, organization_id=org.pk):
            check.fail("institucion", _("You cannot change the services of this institution."))
        service_id = check.uuid("id_prestacion")
        service = None
        if service_id:
            service = Service.objects.filter(pk=service_id).select_related("eligibility").first()
            if service is None:
                check.fail("id_prestacion", _("No service has this id."))
            elif org is not None and service.organization_id != org.pk:
                check.fail("id_prestacion", _("This service belongs to another institution."))
        category_codes = _split(check.text("categorias"))
        for code in category_codes:
            if code not in terms:
                check.fail("categorias", _("Unknown category code “%(code)s”.") % {"code": code})
        area_codes = _split(check.text("territorios_atendidos"))
        for code in area_codes:
            if code not in territories:
                check.fail(
                    "territorios_atendidos",
                    _("Unknown territory code “%(code)s”.") % {"code": code},
                )
        judicial = _fold(check.text("requiere_orden_judicial"))
        if judicial not in YES | NO:
            check.fail("requiere_orden_judicial", _("Write si or no."))
        min_age = check.integer("edad_minima")
        max_age = check.integer("edad_maxima")
        if min_age is not None and max_age is not None and min_age > max_age:
            check.fail("edad_maxima", _("The maximum age must be at least the minimum age."))
        lat = check.number("latitud", -90, 90)
        lon = check.number("longitud", -180, 180)
        capacity = check.integer("cupos", required=True)
        data: dict[str, Any] = {
            "organization": org,
            "service": service,
            "service_fields": {
                "name": check.text("prestacion", required=True),
                "description": check.text("descripcion"),
                "kind": check.choice("tipo", ServiceKind, ServiceKind.SOCIAL),
                "modality": check.choice("modalidad", Modality, Modality.TRANSACTIONAL),
                "access_routes": check.choices("modalidades_acceso", AccessRoute)
                or [AccessRoute.REFERRAL],
                "status": check.choice("estado", ServiceStatus, ServiceStatus.ACTIVE),
            },
            "categories": [terms[c] for c in category_codes if c in terms],
            "eligibility": {
                "min_age": min_age,
                "max_age": max_age,
                "sexes": check.choices("sexos", Sex),
                "risk_levels": check.choices("niveles_riesgo", RiskLevel),
                "requires_judicial_order": judicial in YES,
            },
            "service_area": [territories[c] for c in area_codes if c in territories],
            "capacity": capacity,
        }
        site_id = check.uuid("id_sede")
        site = None
        if site_id:
            site = Site.objects.filter(pk=site_id).first()
            if site is None:
                check.fail("id_sede", _("No site has this id."))
        site_fields: dict[str, Any] = {
            "name": check.text("sede", required=True),
            "address_1": check.text("direccion", required=True),
            "city": check.text("ciudad", required=True),
        }
        if lat is not None and lon is not None and org is not None:
            candidate = Site(organization=org, point=Point(lon, lat, srid=4326), **site_fields)
            try:
                candidate.clean()  # derives the territory, or says the point is outside
            except ValidationError as error:
                for message in error.message_dict.get("point", []):
                    check.fail("latitud", message)
            else:
                site_fields["territory"] = candidate.territory
            site_fields["point"] = candidate.point
        data["site"], data["site_fields"] = site, site_fields
        if len(plan.errors) > errors_before or org is None:
            continue
        key = (
            str(service_id)
            if service_id
            else f"new:{org.pk}:{_fold(data['service_fields']['name'])}",
            str(site_id) if site_id else f"new:{_fold(site_fields['name'])}:{lat}:{lon}",
        )
        if key in seen_pairs:
            check.fail(
                "sede",
                _("Row %(row)s already lists this service at this site.")
                % {"row": seen_pairs[key]},
            )
            continue
        seen_pairs[key] = index
        if service is None:
            service_action = "create" if key[0] not in new_services else "unchanged"
            new_services.setdefault(key[0], index)
        else:
            service_action = "update" if _service_differs(service, data) else "unchanged"
        site_action = (
            "create"
            if site is None
            else ("update" if _site_differs(site, site_fields) else "unchanged")
        )
        link = (
            ServiceAtSite.objects.filter(service=service, site=site).first()
            if service and site
            else None
        )
        capacity_action = (
            "create" if link is None else ("update" if link.capacity != capacity else "unchanged")
        )
        data["service_key"], data["site_key"] = key
        plan.rows.append(
            PlannedRow(
                index,
                service_action,
                site_action,
                capacity_action,
                data["service_fields"]["name"],
                site_fields["name"],
                data,
            )
        )
    return plan


def _service_differs(service: Service, data: dict[str, Any]) -> bool:
    fields = data["service_fields"]
    if any(getattr(service, k) != v for k, v in fields.items()):
        return True
    if {t.pk for t in service.categories.all()} != {t.pk for t in data["categories"]}:
        return True
    eligibility = getattr(service, "eligibility", None)
    if eligibility is None:
        return True
    if any(getattr(eligibility, k) != v for k, v in data["eligibility"].items()):
        return True
    return {t.pk for t in eligibility.service_area.all()} != {t.pk for t in data["service_area"]}


def _site_differs(site: Site, fields: dict[str, Any]) -> bool:
    for name, value in fields.items():
        if name == "point":
            if site.point.distance(value) > 1e-7:
                return True
        elif name != "territory" and getattr(site, name) != value:
            return True
    return False


@transaction.atomic
def spreadsheet_apply(*, actor: User, plan: SpreadsheetPlan) -> dict[str, int]:
    """Write a checked plan, all or nothing, through the same services as the admin."""
    from directory.services import (
        eligibility_update,
        service_at_site_set_capacity,
        service_create,
        service_update,
        site_create,
        site_update,
    )

    if not plan.ok:
        raise ValidationError(_("The spreadsheet has refused rows; nothing was written."))
    services: dict[str, Service] = {}
    sites: dict[str, Site] = {}
    for row in plan.rows:
        data = row.data
        fields = data["service_fields"]
        service = services.get(data["service_key"])
        if service is None:
            if data["service"] is None:
                service = service_create(
                    actor=actor,
                    organization=data["organization"],
                    categories=data["categories"],
                    **fields,
                )
            else:
                service = service_update(
                    actor=actor, service=data["service"], categories=data["categories"], **fields
                )
            eligibility_update(
                actor=actor,
                service=service,
                service_area=data["service_area"],
                **data["eligibility"],
            )
            services[data["service_key"]] = service
        site = sites.get(data["site_key"])
        if site is None:
            site_fields = {k: v for k, v in data["site_fields"].items() if k != "territory"}
            if data["site"] is None:
                site = site_create(actor=actor, organization=data["organization"], **site_fields)
            else:
                site = site_update(actor=actor, site=data["site"], **site_fields)
            sites[data["site_key"]] = site
        service_at_site_set_capacity(
            actor=actor, service=service, site=site, capacity=data["capacity"]
        )
    return {"services": len(services), "sites": len(sites), "rows": len(plan.rows)}


__all__ = [
    "Eligibility",
    "PermissionDenied",
    "SpreadsheetError",
    "spreadsheet_apply",
    "spreadsheet_plan",
    "spreadsheet_template",
]
