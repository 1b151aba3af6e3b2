"""The writes of each entity, run once every check passed."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from accounts.models import User
from directory.capacity import CapacityStatus
from directory.hsds.importer.base import _ImporterBase
from directory.hsds.importer.merging import Record
from directory.hsds.importer.report import Json
from directory.hsds.importer.writer import CHANGE_REASON, _free_texts, _same, _uuid_or_none
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

DEFAULT_ACCESS_ROUTES = [AccessRoute.SELF_REFERRAL.value, AccessRoute.REFERRAL.value]


class _Writes(_ImporterBase):
    """Writes every record, in the order other records point at them."""

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
            if d.get("redacted") is True:
                # A redacted (confidential) location publishes an area, not its place:
                # a site Puente holds keeps its own point and address; a new one starts
                # at the area's centre, confidential, for its provider to place.
                values["confidential"] = True
                if instance is not None:
                    values.pop("point", None)
                    for key in ("address_1", "city", "region", "postal_code", "country"):
                        values.pop(key, None)
                else:
                    values.setdefault("address_1", "Dirección confidencial")
                    values.setdefault("city", "—")
                    values["address_1"] = values["address_1"] or "Dirección confidencial"
                    values["city"] = values["city"] or "—"
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
        if "verified_by" in d:  # Puente's profile: who vouched for it, as shown
            values["verified_by_label"] = str(d["verified_by"] or "")[:200]
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
        declared: dict[uuid.UUID, Json] = {}
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
            # Puente's profile: what the provider declared, when Puente cannot derive it.
            status = rec.data.get("declared_capacity_status")
            if status in CapacityStatus.values:
                wait = rec.data.get("declared_wait_days")
                declared[link] = {
                    "declared_capacity_status": status,
                    "declared_wait_days": int(wait) if isinstance(wait, int | float) else None,
                }
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
            values.update(declared.get(rec.id, {}))
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
