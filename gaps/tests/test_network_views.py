"""The referral network page and its JSON: the nightly snapshot and any period, suppressed."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from gaps.models import ManagementReport
from gaps.network import network_indicators
from gaps.selectors import quarter_previous
from gaps.tests.conftest import END, START, signed_in

pytestmark = pytest.mark.django_db


def test_the_network_page_shows_the_snapshot_graph_and_suppressed_tables(
    client, planner, network_snapshot, referrals
):
    response = signed_in(client, planner).get(reverse("gaps:network"))
    assert response.status_code == 200
    html = response.content.decode()
    block = response.context["snapshot_block"]
    summary = block["summary"]
    assert summary.organizations == 4 and summary.edges == 2
    assert summary.density == pytest.approx(2 / 12, abs=1e-4)
    assert summary.weak_components == 2
    assert summary.isolated == ["Institución Aislada"]
    assert summary.overdue_share == pytest.approx(1 / 8, abs=1e-4)
    rows = {o.name: o for o in summary.per_organization}
    assert rows["Proveedor Grande"].received == 6
    assert rows["Proveedor Grande"].acceptance_rate == pytest.approx(5 / 6, abs=1e-4)
    assert rows["Proveedor Chico"].received == "<5"
    assert rows["Proveedor Chico"].acceptance_rate == "n<5"
    # three organizations with referrals drawn, two arrows
    graph = block["graph"]
    assert graph.drawn == 3 and len(graph.edges) == 2
    sizes = {n.name: n.r for n in graph.nodes}
    assert sizes["Equipo Derivador"] > sizes["Proveedor Grande"] > sizes["Proveedor Chico"]
    snapshot_section = html.split('id="period"')[0]
    assert snapshot_section.count('class="network-node"') == 3
    assert 'id="snapshot-organizations"' in html  # the table alternative
    assert "&lt;5" in html and "n&lt;5" in html


def test_the_management_indicators_are_computed_for_any_period(client, planner, referrals):
    response = signed_in(client, planner).get(
        reverse("gaps:network"), {"start": START.isoformat(), "end": END.isoformat()}
    )
    assert response.status_code == 200
    assert 'id="no-network-snapshot"' in response.content.decode()
    summary = response.context["period_block"]["summary"]
    assert summary.referrals == 8 and summary.edges == 2
    rows = {o.name: o for o in summary.per_organization}
    assert rows["Equipo Derivador"].sent == 8
    assert rows["Proveedor Chico"].received == "<5"
    # one day later the referrals fall outside the period
    later = signed_in(client, planner).get(
        reverse("gaps:network"), {"start": "2026-08-11", "end": "2026-09-30"}
    )
    assert later.context["period_block"]["summary"].referrals == 0


def test_a_stored_quarterly_report_is_read_instead_of_recomputed(client, planner, referrals):
    team, big = referrals["team"].pk, referrals["big"].pk
    stored = network_indicators(
        senders=[team] * 5,
        receivers=[big] * 5,
        accepted=[True] * 5,
        completed=[True] * 5,
        overdue=[False] * 5,
        days_to_attention=[2.0] * 5,
        organizations=[team, big],
    )
    ManagementReport.objects.create(start=START, end=END, indicators=stored.as_dict())
    response = signed_in(client, planner).get(
        reverse("gaps:network"), {"start": START.isoformat(), "end": END.isoformat()}
    )
    assert response.context["period_block"]["summary"].referrals == 5  # not the live 8
    assert 'id="stored-reports"' in response.content.decode()


def test_the_default_period_is_the_last_full_quarter():
    assert quarter_previous(today=date(2026, 11, 23)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter_previous(today=date(2026, 1, 5)) == (date(2025, 10, 1), date(2025, 12, 31))


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"start": "2026-09-01", "end": "2026-08-01"}, "end"),
        ({"start": "ayer", "end": "2026-08-01"}, "start"),
        ({"start": "2000-01-01", "end": "2026-08-01"}, "end"),
        ({"start": "9999-12-31", "end": "9999-12-31"}, "start"),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(client, planner, query, field):
    signed_in(client, planner)
    response = client.get(reverse("gaps:network"), query)
    assert response.status_code == 400
    assert f"id_{field}_errors" in response.content.decode()
    api = client.get("/api/gaps/network/", query)
    assert api.status_code == 400 and field in api.json()
    download = client.get(reverse("gaps:network_download", args=["csv"]), query)
    assert download.status_code == 400 and field in download.content.decode()


def test_the_network_json_of_a_period_is_suppressed_and_holds_no_raw_volumes(
    client, planner, referrals
):
    data = (
        signed_in(client, planner)
        .get("/api/gaps/network/", {"start": START.isoformat(), "end": END.isoformat()})
        .json()
    )
    assert data["indicators"]["referrals"] == 8
    organizations = {o["name"]: o for o in data["per_organization"]}
    assert organizations["Proveedor Chico"]["received"] == "<5"
    assert "volume" not in organizations["Proveedor Chico"]
    pairs = {(p["sender"], p["receiver"]): p for p in data["per_pair"]}
    assert pairs[("Equipo Derivador", "Proveedor Chico")]["sent"] == "<5"
    assert pairs[("Equipo Derivador", "Proveedor Grande")]["sent"] == 6
