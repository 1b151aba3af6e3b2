"""The checks run on every record before anything is written."""

from __future__ import annotations

import uuid

from django.contrib.gis.geos import Point
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from directory.hsds.importer.base import _ImporterBase
from directory.hsds.importer.merging import Record
from directory.hsds.importer.writer import _uuid_or_none
from directory.models import (
    MAX_AGE_YEARS,
    Organization,
    Service,
    ServiceAtSite,
    Site,
    Taxonomy,
    TaxonomyTerm,
    Territory,
)
from directory.selectors import territory_for_point


class _Checks(_ImporterBase):
    """Checks every record, reading only; what they find goes to the report."""

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
