"""The case file's indicators on the network page and in its downloads, for planners only."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gaps.tests.conftest import END, START, signed_in

pytestmark = pytest.mark.django_db

PERIOD = {"start": START.isoformat(), "end": END.isoformat()}


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _section(html, ident):
    start = html.index(f'id="{ident}"')
    return html[start : html.index("</section>", start)]


def test_the_planner_sees_each_chart_beside_its_table_by_territory_and_by_team(
    client, planner, casework
):
    response = signed_in(client, planner).get(reverse("gaps:network"), PERIOD)
    assert response.status_code == 200
    html = _section(response.content.decode(), "casework")
    for group in ("territory", "team"):
        for panel in ("times", "duration", "shares"):
            chart = f"casework-{group}-{panel}"
            assert f'<figure class="chart bar-chart" id="{chart}"' in html
            assert f'id="{chart}-data"' in html  # its table, beside it
    assert 'id="casework-reasons-data"' in html
    block = response.context["casework_block"]
    territory_groups = {g["id"]: g for g in block["groups"]}
    duration = territory_groups["territory"]["panels"][1]
    # the chart draws the same figures as its table: south's median duration, and a line
    # at the field work's typical five months
    chart = duration["chart"]
    rows = {row.title: row for row in chart.rows}
    assert set(rows) == {"Sector Sur", "Sector Norte"}
    assert rows["Sector Sur"].bars[0].text == "145,0"
    assert rows["Sector Norte"].bars[0].text == "—" and rows["Sector Norte"].bars[0].width == 0
    assert chart.reference is not None
    table = {row.name: cells for row, cells in duration["table"]}
    assert table["Sector Sur"][1] == ("days", 145.0)
    assert 'data-indicator="duration_median_days">145,0<' in html


def test_a_cell_of_fewer_than_five_cases_draws_no_bar_and_says_so(client, planner, casework):
    response = signed_in(client, planner).get(reverse("gaps:network"), PERIOD)
    groups = {g["id"]: g for g in response.context["casework_block"]["groups"]}
    times = groups["team"]["panels"][0]
    rows = {row.title: row for row in times["chart"].rows}
    team_b = rows["Equipo Sur"].bars[0]
    assert team_b.text == "n<5" and team_b.withheld and team_b.width == 0
    assert rows["Equipo Norte"].bars[0].width > 0
    html = response.content.decode()
    assert "n&lt;5" in _section(html, "casework")
    # shares are drawn and written as percentages, in the chart and in its summary
    shares = {row.title: row for row in groups["team"]["panels"][2]["chart"].rows}
    assert shares["Equipo Sur"].bars[0].text == "40,0 %"
    assert "40,0 % en Equipo Sur" in groups["team"]["panels"][2]["chart"].summary


def test_a_caseworker_and_a_provider_are_refused_the_indicators(
    client, caseworker, provider, casework
):
    for user in (caseworker, provider, casework["worker_a"]):
        page = signed_in(client, user).get(reverse("gaps:network"), PERIOD)
        assert page.status_code == 403
        download = client.get(
            reverse("gaps:network_download", args=["csv"]), {**PERIOD, "table": "casework"}
        )
        assert download.status_code == 403


def test_the_csv_downloads_hold_the_figures_as_the_page_shows_them(client, planner, casework):
    signed_in(client, planner)
    response = client.get(
        reverse("gaps:network_download", args=["csv"]), {**PERIOD, "table": "casework"}
    )
    assert response.status_code == 200
    assert 'filename="casos-2026-07-01-2026-09-30-casework.csv"' in response["Content-Disposition"]
    _header, *rows = _csv(response)
    # in the order of the page: cases admitted, their median and mean days
    assert [row[3] for row in rows[:3]] == ["6", "5.0", "5.5"]
    assert "<5" in {row[3] for row in rows}
    assert rows[-1][3] == "2025-09-30"  # the re-entry cohort's last day

    by_team = _csv(
        client.get(
            reverse("gaps:network_download", args=["csv"]), {**PERIOD, "table": "casework_teams"}
        )
    )
    header, *teams = by_team
    team_b = dict(zip(header, next(r for r in teams if r[0] == "Equipo Sur"), strict=True))
    assert team_b[header[1]] == "<5" and team_b[header[2]] == "n<5"


def test_the_period_workbook_has_the_case_file_sheets_after_the_networks(client, planner, casework):
    response = signed_in(client, planner).get(
        reverse("gaps:network_download", args=["xlsx"]), PERIOD
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 6
    territories = list(workbook.worksheets[4].iter_rows(min_row=2, values_only=True))
    south = next(r for r in territories if r[0] == "Sector Sur")
    assert south[8] == 145.0  # median duration, a number
    assert south[1] == 0  # no case admitted there in the period


def test_the_case_file_tables_without_a_period_are_refused_naming_the_field(
    client, planner, casework
):
    response = signed_in(client, planner).get(
        reverse("gaps:network_download", args=["csv"]), {"table": "casework"}
    )
    assert response.status_code == 400
    assert response.content.decode().startswith("table:")


def test_the_api_gives_the_same_suppressed_figures_and_refuses_a_caseworker(
    planner, caseworker, casework
):
    from tests.factories import api_client_for

    response = api_client_for(planner).get(reverse("gaps:api_casework"), PERIOD)
    assert response.status_code == 200
    body = response.json()
    assert body["reentry_cohort"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert body["network"]["duration_median_days"] == 145.0
    assert body["network"]["reasons"] == {"moved_away": 5, "aged_out": "<5", "not_admitted": "<5"}
    teams = {row["name"]: row for row in body["teams"]}
    assert teams["Equipo Sur"]["admissibility_median_days"] == "n<5"
    assert teams["Equipo Norte"]["key"] == str(casework["team_a"].pk)
    assert "volume" not in teams["Equipo Norte"]
    bad = api_client_for(planner).get(reverse("gaps:api_casework"), {"start": "2026-09-30"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert api_client_for(caseworker).get(reverse("gaps:api_casework")).status_code == 403
