"""The rows of a gap snapshot, territory x category, every figure as it may be shown."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from directory.models import TaxonomyTerm
from gaps.models import GapCell, GapHotspot, GapSnapshot
from gaps.selectors.suppression import Shown, count_shown, ratio_shown

#: Decimals kept of a suggested site's coordinates (0.001° ≈ 100 m).
SITE_DECIMALS = 3


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    #: Darker means a larger gap: for accessibility a lower value is the worse one.
    higher_is_worse: bool
    #: A count, suppressed below five (others are rates or withheld with their base).
    is_count: bool
    unit: str = ""

    @property
    def decimals(self) -> int:
        """As its column of the table writes it: the legend's breaks the same way."""
        return figure_decimals(self.key)


MEASURES: tuple[Measure, ...] = (
    Measure(
        "accessibility",
        gettext_lazy("Accessibility (slots within reach per 1,000 children)"),
        higher_is_worse=False,
        is_count=False,
    ),
    Measure(
        "zero_access_share",
        gettext_lazy("Children with no service within reach (%)"),
        higher_is_worse=True,
        is_count=False,
        unit="%",
    ),
    Measure(
        "shortfall_slots",
        gettext_lazy("Slots short of the norm"),
        higher_is_worse=True,
        is_count=True,
    ),
    Measure(
        "waitlist_pressure",
        gettext_lazy("Waitlist pressure (waiting per slot)"),
        higher_is_worse=True,
        is_count=False,
    ),
    Measure(
        "unmet_cases",
        gettext_lazy("Cases with no eligible service within reach"),
        higher_is_worse=True,
        is_count=True,
    ),
)
MEASURE_KEYS = tuple(m.key for m in MEASURES)
DEFAULT_MEASURE = "accessibility"


#: Decimals a figure is written with where it is not 2 (counts are whole anyway).
FIGURE_DECIMALS = {"zero_access_share": 1, "median_wait_days": 1}


def figure_decimals(key: str) -> int:
    return FIGURE_DECIMALS.get(key, 2)


def measure_get(key: str) -> Measure:
    return next((m for m in MEASURES if m.key == key), MEASURES[0])


@dataclass(frozen=True)
class GapRow:
    """One territory x category of a snapshot, every figure as it may be shown."""

    day: date
    territory_id: UUID
    territory_code: str
    territory_name: str
    category_code: str
    category_name: str
    children: Shown
    active_needs: Shown
    slots: Shown
    #: Population-weighted mean A, per 1,000 children (A is slots per child).
    accessibility: float
    #: Percentage of children with A = 0.
    zero_access_share: float
    shortfall_slots: Shown
    unmet_cases: Shown
    waiting: Shown
    waitlist_pressure: Shown
    median_wait_days: Shown
    rejected_no_capacity: Shown

    def value(self, key: str) -> Shown:
        value: Shown = getattr(self, key)
        return value

    def as_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "territory_id": str(self.territory_id),
            "territory_code": self.territory_code,
            "territory_name": self.territory_name,
            "category_code": self.category_code,
            "category_name": self.category_name,
            **{key: getattr(self, key) for key in GAP_FIGURES},
        }


#: The figures of a :class:`GapRow`, in the order of the tables and downloads.
GAP_FIGURES = (
    "children",
    "active_needs",
    "slots",
    "accessibility",
    "zero_access_share",
    "shortfall_slots",
    "unmet_cases",
    "waiting",
    "waitlist_pressure",
    "median_wait_days",
    "rejected_no_capacity",
)


def gap_figure_labels() -> dict[str, str]:
    return {
        "children": _("Children"),
        "active_needs": _("Cases with an active need"),
        "slots": _("Slots"),
        "accessibility": _("Accessibility (slots within reach per 1,000 children)"),
        "zero_access_share": _("Children with no service within reach (%)"),
        "shortfall_slots": _("Slots short of the norm"),
        "unmet_cases": _("Cases with no eligible service within reach"),
        "waiting": _("Children waiting"),
        "waitlist_pressure": _("Waiting per slot"),
        "median_wait_days": _("Median wait (days)"),
        "rejected_no_capacity": _("Referrals rejected for lack of slots (90 days)"),
    }


def gap_row_from_cell(cell: GapCell, *, day: date) -> GapRow:
    return GapRow(
        day=day,
        territory_id=cell.territory_id,
        territory_code=cell.territory.code,
        territory_name=cell.territory.name,
        category_code=cell.category.code,
        category_name=cell.category.name,
        children=count_shown(cell.children),
        active_needs=count_shown(cell.active_needs),
        slots=count_shown(cell.slots),
        accessibility=round(cell.accessibility * 1000, 2),
        zero_access_share=round(cell.zero_access_share * 100, 1),
        shortfall_slots=count_shown(cell.shortfall_slots),
        unmet_cases=count_shown(cell.unmet_cases),
        waiting=count_shown(cell.waiting),
        waitlist_pressure=ratio_shown(
            None if cell.waitlist_pressure is None else round(cell.waitlist_pressure, 2),
            base=cell.waiting,
        ),
        median_wait_days=ratio_shown(cell.median_wait_days, base=cell.waiting),
        rejected_no_capacity=count_shown(cell.rejected_no_capacity),
    )


def gap_snapshot_latest() -> GapSnapshot | None:
    return GapSnapshot.objects.order_by("-day").first()


def gap_snapshot_get(*, day: date | None) -> GapSnapshot | None:
    """The snapshot of ``day``, or the latest when ``day`` is None."""
    if day is None:
        return gap_snapshot_latest()
    return GapSnapshot.objects.filter(day=day).first()


def gap_snapshot_days() -> list[date]:
    return list(GapSnapshot.objects.order_by("-day").values_list("day", flat=True))


def gap_category_list(*, snapshot: GapSnapshot | None) -> QuerySet[TaxonomyTerm]:
    """Categories with figures in the snapshot (every category when there is none)."""
    terms = TaxonomyTerm.objects.select_related("parent").order_by("code")
    if snapshot is None:
        return terms
    return terms.filter(pk__in=snapshot.cells.values("category_id"))


def gap_category_default(*, snapshot: GapSnapshot | None) -> TaxonomyTerm | None:
    """The first category of :func:`gap_category_list`: the one the pages open on."""
    return gap_category_list(snapshot=snapshot).first()


def gap_category_names(*, snapshot: GapSnapshot) -> dict[str, str]:
    """Code → name of the categories with figures in the snapshot."""
    return dict(snapshot.cells.values_list("category__code", "category__name").distinct())


def gap_rows(
    *,
    snapshot: GapSnapshot,
    category_code: str | None = None,
    territory_ids: Iterable[UUID] | None = None,
) -> list[GapRow]:
    cells = snapshot.cells.select_related("territory", "category").order_by(
        "category__code", "territory__depth", "territory__code"
    )
    if category_code is not None:
        cells = cells.filter(category__code=category_code)
    if territory_ids is not None:
        cells = cells.filter(territory_id__in=list(territory_ids))
    return [gap_row_from_cell(cell, day=snapshot.day) for cell in cells]


@dataclass(frozen=True)
class HotspotRow:
    category_code: str
    size: Shown
    radius_m: int
    centroid_lon: float
    centroid_lat: float
    site_lon: float
    site_lat: float

    def as_feature(self) -> dict[str, Any]:
        return {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [self.site_lon, self.site_lat]},
            "properties": {
                "category_code": self.category_code,
                "size": self.size,
                "radius_m": self.radius_m,
                "centroid": [self.centroid_lon, self.centroid_lat],
                "suggested_site": [self.site_lon, self.site_lat],
            },
        }


def gap_hotspot_rows(*, snapshot: GapSnapshot, category_code: str) -> list[HotspotRow]:
    spots: QuerySet[GapHotspot] = snapshot.hotspots.filter(category__code=category_code).order_by(
        "-size", "pk"
    )
    return [
        HotspotRow(
            category_code=category_code,
            size=count_shown(spot.size),
            radius_m=round(spot.radius_m),
            centroid_lon=round(spot.centroid.x, SITE_DECIMALS),
            centroid_lat=round(spot.centroid.y, SITE_DECIMALS),
            site_lon=round(spot.suggested_site.x, SITE_DECIMALS),
            site_lat=round(spot.suggested_site.y, SITE_DECIMALS),
        )
        for spot in spots
    ]
