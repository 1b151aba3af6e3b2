"""Saving one model instance at a time, only when its values changed, and its helpers."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from directory.hsds.importer.merging import Record
from directory.hsds.importer.report import ImportReport, Json
from directory.hsds.serializers import free_of_charge_text
from directory.models import Eligibility, Organization, Service, ServiceAtSite, Site

CHANGE_REASON = "HSDS import"


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
