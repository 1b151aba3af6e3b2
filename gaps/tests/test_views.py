"""The planners' pages, JSON and downloads over HTTP: for planners and coordinators only,
every figure checked on small hand-made data, and every count from 1 to 4 shown as "<5"."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from directory.models import TaxonomyTerm, TerritoryLevel
from gaps.models import GapCell, GapHotspot, GapSnapshot, ManagementReport, NetworkSnapshot
from gaps.network import network_indicators
from gaps.selectors import count_shown, quarter_previous, ratio_shown
from matching.models import Referral, ReferralStatus
from tests.factories import (
    CaseFactory,
    OrganizationFactory,
    ServiceAtSiteFactory,
    TerritoryFactory,
    box,
    gap_cell,
    user_with_role,
)
from web.charts import line_chart, nice_ceiling

pytestmark = pytest.mark.django_db

PSY = "specialized.psychological_care"
DAY_1, DAY_2 = date(2026, 10, 1), date(2026, 11, 1)


# --- hand-made data ---------------------------------------------------------------------------


@pytest.fixture
def inventory():
    """A comuna and its two sectors, two snapshots of psychological care, two hotspots."""
    comuna = TerritoryFactory(
        name="Comuna Prueba", code="C1", level=TerritoryLevel.MUNICIPALITY, depth=1
    )
    north = TerritoryFactory(
        name="Sector Norte",
        code="C1-N",
        level=TerritoryLevel.SECTOR,
        depth=2,
        parent=comuna,
        geometry=box(-70.7, -33.45, -70.5, -33.4),
    )
    south = TerritoryFactory(
        name="Sector Sur",
        code="C1-S",
        level=TerritoryLevel.SECTOR,
        depth=2,
        parent=comuna,
        geometry=box(-70.7, -33.5, -70.5, -33.45),
    )
    term = TaxonomyTerm.objects.get(code=PSY)
    lorenz = {"lorenz_x": [0.0, 0.4, 1.0], "lorenz_y": [0.0, 0.0, 1.0]}
    first = GapSnapshot.objects.create(day=DAY_1, equity={PSY: {"gini": 0.5, **lorenz}})
    second = GapSnapshot.objects.create(day=DAY_2, equity={PSY: {"gini": 0.6, **lorenz}})
    gap_cell(first, comuna, term, children=1000, active_needs=9, slots=10, unmet_cases=3)
    gap_cell(
        second,
        north,
        term,
        children=600,
        active_needs=3,
        slots=12,
        accessibility=0.02,
        waiting=2,
        waitlist_pressure=2 / 12,
        median_wait_days=10.0,
        rejected_no_capacity=1,
    )
    gap_cell(
        second,
        south,
        term,
        children=400,
        active_needs=7,
        accessibility=0.0,
        zero_access_share=1.0,
        shortfall_slots=8.0,
        unmet_cases=6,
    )
    gap_cell(
        second,
        comuna,
        term,
        children=1000,
        active_needs=10,
        slots=12,
        accessibility=0.012,
        zero_access_share=0.4,
        shortfall_slots=0.0,
        unmet_cases=6,
        waiting=2,
        waitlist_pressure=2 / 12,
        median_wait_days=10.0,
        rejected_no_capacity=1,
    )
    GapHotspot.objects.create(
        snapshot=second,
        category=term,
        size=7,
        centroid=Point(-70.6, -33.47, srid=4326),
        suggested_site=Point(-70.60123, -33.47456, srid=4326),
        radius_m=420.4,
    )
    GapHotspot.objects.create(
        snapshot=second,
        category=term,
        size=3,
        centroid=Point(-70.65, -33.42, srid=4326),
        suggested_site=Point(-70.65111, -33.42222, srid=4326),
        radius_m=150.0,
    )
    return {"comuna": comuna, "north": north, "south": south, "term": term, "second": second}


START, END = date(2026, 7, 1), date(2026, 9, 30)


@pytest.fixture
def referrals():
    """A team referring 6 children to a big provider and 2 to a small one, in the third quarter."""
    team = OrganizationFactory(name="Equipo Derivador")
    big = OrganizationFactory(name="Proveedor Grande")
    small = OrganizationFactory(name="Proveedor Chico")
    author = user_with_role(Role.CASEWORKER, organization=team)
    case = CaseFactory(organization=team)
    big_service = ServiceAtSiteFactory(service__organization=big).service
    small_service = ServiceAtSiteFactory(service__organization=small).service
    sent = datetime(2026, 8, 10, 15, tzinfo=UTC)
    statuses = [ReferralStatus.ACCEPTED] * 5 + [ReferralStatus.REJECTED]
    for status in statuses:
        Referral.objects.create(
            case=case,
            service=big_service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=sent + timedelta(days=3),
            responded_at=sent + timedelta(days=1),
        )
    for status in (ReferralStatus.ACCEPTED, ReferralStatus.SENT):
        Referral.objects.create(
            case=case,
            service=small_service,
            status=status,
            created_by=author,
            sent_at=sent,
            response_due=sent + timedelta(days=3),
            responded_at=sent + timedelta(days=1) if status != ReferralStatus.SENT else None,
        )
    return {"team": team, "big": big, "small": small}


@pytest.fixture
def network_snapshot(referrals):
    """A nightly snapshot as the job stores it: ``NetworkIndicators.as_dict()``."""
    team, big, small = referrals["team"].pk, referrals["big"].pk, referrals["small"].pk
    bystander = OrganizationFactory(name="Institución Aislada").pk
    result = network_indicators(
        senders=[team] * 8,
        receivers=[big] * 6 + [small] * 2,
        accepted=[True] * 5 + [False, True, False],
        completed=[False] * 8,
        overdue=[False] * 7 + [True],
        days_to_attention=[float("nan")] * 8,
        organizations=[team, big, small, bystander],
    )
    return NetworkSnapshot.objects.create(
        start=date(2025, 11, 1), end=date(2026, 11, 1), indicators=result.as_dict()
    )


def _as(client, user):
    client.force_login(user)
    return client


def _figure(html: str, figure: str, territory_code: str) -> str:
    """The text of one figure cell in the row of one territory."""
    row = re.search(rf'data-territory="{re.escape(territory_code)}">(.*?)</tr>', html, re.S)
    assert row, territory_code
    found = re.search(rf'data-figure="{figure}">([^<]*)</td>', row.group(1))
    assert found, figure
    return found.group(1).replace("&lt;", "<")


# --- who may open what ------------------------------------------------------------------------

PAGES = ["gaps:map", "gaps:trends", "gaps:network"]
DOWNLOADS = [
    ("gaps:inventory_download", "csv"),
    ("gaps:inventory_download", "xlsx"),
    ("gaps:network_download", "csv"),
    ("gaps:network_download", "xlsx"),
]


@pytest.mark.parametrize("name", PAGES)
def test_a_planner_page_asks_an_anonymous_visitor_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", PAGES)
def test_each_page_opens_for_planners_and_coordinators_and_is_forbidden_to_the_others(
    client,
    name,
    inventory,
    network_snapshot,
    caseworker,
    provider,
    coordinator,
    planner,
    administrator,
):
    expected = {
        caseworker: 403,
        provider: 403,
        administrator: 403,
        coordinator: 200,
        planner: 200,
    }
    for user, status in expected.items():
        assert _as(client, user).get(reverse(name)).status_code == status, (name, user)


@pytest.mark.parametrize(("name", "fmt"), DOWNLOADS)
def test_downloads_are_refused_to_anyone_but_planners_and_coordinators(
    client, name, fmt, inventory, network_snapshot, caseworker, provider, administrator, planner
):
    url = reverse(name, args=[fmt])
    assert client.get(url).status_code == 302
    for user in (caseworker, provider, administrator):
        assert _as(client, user).get(url).status_code == 403
    assert _as(client, planner).get(url).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/gaps/map/?category=" + PSY,
        "/api/gaps/inventory/",
        "/api/gaps/network/",
    ],
)
def test_the_json_is_refused_to_anonymous_visitors_and_other_roles(
    client, url, inventory, network_snapshot, caseworker, provider, administrator, coordinator
):
    assert client.get(url).status_code == 403
    for user in (caseworker, provider, administrator):
        assert _as(client, user).get(url).status_code == 403
    assert _as(client, coordinator).get(url).status_code == 200


def test_the_nav_url_names_resolve_to_spanish_paths():
    assert reverse("gaps:map") == "/brechas/"
    assert reverse("gaps:trends") == "/brechas/tendencias/"
    assert reverse("gaps:network") == "/brechas/red/"


# --- suppression, in one place ------------------------------------------------------------------


def test_counts_from_one_to_four_are_shown_as_less_than_five_and_rates_over_them_withheld():
    assert [count_shown(v) for v in (None, 0, 1, 4, 4.4, 4.6, 5, 12)] == [
        None,
        0,
        "<5",
        "<5",
        "<5",
        5,
        5,
        12,
    ]
    assert ratio_shown(0.5, base=2) == "n<5"
    assert ratio_shown(0.5, base=5) == 0.5
    assert ratio_shown(None, base=0) is None


# --- the gap map ----------------------------------------------------------------------------


def test_the_map_page_shows_the_latest_snapshot_with_small_counts_suppressed(
    client, planner, inventory
):
    response = _as(client, planner).get(reverse("gaps:map"), {"category": PSY})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 de noviembre de 2026" in html  # the latest snapshot
    assert _figure(html, "children", "C1-N") == "600"
    assert _figure(html, "active_needs", "C1-N") == "<5"  # 3
    assert _figure(html, "active_needs", "C1-S") == "7"
    assert _figure(html, "slots", "C1-N") == "12"
    # A = 0.02 slots per child: 20 per 1,000 children
    assert _figure(html, "accessibility", "C1-N") == "20,00"
    assert _figure(html, "zero_access_share", "C1-S") == "100,0"
    assert _figure(html, "shortfall_slots", "C1-S") == "8"
    assert _figure(html, "waiting", "C1-N") == "<5"  # 2
    # 2 waiting over 12 slots would give the 2 back: withheld
    assert _figure(html, "waitlist_pressure", "C1-N") == "n<5"
    assert _figure(html, "median_wait_days", "C1-N") == "n<5"
    assert _figure(html, "rejected_no_capacity", "C1-N") == "<5"
    # the hotspot of 3 children shows "<5", the one of 7 its size
    sizes = re.findall(r'class="num size"[^>]*>([^<]*)<', html)
    assert sizes == ["7", "&lt;5"]
    assert "-33.475, -70.601" in html  # the suggested site, rounded to about 100 m
    assert 'id="gap-map"' in html and "/api/gaps/map/?category=" + PSY in html


def test_the_map_json_colours_the_most_specific_territories_by_the_chosen_measure(
    client, planner, inventory
):
    response = _as(client, planner).get(
        "/api/gaps/map/", {"category": PSY, "measure": "unmet_cases"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["snapshot"] == "2026-11-01"
    features = {f["properties"]["code"]: f for f in data["territories"]["features"]}
    assert set(features) == {"C1-N", "C1-S"}  # the comuna is in the table, not on the map
    north, south = features["C1-N"]["properties"], features["C1-S"]["properties"]
    assert (north["value"], south["value"]) == (0, 6)
    assert features["C1-N"]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    # two values, two classes; more unmet cases is darker
    legend = {c["key"]: c for c in data["legend"]}
    assert [legend[north["class"]]["label"], legend[south["class"]]["label"]] == ["0", "6"]
    assert north["colour"] == "#ffffb2" and south["colour"] == "#bd0026"
    assert north["active_needs"] == "<5" and north["waitlist_pressure"] == "n<5"
    spots = data["hotspots"]["features"]
    assert [s["properties"]["size"] for s in spots] == [7, "<5"]
    assert spots[0]["geometry"]["coordinates"] == [-70.601, -33.475]
    assert spots[0]["properties"]["radius_m"] == 420


def test_for_accessibility_the_lower_value_is_the_darker_class(client, planner, inventory):
    data = _as(client, planner).get("/api/gaps/map/", {"category": PSY}).json()
    features = {f["properties"]["code"]: f["properties"] for f in data["territories"]["features"]}
    assert features["C1-N"]["value"] == 20.0
    assert features["C1-S"]["colour"] == "#bd0026"  # A = 0: no access at all
    assert features["C1-N"]["colour"] == "#ffffb2"


def test_a_small_count_gets_its_own_class_on_the_map(client, planner, inventory):
    GapCell.objects.filter(territory=inventory["north"], snapshot=inventory["second"]).update(
        unmet_cases=2
    )
    data = (
        _as(client, planner)
        .get("/api/gaps/map/", {"category": PSY, "measure": "unmet_cases"})
        .json()
    )
    north = next(
        f["properties"]
        for f in data["territories"]["features"]
        if f["properties"]["code"] == "C1-N"
    )
    assert north["value"] == "<5" and north["class"] == "small"
    assert [c["label"] for c in data["legend"]] == [
        "6",
        "menos de 5 (no se muestra)",
    ]  # Spanish by default


def test_an_unknown_category_or_measure_is_a_400_naming_the_field(client, planner, inventory):
    _as(client, planner)
    response = client.get("/api/gaps/map/", {"category": "nope"})
    assert response.status_code == 400 and "category" in response.json()
    response = client.get("/api/gaps/map/", {"category": PSY, "measure": "colour"})
    assert response.status_code == 400 and "measure" in response.json()
    response = client.get(reverse("gaps:map"), {"category": "nope"})
    assert response.status_code == 400
    assert 'id="field-id_category"' in response.content.decode()


def test_without_a_snapshot_the_pages_say_so_and_the_json_is_a_404(client, planner):
    _as(client, planner)
    assert 'id="no-snapshot"' in client.get(reverse("gaps:map")).content.decode()
    assert 'id="no-snapshot"' in client.get(reverse("gaps:trends")).content.decode()
    assert client.get("/api/gaps/map/", {"category": PSY}).status_code == 404
    assert client.get(reverse("gaps:inventory_download", args=["csv"])).status_code == 404


def test_the_inventory_json_holds_every_cell_suppressed(client, planner, inventory):
    data = _as(client, planner).get("/api/gaps/inventory/", {"category": PSY}).json()
    cells = {c["territory_code"]: c for c in data["cells"]}
    assert set(cells) == {"C1", "C1-N", "C1-S"}
    assert cells["C1"]["children"] == 1000 and cells["C1"]["waiting"] == "<5"
    assert cells["C1"]["accessibility"] == 12.0
    assert data["equity"][PSY]["gini"] == 0.6
    older = _as(client, planner).get("/api/gaps/inventory/", {"day": "2026-10-01"}).json()
    assert [c["unmet_cases"] for c in older["cells"]] == ["<5"]


# --- trends -----------------------------------------------------------------------------------


def test_the_trends_draw_each_snapshot_and_leave_a_gap_where_a_count_is_suppressed(
    client, planner, inventory
):
    response = _as(client, planner).get(
        reverse("gaps:trends"), {"category": PSY, "territory": str(inventory["comuna"].pk)}
    )
    assert response.status_code == 200
    charts = {block["chart"].id: block for block in response.context["charts"]}
    shortfall = charts["chart-shortfall"]
    # unmet cases: 3 (suppressed) on the first day, 6 on the second: one dot, no line back to 3
    unmet = shortfall["chart"].series[1]
    assert [d.value for d in unmet.dots] == [6.0]
    assert [values[1] for _day, values in shortfall["table"]] == ["<5", 6]
    html = response.content.decode()
    assert 'id="chart-accessibility"' in html and 'id="chart-lorenz"' in html
    gini = response.context["equity"]["gini"]["chart"]
    assert [d.value for d in gini.series[0].dots] == [0.5, 0.6]
    lorenz = response.context["equity"]["lorenz"]
    assert lorenz.rows == [(0.0, 0.0), (40.0, 0.0), (100.0, 100.0)]
    assert "0.600" in lorenz.summary


def test_the_trends_page_refuses_an_unknown_territory_with_a_400(client, planner, inventory):
    response = _as(client, planner).get(
        reverse("gaps:trends"), {"category": PSY, "territory": "not-a-territory"}
    )
    assert response.status_code == 400
    assert "id_territory_errors" in response.content.decode()


# --- the referral network -------------------------------------------------------------------


def test_the_network_page_shows_the_snapshot_graph_and_suppressed_tables(
    client, planner, network_snapshot, referrals
):
    response = _as(client, planner).get(reverse("gaps:network"))
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
    response = _as(client, planner).get(
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
    later = _as(client, planner).get(
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
    response = _as(client, planner).get(
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
    _as(client, planner)
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
        _as(client, planner)
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


# --- downloads ------------------------------------------------------------------------------


def _csv(response):
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_inventory_csv_holds_the_figures_as_the_page_shows_them(client, planner, inventory):
    response = _as(client, planner).get(
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
    response = _as(client, planner).get(reverse("gaps:inventory_download", args=["xlsx"]))
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
    _as(client, planner)
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
    assert len(workbook.worksheets) == 3
    pairs = list(workbook.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert {(p[1], p[2]) for p in pairs} == {("Proveedor Grande", 6), ("Proveedor Chico", "<5")}


def test_a_download_in_an_unknown_format_or_for_a_bad_day_is_refused(client, planner, inventory):
    _as(client, planner)
    assert client.get("/brechas/descargas/brechas.pdf").status_code == 404
    response = client.get(reverse("gaps:inventory_download", args=["csv"]), {"day": "ayer"})
    assert response.status_code == 400 and "day" in response.content.decode()
    missing = client.get(reverse("gaps:inventory_download", args=["csv"]), {"day": "2020-01-01"})
    assert missing.status_code == 404


def test_text_a_spreadsheet_would_run_as_a_formula_is_quoted(client, planner, network_snapshot):
    from directory.models import Organization

    Organization.objects.filter(name="Proveedor Grande").update(name="=HYPERLINK(1)")
    _as(client, planner)
    _header, *rows = _csv(client.get(reverse("gaps:network_download", args=["csv"])))
    assert "'=HYPERLINK(1)" in [row[0] for row in rows]


# --- the shared chart geometry ---------------------------------------------------------------


def test_the_axis_top_is_a_round_number_above_the_peak_also_below_one():
    assert nice_ceiling(463) == (600, 200)
    top, step = nice_ceiling(0.63)
    assert top >= 0.63 and step in (0.1, 0.2, 0.5)
    assert nice_ceiling(0) == (1, 1)
    # counts keep whole steps, as the waitlist charts had them
    assert nice_ceiling(1, whole=True) == (1, 1)
    assert nice_ceiling(7, whole=True) == (8, 2)


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    rows = [
        {"day": date(2026, 1, 1), "v": 2.5},
        {"day": date(2026, 1, 2), "v": None},
        {"day": date(2026, 1, 3), "v": 1.0},
        {"day": date(2026, 1, 4), "v": 1.5},
    ]
    chart = line_chart(chart_id="c", title="T", rows=rows, series=[("v", "Value")])
    (series,) = chart.series
    assert len(series.segments) == 2
    assert [d.value for d in series.lone_dots] == [2.5]
    assert all(d.y < chart.baseline for d in series.dots)
