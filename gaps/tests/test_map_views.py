"""The gap map page and its JSON, and the inventory JSON, on small hand-made snapshots."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from gaps.models import GapCell
from gaps.tests.conftest import PSY, signed_in

pytestmark = pytest.mark.django_db


def _figure(html: str, figure: str, territory_code: str) -> str:
    """The text of one figure cell in the row of one territory."""
    row = re.search(rf'data-territory="{re.escape(territory_code)}">(.*?)</tr>', html, re.S)
    assert row, territory_code
    found = re.search(rf'data-figure="{figure}">([^<]*)</td>', row.group(1))
    assert found, figure
    return found.group(1).replace("&lt;", "<")


def test_the_map_page_shows_the_latest_snapshot_with_small_counts_suppressed(
    client, planner, inventory
):
    response = signed_in(client, planner).get(reverse("gaps:map"), {"category": PSY})
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
    response = signed_in(client, planner).get(
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
    data = signed_in(client, planner).get("/api/gaps/map/", {"category": PSY}).json()
    features = {f["properties"]["code"]: f["properties"] for f in data["territories"]["features"]}
    assert features["C1-N"]["value"] == 20.0
    assert features["C1-S"]["colour"] == "#bd0026"  # A = 0: no access at all
    assert features["C1-N"]["colour"] == "#ffffb2"


def test_a_small_count_gets_its_own_class_on_the_map(client, planner, inventory):
    GapCell.objects.filter(territory=inventory["north"], snapshot=inventory["second"]).update(
        unmet_cases=2
    )
    data = (
        signed_in(client, planner)
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
    signed_in(client, planner)
    response = client.get("/api/gaps/map/", {"category": "nope"})
    assert response.status_code == 400 and "category" in response.json()
    response = client.get("/api/gaps/map/", {"category": PSY, "measure": "colour"})
    assert response.status_code == 400 and "measure" in response.json()
    response = client.get(reverse("gaps:map"), {"category": "nope"})
    assert response.status_code == 400
    assert 'id="field-id_category"' in response.content.decode()


def test_without_a_snapshot_the_pages_say_so_and_the_json_is_a_404(client, planner):
    signed_in(client, planner)
    assert 'id="no-snapshot"' in client.get(reverse("gaps:map")).content.decode()
    assert 'id="no-snapshot"' in client.get(reverse("gaps:trends")).content.decode()
    assert client.get("/api/gaps/map/", {"category": PSY}).status_code == 404
    assert client.get(reverse("gaps:inventory_download", args=["csv"])).status_code == 404


def test_the_inventory_json_holds_every_cell_suppressed(client, planner, inventory):
    data = signed_in(client, planner).get("/api/gaps/inventory/", {"category": PSY}).json()
    cells = {c["territory_code"]: c for c in data["cells"]}
    assert set(cells) == {"C1", "C1-N", "C1-S"}
    assert cells["C1"]["children"] == 1000 and cells["C1"]["waiting"] == "<5"
    assert cells["C1"]["accessibility"] == 12.0
    assert data["equity"][PSY]["gini"] == 0.6
    older = signed_in(client, planner).get("/api/gaps/inventory/", {"day": "2026-10-01"}).json()
    assert [c["unmet_cases"] for c in older["cells"]] == ["<5"]
