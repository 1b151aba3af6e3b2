"""A planner in Chromium: the gap map with its choropleth and hotspots, another category,
the referral network drawn as a graph."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.gis.geos import Point

from accounts.models import Role
from directory.models import TaxonomyTerm, TerritoryLevel
from gaps.models import GapHotspot, GapSnapshot, NetworkSnapshot
from gaps.network import network_indicators
from tests.browser import screenshot, sign_in
from tests.factories import OrganizationFactory, TerritoryFactory, box, gap_cell, user_with_role

pytestmark = pytest.mark.browser

PSY, FOOD = "specialized.psychological_care", "social.food"


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    """Three sectors, a snapshot of two categories with a hotspot each, a network snapshot."""
    comuna = TerritoryFactory(name="Comuna Prueba", level=TerritoryLevel.MUNICIPALITY, depth=1)
    sectors = [
        TerritoryFactory(
            name=f"Sector {name}",
            level=TerritoryLevel.SECTOR,
            depth=2,
            parent=comuna,
            geometry=box(-70.7 + 0.1 * i, -33.5, -70.6 + 0.1 * i, -33.4),
        )
        for i, name in enumerate(("Poniente", "Centro", "Oriente"))
    ]
    psy, food = TaxonomyTerm.objects.get(code=PSY), TaxonomyTerm.objects.get(code=FOOD)
    snapshot = GapSnapshot.objects.create(
        day=date(2026, 11, 1),
        equity={
            code: {"gini": 0.3, "lorenz_x": [0, 0.5, 1], "lorenz_y": [0, 0.2, 1]}
            for code in (PSY, FOOD)
        },
    )
    for term in (psy, food):
        for i, sector in enumerate(sectors):
            gap_cell(
                snapshot,
                sector,
                term,
                children=500,
                accessibility=0.01 * i,
                unmet_cases=3 * i,
                slots=4 * i,
            )
        gap_cell(snapshot, comuna, term, children=1500, accessibility=0.01, unmet_cases=9, slots=12)
        GapHotspot.objects.create(
            snapshot=snapshot,
            category=term,
            size=8,
            centroid=Point(-70.65, -33.45, srid=4326),
            suggested_site=Point(-70.65, -33.45, srid=4326),
            radius_m=600,
        )
    team, provider, other = (
        OrganizationFactory(name=n) for n in ("Equipo", "Centro A", "Centro B")
    )
    result = network_indicators(
        senders=[team.pk] * 7,
        receivers=[provider.pk] * 5 + [other.pk] * 2,
        accepted=[True] * 7,
        completed=[False] * 7,
        overdue=[False] * 7,
        days_to_attention=[1.0] * 7,
        organizations=[team.pk, provider.pk, other.pk],
    )
    NetworkSnapshot.objects.create(
        start=date(2025, 11, 1),
        end=date(2026, 11, 1),
        computed_at=datetime(2026, 11, 1, 3, tzinfo=UTC) + timedelta(minutes=1),
        indicators=result.as_dict(),
    )
    return {"planner": user_with_role(Role.PLANNER, username="planificadora")}


def test_a_planner_reads_the_gap_map_switches_category_and_opens_the_network(
    live_server, browser, world
):
    page, blocked = sign_in(browser, live_server, world["planner"], "/brechas/")
    assert page.url.endswith("/brechas/")

    # The choropleth: one coloured shape per sector, the hotspot as a circle and its site.
    page.wait_for_selector("#gap-map[data-state=ready]")
    assert page.locator("#gap-map path.gap-territory").count() == 3
    assert page.locator("#gap-map path.gap-hotspot").count() == 1
    assert page.locator("#gap-map path.gap-site").count() == 1
    fills = {
        page.locator("#gap-map path.gap-territory").nth(i).get_attribute("fill") for i in range(3)
    }
    assert len(fills) == 3  # three values of accessibility, three classes
    assert page.locator("#gap-legend li").count() == 4  # three classes and the hotspot
    # The same figures as a table, the small counts suppressed.
    assert page.locator("#gap-table tr.gap-row").count() == 4
    assert page.locator("#gap-table td[data-figure=unmet_cases]", has_text="<5").count() == 1
    assert page.locator("#hotspot-table tr.hotspot-row").count() == 1
    screenshot(page, "gap-map.png")

    # Another category, then another measure. Choosing in a list changes nothing until
    # "Show" is pressed: keyboard users move through the options without reloading.
    selected = page.locator("#id_category").input_value()
    other = FOOD if selected == PSY else PSY
    page.select_option("#id_category", other)
    with page.expect_navigation():
        page.click("#gap-filter-submit")
    assert f"category={other}" in page.url
    page.wait_for_selector("#gap-map[data-state=ready]")
    assert page.locator("#gap-map path.gap-territory").count() == 3
    page.select_option("#id_measure", "unmet_cases")
    with page.expect_navigation():
        page.click("#gap-filter-submit")
    page.wait_for_selector("#gap-map[data-state=ready]")
    classes = [
        page.locator("#gap-map path.gap-territory").nth(i).get_attribute("class") or ""
        for i in range(3)
    ]
    assert any("gap-class-small" in c for c in classes)  # 3 unmet cases: "<5"

    # The referral network, drawn as a graph with its table beside it.
    with page.expect_navigation():
        page.click(".gaps-subnav a[href='/brechas/red/']")
    graph = page.locator("#snapshot-graph svg.network-svg")
    assert graph.count() == 1
    assert graph.locator("g.network-node").count() == 3
    assert graph.locator("path.network-edge").count() == 2
    assert page.locator("#snapshot-organizations tr.organization-row").count() == 3
    assert page.locator("#snapshot-indicators [data-indicator=edges]").inner_text() == "2"
    screenshot(page, "gap-network.png")
    assert blocked == []
