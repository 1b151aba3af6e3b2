"""The figures of a territory and category across snapshots, and their inequality."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from directory.models import Territory
from gaps.models import GapCell, GapSnapshot
from gaps.selectors.inventory import GAP_FIGURES, gap_row_from_cell


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
