"""The gaps app's part of the demo: its nightly figures, computed once on the demo's data.

The gap inventory, the network indicators and the last quarter's management report
are otherwise made by the night and the first day of a quarter; ``demo/`` runs them
after the cases so the coordinator's and planner's pages show figures on the first
visit rather than the morning after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from gaps.inventory import gap_inventory_compute
from gaps.services import management_report_take, network_snapshot_take, quarter_last_completed


@dataclass(frozen=True)
class DemoGapsSummary:
    day: date  # of the gap inventory
    cells: int
    network_end: date
    report_start: date
    report_end: date


def demo_gaps_load(*, today: date) -> DemoGapsSummary:
    """Take the gap inventory, the network snapshot and the last quarter's report."""
    gaps = gap_inventory_compute()
    cells = gaps.cells.count()
    network = network_snapshot_take(day=today)
    start, end = quarter_last_completed(today=today)
    management_report_take(start=start, end=end)
    return DemoGapsSummary(
        day=gaps.day, cells=cells, network_end=network.end, report_start=start, report_end=end
    )
