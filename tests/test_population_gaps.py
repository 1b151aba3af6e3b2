"""Population years seen from the gap figures: the inventory reads the latest year, and the
trends show when it changed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse
from django.utils import translation

from directory.importers import ImportResult, PopulationOptions, population_import
from directory.models import TaxonomyTerm, TerritoryPopulation
from gaps.inventory.queries import territory_tree
from gaps.models import GapSnapshot
from tests.factories import TerritoryFactory, gap_cell, signed_in

pytestmark = pytest.mark.django_db


def _run(content: bytes) -> ImportResult:
    with translation.override("en"):
        return population_import(content=content, options=PopulationOptions(), dry_run=False)


def test_the_territory_holds_the_latest_year_and_the_inventory_reads_it() -> None:
    territory = TerritoryFactory(code="13101")
    bands = "13101,0-5,{n},{year}\n13101,6-11,{n},{year}\n13101,12-17,{n},{year}"
    header = "territory_code,age,count,year\n"

    _run((header + bands.format(n=100, year=2020)).encode())
    _run((header + bands.format(n=300, year=2024)).encode())
    result = _run((header + bands.format(n=200, year=2022)).encode())  # an older year, late

    assert result.counts["current population changed"] == 0
    assert list(
        TerritoryPopulation.objects.filter(territory=territory).values_list("year", flat=True)
    ) == [2024, 2022, 2020]
    territory.refresh_from_db()
    assert territory.child_population == 900
    _parents, population = territory_tree()
    assert population[territory.pk] == 900

    again = _run((header + bands.format(n=10, year=2024)).encode())  # a year given again
    assert again.counts["years replaced"] == 1
    territory.refresh_from_db()
    assert territory.child_population == 30


def test_the_trends_show_when_the_population_changed(planner: Any) -> None:
    comuna = TerritoryFactory(code="13101")
    term = TaxonomyTerm.objects.filter(parent__isnull=False).first()
    assert term is not None
    for day, children in ((date(2026, 10, 1), 1000), (date(2026, 11, 1), 1200)):
        snapshot = GapSnapshot.objects.create(day=day, equity={})
        gap_cell(snapshot, comuna, term, children=children)

    response = signed_in(planner).get(
        reverse("gaps:trends"), {"category": term.code, "territory": str(comuna.pk)}
    )

    charts = {block["chart"].id: block for block in response.context["charts"]}
    assert [values[0] for _day, values in charts["chart-children"]["table"]] == [1000, 1200]
