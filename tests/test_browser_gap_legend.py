"""A planner in Chromium: the gap map's legend, its table and its tooltips write each number
the same way, in the page's language (Spanish: "7,66", never "0.57" beside it)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from accounts.models import Role
from directory.models import TaxonomyTerm, TerritoryLevel
from gaps.models import GapSnapshot
from tests.browser import sign_in
from tests.factories import TerritoryFactory, box, gap_cell, user_with_role

pytestmark = pytest.mark.browser

PSY = "specialized.psychological_care"
# Accessibility is stored per child and shown per 1,000 children: 7,66 / 0,57 / 1 234,50.
ACCESS = {"Poniente": 0.00766, "Centro": 0.000571, "Oriente": 1.2345}


@pytest.fixture
def world(django_db_serialized_rollback, transactional_db):
    comuna = TerritoryFactory(name="Comuna Prueba", level=TerritoryLevel.MUNICIPALITY, depth=1)
    psy = TaxonomyTerm.objects.get(code=PSY)
    snapshot = GapSnapshot.objects.create(
        day=date(2026, 11, 1),
        equity={PSY: {"gini": 0.3, "lorenz_x": [0, 0.5, 1], "lorenz_y": [0, 0.2, 1]}},
    )
    for i, (name, access) in enumerate(ACCESS.items()):
        sector = TerritoryFactory(
            name=f"Sector {name}",
            level=TerritoryLevel.SECTOR,
            depth=2,
            parent=comuna,
            geometry=box(-70.7 + 0.1 * i, -33.5, -70.6 + 0.1 * i, -33.4),
        )
        gap_cell(snapshot, sector, psy, children=500, accessibility=access, slots=10 + i)
    gap_cell(snapshot, comuna, psy, children=1500, accessibility=0.3, slots=33)
    return {"planner": user_with_role(Role.PLANNER, username="planificadora")}


def _figures(page) -> tuple[list[str], dict[str, tuple[str, str]], dict[str, str]]:
    """The legend's labels; per territory its table figure and class; per territory its tooltip."""
    page.wait_for_selector("#gap-map[data-state=ready]")
    legend = [t.strip() for t in page.locator("#gap-legend li[data-class^=c]").all_inner_texts()]
    table: dict[str, tuple[str, str]] = {}
    for row in page.locator("#gap-table tr.gap-row").all():
        name = row.locator("th").inner_text().strip()
        figure = row.locator("td[data-figure=accessibility]").inner_text().strip()
        mapped = row.locator("td").first.inner_text().strip()
        table[name] = (figure, mapped)
    tips: dict[str, str] = {}
    shapes = page.locator("#gap-map path.gap-territory")
    for i in range(shapes.count()):
        shapes.nth(i).hover()
        tip = page.locator(".leaflet-tooltip").last
        tip.wait_for()
        name, _sep, value = tip.inner_text().strip().rpartition(": ")
        tips[name] = value
        page.mouse.move(1, 1)
    return legend, table, tips


def test_the_legend_the_table_and_the_tooltips_write_numbers_alike(live_server, browser, world):
    page, blocked = sign_in(browser, live_server, world["planner"], "/brechas/")
    legend, table, tips = _figures(page)
    sectors = {name: figure for name, (figure, _mapped) in table.items() if "Sector" in name}
    assert len(legend) == 3 and len(sectors) == 3
    # Each sector's class is the one figure it holds, written as its table cell writes it.
    assert sorted(legend) == sorted(sectors.values())
    for name, (figure, mapped) in table.items():
        if name in sectors:
            assert mapped == figure  # the "Map class" column: the legend's label
            assert tips[name] == figure  # the map's tooltip
    # Spanish: a decimal comma, thousands apart, never a decimal point.
    assert set(sectors.values()) >= {"7,66", "0,57"}
    big = sectors["Sector Oriente"]
    assert re.fullmatch(r"1\D234,50", big), big
    assert not any(re.search(r"\d\.\d{2}$", label) for label in legend)

    # In English, the same page writes them the English way, legend and table alike.
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.reload()
    legend, table, tips = _figures(page)
    sectors = {name: figure for name, (figure, _mapped) in table.items() if "Sector" in name}
    assert sorted(legend) == sorted(sectors.values())
    assert set(sectors.values()) >= {"7.66", "0.57"}
    assert all(tips[name] == figure for name, figure in sectors.items())
    assert blocked == []
