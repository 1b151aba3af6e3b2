"""The gap map: classes at the quantiles of the shown values, colours, and its data."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from directory.selectors import territory_list_for_map
from gaps.models import GapSnapshot
from gaps.selectors.inventory import GAP_FIGURES, Measure, gap_hotspot_rows, gap_rows, measure_get
from gaps.selectors.suppression import Shown, figure_text

#: Colours of the map's classes, light to dark (ColorBrewer YlOrRd, 5 classes).
PALETTE = ("#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026")
SMALL_COLOUR = "#d9d9d9"
NO_DATA_COLOUR = "#f5f5f5"


@dataclass(frozen=True)
class LegendClass:
    key: str
    label: str
    colour: str
    lower: float | None = None
    upper: float | None = None


def _legend_text(value: float, measure: Measure) -> str:
    """A break as the measure's column of the table writes it."""
    if measure.is_count and float(value).is_integer():
        return figure_text(int(value), measure.decimals)
    return figure_text(value, measure.decimals)


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
            low, high = (_legend_text(v, measure) for v in (lower, upper))
            label = low if low == high else f"{low} – {high}"
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
            # As the table writes it (the map's tooltips show this, not the raw number).
            "value_label": figure_text(value, measure.decimals),
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
