"""What the checks and the writes share: the records, indexes and what the checks found."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from typing import Any

from django.contrib.gis.geos import Point
from django.db import models

from directory.hsds.importer.merging import Record
from directory.hsds.importer.report import ImportReport, Progress
from directory.hsds.importer.writer import _uuid_or_none, _Writer
from directory.hsds.tabular import Tables
from directory.models import Organization, Service, Site


class _ImporterBase:
    """The records being imported, their indexes, and what the checks learn for the writes."""

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
