"""Reads of the gap inventory and the network indicators for the planners' pages.

Who sees what: planners and coordinators read aggregates only (territory x category, and
organizations of the network); nobody reads a case here.

Small counts: every count of children, cases, needs, slots, waiting children or referrals
between 1 and 4 leaves this package as ``"<5"`` (:func:`count_shown`, built on
:func:`gaps.inventory.suppress_small`), and a rate or median whose base is such a count is
withheld as ``"n<5"`` (:func:`ratio_shown`), since ``waiting / slots`` with the slots known
would give the small count back. Pages, JSON and downloads all read their figures from the rows
built here, so the rule lives in one place. Counts of organizations and ties are not
suppressed: organizations are public members of the network, not people.

The suggested site of a hotspot is the medoid of the children's homes (a real home, see
:mod:`gaps.hotspots`); it is shown rounded to 0.001° (about 100 m) so no home is pinpointed.

The modules: ``access`` (who reads), ``suppression`` (small counts), ``inventory`` (the rows
of a gap snapshot), ``choropleth`` (the map's classes and data), ``trends`` (across
snapshots), ``network`` (the referral network) and ``casework`` (the case file's times,
closures, re-entries and follow-ups). Import from here.
"""

from gaps.selectors.access import (
    GAP_ROLES,
    gap_can_view,
)
from gaps.selectors.casework import (
    CASEWORK_FIGURES,
    TYPICAL_DURATION_DAYS,
    CaseworkRow,
    CaseworkSummary,
    casework_figure_labels,
    casework_period_indicators,
    casework_period_summary,
    casework_reason_labels,
    casework_row,
    casework_summary,
)
from gaps.selectors.choropleth import (
    NO_DATA_COLOUR,
    PALETTE,
    SMALL_COLOUR,
    LegendClass,
    gap_legend,
    gap_legend_class,
    gap_map_data,
)
from gaps.selectors.inventory import (
    DEFAULT_MEASURE,
    GAP_FIGURES,
    MEASURE_KEYS,
    MEASURES,
    SITE_DECIMALS,
    GapRow,
    HotspotRow,
    Measure,
    gap_category_default,
    gap_category_list,
    gap_category_names,
    gap_figure_labels,
    gap_hotspot_rows,
    gap_row_from_cell,
    gap_rows,
    gap_snapshot_days,
    gap_snapshot_get,
    gap_snapshot_latest,
    measure_get,
)
from gaps.selectors.network import (
    NetworkSummary,
    OrganizationRow,
    PairRow,
    management_report_list,
    network_period_indicators,
    network_period_summary,
    network_snapshot_latest,
    network_snapshot_summary,
    network_summary,
    organization_short_name,
    quarter_previous,
)
from gaps.selectors.suppression import (
    SUPPRESSION_THRESHOLD,
    WITHHELD,
    Shown,
    count_shown,
    is_suppressed,
    ratio_shown,
)
from gaps.selectors.trends import (
    EquityPoint,
    gap_equity_history,
    gap_lorenz,
    gap_territory_default,
    gap_territory_list,
    gap_trend_rows,
)

__all__ = [
    "CASEWORK_FIGURES",
    "DEFAULT_MEASURE",
    "GAP_FIGURES",
    "GAP_ROLES",
    "MEASURES",
    "MEASURE_KEYS",
    "NO_DATA_COLOUR",
    "PALETTE",
    "SITE_DECIMALS",
    "SMALL_COLOUR",
    "SUPPRESSION_THRESHOLD",
    "TYPICAL_DURATION_DAYS",
    "WITHHELD",
    "CaseworkRow",
    "CaseworkSummary",
    "EquityPoint",
    "GapRow",
    "HotspotRow",
    "LegendClass",
    "Measure",
    "NetworkSummary",
    "OrganizationRow",
    "PairRow",
    "Shown",
    "casework_figure_labels",
    "casework_period_indicators",
    "casework_period_summary",
    "casework_reason_labels",
    "casework_row",
    "casework_summary",
    "count_shown",
    "gap_can_view",
    "gap_category_default",
    "gap_category_list",
    "gap_category_names",
    "gap_equity_history",
    "gap_figure_labels",
    "gap_hotspot_rows",
    "gap_legend",
    "gap_legend_class",
    "gap_lorenz",
    "gap_map_data",
    "gap_row_from_cell",
    "gap_rows",
    "gap_snapshot_days",
    "gap_snapshot_get",
    "gap_snapshot_latest",
    "gap_territory_default",
    "gap_territory_list",
    "gap_trend_rows",
    "is_suppressed",
    "management_report_list",
    "measure_get",
    "network_period_indicators",
    "network_period_summary",
    "network_snapshot_latest",
    "network_snapshot_summary",
    "network_summary",
    "organization_short_name",
    "quarter_previous",
    "ratio_shown",
]
