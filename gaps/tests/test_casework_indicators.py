"""The case file's indicators: times to admissibility and to the first service, duration,
closure reasons, re-entry and follow-ups on time, network-wide, by territory and by team."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from cases.models import AdmissibilityDecision
from cases.services.admissibility import case_admissibility_decide
from gaps.casework import casework_cohort
from gaps.models import ManagementReport
from gaps.selectors import casework_period_summary, casework_summary
from gaps.services import casework_indicators_for_days, management_report_take
from gaps.tests.conftest import END, START, utc
from tests.factories import OrganizationFactory, TerritoryFactory, user_with_role

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 7)
SANTIAGO = ZoneInfo("America/Santiago")


def _summary(start=START, end=END, today=TODAY):
    raw = casework_indicators_for_days(start=start, end=end, today=today)
    return casework_summary(indicators=raw, start=start, end=end)


def _by_name(rows):
    return {row.name: row for row in rows}


def test_the_network_figures_are_the_exact_medians_and_means_of_the_period(casework):
    network = _summary().network
    # report → first admitted decision: 2, 4, 6, 8, 10 and 3 days
    assert network.admissibility_cases == 6
    assert network.admissibility_median_days == 5.0
    assert network.admissibility_mean_days == 5.5
    # report → first service: enrolments at 20-50 days, a referral in service at 15 days
    # (before that case's enrolment at 60) and another at 7
    assert network.service_cases == 6
    assert network.service_median_days == 25.0
    assert network.service_mean_days == 27.0
    # opening → closure: 130, 140, 150, 160, 200 days, and 122 from a reopening; the case
    # closed as not admitted is left out
    assert network.closed_cases == 6
    assert network.duration_median_days == 145.0
    assert network.duration_mean_days == 150.3
    assert network.closures == 7
    assert network.reasons == {"moved_away": 5, "aged_out": "<5", "not_admitted": "<5"}
    # the cohort a year earlier: 5 closures, 2 reopened within 12 months, 1 after 13
    assert network.reentry_closures == 5
    assert network.reentered == "<5"
    assert network.reentry_share == 0.4
    # 6 follow-ups due of 5 cases: 4 on time, 1 late, 1 never made
    assert network.follow_ups_due == 6
    assert network.follow_ups_on_time == "<5"  # a count of 4
    assert network.follow_ups_on_time_share == pytest.approx(4 / 6, abs=1e-4)


def test_each_territory_and_team_has_its_own_figures_and_small_cells_are_withheld(casework):
    summary = _summary()
    territories, teams = _by_name(summary.territories), _by_name(summary.teams)
    assert set(territories) == {"Sector Norte", "Sector Sur"}
    north, south = territories["Sector Norte"], territories["Sector Sur"]
    assert north.admissibility_cases == 6 and north.admissibility_median_days == 5.0
    assert north.closed_cases == 0 and north.duration_median_days is None
    assert north.reentry_share == 0.4 and north.follow_ups_on_time == "<5"
    assert south.admissibility_cases == 0
    assert south.duration_median_days == 145.0 and south.closures == 7
    assert south.reasons["moved_away"] == 5

    team_a, team_b = teams["Equipo Norte"], teams["Equipo Sur"]
    assert team_a.admissibility_cases == 5
    assert team_a.admissibility_median_days == 6.0 and team_a.admissibility_mean_days == 6.0
    assert team_a.service_median_days == 30.0 and team_a.service_mean_days == 31.0
    assert team_a.duration_mean_days == 150.3 and team_a.closures == 6
    # one case admitted, one served, one closed: every figure of team B from it is withheld
    assert team_b.admissibility_cases == "<5"
    assert team_b.admissibility_median_days == "n<5"
    assert team_b.admissibility_mean_days == "n<5"
    assert team_b.service_cases == "<5" and team_b.service_median_days == "n<5"
    assert team_b.closures == "<5" and team_b.reasons == {"not_admitted": "<5"}
    assert team_b.reentry_closures == 5 and team_b.reentry_share == 0.4


def test_a_cell_of_fewer_than_five_cases_hides_even_a_count_of_five_or_more(casework):
    # Five follow-ups of one case: not shown, since they come from one child.
    lone = casework["admitted"][0]
    for day in (2, 3, 4, 5, 6):
        casework["follow_up"](lone, date(2026, 7, day), date(2026, 7, day))
    raw = casework_indicators_for_days(start=date(2026, 7, 1), end=date(2026, 7, 31), today=TODAY)
    network = casework_summary(indicators=raw).network
    assert raw["network"]["follow_ups_due"] == 5 and raw["network"]["follow_up_cases"] == 1
    assert network.follow_ups_due == "<5"
    assert network.follow_ups_on_time == "<5"
    assert network.follow_ups_on_time_share == "n<5"


def _local(*args):
    return datetime(*args, tzinfo=SANTIAGO)


def test_the_period_runs_from_the_first_days_midnight_to_the_last_days_end_in_santiago(casework):
    make = casework["case"]
    team, north = OrganizationFactory(name="Equipo Bordes"), TerritoryFactory(name="Bordes")
    worker = user_with_role(Role.CASEWORKER, organization=team)
    inside = [_local(2026, 7, 1, 0, 0), _local(2026, 9, 30, 23, 59, 59)]
    outside = [_local(2026, 6, 30, 23, 59, 59), _local(2026, 10, 1, 0, 0)]
    for moment in (inside + outside) * 3:
        made = make(team, north, requested=moment - timedelta(days=1))
        case_admissibility_decide(actor=worker, case=made, admissibility="admitted")
        AdmissibilityDecision.objects.filter(case=made).update(decided_at=moment)
    team_row = _by_name(_summary().teams)["Equipo Bordes"]
    assert team_row.admissibility_cases == 6
    assert team_row.admissibility_median_days == 1.0
    # admitted again in the period after a first admission before it: not a first
    again = make(team, north, requested=utc(2026, 5, 1))
    case_admissibility_decide(actor=worker, case=again, admissibility="admitted")
    AdmissibilityDecision.objects.filter(case=again).update(decided_at=utc(2026, 6, 1))
    case_admissibility_decide(actor=worker, case=again, admissibility="admitted")
    AdmissibilityDecision.objects.filter(case=again, decided_at__gt=utc(2026, 7, 1)).update(
        decided_at=utc(2026, 8, 1)
    )
    assert AdmissibilityDecision.objects.filter(case=again).count() == 2
    assert _by_name(_summary().teams)["Equipo Bordes"].admissibility_cases == 6

    # a child in service before the period does not start a first service in it
    casework["in_service"](casework["admitted"][0], utc(2026, 6, 15))
    assert _summary().network.service_cases == 5
    # follow-ups due on the first and the last day count, the days around do not
    second = casework["admitted"][1]
    casework["follow_up"](second, date(2026, 7, 1), date(2026, 7, 1))
    casework["follow_up"](second, date(2026, 9, 30), date(2026, 10, 2))
    casework["follow_up"](second, date(2026, 6, 30), date(2026, 6, 30))
    network = _summary().network
    assert network.follow_ups_due == 8 and network.follow_ups_on_time == 5


def test_a_follow_up_not_made_is_late_only_once_its_day_has_passed(casework):
    second = casework["admitted"][1]
    casework["follow_up"](second, date(2026, 9, 29))
    on_the_day = _summary(today=date(2026, 9, 29)).network
    after = _summary(today=date(2026, 9, 30)).network
    assert after.follow_ups_due == 7
    # on its due day it is not counted yet (nor are the contacts made after that day
    # left out: they were made)
    assert on_the_day.follow_ups_due == 6


def test_the_re_entry_cohort_is_the_same_period_a_year_earlier():
    assert casework_cohort(start=START, end=END) == (date(2025, 7, 1), date(2025, 9, 30))
    assert casework_cohort(start=date(2028, 2, 29), end=date(2028, 3, 31)) == (
        date(2027, 2, 28),
        date(2027, 3, 31),
    )


def test_the_quarterly_report_stores_the_indicators_and_the_page_reads_them(casework):
    report = management_report_take(start=START, end=END)
    stored = report.indicators["casework"]
    assert stored["cohort"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert stored["network"]["admissibility_cases"] == 6
    assert stored["territories"][str(casework["north"].pk)]["admissibility_cases"] == 6
    # the stored figures are read as they are, not recomputed
    stored["network"]["admissibility_cases"] = 9
    ManagementReport.objects.filter(pk=report.pk).update(indicators=report.indicators)
    summary = casework_period_summary(start=START, end=END)
    assert summary.network.admissibility_cases == 9
    assert summary.cohort_start == date(2025, 7, 1)


def test_a_report_stored_before_these_indicators_has_them_computed(casework):
    ManagementReport.objects.create(start=START, end=END, indicators={"referrals": 0})
    assert casework_period_summary(start=START, end=END).network.admissibility_cases == 6


def test_a_period_without_cases_is_empty_not_an_error(db):
    summary = _summary()
    assert summary.empty
    assert summary.network.admissibility_median_days is None
    assert summary.territories == [] and summary.teams == []
