"""Checking every row of a spreadsheet and saying what it would change (``spreadsheet_plan``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.models import User
from directory.models import (
    AccessRoute,
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
from directory.spreadsheet.reading import SpreadsheetError, read_rows
from directory.spreadsheet.template import NO, YES, cell_looks_like_formula, fold


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


def _choice_lookup(choices: type[Any]) -> dict[str, str]:
    """Accept a choice by its code or its label, whatever the case or accents."""
    by_code = {fold(code): code for code in choices.values}
    by_label = {fold(str(label)): code for code, label in choices.choices}
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
        found = by_key.get(fold(value))
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
            found = by_key.get(fold(value))
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
    rows = read_rows(content=content, filename=filename)
    if not rows:
        raise SpreadsheetError(_("The file has headers but no rows."))
    orgs = {fold(o.name): o for o in Organization.objects.all()}
    terms = {t.code: t for t in TaxonomyTerm.objects.all()}
    territories = {t.code: t for t in Territory.objects.all()}
    new_services: dict[str, int] = {}
    seen_pairs: dict[tuple[str, str], int] = {}
    for index, row in enumerate(rows, start=2):  # row 1 holds the headers
        check = _RowChecker(index, row, plan.errors)
        errors_before = len(plan.errors)
        org = orgs.get(fold(check.text("institucion", required=True)))
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
        judicial = fold(check.text("requiere_orden_judicial"))
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
            else f"new:{org.pk}:{fold(data['service_fields']['name'])}",
            str(site_id) if site_id else f"new:{fold(site_fields['name'])}:{lat}:{lon}",
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
