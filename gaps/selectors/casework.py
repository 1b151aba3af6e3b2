"""The case file's indicators of a period (``gaps.casework``), as they may be shown.

The '<5' rule, cell by cell: every figure comes from the cases of its cell (network-wide,
a territory or a team). When those are 1 to 4, counts are shown as ``"<5"`` and medians,
means and shares as ``"n<5"``, whatever they count (follow-ups, closures); otherwise a
count of 1 to 4 is ``"<5"`` as everywhere on these pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from django.utils.translation import gettext as _

from cases.models import CaseCloseReason
from directory.models import Organization, Territory
from gaps.models import ManagementReport
from gaps.selectors.network import organization_short_name
from gaps.selectors.suppression import Shown, count_shown, is_suppressed, ratio_shown
from gaps.services import casework_indicators_for_days

#: The field work's typical case duration (seeds/004): about five months, in days.
TYPICAL_DURATION_DAYS = 152


def casework_period_indicators(*, start: date, end: date) -> dict[str, Any]:
    """The raw figures of ``start`` to ``end``: a stored report's, else computed now.

    A report stored before these indicators existed has none: they are computed.
    """
    report = ManagementReport.objects.filter(start=start, end=end).first()
    if report is not None and isinstance(report.indicators.get("casework"), dict):
        return dict(report.indicators["casework"])
    return casework_indicators_for_days(start=start, end=end)


@dataclass(frozen=True)
class CaseworkRow:
    """One cell's figures as shown: the network's, a territory's or a team's."""

    key: str
    name: str
    short_name: str
    admissibility_cases: Shown
    admissibility_median_days: Shown
    admissibility_mean_days: Shown
    service_cases: Shown
    service_median_days: Shown
    service_mean_days: Shown
    closed_cases: Shown
    duration_median_days: Shown
    duration_mean_days: Shown
    closures: Shown
    reentry_closures: Shown
    reentered: Shown
    reentry_share: Shown
    follow_ups_due: Shown
    follow_ups_on_time: Shown
    follow_ups_on_time_share: Shown
    #: Closures by reason code, as shown.
    reasons: dict[str, Shown] = field(default_factory=dict)
    #: The cases behind the cell's figures, unsuppressed: for ordering only.
    volume: int = 0

    def value(self, key: str) -> Shown:
        shown: Shown = getattr(self, key)
        return shown

    def plot(self, key: str) -> float | None:
        """A figure to draw, None when withheld or missing."""
        value = self.value(key)
        return float(value) if isinstance(value, int | float) else None


#: (key, kind) of each figure of a row, in the order of the tables and downloads.
CASEWORK_FIGURES: tuple[tuple[str, str], ...] = (
    ("admissibility_cases", "count"),
    ("admissibility_median_days", "days"),
    ("admissibility_mean_days", "days"),
    ("service_cases", "count"),
    ("service_median_days", "days"),
    ("service_mean_days", "days"),
    ("closed_cases", "count"),
    ("duration_median_days", "days"),
    ("duration_mean_days", "days"),
    ("closures", "count"),
    ("reentry_closures", "count"),
    ("reentered", "count"),
    ("reentry_share", "share"),
    ("follow_ups_due", "count"),
    ("follow_ups_on_time", "count"),
    ("follow_ups_on_time_share", "share"),
)


def casework_figure_labels() -> dict[str, str]:
    """Each figure's label, in the active language."""
    return {
        "admissibility_cases": _("Cases admitted"),
        "admissibility_median_days": _("Median days from report to admissibility"),
        "admissibility_mean_days": _("Mean days from report to admissibility"),
        "service_cases": _("Cases starting their first service"),
        "service_median_days": _("Median days from report to first service"),
        "service_mean_days": _("Mean days from report to first service"),
        "closed_cases": _("Cases closed (not counting not admitted)"),
        "duration_median_days": _("Median case duration (days)"),
        "duration_mean_days": _("Mean case duration (days)"),
        "closures": _("Closures, every reason"),
        "reentry_closures": _("Closures of the cohort a year earlier"),
        "reentered": _("Reopened within 12 months"),
        "reentry_share": _("Share reopened within 12 months"),
        "follow_ups_due": _("Follow-ups due"),
        "follow_ups_on_time": _("Follow-ups done on time"),
        "follow_ups_on_time_share": _("Share of follow-ups done on time"),
    }


def casework_reason_labels() -> dict[str, str]:
    return {str(code): str(label) for code, label in CaseCloseReason.choices}


@dataclass(frozen=True)
class CaseworkSummary:
    start: date | None
    end: date | None
    cohort_start: date | None
    cohort_end: date | None
    network: CaseworkRow
    territories: list[CaseworkRow]
    teams: list[CaseworkRow]
    #: (code, label) of the reasons any closure of the period had, in the list's order.
    reasons: list[tuple[str, str]]

    @property
    def empty(self) -> bool:
        return self.network.volume == 0

    def indicators(self) -> list[tuple[str, str, Shown]]:
        """(key, label, value) of the network-wide figures, for the downloads."""
        labels = casework_figure_labels()
        rows = [(key, labels[key], self.network.value(key)) for key, _kind in CASEWORK_FIGURES]
        rows += [
            (
                f"reason_{code}",
                _("Closures: %(reason)s") % {"reason": label},
                self.network.reasons.get(code, 0),
            )
            for code, label in self.reasons
        ]
        return rows


def _round(value: Any, digits: int = 1) -> float | None:
    return None if value is None else round(float(value), digits)


def _count(value: Any, *, cases: int) -> Shown:
    """A count from ``cases`` cases: ``"<5"`` when they, or it, are 1 to 4."""
    if is_suppressed(cases):
        return count_shown(1)
    return count_shown(int(value or 0))


def _share(part: Any, whole: Any, *, cases: int) -> Shown:
    whole = int(whole or 0)
    value = round(int(part or 0) / whole, 4) if whole else None
    return ratio_shown(value, base=cases)


def casework_row(
    *, key: str, name: str, figures: Mapping[str, Any], short_name: str = ""
) -> CaseworkRow:
    """A cell's raw figures (one group of ``casework_indicators_for_period``), suppressed."""
    admitted = int(figures.get("admissibility_cases") or 0)
    served = int(figures.get("service_cases") or 0)
    closed = int(figures.get("duration_cases") or 0)
    cohort = int(figures.get("reentry_cases") or 0)
    followed = int(figures.get("follow_up_cases") or 0)
    raw_reasons: Mapping[str, Mapping[str, int]] = figures.get("reasons") or {}
    reasons = {
        code: _count(cell.get("closures"), cases=int(cell.get("cases") or 0))
        for code, cell in raw_reasons.items()
    }
    closure_cases = sum(int(cell.get("cases") or 0) for cell in raw_reasons.values())
    closures = sum(int(cell.get("closures") or 0) for cell in raw_reasons.values())
    return CaseworkRow(
        key=key,
        name=name,
        short_name=short_name or name,
        admissibility_cases=_count(admitted, cases=admitted),
        admissibility_median_days=ratio_shown(
            _round(figures.get("admissibility_median_days")), base=admitted
        ),
        admissibility_mean_days=ratio_shown(
            _round(figures.get("admissibility_mean_days")), base=admitted
        ),
        service_cases=_count(served, cases=served),
        service_median_days=ratio_shown(_round(figures.get("service_median_days")), base=served),
        service_mean_days=ratio_shown(_round(figures.get("service_mean_days")), base=served),
        closed_cases=_count(closed, cases=closed),
        duration_median_days=ratio_shown(_round(figures.get("duration_median_days")), base=closed),
        duration_mean_days=ratio_shown(_round(figures.get("duration_mean_days")), base=closed),
        # A case closed twice in the period counts once among the cases behind it.
        closures=_count(closures, cases=closure_cases),
        reentry_closures=_count(figures.get("reentry_closures"), cases=cohort),
        reentered=_count(figures.get("reentered"), cases=cohort),
        reentry_share=_share(
            figures.get("reentered"), figures.get("reentry_closures"), cases=cohort
        ),
        follow_ups_due=_count(figures.get("follow_ups_due"), cases=followed),
        follow_ups_on_time=_count(figures.get("follow_ups_on_time"), cases=followed),
        follow_ups_on_time_share=_share(
            figures.get("follow_ups_on_time"), figures.get("follow_ups_due"), cases=followed
        ),
        reasons=reasons,
        volume=max(admitted, served, closed, cohort, followed, closure_cases),
    )


def _ids(raw: Iterable[str]) -> set[UUID]:
    wanted = set()
    for value in raw:
        try:
            wanted.add(UUID(str(value)))
        except ValueError:
            continue
    return wanted


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def casework_summary(
    *, indicators: Mapping[str, Any], start: date | None = None, end: date | None = None
) -> CaseworkSummary:
    """Rows from the raw figures (a stored report's ``"casework"``, or computed)."""
    territories_raw: Mapping[str, Any] = indicators.get("territories") or {}
    teams_raw: Mapping[str, Any] = indicators.get("teams") or {}
    territory_names = {
        str(pk): name
        for pk, name in Territory.objects.filter(pk__in=_ids(territories_raw)).values_list(
            "pk", "name"
        )
    }
    team_names = {
        str(pk): (name, organization_short_name(name, alternate))
        for pk, name, alternate in Organization.objects.filter(pk__in=_ids(teams_raw)).values_list(
            "pk", "name", "alternate_name"
        )
    }
    removed_territory = _("(territory removed)")
    removed_team = _("(organization removed)")
    territories = [
        casework_row(key=key, name=territory_names.get(key, removed_territory), figures=figures)
        for key, figures in territories_raw.items()
    ]
    teams = [
        casework_row(
            key=key,
            name=team_names.get(key, (removed_team, removed_team))[0],
            short_name=team_names.get(key, (removed_team, removed_team))[1],
            figures=figures,
        )
        for key, figures in teams_raw.items()
    ]
    territories.sort(key=lambda row: (-row.volume, row.name))
    teams.sort(key=lambda row: (-row.volume, row.name))
    network = casework_row(
        key="", name=_("The whole network"), figures=indicators.get("network") or {}
    )
    present = set((indicators.get("network") or {}).get("reasons") or {})
    reasons = [(code, label) for code, label in casework_reason_labels().items() if code in present]
    cohort = indicators.get("cohort") or {}
    return CaseworkSummary(
        start=start,
        end=end,
        cohort_start=_date(cohort.get("start")),
        cohort_end=_date(cohort.get("end")),
        network=network,
        territories=territories,
        teams=teams,
        reasons=reasons,
    )


def casework_period_summary(*, start: date, end: date) -> CaseworkSummary:
    return casework_summary(
        indicators=casework_period_indicators(start=start, end=end), start=start, end=end
    )
