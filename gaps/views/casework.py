"""What the network page shows of the case file's indicators: charts and their tables.

Every chart has its table beside it with the same figures (and more), already suppressed
by ``gaps.selectors``; the views only lay them out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from gaps.selectors import (
    CASEWORK_FIGURES,
    TYPICAL_DURATION_DAYS,
    CaseworkRow,
    CaseworkSummary,
    casework_figure_labels,
)
from gaps.views.bars import bar_chart

#: Rows of each table on the page; the downloads hold every row.
TABLE_ROWS = 200

_KINDS = dict(CASEWORK_FIGURES)


def _panel(
    *,
    chart_id: str,
    title: str,
    rows: Sequence[CaseworkRow],
    label_of: Any,
    series: Sequence[str],
    columns: Sequence[str],
    share: bool = False,
    reference: tuple[float, str] | None = None,
) -> dict[str, Any]:
    labels = casework_figure_labels()
    chart = bar_chart(
        chart_id=chart_id,
        title=title,
        items=[(label_of(row), [row.value(key) for key in series]) for row in rows],
        series=[labels[key] for key in series],
        scale=100.0 if share else 1.0,
        unit=" %" if share else "",
        reference=reference,
    )
    return {
        "chart": chart,
        "columns": [labels[key] for key in columns],
        "table": [
            (row, [(_KINDS[key], row.value(key)) for key in columns]) for row in rows[:TABLE_ROWS]
        ],
    }


def _group(
    *,
    prefix: str,
    title: str,
    first: str,
    rows: Sequence[CaseworkRow],
    short: bool,
    reasons: Sequence[tuple[str, str]],
    reasons_title: str,
) -> dict[str, Any]:
    def label_of(row: CaseworkRow) -> str:
        return row.short_name if short else row.name

    typical = (
        float(TYPICAL_DURATION_DAYS),
        _("about 5 months, typical in the field work"),
    )
    return {
        "id": prefix,
        "title": title,
        "first": first,
        "more": len(rows) > TABLE_ROWS,
        "reasons_title": reasons_title,
        "reason_columns": [label for _code, label in reasons],
        "reason_table": [
            (row, [row.reasons.get(code, 0) for code, _label in reasons])
            for row in rows[:TABLE_ROWS]
        ],
        "panels": [
            _panel(
                chart_id=f"casework-{prefix}-times",
                title=_("Median days from report to admissibility and to first service"),
                rows=rows,
                label_of=label_of,
                series=["admissibility_median_days", "service_median_days"],
                columns=[
                    "admissibility_cases",
                    "admissibility_median_days",
                    "admissibility_mean_days",
                    "service_cases",
                    "service_median_days",
                    "service_mean_days",
                ],
            ),
            _panel(
                chart_id=f"casework-{prefix}-duration",
                title=_("Case duration from opening to closure (days)"),
                rows=rows,
                label_of=label_of,
                series=["duration_median_days", "duration_mean_days"],
                columns=["closed_cases", "duration_median_days", "duration_mean_days", "closures"],
                reference=typical,
            ),
            _panel(
                chart_id=f"casework-{prefix}-shares",
                title=_("Reopened within 12 months and follow-ups done on time"),
                rows=rows,
                label_of=label_of,
                series=["reentry_share", "follow_ups_on_time_share"],
                columns=[
                    "reentry_closures",
                    "reentered",
                    "reentry_share",
                    "follow_ups_due",
                    "follow_ups_on_time",
                    "follow_ups_on_time_share",
                ],
                share=True,
            ),
        ],
    }


def casework_block(*, summary: CaseworkSummary) -> dict[str, Any]:
    """The section's figures: the network's, by territory and by team, closure reasons."""
    labels = casework_figure_labels()
    network = summary.network
    reasons = [(label, network.reasons.get(code, 0)) for code, label in summary.reasons]
    return {
        "summary": summary,
        "network": [(key, labels[key], kind, network.value(key)) for key, kind in CASEWORK_FIGURES],
        "reasons": {
            "chart": bar_chart(
                chart_id="casework-reasons",
                title=_("Closures by reason"),
                items=[(label, [value]) for label, value in reasons],
                series=[_("Closures")],
                decimals=0,
            ),
            "rows": reasons,
        },
        "groups": [
            _group(
                prefix="territory",
                title=_("By territory"),
                first=_("Territory"),
                rows=summary.territories,
                short=False,
                reasons=summary.reasons,
                reasons_title=_("Closure reasons by territory"),
            ),
            _group(
                prefix="team",
                title=_("By team"),
                first=_("Team"),
                rows=summary.teams,
                short=True,
                reasons=summary.reasons,
                reasons_title=_("Closure reasons by team"),
            ),
        ],
    }
