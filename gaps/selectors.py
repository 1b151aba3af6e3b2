"""Reads of the gap inventory and the network indicators for the planners' pages.

Who sees what: planners and coordinators read aggregates only (territory x category, and
organizations of the network); nobody reads a case here.

Small counts: every count of children, cases, needs, slots, waiting children or referrals
between 1 and 4 leaves this module as ``"<5"`` (:func:`count_shown`, built on
:func:`gaps.inventory.suppress_small`), and a rate or median whose base is such a count is
withheld as ``"n<5"`` (:func:`ratio_shown`), since ``waiting / slots`` with the slots known
would give the small count back. Pages, JSON and downloads all read their figures from the rows
built here, so the rule lives in one place. Counts of organizations and ties are not
suppressed: organizations are public members of the network, not people.

The suggested site of a hotspot is the medoid of the children's homes (a real home, see
:mod:`gaps.hotspots`); it is shown rounded to 0.001° (about 100 m) so no home is pinpointed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

import numpy as np
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from accounts.selectors import AnyUser, user_has_role
from directory.models import Organization, TaxonomyTerm, Territory
from directory.selectors import territory_list_for_map
from gaps.inventory import suppress_small
from gaps.models import GapCell, GapHotspot, GapSnapshot, ManagementReport, NetworkSnapshot
from gaps.network import network_indicators_for_period
from gaps.services import period_bounds, quarter_last_completed

SUPPRESSION_THRESHOLD = 5
#: How a rate or median over fewer than five is shown instead of its value.
WITHHELD = "n<5"
#: Decimals kept of a suggested site's coordinates (0.001° ≈ 100 m).
SITE_DECIMALS = 3
#: Colours of the map's classes, light to dark (ColorBrewer YlOrRd, 5 classes).
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
SMALL_COLOUR = "#d9d9d9"
NO_DATA_COLOUR = "#f5f5f5"

Shown = int | float | str | None

# --- permissions -------------------------------------------------------------------------------

GAP_ROLES = (Role.PLANNER, Role.COORDINATOR)


def gap_can_view(*, user: AnyUser) -> bool:
    """Planners and coordinators read the gap inventory and the network indicators."""
    return user_has_role(user=user, roles=GAP_ROLES)


# --- suppression -------------------------------------------------------------------------------


def count_shown(value: float | None) -> int | str | None:
    """A count as it may be shown: whole, and ``"<5"`` between 1 and 4 (0 stays 0)."""
    if value is None:
        return None
    return suppress_small(round(value), threshold=SUPPRESSION_THRESHOLD)


def is_suppressed(value: float | None) -> bool:
    return value is not None and 0 < round(value) < SUPPRESSION_THRESHOLD


def ratio_shown(value: float | None, *, base: float | None) -> float | str | None:
    """A rate or median over ``base`` things, withheld (``"n<5"``) when ``base`` is 1 to 4."""
    if is_suppressed(base):
        return WITHHELD
    return value


# --- the gap inventory -------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    #: Darker means a larger gap: for accessibility a lower value is the worse one.
    higher_is_worse: bool
    #: A count, suppressed below five (others are rates or withheld with their base).
    is_count: bool
    unit: str = ""


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


@dataclass(frozen=True)
class LegendClass:
    key: str
    label: str
    colour: str
    lower: float | None = None
    upper: float | None = None


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{int(value):,}"


def gap_legend(*, values: Sequence[Shown], measure: Measure) -> list[LegendClass]:
    """Up to five classes at the quantiles of the shown values, plus "<5" and "no data".

    Breaks come only from values that are shown as numbers, so a class edge never falls
    inside the suppressed range 1-4.
    """
    numbers = sorted(float(v) for v in values if isinstance(v, int | float))
    classes: list[LegendClass] = []
    if numbers:
        distinct = sorted(set(numbers))
        if len(distinct) <= len(PALETTE):
            uppers = distinct
        else:
            # Quintiles taken at values that occur, so no class is empty.
            uppers = sorted(
                set(np.quantile(numbers, [0.2, 0.4, 0.6, 0.8, 1.0], method="higher").tolist())
            )
        ramp = _ramp(len(uppers), reverse=not measure.higher_is_worse)
        previous = -math.inf
        for index, upper in enumerate(uppers):
            lower = min(v for v in distinct if previous < v <= upper)
            label = _number(lower) if lower == upper else f"{_number(lower)} – {_number(upper)}"
            classes.append(
                LegendClass(
                    key=f"c{index}", label=label, colour=ramp[index], lower=lower, upper=upper
                )
            )
            previous = upper
    if any(isinstance(v, str) for v in values):
        classes.append(
            LegendClass(
                key="small",
                label=_("fewer than 5 (not shown)"),
                colour=SMALL_COLOUR,
            )
        )
    if any(v is None for v in values):
        classes.append(LegendClass(key="none", label=_("no figure"), colour=NO_DATA_COLOUR))
    return classes


def _ramp(count: int, *, reverse: bool) -> list[str]:
    if count <= 1:
        picked = [PALETTE[2]]
    else:
        picked = [PALETTE[round(i * (len(PALETTE) - 1) / (count - 1))] for i in range(count)]
    return picked[::-1] if reverse else picked


def gap_legend_class(*, value: Shown, legend: Sequence[LegendClass]) -> LegendClass | None:
    if value is None:
        return next((c for c in legend if c.key == "none"), None)
    if isinstance(value, str):
        return next((c for c in legend if c.key == "small"), None)
    for legend_class in legend:
        if legend_class.upper is not None and value <= legend_class.upper:
            return legend_class
    numeric = [c for c in legend if c.upper is not None]
    return numeric[-1] if numeric else None


def gap_map_data(
    *, snapshot: GapSnapshot, category_code: str, measure_key: str, with_geometry: bool = True
) -> dict[str, Any]:
    """The choropleth's data: one feature per map territory, its class, the legend, hotspots.

    The map territories are the most specific ones (as on the service map); their parents'
    figures are in the table and the downloads.
    """
    measure = measure_get(measure_key)
    territories = list(territory_list_for_map())
    rows = {
        row.territory_id: row
        for row in gap_rows(
            snapshot=snapshot,
            category_code=category_code,
            territory_ids=[t.pk for t in territories],
        )
    }
    values = [rows[t.pk].value(measure.key) if t.pk in rows else None for t in territories]
    legend = gap_legend(values=values, measure=measure)
    features = []
    for territory, value in zip(territories, values, strict=True):
        row = rows.get(territory.pk)
        legend_class = gap_legend_class(value=value, legend=legend)
        properties: dict[str, Any] = {
            "territory_id": str(territory.pk),
            "name": territory.name,
            "code": territory.code,
            "value": value,
            "class": legend_class.key if legend_class else None,
            "colour": legend_class.colour if legend_class else NO_DATA_COLOUR,
            "class_label": legend_class.label if legend_class else "",
        }
        if row is not None:
            properties.update({key: row.value(key) for key in GAP_FIGURES})
        features.append(
            {
                "type": "Feature",
                "id": str(territory.pk),
                "geometry": (
                    json.loads(territory.simplified.geojson)  # type: ignore[attr-defined]
                    if with_geometry
                    else None
                ),
                "properties": properties,
            }
        )
    return {
        "snapshot": snapshot.day.isoformat(),
        "category": category_code,
        "measure": {"key": measure.key, "label": str(measure.label)},
        "legend": [
            {"key": c.key, "label": c.label, "colour": c.colour, "lower": c.lower, "upper": c.upper}
            for c in legend
        ],
        "territories": {"type": "FeatureCollection", "features": features},
        "hotspots": {
            "type": "FeatureCollection",
            "features": [
                h.as_feature()
                for h in gap_hotspot_rows(snapshot=snapshot, category_code=category_code)
            ],
        },
    }


# --- trends across snapshots --------------------------------------------------------------------


def gap_territory_list() -> QuerySet[Territory]:
    return Territory.objects.order_by("depth", "name")


def gap_territory_default() -> Territory | None:
    """The broadest territory: the whole municipality (or region) the inventory covers."""
    return gap_territory_list().first()


def gap_trend_rows(
    *, category_code: str, territory_id: UUID, limit: int = 366
) -> list[dict[str, Any]]:
    """One row per snapshot, oldest first: the figures shown, and numbers to draw.

    A suppressed count is drawn as a gap in the line (``None`` under its ``*_plot`` key), so
    the chart cannot show what the table hides.
    """
    cells = list(
        GapCell.objects.filter(category__code=category_code, territory_id=territory_id)
        .select_related("snapshot", "territory", "category")
        .order_by("-snapshot__day")[:limit]
    )
    rows = []
    for cell in reversed(cells):
        shown = gap_row_from_cell(cell, day=cell.snapshot.day)
        row: dict[str, Any] = {"day": cell.snapshot.day, "row": shown}
        for key in GAP_FIGURES:
            value = shown.value(key)
            row[key] = value
            row[f"{key}_plot"] = float(value) if isinstance(value, int | float) else None
        rows.append(row)
    return rows


@dataclass(frozen=True)
class EquityPoint:
    day: date
    gini: float


def gap_equity_history(*, category_code: str, limit: int = 366) -> list[EquityPoint]:
    """The Gini of accessibility across territories, per snapshot, oldest first."""
    points = [
        EquityPoint(day=s.day, gini=float(s.equity[category_code]["gini"]))
        for s in GapSnapshot.objects.order_by("-day").only("day", "equity")[:limit]
        if category_code in (s.equity or {})
    ]
    return points[::-1]


def gap_lorenz(*, snapshot: GapSnapshot, category_code: str) -> tuple[list[float], list[float]]:
    entry = (snapshot.equity or {}).get(category_code) or {}
    return list(entry.get("lorenz_x") or []), list(entry.get("lorenz_y") or [])


# --- the referral network ---------------------------------------------------------------------


def network_snapshot_latest() -> NetworkSnapshot | None:
    return NetworkSnapshot.objects.order_by("-end", "-computed_at").first()


def quarter_previous(*, today: date) -> tuple[date, date]:
    """The last complete quarter: the default period of the management indicators."""
    return quarter_last_completed(today=today)


def management_report_list(*, limit: int = 8) -> QuerySet[ManagementReport]:
    return ManagementReport.objects.order_by("-end", "-start")[:limit]


def network_period_indicators(*, start: date, end: date) -> dict[str, Any]:
    """The management indicators of referrals sent from ``start`` to ``end`` (inclusive).

    A stored report of exactly that period (the quarterly job's) is read instead of
    recomputed: at a million referrals that is seconds saved per page.
    """
    report = ManagementReport.objects.filter(start=start, end=end).first()
    if report is not None:
        return dict(report.indicators)
    since, until = period_bounds(start=start, end=end)
    return network_indicators_for_period(start=since, end=until).as_dict()


@dataclass(frozen=True)
class OrganizationRow:
    organization_id: str
    name: str
    sent: Shown
    received: Shown
    accepted: Shown
    completed: Shown
    overdue: Shown
    acceptance_rate: Shown
    completion_rate: Shown
    overdue_share: Shown
    median_days_to_attention: Shown
    betweenness: float
    in_degree: int
    out_degree: int
    isolated: bool
    #: Referrals sent plus received, unsuppressed: only for ordering and drawing sizes in bands.
    volume: int


@dataclass(frozen=True)
class PairRow:
    sender_id: str
    sender: str
    receiver_id: str
    receiver: str
    sent: Shown
    accepted: Shown
    completed: Shown
    overdue: Shown
    acceptance_rate: Shown
    completion_rate: Shown
    #: Unsuppressed referrals sent, for drawing the edge's width in bands only.
    volume: int


@dataclass(frozen=True)
class NetworkSummary:
    """A network snapshot or a period, every figure as it may be shown."""

    start: date | None
    end: date | None
    computed_at: datetime | None
    organizations: int
    referrals: Shown
    self_referrals: Shown
    edges: int
    density: float
    reciprocity: float
    degree_centralization: float
    weak_components: int
    largest_component_share: float
    isolated: list[str]
    median_days_to_attention: Shown
    overdue_share: Shown
    betweenness_sources: int | None
    #: Pairs in the period; a stored snapshot keeps only the busiest (see gaps.services).
    pairs_total: int = 0
    per_organization: list[OrganizationRow] = field(default_factory=list)
    per_pair: list[PairRow] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.referrals == 0

    def indicators(self) -> list[tuple[str, str, Shown]]:
        """(key, label, value) of the network-wide figures, for tables and downloads."""
        return [
            ("organizations", _("Organizations"), self.organizations),
            ("referrals", _("Referrals sent"), self.referrals),
            ("self_referrals", _("Referrals within one organization"), self.self_referrals),
            ("edges", _("Ties between organizations"), self.edges),
            ("density", _("Density"), self.density),
            ("reciprocity", _("Reciprocity"), self.reciprocity),
            ("degree_centralization", _("Degree centralization"), self.degree_centralization),
            ("weak_components", _("Components"), self.weak_components),
            (
                "largest_component_share",
                _("Share of organizations in the largest component"),
                self.largest_component_share,
            ),
            ("isolated", _("Isolated organizations"), len(self.isolated)),
            (
                "median_days_to_attention",
                _("Median days from referral to first attention"),
                self.median_days_to_attention,
            ),
            ("overdue_share", _("Share of referrals answered late"), self.overdue_share),
        ]


def _organization_names(ids: Iterable[str]) -> dict[str, str]:
    wanted = set()
    for raw in ids:
        try:
            wanted.add(UUID(str(raw)))
        except ValueError:
            continue
    return {
        str(pk): name
        for pk, name in Organization.objects.filter(pk__in=wanted).values_list("pk", "name")
    }


def _round(value: Any, digits: int = 4) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)


def network_summary(
    *,
    indicators: Mapping[str, Any],
    start: date | None = None,
    end: date | None = None,
    computed_at: datetime | None = None,
) -> NetworkSummary:
    """Suppressed rows from ``NetworkIndicators.as_dict()`` (a snapshot's JSON or a period)."""
    per_org = list(indicators.get("per_organization") or [])
    per_pair = list(indicators.get("per_pair") or [])
    isolated_ids = [str(o) for o in indicators.get("isolated") or []]
    names = _organization_names(
        [o["organization"] for o in per_org]
        + [p["sender"] for p in per_pair]
        + [p["receiver"] for p in per_pair]
        + isolated_ids
    )
    unknown = _("(organization removed)")
    betweenness = indicators.get("betweenness") or {}
    isolated = set(isolated_ids)
    organizations = []
    for o in per_org:
        key = str(o["organization"])
        organizations.append(
            OrganizationRow(
                organization_id=key,
                name=names.get(key, unknown),
                sent=count_shown(o["sent"]),
                received=count_shown(o["received"]),
                accepted=count_shown(o["accepted"]),
                completed=count_shown(o["completed"]),
                overdue=count_shown(o["overdue"]),
                acceptance_rate=ratio_shown(_round(o["acceptance_rate"]), base=o["received"]),
                completion_rate=ratio_shown(_round(o["completion_rate"]), base=o["accepted"]),
                overdue_share=ratio_shown(_round(o["overdue_share"]), base=o["received"]),
                median_days_to_attention=ratio_shown(
                    _round(o["median_days_to_attention"], 1), base=o["received"]
                ),
                betweenness=_round(betweenness.get(key, 0.0)) or 0.0,
                in_degree=int(o["in_degree"]),
                out_degree=int(o["out_degree"]),
                isolated=key in isolated,
                volume=int(o["sent"]) + int(o["received"]),
            )
        )
    organizations.sort(key=lambda row: (-row.volume, row.name))
    pairs = [
        PairRow(
            sender_id=str(p["sender"]),
            sender=names.get(str(p["sender"]), unknown),
            receiver_id=str(p["receiver"]),
            receiver=names.get(str(p["receiver"]), unknown),
            sent=count_shown(p["sent"]),
            accepted=count_shown(p["accepted"]),
            completed=count_shown(p["completed"]),
            overdue=count_shown(p["overdue"]),
            acceptance_rate=ratio_shown(_round(p["acceptance_rate"]), base=p["sent"]),
            completion_rate=ratio_shown(_round(p["completion_rate"]), base=p["accepted"]),
            volume=int(p["sent"]),
        )
        for p in per_pair
    ]
    pairs.sort(key=lambda row: (-row.volume, row.sender, row.receiver))
    referrals = int(indicators.get("referrals") or 0)
    return NetworkSummary(
        start=start,
        end=end,
        computed_at=computed_at,
        organizations=int(indicators.get("organizations") or 0),
        referrals=count_shown(referrals),
        self_referrals=count_shown(int(indicators.get("self_referrals") or 0)),
        edges=int(indicators.get("edges") or 0),
        density=_round(indicators.get("density")) or 0.0,
        reciprocity=_round(indicators.get("reciprocity")) or 0.0,
        degree_centralization=_round(indicators.get("degree_centralization")) or 0.0,
        weak_components=int(indicators.get("weak_components") or 0),
        largest_component_share=_round(indicators.get("largest_component_share")) or 0.0,
        isolated=sorted(names.get(i, unknown) for i in isolated_ids),
        median_days_to_attention=ratio_shown(
            _round(indicators.get("median_days_to_attention"), 1), base=referrals
        ),
        overdue_share=ratio_shown(_round(indicators.get("overdue_share")), base=referrals),
        betweenness_sources=indicators.get("betweenness_sources"),
        pairs_total=int(indicators.get("per_pair_total") or len(per_pair)),
        per_organization=organizations,
        per_pair=pairs,
    )


def network_snapshot_summary(snapshot: NetworkSnapshot) -> NetworkSummary:
    return network_summary(
        indicators=snapshot.indicators,
        start=snapshot.start,
        end=snapshot.end,
        computed_at=snapshot.computed_at,
    )


def network_period_summary(*, start: date, end: date) -> NetworkSummary:
    return network_summary(
        indicators=network_period_indicators(start=start, end=end), start=start, end=end
    )
