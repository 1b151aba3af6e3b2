"""CSV and XLSX downloads of the inventory and the network, as the pages show them."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from gaps.tests.conftest import END, PSY, START, signed_in

pytestmark = pytest.mark.django_db


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_inventory_csv_holds_the_figures_as_the_page_shows_them(client, planner, inventory):
    response = signed_in(client, planner).get(
        reverse("gaps:inventory_download", args=["csv"]), {"category": PSY}
    )
    assert response.status_code == 200
    assert 'filename="brechas-2026-11-01-' in response["Content-Disposition"]
    header, *rows = _csv(response)
    assert len(header) == 16
    by_code = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_code) == {"C1", "C1-N", "C1-S"}
    north = rows[[r[1] for r in rows].index("C1-N")]
    # children, active needs, slots, A per 1,000, zero share, shortfall, unmet, waiting,
    # pressure, median wait, rejected
    assert north[5:] == ["600", "<5", "12", "20.0", "0.0", "0", "0", "<5", "n<5", "n<5", "<5"]


def test_the_inventory_xlsx_opens_with_the_cells_and_the_hotspots(client, planner, inventory):
    response = signed_in(client, planner).get(reverse("gaps:inventory_download", args=["xlsx"]))
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    cells, hotspots = workbook.worksheets
    rows = list(cells.iter_rows(min_row=2, values_only=True))
    north = next(r for r in rows if r[1] == "C1-N")
    assert north[5:8] == (600, "<5", 12)  # numbers stay numbers, small counts "<5"
    spot_rows = list(hotspots.iter_rows(min_row=2, values_only=True))
    assert [r[2] for r in spot_rows] == [7, "<5"]
    assert spot_rows[0][4:6] == (-33.475, -70.601)


def test_the_network_downloads_hold_the_snapshot_or_a_period(
    client, planner, network_snapshot, referrals
):
    signed_in(client, planner)
    _header, *rows = _csv(
        client.get(reverse("gaps:network_download", args=["csv"]), {"table": "organizations"})
    )
    by_name = {row[0]: row for row in rows}
    assert by_name["Proveedor Chico"][2] == "<5"  # received
    assert by_name["Proveedor Grande"][2] == "6"
    assert by_name["Institución Aislada"][-1] in {"yes", "sí"}
    period = {"start": START.isoformat(), "end": END.isoformat()}
    response = client.get(reverse("gaps:network_download", args=["xlsx"]), period)
    assert response.status_code == 200
    assert 'filename="red-2026-07-01-2026-09-30.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    # the network's three sheets, then the case file's (gaps/tests/test_casework_pages.py)
    assert len(workbook.worksheets) == 6
    pairs = list(workbook.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert {(p[1], p[2]) for p in pairs} == {("Proveedor Grande", 6), ("Proveedor Chico", "<5")}


def test_a_download_in_an_unknown_format_or_for_a_bad_day_is_refused(client, planner, inventory):
    signed_in(client, planner)
    assert client.get("/brechas/descargas/brechas.pdf").status_code == 404
    response = client.get(reverse("gaps:inventory_download", args=["csv"]), {"day": "ayer"})
    assert response.status_code == 400 and "day" in response.content.decode()
    missing = client.get(reverse("gaps:inventory_download", args=["csv"]), {"day": "2020-01-01"})
    assert missing.status_code == 404


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(client, planner, network_snapshot):
    from directory.models import Organization

    Organization.objects.filter(name="Proveedor Grande").update(name="=HYPERLINK(1)")
    signed_in(client, planner)
    _header, *rows = _csv(client.get(reverse("gaps:network_download", args=["csv"])))
    assert "'=HYPERLINK(1)" in [row[0] for row in rows]
